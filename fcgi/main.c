/*
 * mta-sts.fcgi: the FastCGI front end.  A long-running responder: the
 * configuration and the resolver (with its cache) live across requests in
 * one struct server.  Started as a plain CGI (no listening socket on fd 0)
 * it answers the one request in its environment and exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "cgiio.h"
#include "mlog.h"
#include "request.h"
#include "response.h"
#include "server.h"

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

/*
 * SIGTERM (what spawners and web servers send) ends the accept loop so the
 * process frees everything and exits 0.  No SA_RESTART: the blocking
 * accept() must return.
 */
static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

int
main(int argc, char *argv[])
{
	struct server		*srv;
	struct request		 req;
	struct fcgi_vars	 vars;
	struct buf		 out;
	FCGX_Request		 fr;
	const char		*bytes;
	size_t			 len;
	int			 rc = 0;
	char			 err[1024];

	(void)argc;
	mlog_init(argv[0] != NULL ? argv[0] : "mta-sts.fcgi",
	    getenv("MTA_STS_DEBUG") != NULL);
	struct sigaction	 sa;

	(void)signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	if (FCGX_Init() != 0)
		fatalx("cannot initialise libfcgi");
	/* Per-request MTA_STS_CONF values cannot be known yet: use ours. */
	if (server_drop_root(getenv("MTA_STS_CONF"), err, sizeof(err)) == -1)
		fatalx("%s", err);
	buf_init(&out, RESPONSE_MAX_SIZE);

	if (FCGX_IsCGI()) {
		srv = server_new(1);
		vars.envp = NULL;
		request_from_vars(&req, fcgi_get, &vars);
		bytes = request_respond(srv, &req, &out, &len);
		if (cgiio_write(STDOUT_FILENO, bytes, len) == -1) {
			mlog_warn("write");
			rc = 1;
		}
		cgiio_drain(STDIN_FILENO, getenv("CONTENT_LENGTH"));
		goto out;
	}

	srv = server_new(0);
	if (FCGX_InitRequest(&fr, 0, 0) != 0)
		fatalx("cannot initialise the FastCGI request");
	while (FCGX_Accept_r(&fr) >= 0) {
		mlog_set_writer(fcgi_log, fr.err);
		vars.envp = fr.envp;
		request_from_vars(&req, fcgi_get, &vars);
		bytes = request_respond(srv, &req, &out, &len);
		if (len > (size_t)INT32_MAX ||
		    FCGX_PutStr(bytes, (int)len, fr.out) != (int)len)
			mlog_warnx("cannot write the response");
		mlog_set_writer(NULL, NULL);
		FCGX_Finish_r(&fr);
	}
 out:
	buf_free(&out);
	server_free(srv);
	return rc;
}
