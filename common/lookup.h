/*
 * lookup: which policy a domain has, decided in one place for the servers
 * and mta-sts-id alike.
 *
 * A struct lookup belongs to one loaded configuration (it owns it) and
 * holds what is built from it: the resolver context, the memory cache, and
 * the lookups in progress.  lookup_policy() answers for one domain:
 *
 *	domains listed and the domain not among them	LOOKUP_NOT_LISTED
 *	override file (valid / invalid)			POLICY / OVERRIDE_INVALID
 *	a remembered outcome still fresh		its answer
 *	a failure remembered (fail_ttl)			stale policy or its 503
 *	otherwise a DNS lookup (resolve.c), opt-in TXT when nothing is listed
 *	live MX host outside mx_allow			LOOKUP_MX_NOT_ALLOWED
 *
 * Shared mode (the FastCGI program: LOOKUP_SHARED) is safe from many
 * threads.  Lookups then run in threads of their own: requests for a
 * domain whose lookup is running wait for that one; at most max_lookups
 * requests wait for the DNS at once and at most max_lookups lookups run
 * (past either bound the answer is LOOKUP_BUSY at once, or a stale policy);
 * a request that has a stale policy to fall back on waits at most
 * LOOKUP_STALE_WAIT_MS and the refresh goes on without it.
 *
 * One-shot mode (the CGI and mta-sts-id) looks up in the calling thread:
 * mta-sts-id adds LOOKUP_NOCACHE (it wants the live DNS) and LOOKUP_QUIET.
 * with a stale policy to fall back on, the DNS gets LOOKUP_STALE_WAIT_MS.
 * In both modes outcomes are shared through cache_dir when it is set:
 * those of listed domains, and policies of opted-in domains.
 */
#ifndef LOOKUP_H
#define LOOKUP_H

#include <stddef.h>

#include "policy.h"
#include "resolve.h"

struct conf;
struct dns;

/* RFC 8767's client response timer: well under senders' 4 s. */
#define LOOKUP_STALE_WAIT_MS	1000

enum lookup_rc {
	LOOKUP_POLICY,		/* 200: pol */
	LOOKUP_NOT_LISTED,	/* 404: the domain is not served */
	LOOKUP_NO_POLICY,	/* 404: msg (NXDOMAIN, Null MX, opt-in) */
	LOOKUP_OVERRIDE_INVALID, /* 503: the override file is broken */
	LOOKUP_MX_NOT_ALLOWED,	/* 503: a live MX host is not in mx_allow */
	LOOKUP_UNAVAILABLE,	/* 503: msg (DNS, DNSSEC, insecure) */
	LOOKUP_BUSY,		/* 503: too many lookups at once */
	LOOKUP_RESOLVER_ERROR,	/* 500: the resolver cannot be created */
	LOOKUP__MAX
};

/* The HTTP status of each outcome. */
extern const int lookup_status[LOOKUP__MAX];

struct lookup_result {
	enum lookup_rc	 rc;
	struct policy	 pol;	/* LOOKUP_POLICY: owned, mode/max_age set */
	int		 stale;	/* pol is older than its TTL */
	int		 tempfail; /* LOOKUP_UNAVAILABLE: a temporary failure */
	char		 msg[RESOLVE_MSG_SIZE];	/* one line, for the client */
	/*
	 * Details of a failure, for the log (a one-shot lookup's DNS
	 * outcome, the override's file:line, the MX host outside mx_allow,
	 * the resolver error).
	 */
	char		 log[1024];
	int		 quiet;	/* LOOKUP_QUIET: nothing was logged */
};

#define LOOKUP_SHARED	0x1	/* many threads, background refresh */
#define LOOKUP_NOCACHE	0x2	/* never read or write cache_dir */
#define LOOKUP_QUIET	0x4	/* log nothing: the caller says it */

struct lookup;

/*
 * A lookup context for conf, which it owns from now on (also when it
 * fails: NULL when out of memory).  timeout_ms bounds the DNS part of one
 * lookup.  Held once; lookup_release() drops a hold and frees at the last.
 */
struct lookup	*lookup_new(struct conf *conf, int flags, int timeout_ms);
void		 lookup_hold(struct lookup *lk);
void		 lookup_release(struct lookup *lk);

/*
 * Take over prev's memory cache (shared from now on) when lk is new, not
 * yet used, and both configurations fill and read the cache by the same
 * rules (resolver, trust anchor, cache and failure lifetimes).  Returns 1
 * when it did, 0 when lk keeps its own empty cache.
 */
int		 lookup_adopt(struct lookup *lk, const struct lookup *prev);

const struct conf *lookup_conf(const struct lookup *lk);

/*
 * The resolver, created on first use.  NULL with err set when it cannot
 * be created (tried again next time).
 */
struct dns	*lookup_dns(struct lookup *lk, char *err, size_t errlen);

/* 1 when domain (lower case, valid) is served: listed, or no list. */
int		 lookup_served(const struct lookup *lk, const char *domain);

/*
 * Decide domain's policy (see above).  res is filled in completely;
 * release it with lookup_result_clear().  host names the request in log
 * lines ("mta-sts.<domain>").
 */
void		 lookup_policy(struct lookup *lk, const char *host,
		    const char *domain, struct lookup_result *res);
void		 lookup_result_clear(struct lookup_result *res);

/* For tests: the memory cache (NULL in one-shot mode). */
struct cache	*lookup_cache(struct lookup *lk);

#endif /* LOOKUP_H */
