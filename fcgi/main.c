/*
 * mta-sts.fcgi: the FastCGI front end.  A long-running responder with
 * `threads` worker threads (mta-sts.conf), each accepting and answering
 * requests; the configuration, the resolver and the caches live across
 * requests in one struct server that they share.  Started as a plain CGI (no listening socket on fd 0)
 * it answers the one request in its environment and exits.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "cgiio.h"
#include "conf.h"
#include "mlog.h"
#include "request.h"
#include "response.h"
#include "server.h"

/* Per worker thread; request handling needs a few kilobytes. */
#define FCGI_STACK_SIZE	(2 * 1024 * 1024)

struct fcgi_vars {
	FCGX_ParamArray	 envp;
};

/* Request parameters first, then the process environment. */
static const char *
fcgi_get(const char *name, void *arg)
{
	struct fcgi_vars	*v = arg;
	const char		*val;

	if (v->envp != NULL && (val = FCGX_GetParam(name, v->envp)) != NULL)
		return val;
	return getenv(name);
}

/* Log lines go to the request's FCGI_STDERR, i.e. the server's error log. */
static void
fcgi_log(const char *line, void *arg)
{
	FCGX_Stream	*err = arg;

	(void)FCGX_PutS(line, err);
	(void)FCGX_PutS("\n", err);
}

/* No SA_RESTART: a worker blocked in accept() must return. */
static void
on_kick(int sig)
{
	(void)sig;
}

struct worker {
	pthread_t		 thread;
	struct server		*srv;
	int			 started;
	int			 done;	/* __atomic */
};

/*
 * A worker thread: accept a request, answer it, repeat.  A request that
 * waits for the DNS holds only its own thread (lookup.h bounds how many
 * may wait), so every other worker goes on answering from the cache.
 */
static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct request		 req;
	struct fcgi_vars	 vars;
	struct buf		 out;
	FCGX_Request		 fr;
	const char		*bytes;
	size_t			 len;

	buf_init(&out, RESPONSE_MAX_SIZE);
	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		mlog_warnx("cannot initialise a FastCGI request");
		goto out;
	}
	/*
	 * Every worker waits in accept() itself: the kernel hands each
	 * connection to exactly one of them (no lock, no extra wake-up).
	 */
	while (FCGX_Accept_r(&fr) >= 0) {
		mlog_set_writer(fcgi_log, fr.err);
		vars.envp = fr.envp;
		request_from_vars(&req, fcgi_get, &vars);
		bytes = request_respond(w->srv, &req, &out, &len);
		if (len > (size_t)INT32_MAX ||
		    FCGX_PutStr(bytes, (int)len, fr.out) != (int)len)
			mlog_warnx("cannot write the response");
		mlog_set_writer(NULL, NULL);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
 out:
	buf_free(&out);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The threads setting of the configuration in the environment. */
static unsigned long
threads_wanted(void)
{
	struct conf	*conf;
	unsigned long	 n;
	char		 err[1024];

	if (conf_load(getenv("MTA_STS_CONF") != NULL &&
	    *getenv("MTA_STS_CONF") != '\0' ? getenv("MTA_STS_CONF") :
	    conf_default_path(), &conf, err, sizeof(err)) == -1) {
		mlog_warnx("%s; starting %lu threads", err,
		    CONF_THREADS_DEFAULT);
		return CONF_THREADS_DEFAULT;
	}
	n = conf->threads;
	conf_free(conf);
	return n;
}

/*
 * Serve with nthreads workers until SIGTERM or SIGINT (what spawners and
 * web servers send), then let every worker finish its request and exit.
 */
static int
serve(struct server *srv, unsigned long nthreads)
{
	struct worker		*w;
	struct sigaction	 sa;
	pthread_attr_t		 attr;
	sigset_t		 stop;
	unsigned long		 i, started = 0, left;
	int			 sig, rc;

	if ((w = calloc(nthreads, sizeof(*w))) == NULL)
		fatalx("out of memory");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigemptyset(&stop);
	(void)sigaddset(&stop, SIGTERM);
	(void)sigaddset(&stop, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &stop, NULL);

	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, FCGI_STACK_SIZE);
	for (i = 0; i < nthreads; i++) {
		w[i].srv = srv;
		if ((rc = pthread_create(&w[i].thread, &attr, worker_main,
		    &w[i])) != 0) {
			mlog_warnx("thread %lu: %s", i + 1, strerror(rc));
			break;
		}
		w[i].started = 1;
		started++;
	}
	(void)pthread_attr_destroy(&attr);
	if (started == 0)
		fatalx("no worker thread could be started");
	mlog_debug("serving with %lu threads", started);

	while (sigwait(&stop, &sig) != 0)
		;
	FCGX_ShutdownPending();
	/* Kick the workers out of accept() until every one has ended. */
	do {
		for (left = 0, i = 0; i < nthreads; i++)
			if (w[i].started &&
			    !__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE)) {
				left++;
				(void)pthread_kill(w[i].thread, SIGUSR1);
			}
		if (left > 0)
			(void)usleep(20000);
	} while (left > 0);
	for (i = 0; i < nthreads; i++)
		if (w[i].started)
			(void)pthread_join(w[i].thread, NULL);
	free(w);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct server		*srv;
	struct request		 req;
	struct fcgi_vars	 vars;
	struct buf		 out;
	const char		*bytes;
	size_t			 len;
	int			 rc = 0;
	char			 err[1024];

	(void)argc;
	mlog_init(argv[0] != NULL ? argv[0] : "mta-sts.fcgi",
	    getenv("MTA_STS_DEBUG") != NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	/* Threads would each grow a malloc arena of their own. */
	(void)mallopt(M_ARENA_MAX, 2);
	/*
	 * A fixed threshold: the large buffers of a reload (the file's text,
	 * a listing's name set while it grows) are mapped and given back
	 * when freed, instead of staying in the heap once glibc has raised
	 * its threshold to their size.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (FCGX_Init() != 0)
		fatalx("cannot initialise libfcgi");
	/* Per-request MTA_STS_CONF values cannot be known yet: use ours. */
	if (server_drop_root(getenv("MTA_STS_CONF"), err, sizeof(err)) == -1)
		fatalx("%s", err);

	if (FCGX_IsCGI()) {
		buf_init(&out, RESPONSE_MAX_SIZE);
		srv = server_new(1);
		vars.envp = NULL;
		request_from_vars(&req, fcgi_get, &vars);
		bytes = request_respond(srv, &req, &out, &len);
		if (cgiio_write(STDOUT_FILENO, bytes, len) == -1) {
			mlog_warn("write");
			rc = 1;
		}
		cgiio_drain(STDIN_FILENO, getenv("CONTENT_LENGTH"));
		buf_free(&out);
		server_free(srv);
		return rc;
	}

	if ((srv = server_new(0)) == NULL)
		fatalx("out of memory");
	rc = serve(srv, threads_wanted());
	server_free(srv);
	return rc;
}
