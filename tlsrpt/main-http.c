/*
 * mta-sts-tlsrpt.cgi: the HTTPS intake of TLS-RPT reports (RFC 8460
 * section 5.3), a CGI program that is also a FastCGI responder (libfcgi:
 * started with a listening socket on fd 0 it serves requests in a loop,
 * else it answers the one request in its environment and exits).
 *
 * A report is a POST with Content-Type application/tlsrpt+gzip or
 * application/tlsrpt+json and a Content-Length of at most
 * report_max_size.  The answer is 201 once it is stored, 200 when it was
 * stored before (same report-id), and otherwise a 4xx (the report will
 * never be accepted: 400, 405, 411, 413, 415) or a 503 with Retry-After
 * (it could not be stored now), each with a one-line reason.  The
 * configuration (MTA_STS_CONF) is read for each request.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "cgiio.h"
#include "conf.h"
#include "intake.h"
#include "mlog.h"
#include "xmalloc.h"

#define HTTP_OUT_MAX		4096
#define HTTP_RETRY_AFTER	"3600"

/* One request: its variables and body, from CGI or from FastCGI. */
struct http_io {
	FCGX_ParamArray	 envp;	/* NULL: CGI, getenv() and fd 0 */
	FCGX_Stream	*in;
};

static const char *
http_var(const struct http_io *io, const char *name)
{
	const char	*v;

	if (io->envp != NULL && (v = FCGX_GetParam(name, io->envp)) != NULL)
		return v;
	return io->envp != NULL && strcmp(name, "MTA_STS_CONF") != 0 ? NULL :
	    getenv(name);
}

/* Read exactly len bytes of body into p.  Returns 0 or -1 (short). */
static int
http_body(const struct http_io *io, char *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 got;

	while (off < len) {
		if (io->envp != NULL) {
			got = FCGX_GetStr(p + off, len - off > INT32_MAX ?
			    INT32_MAX : (int)(len - off), io->in);
			if (got <= 0)
				return -1;
			off += (size_t)got;
			continue;
		}
		if ((n = read(STDIN_FILENO, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* The media type of a Content-Type value, parameters and blanks removed. */
static int
http_media_is(const char *ctype, const char *want)
{
	size_t	 len, wlen = strlen(want);

	if (ctype == NULL)
		return 0;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	len = strcspn(ctype, "; \t");
	return len == wlen && strncasecmp(ctype, want, len) == 0;
}

/* Content-Length: 1..20 digits, no sign, no blanks.  Returns 0 or -1. */
static int
http_length(const char *s, uint64_t *n)
{
	size_t	 i;

	*n = 0;
	if (s == NULL || *s == '\0' || strlen(s) > 19)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*n = *n * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

static void
http_reply(struct buf *out, const char *status, const char *extra,
    const char *msg)
{
	buf_reset(out);
	if (buf_printf(out, "Status: %s\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n%s\r\n%s\n", status,
	    extra, msg) == -1) {
		buf_reset(out);
		(void)buf_puts(out, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\n\r\nresponse too long\n");
	}
}

/* Answer one request into out. */
static void
http_handle(const struct http_io *io, struct buf *out)
{
	struct conf	*conf = NULL;
	const char	*method, *ctype, *path;
	char		 err[1024], msg[INTAKE_MSG_SIZE], *body = NULL;
	uint64_t	 len;

	method = http_var(io, "REQUEST_METHOD");
	ctype = http_var(io, "CONTENT_TYPE");
	if (method == NULL || strcmp(method, "POST") != 0) {
		http_reply(out, "405 Method Not Allowed", "Allow: POST\r\n",
		    "TLS-RPT reports are POSTed (RFC 8460 section 5.3)");
		return;
	}
	if (!http_media_is(ctype, "application/tlsrpt+gzip") &&
	    !http_media_is(ctype, "application/tlsrpt+json")) {
		http_reply(out, "415 Unsupported Media Type", "",
		    "Content-Type must be application/tlsrpt+gzip or "
		    "application/tlsrpt+json");
		return;
	}
	if (http_var(io, "CONTENT_LENGTH") == NULL) {
		http_reply(out, "411 Length Required", "",
		    "a Content-Length is required");
		return;
	}
	if (http_length(http_var(io, "CONTENT_LENGTH"), &len) == -1) {
		http_reply(out, "400 Bad Request", "", "invalid Content-Length");
		return;
	}
	if ((path = http_var(io, "MTA_STS_CONF")) == NULL)
		path = conf_default_path();
	if (conf_load(path, &conf, err, sizeof(err)) == -1) {
		mlog_warnx("configuration: %s", err);
		http_reply(out, "503 Service Unavailable", "Retry-After: "
		    HTTP_RETRY_AFTER "\r\n", "configuration error; try later");
		return;
	}
	if (len > conf->report_max_size) {
		(void)snprintf(msg, sizeof(msg), "report of %llu bytes is "
		    "larger than report_max_size (%lu)",
		    (unsigned long long)len, conf->report_max_size);
		mlog_warnx("rejected: %s", msg);
		http_reply(out, "413 Content Too Large", "", msg);
		goto out;
	}
	if ((body = xmalloc((size_t)len + 1)) == NULL) {
		http_reply(out, "503 Service Unavailable", "Retry-After: "
		    HTTP_RETRY_AFTER "\r\n", "out of memory; try later");
		goto out;
	}
	if (http_body(io, body, (size_t)len) == -1) {
		mlog_warnx("rejected: body shorter than its Content-Length");
		http_reply(out, "400 Bad Request", "",
		    "body shorter than its Content-Length");
		goto out;
	}
	switch (intake_submit(conf, body, (size_t)len, msg, sizeof(msg))) {
	case INTAKE_STORED:
		mlog_info("%s", msg);
		http_reply(out, "201 Created", "", msg);
		break;
	case INTAKE_DUPLICATE:
		mlog_info("%s", msg);
		http_reply(out, "200 OK", "", msg);
		break;
	case INTAKE_TOO_LARGE:
		mlog_warnx("rejected: %s", msg);
		http_reply(out, "413 Content Too Large", "", msg);
		break;
	case INTAKE_INVALID:
		mlog_warnx("rejected: %s", msg);
		http_reply(out, "400 Bad Request", "", msg);
		break;
	default:
		mlog_warnx("%s", msg);
		http_reply(out, "503 Service Unavailable", "Retry-After: "
		    HTTP_RETRY_AFTER "\r\n", "the report could not be stored; "
		    "try later");
		break;
	}
 out:
	free(body);
	conf_free(conf);
}

static void
http_log(const char *line, void *arg)
{
	FCGX_Stream	*err = arg;

	(void)FCGX_PutS(line, err);
	(void)FCGX_PutS("\n", err);
}

static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct http_io		 io;
	struct buf		 out;
	FCGX_Request		 fr;
	int			 rc = 0;

	(void)argc;
	mlog_init(argv[0] != NULL ? argv[0] : "mta-sts-tlsrpt.cgi",
	    getenv("MTA_STS_DEBUG") != NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	buf_init(&out, HTTP_OUT_MAX);
	memset(&io, 0, sizeof(io));
	if (FCGX_Init() != 0)
		fatalx("cannot initialise libfcgi");

	if (FCGX_IsCGI()) {
		if (geteuid() == 0) {
			mlog_warnx("refusing to run as root");
			http_reply(&out, "500 Internal Server Error", "",
			    "misconfigured server");
		} else
			http_handle(&io, &out);
		if (cgiio_write(STDOUT_FILENO, out.data, out.len) == -1) {
			mlog_warn("write");
			rc = 1;
		}
		/* A body we did not read must not become a reset. */
		cgiio_drain(STDIN_FILENO, getenv("CONTENT_LENGTH"));
		goto done;
	}
	if (geteuid() == 0)
		fatalx("refusing to run as root: start it as the web server's "
		    "user");
	if (FCGX_InitRequest(&fr, 0, 0) != 0)
		fatalx("cannot initialise the FastCGI request");
	while (FCGX_Accept_r(&fr) >= 0) {
		mlog_set_writer(http_log, fr.err);
		io.envp = fr.envp;
		io.in = fr.in;
		http_handle(&io, &out);
		if (out.len > (size_t)INT32_MAX ||
		    FCGX_PutStr(out.data, (int)out.len, fr.out) != (int)out.len)
			mlog_warnx("cannot write the response");
		mlog_set_writer(NULL, NULL);
		FCGX_Finish_r(&fr);
	}
 done:
	buf_free(&out);
	return rc;
}
