/*
 * server: what a serving process keeps between requests: the loaded
 * configuration (reloaded when the file changes) and the libunbound
 * context (created on the first request that needs DNS).
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

struct cache;
struct conf;
struct dns;
struct server;

/*
 * Returns NULL when out of memory.  Loads nothing yet.  one_request is set
 * by front ends that answer a single request (CGI): the configuration is
 * then loaded only as far as that request's domain needs
 * (conf_load_for()).
 */
struct server	*server_new(int one_request);

/* NULL-safe. */
void		 server_free(struct server *srv);

/*
 * The configuration for path (NULL: the compiled-in default path), for a
 * request for domain (lower case; used only by one-request servers).  The
 * file is loaded on first use and again whenever it changes (device, inode,
 * size, modification or change time) or path differs from the last one.
 * Returns NULL with err set ("file:line: reason") while the file is
 * broken; a broken file is never replaced by defaults.
 */
const struct conf *server_conf(struct server *srv, const char *path,
		    const char *domain, char *err, size_t errlen);

/*
 * The resolver for the current configuration, created on first use and
 * dropped when the configuration is reloaded.  Returns NULL with err set
 * when it cannot be created.
 */
struct dns	*server_dns(struct server *srv, char *err, size_t errlen);

/*
 * The in-memory cache of DNS outcomes for the current configuration,
 * created on first use and emptied when the configuration is reloaded.
 * NULL when out of memory (serving goes on without it).
 */
struct cache	*server_cache(struct server *srv);

/*
 * The stance on root (SPEC: the programs never need it).  Called by the
 * front ends before anything is served.  When the process runs as root and
 * the configuration file at path (NULL: the default path) belongs to an
 * ordinary user, switch for good to that user and its group (every
 * supplementary group dropped), so that a mistaken "run it as root" setup
 * reads and writes with the owner's rights only.  When the file belongs to
 * root or does not exist, keep running and log a warning.  Returns 0, or
 * -1 with err set when switching failed (the front end must then stop).
 */
int		 server_drop_root(const char *path, char *err, size_t errlen);

#endif /* SERVER_H */
