/*
 * mta-sts.cgi: the CGI front end.  One request per process: read the CGI
 * meta-variables, let common/ answer, write the answer to stdout.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "server.h"

static const char *
env_get(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
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
	log_init(argv[0] != NULL ? argv[0] : "mta-sts.cgi",
	    getenv("MTA_STS_DEBUG") != NULL);
	if (server_drop_root(getenv("MTA_STS_CONF"), err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		srv = NULL;	/* answers a fixed 500 */
	} else
		srv = server_new(1);
	request_from_vars(&req, env_get, NULL);
	buf_init(&out, RESPONSE_MAX_SIZE);
	bytes = request_respond(srv, &req, &out, &len);
	if (write_all(STDOUT_FILENO, bytes, len) == -1) {
		log_warn("write");
		rc = 1;
	}
	buf_free(&out);
	server_free(srv);
	return rc;
}
