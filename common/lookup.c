#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "host.h"
#include "lookup.h"
#include "mlog.h"
#include "override.h"
#include "policy.h"
#include "resolve.h"
#include "xmalloc.h"

/* Stack of a lookup thread: libunbound sets itself up on the first query. */
#define LOOKUP_STACK_SIZE	(2 * 1024 * 1024)
/* A lookup ends by itself at timeout_ms; waiters allow this much more. */
#define LOOKUP_WAIT_SLACK_MS	500

/*
 * What a lookup has to say in the log.  It goes to the log of a request
 * that waited for it (FastCGI: that request's FCGI_STDERR), else to the
 * process's.
 */
enum log_level { LOG_NONE, LOG_INFO, LOG_WARN };

struct lookup_log {
	enum log_level	 level;
	char		 line[RESOLVE_MSG_SIZE + HOST_NAME_SIZE + 16];
	char		 text[RESOLVE_MSG_SIZE];	/* without the host */
};

const int lookup_status[LOOKUP__MAX] = {
	200,	/* LOOKUP_POLICY */
	404,	/* LOOKUP_NOT_LISTED */
	404,	/* LOOKUP_NO_POLICY */
	503,	/* LOOKUP_OVERRIDE_INVALID */
	503,	/* LOOKUP_MX_NOT_ALLOWED */
	503,	/* LOOKUP_UNAVAILABLE */
	503,	/* LOOKUP_BUSY */
	500,	/* LOOKUP_RESOLVER_ERROR */
};

/*
 * One lookup in progress (shared mode).  Held by its thread and by every
 * request waiting for it; unlinked from lk->flights when done, so that
 * later requests start from the cache.
 */
struct flight {
	struct flight		*next;
	struct lookup		*lk;
	char			 domain[HOST_NAME_SIZE];
	const struct conf_policy *pol;
	int			 optin;
	int			 listed;
	struct cache_entry	 old;	/* what was remembered before */
	unsigned int		 refs;
	int			 done;
	int			 rerr;	/* the resolver could not be made */
	int64_t			 done_at;
	struct cache_entry	 out;	/* the outcome, once done */
	struct lookup_log	 log;	/* emitted once, by a waiter if any */
};

struct lookup {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;	/* a flight is done (monotonic) */
	unsigned int		 refs;
	int			 flags;
	int			 timeout_ms;
	struct conf		*conf;
	struct dns		*dns;
	struct cache		*cache;	/* shared mode only */
	struct flight		*flights;
	unsigned long		 running;	/* lookup threads */
	unsigned long		 waiting;	/* requests waiting for them */
	long long		 busy_logged;	/* second of the last busy line */
	long			 busy_quiet;	/* busy lines not written since */
};

static void __attribute__((format(printf, 2, 3)))
res_msg(struct lookup_result *res, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

struct lookup *
lookup_new(struct conf *conf, int flags, int timeout_ms)
{
	struct lookup		*lk;
	pthread_condattr_t	 ca;

	if ((lk = xcalloc(1, sizeof(*lk))) == NULL) {
		conf_free(conf);
		return NULL;
	}
	lk->conf = conf;
	lk->flags = flags;
	lk->timeout_ms = timeout_ms;
	lk->refs = 1;
	if ((flags & LOOKUP_SHARED) &&
	    (lk->cache = cache_new(conf->cache_size)) == NULL)
		goto fail;
	if (pthread_mutex_init(&lk->mu, NULL) != 0)
		goto fail;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&lk->cv, &ca) != 0) {
		(void)pthread_mutex_destroy(&lk->mu);
		goto fail;
	}
	(void)pthread_condattr_destroy(&ca);
	return lk;
 fail:
	cache_free(lk->cache);
	conf_free(conf);
	free(lk);
	return NULL;
}

/* 1 when two strings are both NULL or equal. */
static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * 1 when a cache filled under a's settings answers as one filled under
 * b's would: the same resolver, trust, bounds and lifetimes.  mode,
 * max_age, mx_allow and dnssec are applied when answering (entry_fits(),
 * answer_policy()), and the listing decides before the cache is asked.
 */
static int
same_cache_rules(const struct conf *a, const struct conf *b)
{
	size_t	 i;

	if (a->resolver != b->resolver || a->nforwarders != b->nforwarders ||
	    !same_str(a->trust_anchor, b->trust_anchor) ||
	    !same_str(a->unbound_conf, b->unbound_conf) ||
	    a->cache_size != b->cache_size ||
	    a->cache_max_ttl != b->cache_max_ttl ||
	    a->fail_ttl != b->fail_ttl || a->stale_max != b->stale_max)
		return 0;
	for (i = 0; i < a->nforwarders; i++)
		if (strcmp(a->forwarders[i], b->forwarders[i]) != 0)
			return 0;
	return 1;
}

int
lookup_adopt(struct lookup *lk, const struct lookup *prev)
{
	if (prev == NULL || lk->cache == NULL || prev->cache == NULL ||
	    !same_cache_rules(lk->conf, prev->conf))
		return 0;
	cache_free(lk->cache);
	lk->cache = cache_hold(prev->cache);
	return 1;
}

void
lookup_hold(struct lookup *lk)
{
	(void)pthread_mutex_lock(&lk->mu);
	lk->refs++;
	(void)pthread_mutex_unlock(&lk->mu);
}

void
lookup_release(struct lookup *lk)
{
	unsigned int	 left;

	if (lk == NULL)
		return;
	(void)pthread_mutex_lock(&lk->mu);
	left = --lk->refs;
	(void)pthread_mutex_unlock(&lk->mu);
	if (left > 0)
		return;
	/* No flight is left: each holds lk until it is done. */
	dns_free(lk->dns);
	cache_free(lk->cache);
	conf_free(lk->conf);
	(void)pthread_cond_destroy(&lk->cv);
	(void)pthread_mutex_destroy(&lk->mu);
	free(lk);
}

const struct conf *
lookup_conf(const struct lookup *lk)
{
	return lk->conf;
}

struct cache *
lookup_cache(struct lookup *lk)
{
	return lk->cache;
}

struct dns *
lookup_dns(struct lookup *lk, char *err, size_t errlen)
{
	struct dns	*dns;

	(void)pthread_mutex_lock(&lk->mu);
	if (lk->dns == NULL)
		lk->dns = dns_new(lk->conf, err, errlen);
	dns = lk->dns;
	(void)pthread_mutex_unlock(&lk->mu);
	return dns;
}

int
lookup_served(const struct lookup *lk, const char *domain)
{
	const struct conf_policy	*pol;

	return lk->conf->nlisted == 0 || conf_find(lk->conf, domain, &pol);
}

void
lookup_result_clear(struct lookup_result *res)
{
	policy_clear(&res->pol);
}

static void
result_init(struct lookup_result *res)
{
	memset(res, 0, sizeof(*res));
	policy_init(&res->pol);
	res->rc = LOOKUP_UNAVAILABLE;
}

/*
 * A remembered outcome may answer only when it was made under the same
 * rules: the same opt-in check, and a policy only when DNSSEC-secure
 * unless the domain allows insecure answers.  "No policy" and failures
 * answer whatever their security: a lookup made now would answer the same.
 */
static int
entry_fits(const struct cache_entry *e, const struct conf_policy *pol,
    int optin)
{
	return e->optin == optin && (e->rc != RESOLVE_OK || e->secure ||
	    pol->dnssec == CONF_DNSSEC_ALLOW_INSECURE);
}

/*
 * Answer with e's mx hosts and today's mode and max_age, unless an MX host
 * falls outside the domain's mx_allow list: then nothing is published (a
 * defence for zones without DNSSEC against a forged MX set).
 */
static void
answer_policy(const struct cache_entry *e, const struct conf_policy *pol,
    const char *host, const char *domain, int stale,
    struct lookup_result *res)
{
	size_t	 i;

	for (i = 0; i < e->pol.nmx; i++)
		if (!conf_mx_allowed(pol, e->pol.mx[i])) {
			(void)snprintf(res->log, sizeof(res->log), "MX host "
			    "%s is not in mx_allow", e->pol.mx[i]);
			if (!res->quiet)
				mlog_warnx("%s: %s: %s; policy withheld", host,
				    domain, res->log);
			res->rc = LOOKUP_MX_NOT_ALLOWED;
			res_msg(res, "MX host %s of %s is not allowed by this "
			    "server's mx_allow list", e->pol.mx[i], domain);
			return;
		}
	policy_clear(&res->pol);
	for (i = 0; i < e->pol.nmx; i++)
		if (policy_add_mx(&res->pol, e->pol.mx[i],
		    strlen(e->pol.mx[i])) == -1) {
			policy_clear(&res->pol);
			res->rc = LOOKUP_UNAVAILABLE;
			res_msg(res, "out of memory");
			return;
		}
	res->pol.mode = pol->mode;
	res->pol.max_age = pol->max_age;
	res->stale = stale;
	res->rc = LOOKUP_POLICY;
}

/*
 * Answer from a remembered outcome.  just: e is the outcome of the lookup
 * this request made or waited for (its times do not matter then).
 * Returns 1 when res is set, 0 when a new lookup is needed.
 */
static int
answer_from(const struct lookup *lk, const struct cache_entry *e,
    int64_t now, int just, const char *host, const char *domain,
    const struct conf_policy *pol, struct lookup_result *res)
{
	if (e->retry_at != 0 && (just || now < e->retry_at)) {
		if (e->rc == RESOLVE_OK && e->tempfail &&
		    now - e->stored <= (int64_t)lk->conf->stale_max) {
			if (just)
				mlog_warnx("%s: %s; serving the policy looked "
				    "up %lld s ago (stale_max %lu)", host,
				    e->fail_msg, (long long)(now - e->stored),
				    lk->conf->stale_max);
			answer_policy(e, pol, host, domain, 1, res);
			return 1;
		}
		res->rc = LOOKUP_UNAVAILABLE;
		res->tempfail = e->tempfail;
		res_msg(res, "%s", e->fail_msg);
		return 1;
	}
	if (e->rc != RESOLVE_UNAVAILABLE && (just || now < e->expires)) {
		if (e->rc == RESOLVE_NOPOLICY) {
			res->rc = LOOKUP_NO_POLICY;
			res_msg(res, "%s", e->msg != NULL ? e->msg :
			    "no MTA-STS policy");
			return 1;
		}
		answer_policy(e, pol, host, domain, 0, res);
		return 1;
	}
	return 0;
}

/* A stale policy in e that may still be served, if the DNS fails. */
static int
stale_usable(const struct lookup *lk, const struct cache_entry *e,
    int64_t now)
{
	return e != NULL && e->rc == RESOLVE_OK &&
	    now - e->stored <= (int64_t)lk->conf->stale_max;
}

static void
log_set(struct lookup_log *lg, enum log_level level, const char *host,
    const char *text)
{
	lg->level = level;
	(void)snprintf(lg->line, sizeof(lg->line), "%s: %s", host, text);
	(void)snprintf(lg->text, sizeof(lg->text), "%s", text);
}

static void
log_emit(struct lookup_log *lg)
{
	if (lg->level == LOG_INFO)
		mlog_info("%s", lg->line);
	else if (lg->level == LOG_WARN)
		mlog_warnx("%s", lg->line);
	lg->level = LOG_NONE;
}

/*
 * Look the domain up and make the entry to remember (*ne, initialised
 * here).  old is what was remembered before (NULL: nothing): a failure
 * keeps its policy for serve-stale.  Returns 0, or -1 when the resolver
 * cannot be created (err set).
 */
static int
lookup_dns_entry(struct lookup *lk, const char *host, const char *domain,
    const struct conf_policy *pol, int optin, int timeout_ms,
    const struct cache_entry *old, struct cache_entry *ne, char *err,
    size_t errlen, struct lookup_log *lg)
{
	struct resolve_outcome	 out;
	const struct conf	*conf = lk->conf;
	struct dns		*dns;
	int64_t			 now;
	uint32_t		 ttl;

	cache_entry_init(ne);
	if ((dns = lookup_dns(lk, err, errlen)) == NULL)
		return -1;
	resolve_policy(dns, domain, pol, optin, timeout_ms, &ne->pol, &out);
	now = (int64_t)time(NULL);
	if (out.rc == RESOLVE_OK || out.rc == RESOLVE_NOPOLICY) {
		if (out.rc == RESOLVE_NOPOLICY)
			log_set(lg, LOG_INFO, host, out.log);
		ne->rc = out.rc;
		ne->secure = out.secure;
		ne->optin = optin;
		ne->stored = now;
		ttl = out.ttl < conf->cache_max_ttl ? out.ttl :
		    (uint32_t)conf->cache_max_ttl;
		ne->expires = now + ttl;
		ne->keep_until = ne->expires + (out.rc == RESOLVE_OK ?
		    (int64_t)conf->stale_max : 0);
		if (out.rc == RESOLVE_NOPOLICY &&
		    cache_entry_set_msg(ne, out.msg) == -1)
			goto nomem;
		return 0;
	}
	log_set(lg, LOG_WARN, host, out.log);
	if (old != NULL && old->rc == RESOLVE_OK) {
		/* Keep the policy looked up before, for serve-stale. */
		if (cache_entry_copy(ne, old) == -1)
			goto nomem;
	} else {
		ne->rc = RESOLVE_UNAVAILABLE;
		ne->optin = optin;
		ne->stored = ne->expires = now;
		ne->keep_until = 0;
	}
	ne->retry_at = now + (int64_t)conf->fail_ttl;
	ne->tempfail = out.tempfail;
	if (ne->keep_until < ne->retry_at)
		ne->keep_until = ne->retry_at;
	if (cache_entry_set_fail(ne, out.msg) == -1)
		goto nomem;
	return 0;
 nomem:
	/* Still an answer: a failure remembered for no time at all. */
	cache_entry_clear(ne);
	ne->rc = RESOLVE_UNAVAILABLE;
	ne->optin = optin;
	ne->retry_at = now;
	ne->fail_msg = NULL;
	return 0;
}

/* The cache class of an outcome. */
static enum cache_class
entry_class(int listed, const struct cache_entry *ne)
{
	return listed ? CACHE_LISTED : ne->rc == RESOLVE_OK ? CACHE_POLICY :
	    CACHE_JUNK;
}

/* Remember ne in memory (shared mode). */
static void
remember_memory(struct lookup *lk, const char *domain, int listed,
    const struct cache_entry *ne)
{
	if (lk->cache == NULL ||
	    (ne->rc == RESOLVE_UNAVAILABLE && ne->fail_msg == NULL))
		return;
	(void)cache_put(lk->cache, domain, ne, entry_class(listed, ne),
	    (int64_t)time(NULL));
}

/*
 * Remember ne in cache_dir when it is worth sharing: outcomes of listed
 * domains, and policies (also kept through a failure) of opted-in ones.
 * Random names in opt-in mode thus never reach the disk.  The directory
 * is swept now and then after a new file.
 */
static void
remember_disk(struct lookup *lk, const char *domain, int listed,
    const struct cache_entry *ne)
{
	const struct conf	*conf = lk->conf;
	int64_t			 now = (int64_t)time(NULL), horizon;
	size_t			 max;
	char			 why[512];
	int			 rc;

	if (conf->cache_dir == NULL || (lk->flags & LOOKUP_NOCACHE) ||
	    (ne->rc == RESOLVE_UNAVAILABLE && ne->fail_msg == NULL) ||
	    entry_class(listed, ne) == CACHE_JUNK)
		return;
	if ((rc = cache_write(conf->cache_dir, domain, ne, why,
	    sizeof(why))) == -1) {
		mlog_warnx("%s: cache not written: %s", domain, why);
		return;
	}
	if (rc == 1 && arc4random_uniform(32) == 0) {
		/* Listed domains always fit, whatever cache_dir_max says. */
		max = conf->cache_dir_max;
		if (max < conf->nlisted + conf->nlisted / 8 + 64)
			max = conf->nlisted + conf->nlisted / 8 + 64;
		horizon = (int64_t)(conf->cache_max_ttl > RESOLVE_NEG_TTL ?
		    conf->cache_max_ttl : RESOLVE_NEG_TTL) +
		    (int64_t)conf->stale_max + (int64_t)conf->fail_ttl;
		if ((rc = cache_sweep(conf->cache_dir, max, horizon, now,
		    why, sizeof(why))) == -1)
			mlog_warnx("cache_dir sweep: %s", why);
		else if (rc > 0)
			mlog_debug("cache_dir sweep: %d files removed", rc);
	}
}

/* The answer when the resolver cannot be created. */
static void
resolver_error(const char *host, const char *domain, const char *err,
    struct lookup_result *res)
{
	(void)snprintf(res->log, sizeof(res->log), "%s", err);
	if (!res->quiet)
		mlog_warnx("%s: %s: resolver: %s", host, domain, err);
	res->rc = LOOKUP_RESOLVER_ERROR;
	res_msg(res, "server configuration error; see the server log");
}

/*
 * At most one line per second about requests turned away by max_lookups:
 * a flood must not fill the log either.  Returns the number of lines
 * suppressed since the last one, or -1 when this one is suppressed too.
 */
static long
busy_log_slot(struct lookup *lk)
{
	long long	 sec = clock_ms() / 1000;
	long		 n = -1;

	(void)pthread_mutex_lock(&lk->mu);
	if (lk->busy_logged != sec) {
		lk->busy_logged = sec;
		n = lk->busy_quiet;
		lk->busy_quiet = 0;
	} else
		lk->busy_quiet++;
	(void)pthread_mutex_unlock(&lk->mu);
	return n;
}

static void
busy(struct lookup *lk, const char *host, const char *domain,
    const struct cache_entry *e, int64_t now, const struct conf_policy *pol,
    struct lookup_result *res)
{
	long	 quiet = busy_log_slot(lk);

	if (stale_usable(lk, e, now)) {
		if (quiet >= 0)
			mlog_warnx("%s: %s: too many lookups at once "
			    "(max_lookups %lu); serving the policy looked up "
			    "%lld s ago (stale_max %lu); %ld more turned away "
			    "in the last second", host, domain,
			    lk->conf->max_lookups, (long long)(now - e->stored),
			    lk->conf->stale_max, quiet);
		answer_policy(e, pol, host, domain, 1, res);
		return;
	}
	if (quiet >= 0)
		mlog_warnx("%s: %s: too many lookups at once (max_lookups %lu); "
		    "answered 503; %ld more turned away in the last second",
		    host, domain, lk->conf->max_lookups, quiet);
	res->rc = LOOKUP_BUSY;
	res->tempfail = 1;
	res_msg(res, "too many DNS lookups in progress; try again later");
}

static void
flight_put(struct lookup *lk, struct flight *f)
{
	/* Under lk->mu. */
	if (--f->refs == 0) {
		cache_entry_clear(&f->old);
		cache_entry_clear(&f->out);
		free(f);
	}
	(void)lk;
}

static void *
flight_main(void *arg)
{
	struct flight	 *f = arg, **fp;
	struct lookup	 *lk = f->lk;
	struct cache_entry ne;
	char		  host[HOST_NAME_SIZE + 8], err[1024];
	int		  rerr;

	(void)snprintf(host, sizeof(host), "mta-sts.%s", f->domain);
	rerr = lookup_dns_entry(lk, host, f->domain, f->pol, f->optin,
	    lk->timeout_ms, f->old.rc == RESOLVE_OK ? &f->old : NULL, &ne,
	    err, sizeof(err), &f->log) == -1;
	if (rerr)
		mlog_warnx("%s: %s: resolver: %s", host, f->domain, err);
	else
		remember_memory(lk, f->domain, f->listed, &ne);

	(void)pthread_mutex_lock(&lk->mu);
	for (fp = &lk->flights; *fp != NULL; fp = &(*fp)->next)
		if (*fp == f) {
			*fp = f->next;
			break;
		}
	f->out = ne;		/* moved */
	f->rerr = rerr;
	f->done = 1;
	f->done_at = (int64_t)time(NULL);
	lk->running--;
	if (f->refs == 1)
		log_emit(&f->log);	/* nobody waits for it */
	(void)pthread_cond_broadcast(&lk->cv);
	(void)pthread_mutex_unlock(&lk->mu);
	/*
	 * The disk after the waiters: they need not wait for fsync.  Our
	 * hold keeps f, and f->out no longer changes.
	 */
	if (!rerr)
		remember_disk(lk, f->domain, f->listed, &f->out);
	(void)pthread_mutex_lock(&lk->mu);
	flight_put(lk, f);
	(void)pthread_mutex_unlock(&lk->mu);
	lookup_release(lk);
	return NULL;
}

/* Start a lookup thread for domain (under lk->mu).  NULL when it cannot. */
static struct flight *
flight_start(struct lookup *lk, const char *domain,
    const struct conf_policy *pol, int optin, int listed,
    const struct cache_entry *old)
{
	struct flight	*f;
	pthread_attr_t	 attr;
	pthread_t	 t;
	sigset_t	 all, prev;
	int		 rc;

	if ((f = xcalloc(1, sizeof(*f))) == NULL)
		return NULL;
	cache_entry_init(&f->old);
	cache_entry_init(&f->out);
	(void)snprintf(f->domain, sizeof(f->domain), "%s", domain);
	f->lk = lk;
	f->pol = pol;
	f->optin = optin;
	f->listed = listed;
	f->refs = 1;		/* the thread's */
	if (old != NULL && cache_entry_copy(&f->old, old) == -1)
		goto fail;
	if (pthread_attr_init(&attr) != 0)
		goto fail;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, LOOKUP_STACK_SIZE);
	lk->refs++;
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &prev);
	rc = pthread_create(&t, &attr, flight_main, f);
	(void)pthread_sigmask(SIG_SETMASK, &prev, NULL);
	(void)pthread_attr_destroy(&attr);
	if (rc != 0) {
		lk->refs--;
		mlog_warnx("%s: cannot start a lookup thread: %s", domain,
		    strerror(rc));
		goto fail;
	}
	f->next = lk->flights;
	lk->flights = f;
	lk->running++;
	return f;
 fail:
	cache_entry_clear(&f->old);
	free(f);
	return NULL;
}

static void
deadline_ts(long long ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

/* Shared mode: join or start the domain's lookup, wait for it. */
static void
lookup_shared(struct lookup *lk, const char *host, const char *domain,
    const struct conf_policy *pol, int optin, int listed,
    const struct cache_entry *e, int64_t now, struct lookup_result *res)
{
	struct flight	*f;
	struct timespec	 ts;
	long long	 deadline;
	int		 stale, rc = 0;
	char		 err[64];

	stale = stale_usable(lk, e, now);
	(void)pthread_mutex_lock(&lk->mu);
	if (lk->waiting >= lk->conf->max_lookups) {
		(void)pthread_mutex_unlock(&lk->mu);
		busy(lk, host, domain, e, now, pol, res);
		return;
	}
	for (f = lk->flights; f != NULL; f = f->next)
		if (strcmp(f->domain, domain) == 0)
			break;
	if (f != NULL && stale) {
		/*
		 * Its refresh is already running and has had a request wait
		 * for it: the stale policy at once.
		 */
		(void)pthread_mutex_unlock(&lk->mu);
		answer_policy(e, pol, host, domain, 1, res);
		return;
	}
	if (f == NULL && (lk->running >= lk->conf->max_lookups ||
	    (f = flight_start(lk, domain, pol, optin, listed, e)) == NULL)) {
		(void)pthread_mutex_unlock(&lk->mu);
		busy(lk, host, domain, e, now, pol, res);
		return;
	}
	f->refs++;
	lk->waiting++;
	deadline = clock_ms() + (stale ? LOOKUP_STALE_WAIT_MS :
	    lk->timeout_ms + LOOKUP_WAIT_SLACK_MS);
	deadline_ts(deadline, &ts);
	while (!f->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&lk->cv, &lk->mu, &ts);
	lk->waiting--;
	if (f->done)
		log_emit(&f->log);	/* the first waiter's log */
	if (!f->done) {
		flight_put(lk, f);
		(void)pthread_mutex_unlock(&lk->mu);
		if (stale) {
			mlog_warnx("%s: %s: the DNS is slow; serving the policy "
			    "looked up %lld s ago (stale_max %lu), refreshing "
			    "in the background", host, domain,
			    (long long)(now - e->stored),
			    lk->conf->stale_max);
			answer_policy(e, pol, host, domain, 1, res);
		} else {
			res->rc = LOOKUP_UNAVAILABLE;
			res->tempfail = 1;
			res_msg(res, "DNS lookup of %s MX failed temporarily; "
			    "try again later", domain);
		}
		return;
	}
	(void)pthread_mutex_unlock(&lk->mu);
	/* f->out no longer changes; our hold keeps it. */
	if (f->rerr) {
		(void)snprintf(err, sizeof(err), "see above");
		resolver_error(host, domain, err, res);
	} else if (!answer_from(lk, &f->out, f->done_at, 1, host, domain, pol,
	    res)) {
		res->rc = LOOKUP_UNAVAILABLE;
		res_msg(res, "out of memory");
	}
	(void)pthread_mutex_lock(&lk->mu);
	flight_put(lk, f);
	(void)pthread_mutex_unlock(&lk->mu);
}

/* A domain whose policy comes from the DNS. */
static void
lookup_from_dns(struct lookup *lk, const char *host, const char *domain,
    const struct conf_policy *pol, int optin, int listed,
    struct lookup_result *res)
{
	const struct conf	*conf = lk->conf;
	const struct cache_entry *held = NULL, *e = NULL;
	struct cache_entry	 disk, ne;
	struct lookup_log	 lg;
	int64_t			 now;
	char			 err[1024];

	cache_entry_init(&disk);
	cache_entry_init(&ne);
	now = (int64_t)time(NULL);
	if (lk->cache != NULL &&
	    (held = cache_get(lk->cache, domain)) != NULL &&
	    entry_fits(held, pol, optin))
		e = held;
	if (e == NULL && conf->cache_dir != NULL &&
	    !(lk->flags & LOOKUP_NOCACHE)) {
		if (cache_read(conf->cache_dir, domain, &disk, err,
		    sizeof(err)) == 0) {
			if (entry_fits(&disk, pol, optin)) {
				e = &disk;
				if (lk->cache != NULL)
					(void)cache_put(lk->cache, domain,
					    &disk, entry_class(listed, &disk),
					    now);
			}
		} else if (err[0] != '\0')
			mlog_warnx("%s: cache entry ignored: %s", domain, err);
	}
	if (e != NULL && answer_from(lk, e, now, 0, host, domain, pol, res))
		goto out;

	if (lk->flags & LOOKUP_SHARED) {
		lookup_shared(lk, host, domain, pol, optin, listed, e, now,
		    res);
		goto out;
	}
	/* One-shot: the DNS gets the client timer when stale may answer. */
	memset(&lg, 0, sizeof(lg));
	if (lookup_dns_entry(lk, host, domain, pol, optin,
	    stale_usable(lk, e, now) ? LOOKUP_STALE_WAIT_MS : lk->timeout_ms,
	    e, &ne, err, sizeof(err), &lg) == -1) {
		resolver_error(host, domain, err, res);
		goto out;
	}
	(void)snprintf(res->log, sizeof(res->log), "%s", lg.text);
	if (res->quiet)
		lg.level = LOG_NONE;
	log_emit(&lg);
	remember_memory(lk, domain, listed, &ne);
	remember_disk(lk, domain, listed, &ne);
	if (!answer_from(lk, &ne, (int64_t)time(NULL), 1, host, domain, pol,
	    res)) {
		res->rc = LOOKUP_UNAVAILABLE;
		res_msg(res, "out of memory");
	}
 out:
	if (held != NULL)
		cache_release(lk->cache, held);
	cache_entry_clear(&ne);
	cache_entry_clear(&disk);
}

void
lookup_policy(struct lookup *lk, const char *host, const char *domain,
    struct lookup_result *res)
{
	const struct conf_policy *pol;
	char			 err[1024];
	int			 listed;

	result_init(res);
	res->quiet = (lk->flags & LOOKUP_QUIET) != 0;
	listed = conf_find(lk->conf, domain, &pol);
	if (lk->conf->nlisted > 0 && !listed) {
		res->rc = LOOKUP_NOT_LISTED;
		res_msg(res, "no MTA-STS policy is served for %s", domain);
		return;
	}
	if (pol->override != NULL) {
		if (override_load(pol->override, &res->pol, err,
		    sizeof(err)) == -1) {
			(void)snprintf(res->log, sizeof(res->log), "%s", err);
			if (!res->quiet)
				mlog_warnx("%s: %s: invalid override, not "
				    "served: %s", host, domain, err);
			policy_clear(&res->pol);
			res->rc = LOOKUP_OVERRIDE_INVALID;
			res_msg(res, "the policy override for %s is invalid; "
			    "see the server log", domain);
			return;
		}
		res->rc = LOOKUP_POLICY;
		return;
	}
	lookup_from_dns(lk, host, domain, pol, !listed, listed, res);
}
