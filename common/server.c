#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <unistd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "file.h"
#include "lookup.h"
#include "resolve.h"
#include "mlog.h"
#include "server.h"
#include "xmalloc.h"

/* nobody on Debian, when the user database cannot say. */
#define SERVER_NOBODY_ID	65534

struct server {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* loading ended */
	char		*path;		/* file the state below belongs to */
	struct stat	 st;		/* its identity at that load */
	int		 present;	/* the file existed then */
	char		*dpath;		/* its domains_file; NULL: none */
	struct stat	 dst;		/* that file's identity then */
	struct lookup	*cur;		/* NULL while broken; held */
	int		 loading;	/* a thread is loading the file */
	int		 behind;	/* ...in the background */
	long long	 load_ms;	/* how long the last load took */
	char		 err[1024];	/* why cur is NULL */
	long long	 failed_ms;	/* when the last load failed */
	int		 one_request;
};

/* The nice value of the thread that reloads in the background. */
#define SERVER_RELOAD_NICE	10

/*
 * A configuration whose last load took less (ms) is reloaded by the
 * request that notices the change while the others wait for it; a larger
 * one is reloaded in a thread of its own while every request is answered
 * with the old version.
 */
#define SERVER_BEHIND_MS	50LL

/* A broken configuration is read again at most this often (ms)... */
#define SERVER_RETRY_MS		1000
/* ...unless the file itself changed. */

struct server *
server_new(int one_request)
{
	struct server	*srv;

	if ((srv = xcalloc(1, sizeof(*srv))) == NULL)
		return NULL;
	if (pthread_mutex_init(&srv->mu, NULL) != 0) {
		free(srv);
		return NULL;
	}
	if (pthread_cond_init(&srv->cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&srv->mu);
		free(srv);
		return NULL;
	}
	srv->one_request = one_request;
	return srv;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	/* A reload in the background ends before the state goes. */
	(void)pthread_mutex_lock(&srv->mu);
	while (srv->loading)
		(void)pthread_cond_wait(&srv->cv, &srv->mu);
	(void)pthread_mutex_unlock(&srv->mu);
	lookup_release(srv->cur);
	free(srv->path);
	free(srv->dpath);
	(void)pthread_cond_destroy(&srv->cv);
	(void)pthread_mutex_destroy(&srv->mu);
	free(srv);
}

/* 1 when a and b (present or not) are not the same unchanged file. */
static int
server_differ(const struct stat *a, int apresent, const struct stat *b,
    int bpresent)
{
	if (apresent != bpresent)
		return 1;
	return apresent && !file_same(a, b);
}

/*
 * 1 when the configuration at path (now st, present) is not the one the
 * server state describes: another path, or the file or its domains_file
 * changed.  Called with srv->mu held.
 */
static int
server_changed(const struct server *srv, const char *path,
    const struct stat *st, int present)
{
	struct stat	 dst;

	if (srv->path == NULL || strcmp(srv->path, path) != 0 ||
	    present == -1 || server_differ(st, present, &srv->st, srv->present))
		return 1;
	if (srv->dpath == NULL)
		return 0;
	return stat(srv->dpath, &dst) == -1 ||
	    server_differ(&dst, 1, &srv->dst, 1);
}

static struct lookup *server_load(struct server *, const char *,
		    const char *, const struct stat *, int, char *, size_t);

/* What a reload in the background needs. */
struct server_job {
	struct server	*srv;
	char		*path;
	struct stat	 st;
	int		 present;
};

static void *
server_reload(void *arg)
{
	struct server_job	*job = arg;
	char			 err[1024];

	/*
	 * Parsing a million names takes a good part of a second of CPU:
	 * requests go first (this thread only; failure changes nothing).
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), SERVER_RELOAD_NICE);
	/* A failure is kept in srv->err and answered from there. */
	lookup_release(server_load(job->srv, job->path, NULL, &job->st,
	    job->present, err, sizeof(err)));
	free(job->path);
	free(job);
	return NULL;
}

/*
 * Start reloading path in a thread of its own (srv->mu held, srv->loading
 * set).  Returns 0, or -1 when no thread could be started.
 */
static int
server_load_behind(struct server *srv, const char *path,
    const struct stat *st, int present)
{
	struct server_job	*job;
	pthread_attr_t		 attr;
	pthread_t		 tid;
	int			 rc;

	if ((job = xcalloc(1, sizeof(*job))) == NULL)
		return -1;
	if ((job->path = xstrdup(path)) == NULL) {
		free(job);
		return -1;
	}
	job->srv = srv;
	job->st = *st;
	job->present = present;
	if (pthread_attr_init(&attr) != 0)
		goto fail;
	rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (rc == 0)
		rc = pthread_create(&tid, &attr, server_reload, job);
	(void)pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
 fail:
	free(job->path);
	free(job);
	return -1;
}

struct lookup *
server_lookup(struct server *srv, const char *path, const char *domain,
    char *err, size_t errlen)
{
	struct stat	 st;
	struct lookup	*lk;
	int		 present, changed;

	if (path == NULL || *path == '\0')
		path = conf_default_path();
	memset(&st, 0, sizeof(st));
	present = stat(path, &st) == 0;
	if (!present && errno != ENOENT)
		present = -1;		/* unreadable: always retry */

	(void)pthread_mutex_lock(&srv->mu);
	for (;;) {
		changed = server_changed(srv, path, &st, present);
		if (srv->cur != NULL && (!changed || (srv->behind &&
		    strcmp(srv->path, path) == 0))) {
			/*
			 * Unchanged; or a large new version is being parsed
			 * behind (for a million domains, a good part of a
			 * second): go on answering with this one.
			 */
			lk = srv->cur;
			lookup_hold(lk);
			(void)pthread_mutex_unlock(&srv->mu);
			return lk;
		}
		if (srv->cur == NULL && srv->path != NULL &&
		    strcmp(srv->path, path) == 0 && srv->err[0] != '\0') {
			/*
			 * Broken: answer with its error at once while it is
			 * being read again, and read it again only when it
			 * changed or SERVER_RETRY_MS passed (a domains_file
			 * may have been fixed).
			 */
			if (srv->loading || (!changed &&
			    clock_ms() - srv->failed_ms < SERVER_RETRY_MS)) {
				(void)snprintf(err, errlen, "%s", srv->err);
				(void)pthread_mutex_unlock(&srv->mu);
				return NULL;
			}
		}
		if (!srv->loading)
			break;
		/*
		 * A quick reload, the first load or another file: wait for
		 * it, so that no request after a change is answered with
		 * the old version.
		 */
		(void)pthread_cond_wait(&srv->cv, &srv->mu);
	}
	srv->loading = 1;
	if (!srv->one_request && srv->cur != NULL &&
	    strcmp(srv->path, path) == 0 &&
	    srv->load_ms >= SERVER_BEHIND_MS &&
	    server_load_behind(srv, path, &st, present) == 0) {
		/* This request, too, is answered with the old version. */
		srv->behind = 1;
		lk = srv->cur;
		lookup_hold(lk);
		(void)pthread_mutex_unlock(&srv->mu);
		return lk;
	}
	(void)pthread_mutex_unlock(&srv->mu);
	return server_load(srv, path, domain, &st, present, err, errlen);
}

/*
 * Load the configuration at path (identity st, present) for the server,
 * srv->loading set by the caller, and publish the outcome.  Returns the
 * new lookup context held for the caller, or NULL with err set.
 */
static struct lookup *
server_load(struct server *srv, const char *path, const char *domain,
    const struct stat *st, int present, char *err, size_t errlen)
{
	struct conf	*conf;
	struct lookup	*lk, *old;
	long long	 t0;
	int		 rc;
	char		*npath, *ndpath = NULL, lerr[sizeof(srv->err)];

	t0 = clock_ms();
	rc = srv->one_request && domain != NULL ?
	    conf_load_for(path, domain, &conf, lerr, sizeof(lerr)) :
	    conf_load(path, &conf, lerr, sizeof(lerr));
	lk = NULL;
	if (rc == 0 && conf->domains_file != NULL &&
	    (ndpath = xstrdup(conf->domains_file)) == NULL) {
		conf_free(conf);
		rc = -1;
		(void)snprintf(lerr, sizeof(lerr), "%s: out of memory", path);
	}
	if (rc == 0 && (lk = lookup_new(conf, srv->one_request ? 0 :
	    LOOKUP_SHARED, RESOLVE_TIMEOUT_MS)) == NULL)
		(void)snprintf(lerr, sizeof(lerr), "%s: out of memory", path);
	npath = xstrdup(path);

	(void)pthread_mutex_lock(&srv->mu);
	srv->loading = 0;
	srv->behind = 0;
	srv->load_ms = clock_ms() - t0;
	(void)pthread_cond_broadcast(&srv->cv);
	old = srv->cur;
	srv->cur = NULL;
	if (npath == NULL) {
		lookup_release(lk);
		lk = NULL;
		(void)snprintf(lerr, sizeof(lerr), "%s: out of memory", path);
	} else {
		free(srv->path);
		srv->path = npath;
		srv->present = present;
		srv->st = *st;
	}
	free(srv->dpath);
	srv->dpath = NULL;
	if (lk == NULL) {
		(void)snprintf(srv->err, sizeof(srv->err), "%s", lerr);
		(void)snprintf(err, errlen, "%s", lerr);
		srv->failed_ms = clock_ms();
		free(ndpath);
	} else {
		srv->err[0] = '\0';
		if ((srv->dpath = ndpath) != NULL)
			srv->dst = lookup_conf(lk)->domains_file_st;
		if (lookup_adopt(lk, old))
			mlog_debug("%s: reloaded; the memory cache is kept",
			    path);
		srv->cur = lk;
		lookup_hold(lk);	/* the caller's */
	}
	(void)pthread_mutex_unlock(&srv->mu);
	lookup_release(old);	/* freed when its last request ends */
	return lk;
}

/* Switch for good to uid and gid, every supplementary group dropped. */
static int
server_switch(uid_t uid, gid_t gid, const char *whose, char *err,
    size_t errlen)
{
	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1 || setuid(0) != -1) {
		(void)snprintf(err, errlen, "cannot switch to uid %lu gid %lu "
		    "(%s): %s", (unsigned long)uid, (unsigned long)gid, whose,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
server_drop_root(const char *path, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 uid = SERVER_NOBODY_ID;
	gid_t		 gid = SERVER_NOBODY_ID;
	char		 whose[1024];
	int		 have;

	if (geteuid() != 0)
		return 0;
	if (path == NULL || *path == '\0')
		path = conf_default_path();
	if ((have = stat(path, &st) == 0) && st.st_uid != 0) {
		(void)snprintf(whose, sizeof(whose), "owner of %s", path);
		if (server_switch(st.st_uid, st.st_gid, whose, err,
		    errlen) == -1)
			return -1;
		mlog_debug("started as root: now uid %lu gid %lu, the owner "
		    "of %s", (unsigned long)st.st_uid,
		    (unsigned long)st.st_gid, path);
		return 0;
	}
	/* Never answer as root: fall back to nobody. */
	if ((pw = getpwnam("nobody")) != NULL && pw->pw_uid != 0) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (server_switch(uid, gid, "nobody", err, errlen) == -1)
		return -1;
	mlog_warnx("running as root: %s is %s; switched to nobody (uid %lu "
	    "gid %lu): give the file to an ordinary user, or start this "
	    "program as one", path, have ? "owned by root" :
	    "missing or unreadable", (unsigned long)uid, (unsigned long)gid);
	return 0;
}
