/*
 * resolve: build a domain's policy from its DNS records.
 *
 * This is where each DNS outcome becomes a decision (RFC 8461, RFC 5321
 * section 5.1, RFC 7505):
 *
 *	MX secure (or insecure and allowed)	policy with one mx per host
 *	no MX, an address (A or AAAA)		policy "mx: <domain>"
 *	no MX, no address			404: no mail path
 *	Null MX "0 ."				404: the domain takes no mail
 *	NXDOMAIN				404
 *	opt-in wanted, no v=STSv1 TXT		404
 *	insecure, dnssec require		503, says how to fix it
 *	  (the opt-in TXT as well as the MX set: it is the consent)
 *	bogus					503, logs why_bogus
 *	SERVFAIL, timeout			503
 *	malformed or unusable MX data		503 (never a partial policy)
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <stdint.h>

struct conf_policy;
struct dns;
struct policy;

enum resolve_rc {
	RESOLVE_OK,		/* 200: policy filled in */
	RESOLVE_NOPOLICY,	/* 404: there is no policy to serve */
	RESOLVE_UNAVAILABLE,	/* 503: no trustworthy policy right now */
	RESOLVE__MAX
};

#define RESOLVE_MSG_SIZE	768
/* Budget for all lookups of one request; senders give up after 4 s. */
#define RESOLVE_TIMEOUT_MS	3000
/* How long an outcome "no policy" without a TTL of its own is reused. */
#define RESOLVE_NEG_TTL		300

struct resolve_outcome {
	enum resolve_rc	 rc;
	uint32_t	 ttl;	/* smallest TTL of the answers used */
	int		 secure;	/* every answer used was secure */
	int		 tempfail;	/* UNAVAILABLE because of SERVFAIL or
					   timeout (not bogus, not insecure) */
	char		 msg[RESOLVE_MSG_SIZE];	/* one line for the client */
	char		 log[RESOLVE_MSG_SIZE];	/* details for the log */
};

/*
 * Look up domain (lower case, valid hostname) and, on RESOLVE_OK, fill p
 * (policy_init()ed by the caller, normalised here) with the mx hosts and
 * pol's mode and max_age.  With optin set, the domain must also publish a
 * TXT record starting "v=STSv1" at _mta-sts.<domain>.  All lookups together
 * take at most timeout_ms.  On any other outcome p is left empty and out
 * explains why.
 */
void	resolve_policy(struct dns *dns, const char *domain,
	    const struct conf_policy *pol, int optin, int timeout_ms,
	    struct policy *p, struct resolve_outcome *out);

#endif /* RESOLVE_H */
