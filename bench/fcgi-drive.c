/*
 * fcgi-drive: send an exact number of FastCGI requests to a responder on a
 * unix socket, one connection per request (as nginx does without
 * fastcgi_keep_conn), one after the other, and check every answer.
 *
 *   fcgi-drive [-s STATUS] [-e FILE] SOCKET N HOST [NDOMAINS]
 *
 * HOST is the Host header; with NDOMAINS it is a printf format taking one
 * int (e.g. "mta-sts.d%05d.example"), and request i uses i % NDOMAINS.
 * The parameters are the ones Debian's /etc/nginx/fastcgi_params sends
 * for GET /.well-known/mta-sts.txt.  An answer counts as good when its
 * "Status:" is STATUS (default 200) and, with -e, its bytes equal FILE.
 * Prints one line "requests=N good=G bad=B stderr_bytes=E stderr_lines=L
 * seconds=S" (stderr: the responder's log records) and exits 1 when any
 * answer was bad or a request failed.
 *
 * Build: cc -O2 -o fcgi-drive fcgi-drive.c
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_RESPONDER		1

static long	errlines;	/* log lines received on FCGI_STDERR */

struct out {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
put(struct out *o, const void *p, size_t len)
{
	if (o->len + len > o->cap) {
		while (o->len + len > o->cap)
			o->cap = o->cap ? o->cap * 2 : 4096;
		if ((o->p = realloc(o->p, o->cap)) == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(o->p + o->len, p, len);
	o->len += len;
}

static void
record(struct out *o, int type, const void *body, size_t len)
{
	unsigned char	 h[8] = { 1, (unsigned char)type, 0, 1,
			    (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

	put(o, h, 8);
	put(o, body, len);
}

static void
nvlen(struct out *o, size_t n)
{
	unsigned char	 b[4];

	if (n < 128) {
		b[0] = (unsigned char)n;
		put(o, b, 1);
	} else {
		b[0] = (unsigned char)((n >> 24) | 0x80);
		b[1] = (unsigned char)(n >> 16);
		b[2] = (unsigned char)(n >> 8);
		b[3] = (unsigned char)n;
		put(o, b, 4);
	}
}

static void
param(struct out *o, const char *name, const char *val)
{
	nvlen(o, strlen(name));
	nvlen(o, strlen(val));
	put(o, name, strlen(name));
	put(o, val, strlen(val));
}

static void
build(struct out *req, const char *host)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0 };
	struct out	 pr = { NULL, 0, 0 };
	const char	*path = "/.well-known/mta-sts.txt";

	param(&pr, "QUERY_STRING", "");
	param(&pr, "REQUEST_METHOD", "GET");
	param(&pr, "CONTENT_TYPE", "");
	param(&pr, "CONTENT_LENGTH", "");
	param(&pr, "SCRIPT_NAME", path);
	param(&pr, "REQUEST_URI", path);
	param(&pr, "DOCUMENT_URI", path);
	param(&pr, "DOCUMENT_ROOT", "/usr/share/nginx/html");
	param(&pr, "SERVER_PROTOCOL", "HTTP/1.1");
	param(&pr, "REQUEST_SCHEME", "http");
	param(&pr, "GATEWAY_INTERFACE", "CGI/1.1");
	param(&pr, "SERVER_SOFTWARE", "nginx/1.22.1");
	param(&pr, "REMOTE_ADDR", "127.0.0.1");
	param(&pr, "REMOTE_PORT", "40000");
	param(&pr, "SERVER_ADDR", "127.0.0.1");
	param(&pr, "SERVER_PORT", "18480");
	param(&pr, "SERVER_NAME", host);
	param(&pr, "REDIRECT_STATUS", "200");
	param(&pr, "HTTP_HOST", host);
	param(&pr, "HTTP_USER_AGENT", "fcgi-drive");
	param(&pr, "HTTP_ACCEPT", "*/*");

	req->len = 0;
	record(req, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	record(req, FCGI_PARAMS, pr.p, pr.len);
	record(req, FCGI_PARAMS, NULL, 0);
	record(req, FCGI_STDIN, NULL, 0);
	free(pr.p);
}

static int
readn(int fd, unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request; the answer's stdout into *so.  Returns 0 or -1. */
static int
one(const char *sock, const struct out *req, struct out *so, size_t *errb)
{
	struct sockaddr_un	 sun;
	unsigned char		 h[8], body[65536 + 256];
	size_t			 clen, plen, off;
	ssize_t			 n;
	int			 fd, rc = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto out;
	for (off = 0; off < req->len; off += (size_t)n)
		if ((n = write(fd, req->p + off, req->len - off)) <= 0)
			goto out;
	so->len = 0;
	for (;;) {
		if (readn(fd, h, 8) == -1)
			goto out;
		clen = (size_t)h[4] << 8 | h[5];
		plen = h[6];
		if (readn(fd, body, clen + plen) == -1)
			goto out;
		if (h[1] == FCGI_STDOUT)
			put(so, body, clen);
		else if (h[1] == FCGI_STDERR) {
			*errb += clen;
			for (off = 0; off < clen; off++)
				if (body[off] == '\n')
					errlines++;
		}
		else if (h[1] == FCGI_END_REQUEST) {
			rc = 0;
			break;
		}
	}
 out:
	(void)close(fd);
	return rc;
}

static double
now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct out	 req = { NULL, 0, 0 }, so = { NULL, 0, 0 };
	char		*want = NULL, host[512], status[32];
	const char	*wantstatus = "200";
	long		 i, n, ndom = 0, good = 0, bad = 0;
	size_t		 wantlen = 0, errb = 0;
	double		 t0;
	FILE		*f;
	int		 c;

	while ((c = getopt(argc, argv, "e:s:")) != -1) {
		switch (c) {
		case 'e':
			if ((f = fopen(optarg, "rb")) == NULL) {
				perror(optarg);
				return 2;
			}
			want = malloc(65536);
			wantlen = fread(want, 1, 65536, f);
			(void)fclose(f);
			break;
		case 's':
			wantstatus = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 4) {
 usage:
		fprintf(stderr, "usage: fcgi-drive [-s STATUS] [-e FILE] "
		    "SOCKET N HOST [NDOMAINS]\n");
		return 2;
	}
	n = atol(argv[1]);
	if (argc == 4)
		ndom = atol(argv[3]);
	(void)snprintf(status, sizeof(status), "Status: %s ", wantstatus);
	if (ndom == 0)
		build(&req, argv[2]);
	t0 = now();
	for (i = 0; i < n; i++) {
		if (ndom > 0) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			(void)snprintf(host, sizeof(host), argv[2],
			    (int)(i % ndom));
#pragma GCC diagnostic pop
			build(&req, host);
		}
		if (one(argv[0], &req, &so, &errb) == -1) {
			fprintf(stderr, "fcgi-drive: request %ld: %s\n", i,
			    errno ? strerror(errno) : "connection closed early");
			bad++;
			break;
		}
		if (so.len >= strlen(status) &&
		    memcmp(so.p, status, strlen(status)) == 0 &&
		    (want == NULL || (so.len == wantlen &&
		    memcmp(so.p, want, wantlen) == 0)))
			good++;
		else {
			if (bad++ == 0)
				fprintf(stderr, "fcgi-drive: request %ld: "
				    "unexpected answer:\n%.*s\n", i,
				    (int)(so.len < 600 ? so.len : 600), so.p);
		}
	}
	printf("requests=%ld good=%ld bad=%ld stderr_bytes=%zu stderr_lines=%ld "
	    "seconds=%.3f\n", i, good, bad, errb, errlines, now() - t0);
	return bad > 0 ? 1 : 0;
}
