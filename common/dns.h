/*
 * dns: validated DNS lookups through libunbound.  This is the only file
 * that includes <unbound.h>; no libunbound type leaves it.
 *
 * One context per process (struct dns), created from the configuration:
 * resolver mode (recursive from the root, the system's resolv.conf servers,
 * or explicit forwarders), the trust anchor (built-in root DS or a file) and
 * an optional extra libunbound configuration file.  The context keeps its
 * cache for its lifetime.
 *
 * Lookups run asynchronously in libunbound's worker thread so that a whole
 * batch is bounded by one deadline: a query still unanswered when the
 * deadline passes is cancelled and reported as DNS_TEMPFAIL.  That is what
 * keeps a request with dead authoritative servers answering in time.
 *
 * A context may be shared by threads: dns_run() may be called from any
 * number of threads at once (a service thread of the context delivers
 * every answer).  dns_new() and dns_free() are not concurrent with
 * anything else on the same context.
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>

struct conf;

enum dns_rc {
	DNS_OK,		/* records of the type exist; see secure */
	DNS_NODATA,	/* the name exists, no records of the type */
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_BOGUS,	/* DNSSEC validation failed; why says why */
	DNS_TEMPFAIL,	/* SERVFAIL, timeout, refused, resolver error */
	DNS__MAX
};

#define DNS_TYPE_A	1
#define DNS_TYPE_MX	15
#define DNS_TYPE_TXT	16
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_TLSA	52

#define DNS_WHY_SIZE	512

struct dns_result {
	enum dns_rc	  rc;
	/*
	 * For DNS_OK, DNS_NODATA and DNS_NXDOMAIN: 1 when the answer (or
	 * the proof of non-existence) validated as secure, 0 when it is
	 * insecure (an unsigned zone).  0 otherwise.
	 */
	int		  secure;
	uint32_t	  ttl;		/* seconds the answer may be cached */
	size_t		  n;		/* number of rdata */
	unsigned char	**data;		/* owned copies of each rdata */
	size_t		 *len;
	char		  why[DNS_WHY_SIZE];	/* reason for BOGUS/TEMPFAIL */
};

struct dns_query {
	const char		*name;	/* in: borrowed, must outlive dns_run */
	int			 type;	/* in: DNS_TYPE_* */
	struct dns_result	 res;	/* out */
};

struct dns;

/*
 * Create the process's resolver context from conf.  Returns NULL with err
 * set ("trust_anchor /x: No such file or directory", ...) on failure.
 * Free with dns_free().
 */
struct dns	*dns_new(const struct conf *conf, char *err, size_t errlen);

/* NULL-safe.  Cancels queries still outstanding. */
void		 dns_free(struct dns *dns);

/*
 * Resolve the n queries in parallel, waiting at most timeout_ms in all.
 * Every q[i].res is filled (DNS_TEMPFAIL "timed out" for those still
 * pending at the deadline); release them with dns_result_clear().
 */
void		 dns_run(struct dns *dns, struct dns_query *q, size_t n,
		    int timeout_ms);

/* Free the rdata copies; the result reads as an empty DNS_TEMPFAIL. */
void		 dns_result_clear(struct dns_result *res);

/* "ok", "nodata", "nxdomain", "bogus", "tempfail". */
const char	*dns_rc_name(enum dns_rc rc);

#endif /* DNS_H */
