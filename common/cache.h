/*
 * cache: remembered DNS outcomes per domain, so that a request almost never
 * waits for the DNS.
 *
 * An entry holds what the DNS said about a domain (the mx hosts, or that
 * there is no policy and why), whether it was DNSSEC-secure, whether the
 * _mta-sts opt-in record was part of the lookup, when it was looked up and
 * until when it may be used (the smallest TTL of the answers, capped by
 * cache_max_ttl).  mode and max_age are not stored: they come from the
 * configuration when the policy is rendered.  A lookup that failed is
 * remembered too (retry_at, fail_msg): until retry_at no new lookup is
 * made, and a policy looked up earlier stays in the entry for serve-stale.
 *
 * Two layers: a table in memory (the FastCGI process keeps it across
 * requests, shared by its threads) and, when cache_dir is set, one file
 * per domain in that directory (CGI processes share it; it also survives
 * restarts).  A file that is corrupt, foreign (another owner) or
 * unreadable is ignored and replaced by the next lookup; files are written
 * atomically.
 *
 * The memory table is bounded in bytes.  Entries belong to a class:
 * listed domains, opted-in domains with a policy, and the rest ("junk":
 * no policy, failures of unlisted names), which anyone can create with
 * random Host headers and which may use at most an eighth of the bound.
 * When a class is over its share, entries whose keep_until has passed go
 * first, then the least recently used ones; junk never displaces the
 * other classes, opted-in policies never displace listed domains.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "resolve.h"

#define CACHE_FILE_MAX		(POLICY_MAX_SIZE + 4096)

enum cache_class {
	CACHE_LISTED,		/* a domain of the configuration's list */
	CACHE_POLICY,		/* an opted-in domain with a policy */
	CACHE_JUNK,		/* anything else: bounded to 1/8 */
	CACHE__CLASSES
};

struct cache_entry {
	/*
	 * RESOLVE_OK: pol holds the mx hosts.  RESOLVE_NOPOLICY: msg says
	 * why (404).  RESOLVE_UNAVAILABLE: only a remembered failure.
	 */
	enum resolve_rc	 rc;
	int		 secure;
	int		 optin;		/* the TXT opt-in was checked */
	int64_t		 stored;	/* time(NULL) of the lookup */
	int64_t		 expires;	/* fresh while now < expires */
	struct policy	 pol;		/* mx hosts (RESOLVE_OK) */
	char		*msg;		/* why (RESOLVE_NOPOLICY); owned */
	/* The last lookup failed: no new one before retry_at (0: none). */
	int64_t		 retry_at;
	int		 tempfail;	/* that failure was temporary */
	char		*fail_msg;	/* its answer (503); owned */
	/* Worthless after this time (memory: evicted first). */
	int64_t		 keep_until;
};

struct cache;

/* An empty entry (allocates nothing); free with cache_entry_clear(). */
void	cache_entry_init(struct cache_entry *e);
void	cache_entry_clear(struct cache_entry *e);

/* Set *dst to a copy of msg (NULL allowed).  Returns 0 or -1 (no memory). */
int	cache_entry_set_msg(struct cache_entry *e, const char *msg);
int	cache_entry_set_fail(struct cache_entry *e, const char *msg);

/* Deep copy; returns 0 or -1 (no memory; dst is then empty). */
int	cache_entry_copy(struct cache_entry *dst,
	    const struct cache_entry *src);

/*
 * An empty memory table bounded to max_bytes (entries, names, messages
 * and bookkeeping, approximately), or NULL when out of memory.  Safe to
 * use from several threads.  NULL-safe free (no entry may be held).
 */
struct cache	*cache_new(size_t max_bytes);
void		 cache_free(struct cache *c);

/*
 * One more owner for c (a configuration reloaded with the same resolver
 * settings keeps its predecessor's table): cache_free() frees it when the
 * last owner lets go.  Returns c.
 */
struct cache	*cache_hold(struct cache *c);

/*
 * The entry for domain, or NULL; it becomes the most recently used.  The
 * caller holds it (it stays valid and unchanged) until cache_release().
 */
const struct cache_entry *cache_get(struct cache *c, const char *domain);
void		 cache_release(struct cache *c, const struct cache_entry *e);

/*
 * Store a copy of e for domain in class cls, replacing any older entry
 * (entries held by others stay valid).  now is used to evict worthless
 * entries first.  Returns 0, or -1 when out of memory or e alone is larger
 * than its class may hold (the table is then unchanged).
 */
int		 cache_put(struct cache *c, const char *domain,
		    const struct cache_entry *e, enum cache_class cls,
		    int64_t now);

/* Number of entries and bytes (approximate) in memory. */
size_t		 cache_count(struct cache *c);
size_t		 cache_bytes(struct cache *c);

/*
 * Read dir's file for domain into e (cache_entry_init()ed).  Returns 0, or
 * -1 when there is no usable file (missing, unreadable, foreign, corrupt);
 * why then says which (empty for a plain "no such file").
 */
int	cache_read(const char *dir, const char *domain, struct cache_entry *e,
	    char *why, size_t whylen);

/*
 * Write e as dir's file for domain: a temporary file in dir, fsync,
 * rename.  Returns 1 when the file is new, 0 when it replaced one, or -1
 * with why set (the cache is then unchanged).  Names of any valid length
 * (up to 253 bytes) are stored; long ones under a hashed file name.
 */
int	cache_write(const char *dir, const char *domain,
	    const struct cache_entry *e, char *why, size_t whylen);

/*
 * Keep dir bounded: remove cache files not written for horizon seconds
 * (their entries are worthless by then), temporary files older than an
 * hour, and then the oldest files while more than max_files remain.
 * Only regular files owned by us and named like ours are touched.  Returns
 * the number of files removed, or -1 with why set.
 */
int	cache_sweep(const char *dir, size_t max_files, int64_t horizon,
	    int64_t now, char *why, size_t whylen);

#endif /* CACHE_H */
