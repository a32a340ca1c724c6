/*
 * publish: put a new id in the DNS through the publish hook, then wait
 * for the DNS to show it (see mta-sts-id(8), PUBLISH HOOK).
 *
 *	publish_hook()	fork and execve the hook (no shell), stdin
 *			/dev/null, its stdout and stderr to our stderr,
 *			killed (its process group) after PUBLISH_HOOK_TIMEOUT_S
 *	publish_seen()	poll _mta-sts.<domain> TXT, each time with a new
 *			resolver context (no cached answer), until exactly
 *			one v=STSv1 record with the id is there or wait_s
 *			has passed
 */
#ifndef PUBLISH_H
#define PUBLISH_H

struct conf;

#define PUBLISH_HOOK_TIMEOUT_S	120
#define PUBLISH_POLL_S		2	/* between DNS checks */
#define PUBLISH_DNS_TIMEOUT_MS	5000	/* one DNS check */

/*
 * Run hook for domain's new id with TXT TTL ttl; conf's nsupdate_server,
 * nsupdate_zone and nsupdate_key, when set, go to the hook as
 * MTA_STS_NSUPDATE_SERVER, _ZONE and _KEY.  Returns 0 when it exited 0,
 * else -1 with err set ("exited 3", "killed after 120 s", ...).
 */
int	publish_hook(const char *hook, const char *domain, const char *id,
	    unsigned int ttl, const struct conf *conf, char *err,
	    size_t errlen);

/*
 * Wait at most wait_s seconds (at least one query) for the DNS, through
 * conf's resolver, to answer _mta-sts.<domain> TXT with exactly one
 * v=STSv1 record, and that with id.  Returns 0, or -1 with err set to
 * what the last answer showed.
 */
int	publish_seen(const struct conf *conf, const char *domain,
	    const char *id, unsigned long wait_s, char *err, size_t errlen);

#endif /* PUBLISH_H */
