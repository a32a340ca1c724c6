/*
 * Unit tests for common/request.c above a stub resolver: the order of the
 * checks, the path rules, and allocation failure at every point of a
 * request (no crash, a 5xx or the right answer, and the next request is
 * served normally).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "mlog.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "test.h"
#include "xmalloc.h"

/* Stub resolver: every lookup fails temporarily. */
struct dns {
	int	 unused;
};
static struct dns	stub_dns;

struct dns *
dns_new(const struct conf *conf, char *err, size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return &stub_dns;
}

void
dns_free(struct dns *dns)
{
	(void)dns;
}

void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	size_t	 i;

	(void)dns;
	(void)timeout_ms;
	for (i = 0; i < n; i++) {
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_TEMPFAIL;
		(void)snprintf(q[i].res.why, sizeof(q[i].res.why), "stub");
	}
}

static char	dir[] = "/tmp/t_request.XXXXXX";
static char	confpath[256];

static void
put(const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

/* The status code of a serialised answer, or -1. */
static int
status_of(const char *out)
{
	if (out == NULL || strncmp(out, "Status: ", 8) != 0)
		return -1;
	return atoi(out + 8);
}

struct order_case {
	const char	*what;
	const char	*method, *host, *uri;
	int		 status;
};

static const struct order_case order_cases[] = {
	{ "policy", "GET", "mta-sts.example.com", "/.well-known/mta-sts.txt",
	    200 },
	{ "HEAD", "HEAD", "mta-sts.example.com", "/.well-known/mta-sts.txt",
	    200 },
	{ "garbage host beats everything", "POST", "a b", "/x", 400 },
	{ "non-policy host before path and method", "POST", "www.example.com",
	    "/x", 404 },
	{ "unlisted domain before path and method", "POST",
	    "mta-sts.other.example", "/x", 404 },
	{ "path before method", "POST", "mta-sts.example.com", "/x", 404 },
	{ "method", "POST", "mta-sts.example.com", "/.well-known/mta-sts.txt",
	    405 },
	{ "DNS tempfail for a listed DNS domain", "GET", "mta-sts.dns.example",
	    "/.well-known/mta-sts.txt", 503 },
	{ "no method at all", NULL, "mta-sts.example.com",
	    "/.well-known/mta-sts.txt", 405 },
};

static void
test_order(struct server *srv)
{
	const struct order_case	*c;
	struct request		 req;
	struct buf		 out;
	const char		*bytes;
	size_t			 i, len;

	buf_init(&out, RESPONSE_MAX_SIZE);
	for (i = 0; i < sizeof(order_cases) / sizeof(order_cases[0]); i++) {
		c = &order_cases[i];
		memset(&req, 0, sizeof(req));
		req.method = c->method;
		req.host = c->host;
		req.request_uri = c->uri;
		req.conf_path = confpath;
		bytes = request_respond(srv, &req, &out, &len);
		t_inteq(status_of(bytes), c->status, "order: %s", c->what);
	}
	buf_free(&out);
}

struct path_case {
	const char	*uri, *script, *info;
	int		 ok;
};

static const struct path_case path_cases[] = {
	{ "/.well-known/mta-sts.txt", NULL, NULL, 1 },
	{ "/.well-known/mta-sts.txt?x=1", NULL, NULL, 1 },
	{ "/.well-known/mta-sts.txt?", NULL, NULL, 1 },
	{ "/.well-known/mta-sts.txt/", NULL, NULL, 0 },
	{ "//.well-known/mta-sts.txt", NULL, NULL, 0 },
	{ "/.well-known/mta-sts%2etxt", NULL, NULL, 0 },
	{ "/.well-known/MTA-STS.TXT", NULL, NULL, 0 },
	{ "", NULL, NULL, 0 },
	{ "/.well-known/mta-sts.txt", "/other", "/x", 1 },	/* URI wins */
	{ NULL, "/.well-known/mta-sts.txt", NULL, 1 },
	{ NULL, "/.well-known", "/mta-sts.txt", 1 },
	{ NULL, "", "/.well-known/mta-sts.txt", 1 },
	{ NULL, "/.well-known/mta-sts.txt", "/", 0 },
	{ NULL, "/mta-sts.cgi", NULL, 0 },
	{ NULL, "/mta-sts.cgi", "/.well-known/mta-sts.txt", 0 },
	{ NULL, NULL, NULL, 0 },
};

static void
test_paths(void)
{
	struct request	 req;
	size_t		 i;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		memset(&req, 0, sizeof(req));
		req.request_uri = path_cases[i].uri;
		req.script_name = path_cases[i].script;
		req.path_info = path_cases[i].info;
		t_inteq(request_path_ok(&req), path_cases[i].ok,
		    "path: uri=%s script=%s info=%s",
		    path_cases[i].uri ? path_cases[i].uri : "(unset)",
		    path_cases[i].script ? path_cases[i].script : "(unset)",
		    path_cases[i].info ? path_cases[i].info : "(unset)");
	}
}

/* Fail the Nth allocation of a request for every N until none fails. */
static void
test_nomem(int one_request)
{
	struct server	*srv;
	struct request	 req;
	struct buf	 out;
	const char	*bytes;
	size_t		 len;
	long		 n;
	int		 st, bad = 0, reached = 0;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.host = "mta-sts.example.com";
	req.request_uri = "/.well-known/mta-sts.txt";
	req.conf_path = confpath;
	srv = server_new(one_request);
	buf_init(&out, RESPONSE_MAX_SIZE);
	for (n = 0; n < 500; n++) {
		/* A changed file forces the configuration to load again. */
		if (!one_request) {
			server_free(srv);
			srv = server_new(0);
		}
		xmalloc_fail_after(n);
		bytes = request_respond(srv, &req, &out, &len);
		xmalloc_fail_after(-1);
		st = status_of(bytes);
		if (st != 200 && st != 500 && st != 503)
			bad++;
		if (st == 200) {
			reached = 1;
			break;
		}
	}
	t_inteq(bad, 0, "allocation failure (%s): every answer is 200 or 5xx",
	    one_request ? "one request" : "long-running");
	t_ok(reached, "allocation failure (%s): a 200 once allocations "
	    "succeed (after %ld failure points)",
	    one_request ? "one request" : "long-running", n);
	bytes = request_respond(srv, &req, &out, &len);
	t_inteq(status_of(bytes), 200, "allocation failure (%s): the next "
	    "request is served", one_request ? "one request" :
	    "long-running");
	buf_free(&out);
	server_free(srv);
}

/* The log lines of failing requests are expected; keep the output to checks. */
static void
quiet(const char *line, void *arg)
{
	(void)line;
	(void)arg;
}

int
main(void)
{
	struct server	*srv;
	char		 cmd[300];

	t_suite = "request";
	mlog_set_writer(quiet, NULL);
	if (mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(confpath, sizeof(confpath), "%s/m.conf", dir);
	put("m.conf", "mode: enforce\ndomain: example.com\n"
	    "override: p.txt\ndomain: dns.example\n");
	put("p.txt", "version: STSv1\nmode: enforce\nmx: mx.example.com\n"
	    "max_age: 86400\n");
	srv = server_new(0);
	test_order(srv);
	server_free(srv);
	test_paths();
	test_nomem(0);
	test_nomem(1);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_ok(0, "cleanup");
	return t_done();
}
