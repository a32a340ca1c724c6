/*
 * cache: remembered DNS outcomes per domain, so that a request almost never
 * waits for the DNS.
 *
 * An entry holds what the DNS said about a domain (the mx hosts, or that
 * there is no policy and why), whether it was DNSSEC-secure, whether the
 * _mta-sts opt-in record was part of the lookup, when it was looked up and
 * until when it may be used (the smallest TTL of the answers, capped by
 * cache_max_ttl).  mode and max_age are not stored: they come from the
 * configuration when the policy is rendered.
 *
 * Two layers: a table in memory (the FastCGI process keeps it across
 * requests) and, when cache_dir is set, one file per domain in that
 * directory (CGI processes share it; it also survives restarts).  A file
 * that is corrupt, foreign (another owner) or unreadable is ignored and
 * replaced by the next lookup; files are written atomically.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "resolve.h"

#define CACHE_MAX_ENTRIES	200000	/* in memory, per process */
#define CACHE_FILE_MAX		(POLICY_MAX_SIZE + 4096)

struct cache_entry {
	enum resolve_rc	 rc;		/* RESOLVE_OK or RESOLVE_NOPOLICY */
	int		 secure;
	int		 optin;		/* the TXT opt-in was checked */
	int64_t		 stored;	/* time(NULL) of the lookup */
	int64_t		 expires;	/* usable while now < expires */
	struct policy	 pol;		/* mx hosts (RESOLVE_OK) */
	char		*msg;		/* why (RESOLVE_NOPOLICY); owned */
};

struct cache;

/* An empty entry (allocates nothing); free with cache_entry_clear(). */
void	cache_entry_init(struct cache_entry *e);
void	cache_entry_clear(struct cache_entry *e);

/* Set e's message to a copy of msg.  Returns 0 or -1 (no memory). */
int	cache_entry_set_msg(struct cache_entry *e, const char *msg);

/* Deep copy; returns 0 or -1 (no memory; dst is then empty). */
int	cache_entry_copy(struct cache_entry *dst,
	    const struct cache_entry *src);

/* An empty memory table, or NULL when out of memory.  NULL-safe free. */
struct cache	*cache_new(void);
void		 cache_free(struct cache *c);

/* The entry for domain, or NULL.  Valid until the next cache_put(). */
const struct cache_entry *cache_get(const struct cache *c,
		    const char *domain);

/*
 * Store a copy of e for domain, replacing any older entry.  Returns 0, or
 * -1 when out of memory or the table is full of unexpired entries (the
 * table is then unchanged).
 */
int		 cache_put(struct cache *c, const char *domain,
		    const struct cache_entry *e, int64_t now);

/* Number of entries in memory. */
size_t		 cache_count(const struct cache *c);

/*
 * Read dir's file for domain into e (cache_entry_init()ed).  Returns 0, or
 * -1 when there is no usable file (missing, unreadable, foreign, corrupt);
 * why then says which (empty for a plain "no such file").
 */
int	cache_read(const char *dir, const char *domain, struct cache_entry *e,
	    char *why, size_t whylen);

/*
 * Write e as dir's file for domain: a temporary file in dir, fsync,
 * rename.  Returns 0, or -1 with why set (the cache is then unchanged).
 */
int	cache_write(const char *dir, const char *domain,
	    const struct cache_entry *e, char *why, size_t whylen);

#endif /* CACHE_H */
