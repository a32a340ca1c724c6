#include <sys/types.h>

#include <pthread.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#ifdef DNS_DLOPEN
/*
 * The CGI build loads libunbound (and with it libevent, nettle, hogweed and
 * gmp) only when a request really needs the DNS: a request answered from
 * cache_dir then costs no more than the dynamic loader's work for libc.
 * The long-running and static builds link libunbound as usual.
 */
#include <dlfcn.h>

#define DNS_LIBUNBOUND	"libunbound.so.8"

static __typeof__(ub_cancel)	*dl_ub_cancel;
static __typeof__(ub_ctx_add_ta)	*dl_ub_ctx_add_ta;
static __typeof__(ub_ctx_add_ta_file)	*dl_ub_ctx_add_ta_file;
static __typeof__(ub_ctx_async)	*dl_ub_ctx_async;
static __typeof__(ub_ctx_config)	*dl_ub_ctx_config;
static __typeof__(ub_ctx_create)	*dl_ub_ctx_create;
static __typeof__(ub_ctx_delete)	*dl_ub_ctx_delete;
static __typeof__(ub_ctx_resolvconf)	*dl_ub_ctx_resolvconf;
static __typeof__(ub_ctx_set_fwd)	*dl_ub_ctx_set_fwd;
static __typeof__(ub_ctx_set_option)	*dl_ub_ctx_set_option;
static __typeof__(ub_fd)	*dl_ub_fd;
static __typeof__(ub_process)	*dl_ub_process;
static __typeof__(ub_resolve_async)	*dl_ub_resolve_async;
static __typeof__(ub_resolve_free)	*dl_ub_resolve_free;
static __typeof__(ub_strerror)	*dl_ub_strerror;

/* Resolve every libunbound function once.  Returns 0 or -1 (err set). */
static int
dns_load(char *err, size_t errlen)
{
	static int	 loaded;
	void		*h;

	if (loaded)
		return 0;
	if ((h = dlopen(DNS_LIBUNBOUND, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		(void)snprintf(err, errlen, "cannot load %s: %s",
		    DNS_LIBUNBOUND, dlerror());
		return -1;
	}
	/* POSIX guarantees dlsym()'s void * converts to a function pointer. */
	if (
	    (dl_ub_cancel = dlsym(h, "ub_cancel")) == NULL ||
	    (dl_ub_ctx_add_ta = dlsym(h, "ub_ctx_add_ta")) == NULL ||
	    (dl_ub_ctx_add_ta_file = dlsym(h, "ub_ctx_add_ta_file")) == NULL ||
	    (dl_ub_ctx_async = dlsym(h, "ub_ctx_async")) == NULL ||
	    (dl_ub_ctx_config = dlsym(h, "ub_ctx_config")) == NULL ||
	    (dl_ub_ctx_create = dlsym(h, "ub_ctx_create")) == NULL ||
	    (dl_ub_ctx_delete = dlsym(h, "ub_ctx_delete")) == NULL ||
	    (dl_ub_ctx_resolvconf = dlsym(h, "ub_ctx_resolvconf")) == NULL ||
	    (dl_ub_ctx_set_fwd = dlsym(h, "ub_ctx_set_fwd")) == NULL ||
	    (dl_ub_ctx_set_option = dlsym(h, "ub_ctx_set_option")) == NULL ||
	    (dl_ub_fd = dlsym(h, "ub_fd")) == NULL ||
	    (dl_ub_process = dlsym(h, "ub_process")) == NULL ||
	    (dl_ub_resolve_async = dlsym(h, "ub_resolve_async")) == NULL ||
	    (dl_ub_resolve_free = dlsym(h, "ub_resolve_free")) == NULL ||
	    (dl_ub_strerror = dlsym(h, "ub_strerror")) == NULL ||
	    0) {
		(void)snprintf(err, errlen, "%s: a function is missing",
		    DNS_LIBUNBOUND);
		return -1;
	}
	loaded = 1;
	return 0;
}

#define ub_cancel	(*dl_ub_cancel)
#define ub_ctx_add_ta	(*dl_ub_ctx_add_ta)
#define ub_ctx_add_ta_file	(*dl_ub_ctx_add_ta_file)
#define ub_ctx_async	(*dl_ub_ctx_async)
#define ub_ctx_config	(*dl_ub_ctx_config)
#define ub_ctx_create	(*dl_ub_ctx_create)
#define ub_ctx_delete	(*dl_ub_ctx_delete)
#define ub_ctx_resolvconf	(*dl_ub_ctx_resolvconf)
#define ub_ctx_set_fwd	(*dl_ub_ctx_set_fwd)
#define ub_ctx_set_option	(*dl_ub_ctx_set_option)
#define ub_fd	(*dl_ub_fd)
#define ub_process	(*dl_ub_process)
#define ub_resolve_async	(*dl_ub_resolve_async)
#define ub_resolve_free	(*dl_ub_resolve_free)
#define ub_strerror	(*dl_ub_strerror)
#else
static int
dns_load(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return 0;
}
#endif /* DNS_DLOPEN */

#include "clock.h"
#include "anchor.h"
#include "conf.h"
#include "dns.h"
#include "mlog.h"
#include "xmalloc.h"

/*
 * One outstanding libunbound query.  The callback owns nothing while the
 * query belongs to a running dns_run(); once dns_run() gives up on it and
 * ub_cancel() cannot guarantee that no callback follows, the record is
 * "abandoned": q is NULL, it sits on dns->abandoned, and the callback (which
 * may come during a later dns_run) frees it.
 */
struct dns_pending {
	struct dns_pending	*next;
	struct dns		*dns;
	struct dns_query	*q;	/* NULL once abandoned */
	int			 async_id;
	int			 done;
};

/*
 * Threads: libunbound resolves in its own worker thread and hands answers
 * back through ub_fd().  Our service thread (dns_service) is the only one
 * that calls ub_process(), so every callback runs there, under mu; any
 * number of callers may sit in dns_run() at once, each waiting on cv for
 * its own queries.  Lock order: mu, then libunbound's internal locks
 * (ub_resolve_async, ub_cancel); the callback is called by ub_process()
 * with none of libunbound's locks held.
 */
/* See dns_new(). */
static pthread_mutex_t	 dns_global_mu = PTHREAD_MUTEX_INITIALIZER;

struct dns {
	struct ub_ctx		*ctx;
	struct dns_pending	*abandoned;	/* under mu */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* a query finished */
	pthread_t		 thread;
	int			 running;	/* thread started */
	int			 wake[2];	/* dns_free() -> dns_service() */
};

/* Set the reason text: prefix followed by msg. */
static void
dns_why(struct dns_result *res, const char *prefix, const char *msg)
{
	(void)snprintf(res->why, sizeof(res->why), "%s%s", prefix, msg);
}

/* The mutex, the condition (on the monotonic clock) and the wake pipe. */
static int
dns_sync_init(struct dns *dns)
{
	pthread_condattr_t	 ca;
	int			 rc;

	if ((rc = pthread_mutex_init(&dns->mu, NULL)) != 0) {
		errno = rc;
		return -1;
	}
	if ((rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&dns->cv, &ca)) != 0) {
		(void)pthread_mutex_destroy(&dns->mu);
		errno = rc;
		return -1;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pipe2(dns->wake, O_CLOEXEC) == -1) {
		(void)pthread_cond_destroy(&dns->cv);
		(void)pthread_mutex_destroy(&dns->mu);
		return -1;
	}
	return 0;
}

/*
 * The service thread: deliver libunbound's answers (callbacks run here)
 * until dns_free() writes to the wake pipe.
 */
static void *
dns_service(void *arg)
{
	struct dns	*dns = arg;
	struct pollfd	 pfd[2];
	int		 rc;

	pfd[0].fd = ub_fd(dns->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = dns->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		rc = poll(pfd, 2, -1);
		if (rc == -1 && errno != EINTR) {
			mlog_warn("dns: poll");
			(void)usleep(10000);	/* never spin */
			continue;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0 && (rc = ub_process(dns->ctx)) != 0)
			mlog_warnx("dns: %s", ub_strerror(rc));
	}
	return NULL;
}

/* Start the service thread, every signal blocked in it. */
static int
dns_start(struct dns *dns, char *err, size_t errlen)
{
	sigset_t	 all, old;
	int		 rc;

	if (ub_fd(dns->ctx) == -1) {
		(void)snprintf(err, errlen, "resolver: no result channel");
		return -1;
	}
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&dns->thread, NULL, dns_service, dns);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		(void)snprintf(err, errlen, "resolver thread: %s",
		    strerror(rc));
		return -1;
	}
	dns->running = 1;
	return 0;
}

struct dns *
dns_new(const struct conf *conf, char *err, size_t errlen)
{
	struct dns	*dns;
	size_t		 i;
	int		 rc, fd, locked = 0;
	char		 ttl[32];

	if (dns_load(err, errlen) == -1)
		return NULL;
	if ((dns = xcalloc(1, sizeof(*dns))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dns->wake[0] = dns->wake[1] = -1;
	if (dns_sync_init(dns) == -1) {
		(void)snprintf(err, errlen, "resolver: %s", strerror(errno));
		free(dns);
		return NULL;
	}
	/*
	 * libunbound keeps global state that a context sets up when it is
	 * made or first used and tears down when it is deleted: contexts are
	 * made, used for a first query and deleted one at a time
	 * (dns_global_mu), or a reload racing a lookup would break it.
	 */
	(void)pthread_mutex_lock(&dns_global_mu);
	locked = 1;
	if ((dns->ctx = ub_ctx_create()) == NULL) {
		(void)snprintf(err, errlen, "cannot create resolver context");
		goto fail;
	}
	/* A worker thread, not a forked process: cheap and shares memory. */
	if ((rc = ub_ctx_async(dns->ctx, 1)) != 0) {
		(void)snprintf(err, errlen, "resolver: %s", ub_strerror(rc));
		goto fail;
	}
	if (conf->unbound_conf != NULL &&
	    (rc = ub_ctx_config(dns->ctx, conf->unbound_conf)) != 0) {
		(void)snprintf(err, errlen, "unbound_conf %s: %s",
		    conf->unbound_conf, rc == UB_READFILE ? strerror(errno) :
		    ub_strerror(rc));
		goto fail;
	}
	/*
	 * cache_max_ttl bounds how old any DNS data behind a policy may be,
	 * so it caps libunbound's own cache too (at least one second, or
	 * nothing, DNSKEYs included, would be cached at all).
	 */
	(void)snprintf(ttl, sizeof(ttl), "%lu",
	    conf->cache_max_ttl > 0 ? conf->cache_max_ttl : 1);
	if ((rc = ub_ctx_set_option(dns->ctx, "cache-max-ttl:", ttl)) != 0) {
		(void)snprintf(err, errlen, "resolver: cache-max-ttl: %s",
		    ub_strerror(rc));
		goto fail;
	}
	switch (conf->resolver) {
	case CONF_RESOLVER_SYSTEM:
		if ((rc = ub_ctx_resolvconf(dns->ctx, NULL)) != 0) {
			(void)snprintf(err, errlen,
			    "resolver system: /etc/resolv.conf: %s",
			    ub_strerror(rc));
			goto fail;
		}
		break;
	case CONF_RESOLVER_FORWARD:
		for (i = 0; i < conf->nforwarders; i++)
			if ((rc = ub_ctx_set_fwd(dns->ctx,
			    conf->forwarders[i])) != 0) {
				(void)snprintf(err, errlen,
				    "resolver %s: %s", conf->forwarders[i],
				    ub_strerror(rc));
				goto fail;
			}
		break;
	default:
		break;
	}
	if (conf->trust_anchor != NULL) {
		/*
		 * libunbound reads the file only when the first query runs;
		 * open it now so that a wrong path is a configuration error
		 * (500) rather than a failing lookup (503) later.
		 */
		if ((fd = open(conf->trust_anchor, O_RDONLY)) == -1) {
			(void)snprintf(err, errlen, "trust_anchor %s: %s",
			    conf->trust_anchor, strerror(errno));
			goto fail;
		}
		(void)close(fd);
		if ((rc = ub_ctx_add_ta_file(dns->ctx,
		    conf->trust_anchor)) != 0) {
			(void)snprintf(err, errlen, "trust_anchor %s: %s",
			    conf->trust_anchor, ub_strerror(rc));
			goto fail;
		}
	} else {
		for (i = 0; anchor_root_ds[i] != NULL; i++)
			if ((rc = ub_ctx_add_ta(dns->ctx,
			    anchor_root_ds[i])) != 0) {
				(void)snprintf(err, errlen,
				    "built-in trust anchor: %s",
				    ub_strerror(rc));
				goto fail;
			}
	}
	(void)pthread_mutex_unlock(&dns_global_mu);
	locked = 0;
	if (dns_start(dns, err, errlen) == -1)
		goto fail;
	return dns;
 fail:
	if (locked)
		(void)pthread_mutex_unlock(&dns_global_mu);
	dns_free(dns);
	return NULL;
}

void
dns_free(struct dns *dns)
{
	struct dns_pending	*p, *next;

	if (dns == NULL)
		return;
	if (dns->running) {
		(void)write(dns->wake[1], "x", 1);
		(void)pthread_join(dns->thread, NULL);
	}
	/* ub_ctx_delete() drops outstanding queries without callbacks. */
	if (dns->ctx != NULL) {
		(void)pthread_mutex_lock(&dns_global_mu);
		ub_ctx_delete(dns->ctx);
		(void)pthread_mutex_unlock(&dns_global_mu);
	}
	for (p = dns->abandoned; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	if (dns->wake[0] != -1)
		(void)close(dns->wake[0]);
	if (dns->wake[1] != -1)
		(void)close(dns->wake[1]);
	(void)pthread_cond_destroy(&dns->cv);
	(void)pthread_mutex_destroy(&dns->mu);
	free(dns);
}

/* Copy what libunbound answered into res. */
static void
dns_fill(struct dns_result *res, int err, struct ub_result *r)
{
	size_t	 i, n;

	res->secure = 0;
	res->ttl = 0;
	if (err != 0) {
		res->rc = DNS_TEMPFAIL;
		dns_why(res, "resolver error: ", ub_strerror(err));
		return;
	}
	if (r->bogus) {
		res->rc = DNS_BOGUS;
		dns_why(res, "", r->why_bogus != NULL ? r->why_bogus :
		    "DNSSEC validation failed");
		return;
	}
	if (r->rcode == 3 || r->nxdomain) {
		res->rc = DNS_NXDOMAIN;
		res->secure = r->secure != 0;
		res->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
		return;
	}
	if (r->rcode != 0) {
		res->rc = DNS_TEMPFAIL;
		(void)snprintf(res->why, sizeof(res->why),
		    "server failure (rcode %d)%s%s", r->rcode,
		    r->why_bogus != NULL ? ": " : "",
		    r->why_bogus != NULL ? r->why_bogus : "");
		return;
	}
	res->secure = r->secure != 0;
	res->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (!r->havedata || r->data == NULL || r->data[0] == NULL) {
		res->rc = DNS_NODATA;
		return;
	}
	for (n = 0; r->data[n] != NULL; n++)
		;
	res->data = xcalloc(n, sizeof(*res->data));
	res->len = xcalloc(n, sizeof(*res->len));
	if (res->data == NULL || res->len == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (r->len[i] < 0 ||
		    (res->data[i] = xmalloc((size_t)r->len[i] + 1)) == NULL)
			goto nomem;
		memcpy(res->data[i], r->data[i], (size_t)r->len[i]);
		res->len[i] = (size_t)r->len[i];
		res->n = i + 1;
	}
	res->rc = DNS_OK;
	return;
 nomem:
	dns_result_clear(res);
	res->rc = DNS_TEMPFAIL;
	dns_why(res, "", "out of memory");
}

/* Runs in the service thread, from ub_process(). */
static void
dns_callback(void *arg, int err, struct ub_result *r)
{
	struct dns_pending	 *p = arg, **pp;
	struct dns		 *dns = p->dns;

	(void)pthread_mutex_lock(&dns->mu);
	if (p->q == NULL) {
		/* Abandoned by an earlier dns_run(): just clean up. */
		for (pp = &dns->abandoned; *pp != NULL; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		free(p);
	} else {
		dns_fill(&p->q->res, err, r);
		p->done = 1;
		(void)pthread_cond_broadcast(&dns->cv);
	}
	(void)pthread_mutex_unlock(&dns->mu);
	if (r != NULL)
		ub_resolve_free(r);
}

/* deadline_ms (on clock_ms()'s clock) as an absolute timespec. */
static void
dns_abstime(long long deadline_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(deadline_ms / 1000);
	ts->tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
}

void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	struct dns_pending	**pend;
	struct timespec		  ts;
	long long		  deadline;
	size_t			  i, waiting;
	int			  rc;

	for (i = 0; i < n; i++) {
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_TEMPFAIL;
	}
	if ((pend = xcalloc(n, sizeof(*pend))) == NULL) {
		for (i = 0; i < n; i++)
			dns_why(&q[i].res, "", "out of memory");
		return;
	}
	deadline = clock_ms() + timeout_ms;
	dns_abstime(deadline, &ts);
	waiting = 0;
	(void)pthread_mutex_lock(&dns->mu);
	/* Lock order: dns->mu, then dns_global_mu. */
	(void)pthread_mutex_lock(&dns_global_mu);
	for (i = 0; i < n; i++) {
		if ((pend[i] = xcalloc(1, sizeof(**pend))) == NULL) {
			dns_why(&q[i].res, "", "out of memory");
			continue;
		}
		pend[i]->dns = dns;
		pend[i]->q = &q[i];
		rc = ub_resolve_async(dns->ctx, q[i].name, q[i].type, 1,
		    pend[i], dns_callback, &pend[i]->async_id);
		if (rc != 0) {
			dns_why(&q[i].res, "cannot start lookup: ",
			    ub_strerror(rc));
			free(pend[i]);
			pend[i] = NULL;
			continue;
		}
		waiting++;
	}
	(void)pthread_mutex_unlock(&dns_global_mu);

	while (waiting > 0) {
		rc = pthread_cond_timedwait(&dns->cv, &dns->mu, &ts);
		for (waiting = 0, i = 0; i < n; i++)
			if (pend[i] != NULL && !pend[i]->done)
				waiting++;
		if (rc == ETIMEDOUT)
			break;
	}

	for (i = 0; i < n; i++) {
		if (pend[i] == NULL)
			continue;
		if (pend[i]->done) {
			free(pend[i]);
			continue;
		}
		(void)snprintf(q[i].res.why, sizeof(q[i].res.why),
		    "no answer within %d ms", timeout_ms);
		if (ub_cancel(dns->ctx, pend[i]->async_id) == 0)
			free(pend[i]);
		else {
			pend[i]->q = NULL;
			pend[i]->next = dns->abandoned;
			dns->abandoned = pend[i];
		}
	}
	(void)pthread_mutex_unlock(&dns->mu);
	free(pend);
}
