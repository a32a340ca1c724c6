/*
 * server: what a serving process keeps between requests: the lookup
 * context (lookup.h) of the loaded configuration, replaced when the file
 * changes; requests still running keep the old one until they end.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

struct lookup;
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
 * The lookup context of the configuration at path (NULL: the compiled-in
 * default path), held for the caller (lookup_release() when done).
 * domain (lower case) is used only by one-request servers.  The file is
 * loaded on first use and again whenever it or its domains_file changes
 * (device, inode, size, modification or change time) or path differs from
 * the last one.  In a server of many requests, a file whose last load
 * took under 50 ms is reloaded by the request that notices the change
 * while the others wait for it (milliseconds): no request after a change
 * is answered with the old version.  A larger one (a million domains) is
 * reloaded in a thread of its own while every request is answered with
 * the old version, then the switch is atomic.  The first load (or another
 * path) is waited for.  Returns NULL with err set ("file:line:
 * reason") while the file is broken: a broken file is never replaced by
 * defaults nor by the last good version, and is read again when it
 * changes or a second later.  Thread-safe.
 */
struct lookup	*server_lookup(struct server *srv, const char *path,
		    const char *domain, char *err, size_t errlen);

/*
 * The stance on root (SPEC: the programs never need it).  Called by the
 * front ends before anything is served.  When the process runs as root and
 * the configuration file at path (NULL: the default path) belongs to an
 * ordinary user, switch for good to that user and its group (every
 * supplementary group dropped), so that a mistaken "run it as root" setup
 * reads and writes with the owner's rights only.  When the file belongs to
 * root or does not exist, switch to nobody and log a warning: no request
 * is ever answered as root.  Returns 0, or -1 with err set when switching
 * failed (the front end must then stop).
 */
int		 server_drop_root(const char *path, char *err, size_t errlen);

#endif /* SERVER_H */
