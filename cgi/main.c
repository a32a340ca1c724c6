/*
 * mta-sts.cgi: the CGI front end.  One request per process: read the CGI
 * meta-variables, let common/ answer, write the answer to stdout.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "cgiio.h"
#include "mlog.h"
#include "request.h"
#include "response.h"
#include "server.h"

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

int
main(int argc, char *argv[])
{
	struct server	*srv;
	struct request	 req;
	struct buf	 out;
	const char	*bytes;
	size_t		 len;
	int		 rc = 0;
	char		 err[1024];

	(void)argc;
	mlog_init(argv[0] != NULL ? argv[0] : "mta-sts.cgi",
	    getenv("MTA_STS_DEBUG") != NULL);
	if (server_drop_root(getenv("MTA_STS_CONF"), err, sizeof(err)) == -1) {
		mlog_warnx("%s", err);
		srv = NULL;	/* answers a fixed 500 */
	} else
		srv = server_new(1);
	request_from_vars(&req, env_get, NULL);
	buf_init(&out, RESPONSE_MAX_SIZE);
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
