#include <sys/stat.h>
#include <sys/types.h>

#include <grp.h>
#include <unistd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "dns.h"
#include "mlog.h"
#include "server.h"
#include "xmalloc.h"

struct server {
	char		*path;		/* file the state below belongs to */
	struct stat	 st;		/* its identity at that load */
	int		 present;	/* the file existed then */
	struct conf	*conf;		/* NULL while broken */
	char		 err[1024];	/* why conf is NULL */
	struct dns	*dns;
	struct cache	*cache;
	int		 one_request;
};

struct server *
server_new(int one_request)
{
	struct server	*srv;

	if ((srv = xcalloc(1, sizeof(*srv))) != NULL)
		srv->one_request = one_request;
	return srv;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	dns_free(srv->dns);
	cache_free(srv->cache);
	conf_free(srv->conf);
	free(srv->path);
	free(srv);
}

/* 1 when the file at path is not the one loaded last time. */
static int
server_changed(const struct server *srv, const struct stat *st, int present)
{
	if (present != srv->present)
		return 1;
	if (!present)
		return 0;
	return st->st_dev != srv->st.st_dev || st->st_ino != srv->st.st_ino ||
	    st->st_size != srv->st.st_size ||
	    st->st_mtim.tv_sec != srv->st.st_mtim.tv_sec ||
	    st->st_mtim.tv_nsec != srv->st.st_mtim.tv_nsec ||
	    st->st_ctim.tv_sec != srv->st.st_ctim.tv_sec ||
	    st->st_ctim.tv_nsec != srv->st.st_ctim.tv_nsec;
}

const struct conf *
server_conf(struct server *srv, const char *path, const char *domain,
    char *err, size_t errlen)
{
	struct stat	 st;
	struct conf	*conf;
	int		 present;
	char		*npath;

	if (path == NULL || *path == '\0')
		path = conf_default_path();
	memset(&st, 0, sizeof(st));
	present = stat(path, &st) == 0;
	if (!present && errno != ENOENT)
		present = -1;		/* unreadable: always retry */

	/* A broken configuration is read again on every request. */
	if (srv->conf != NULL && strcmp(srv->path, path) == 0 &&
	    present != -1 && !server_changed(srv, &st, present))
		return srv->conf;

	if ((npath = xstrdup(path)) == NULL) {
		(void)snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	free(srv->path);
	srv->path = npath;
	srv->present = present;
	srv->st = st;
	dns_free(srv->dns);
	srv->dns = NULL;
	cache_free(srv->cache);
	srv->cache = NULL;
	conf_free(srv->conf);
	srv->conf = NULL;
	if ((srv->one_request && domain != NULL ?
	    conf_load_for(path, domain, &conf, srv->err, sizeof(srv->err)) :
	    conf_load(path, &conf, srv->err, sizeof(srv->err))) == -1) {
		(void)snprintf(err, errlen, "%s", srv->err);
		return NULL;
	}
	srv->conf = conf;
	return conf;
}

struct dns *
server_dns(struct server *srv, char *err, size_t errlen)
{
	if (srv->conf == NULL) {
		(void)snprintf(err, errlen, "no configuration loaded");
		return NULL;
	}
	if (srv->dns == NULL)
		srv->dns = dns_new(srv->conf, err, errlen);
	return srv->dns;
}

struct cache *
server_cache(struct server *srv)
{
	if (srv->cache == NULL)
		srv->cache = cache_new();
	return srv->cache;
}

int
server_drop_root(const char *path, char *err, size_t errlen)
{
	struct stat	 st;

	if (geteuid() != 0)
		return 0;
	if (path == NULL || *path == '\0')
		path = conf_default_path();
	if (stat(path, &st) == -1 || st.st_uid == 0) {
		mlog_warnx("running as root: give %s to an ordinary user, or "
		    "start this program as one", path);
		return 0;
	}
	if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1 || setuid(0) != -1) {
		(void)snprintf(err, errlen, "cannot switch to uid %lu gid %lu "
		    "(owner of %s): %s", (unsigned long)st.st_uid,
		    (unsigned long)st.st_gid, path, strerror(errno));
		return -1;
	}
	mlog_debug("started as root: now uid %lu gid %lu, the owner of %s",
	    (unsigned long)st.st_uid, (unsigned long)st.st_gid, path);
	return 0;
}
