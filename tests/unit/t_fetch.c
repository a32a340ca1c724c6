/*
 * Unit tests for the pure parts of cli/fetch.c: --connect-to rules and
 * the HTTP/1.x response parser (framing, limits, redirects, interim
 * responses, incremental input).  The TLS client itself is tested against
 * a real web server in tests/integration/cli.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fetch.h"
#include "test.h"

static void
test_connect_to(void)
{
	static const struct {
		const char	*spec;
		int		 rc;
		const char	*h1, *p1, *h2, *p2;
	} t[] = {
		{ "mta-sts.example.com:443:127.0.0.1:8443", 0,
		    "mta-sts.example.com", "443", "127.0.0.1", "8443" },
		{ "::127.0.0.1:8443", 0, "", "", "127.0.0.1", "8443" },
		{ ":::8443", 0, "", "", "", "8443" },
		{ ":::", 0, "", "", "", "" },
		{ "MTA-STS.Example.COM::[::1]:443", 0, "mta-sts.example.com",
		    "", "::1", "443" },
		{ "::web.example.net:", 0, "", "", "web.example.net", "" },
		{ "::[2001:db8::1]:65535", 0, "", "", "2001:db8::1", "65535" },
		{ "", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1:8443:1", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1:0", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1:65536", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1:08443", -1, NULL, NULL, NULL, NULL },
		{ "::127.0.0.1:84x3", -1, NULL, NULL, NULL, NULL },
		{ "::[::1:443", -1, NULL, NULL, NULL, NULL },
		{ "::[not-v6]:443", -1, NULL, NULL, NULL, NULL },
		{ "[::1]::127.0.0.1:443", -1, NULL, NULL, NULL, NULL },
		{ "bad_name::127.0.0.1:443", -1, NULL, NULL, NULL, NULL },
		{ "::bad_name:443", -1, NULL, NULL, NULL, NULL },
	};
	struct fetch_connect_to	 ct;
	char			 err[512];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = fetch_connect_to_parse(t[i].spec, &ct, err, sizeof(err));
		if (t[i].rc == -1) {
			t_ok(rc == -1 && strstr(err, "HOST1:PORT1:HOST2:PORT2")
			    != NULL, "connect-to \"%s\" refused", t[i].spec);
			continue;
		}
		t_ok(rc == 0 && strcmp(ct.host1, t[i].h1) == 0 &&
		    strcmp(ct.port1, t[i].p1) == 0 &&
		    strcmp(ct.host2, t[i].h2) == 0 &&
		    strcmp(ct.port2, t[i].p2) == 0, "connect-to \"%s\" parsed",
		    t[i].spec);
	}
}

static void
test_connect_target(void)
{
	struct fetch_connect_to	 ct[3];
	struct fetch_opts	 o;
	const char		*h, *p;
	char			 err[512];

	memset(&o, 0, sizeof(o));
	fetch_connect_target(&o, "mta-sts.a.example", &h, &p);
	t_ok(strcmp(h, "mta-sts.a.example") == 0 && strcmp(p, "443") == 0,
	    "connect target: no rules: the host on 443");
	fetch_connect_target(NULL, "mta-sts.a.example", &h, &p);
	t_ok(strcmp(h, "mta-sts.a.example") == 0 && strcmp(p, "443") == 0,
	    "connect target: no options");
	(void)fetch_connect_to_parse("mta-sts.b.example:443:127.0.0.2:",
	    &ct[0], err, sizeof(err));
	(void)fetch_connect_to_parse("mta-sts.c.example:80:127.0.0.9:9",
	    &ct[1], err, sizeof(err));
	(void)fetch_connect_to_parse(":::8443", &ct[2], err, sizeof(err));
	o.connect_to = ct;
	o.nconnect_to = 3;
	fetch_connect_target(&o, "mta-sts.b.example", &h, &p);
	t_ok(strcmp(h, "127.0.0.2") == 0 && strcmp(p, "443") == 0,
	    "connect target: first matching rule, empty port kept");
	fetch_connect_target(&o, "mta-sts.c.example", &h, &p);
	t_ok(strcmp(h, "mta-sts.c.example") == 0 && strcmp(p, "8443") == 0,
	    "connect target: rule for another port skipped, catch-all used");
}

#define POLICY	"version: STSv1\r\nmode: enforce\r\nmx: mx.example\r\n" \
		"max_age: 86400\r\n"

static void
test_parse(void)
{
	static const struct {
		const char	*name;
		const char	*raw;
		int		 eof;
		enum fetch_parse_rc rc;
		int		 status;
		const char	*body;	/* or the error text */
	} t[] = {
		{ "Content-Length",
		    "HTTP/1.1 200 OK\r\nContent-Length: 63\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "Content-Length, header case and blanks",
		    "HTTP/1.1 200 OK\r\ncontent-LENGTH:\t63 \r\n\r\n" POLICY, 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "Content-Length twice, equal",
		    "HTTP/1.1 200 OK\r\nContent-Length: 63\r\n"
		    "Content-Length: 63\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "Content-Length: body incomplete",
		    "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_MORE, 200, "" },
		{ "Content-Length: closed early",
		    "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" POLICY, 1,
		    FETCH_PARSE_ERROR, 200, "connection closed after 63 of 64 "
		    "body bytes" },
		{ "Content-Length: data after the body",
		    "HTTP/1.1 200 OK\r\nContent-Length: 62\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_ERROR, 200, "data after the body" },
		{ "Content-Length: conflicting",
		    "HTTP/1.1 200 OK\r\nContent-Length: 63\r\n"
		    "Content-Length: 64\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "conflicting Content-Length fields" },
		{ "Content-Length: not a number",
		    "HTTP/1.1 200 OK\r\nContent-Length: +63\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "invalid Content-Length" },
		{ "Content-Length: a list",
		    "HTTP/1.1 200 OK\r\nContent-Length: 63, 63\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "invalid Content-Length" },
		{ "Content-Length: too large",
		    "HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "body larger than 65536 bytes" },
		{ "Content-Length: 64 KiB is fine (still incomplete)",
		    "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n", 0,
		    FETCH_PARSE_MORE, 200, "" },
		{ "chunked",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "10\r\nversion: STSv1\r\n\r\n"
		    "2f;ext=1\r\nmode: enforce\r\nmx: mx.example\r\n"
		    "max_age: 86400\r\n\r\n0\r\n\r\n", 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "chunked with trailers, LF only, upper-case hex",
		    "HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n"
		    "3F\n" POLICY "\n0\nX-Trailer: 1\n\n", 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "chunked: incomplete",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "3f\r\n" POLICY "\r\n", 0, FETCH_PARSE_MORE, 200, "" },
		{ "chunked: closed early",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "3f\r\n" POLICY, 1, FETCH_PARSE_ERROR, 200,
		    "connection closed in a chunked body" },
		{ "chunked: bad size",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "x4\r\n", 0, FETCH_PARSE_ERROR, 200, "malformed chunk size" },
		{ "chunked: size overflow",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "fffffffffffffffff\r\n", 0, FETCH_PARSE_ERROR, 200,
		    "body larger than 65536 bytes" },
		{ "chunked: too large in all",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "10001\r\n", 0, FETCH_PARSE_ERROR, 200,
		    "body larger than 65536 bytes" },
		{ "chunked: data longer than the size",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "2\r\nabc\r\n0\r\n\r\n", 0, FETCH_PARSE_ERROR, 200,
		    "malformed chunk" },
		{ "both Content-Length and chunked",
		    "HTTP/1.1 200 OK\r\nContent-Length: 63\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200,
		    "both Content-Length and Transfer-Encoding" },
		{ "Transfer-Encoding gzip",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		    0, FETCH_PARSE_ERROR, 200, "unsupported Transfer-Encoding" },
		{ "Content-Encoding gzip",
		    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
		    "Content-Length: 0\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "unexpected Content-Encoding" },
		{ "no length: body to the clean close",
		    "HTTP/1.0 200 OK\r\n\r\n" POLICY, 1,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "no length: not closed yet",
		    "HTTP/1.0 200 OK\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_MORE, 200, "" },
		{ "100 Continue first",
		    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 63\r\n\r\n" POLICY, 0,
		    FETCH_PARSE_DONE, 200, POLICY },
		{ "101 refused",
		    "HTTP/1.1 101 Switching Protocols\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 101, "unexpected 101 Switching Protocols" },
		{ "301: done after the header, no body needed",
		    "HTTP/1.1 301 Moved Permanently\r\nLocation: "
		    "https://www.example/\r\nContent-Length: 9999\r\n\r\n", 0,
		    FETCH_PARSE_DONE, 301, "" },
		{ "404", "HTTP/1.1 404 Not Found\r\n\r\n", 0,
		    FETCH_PARSE_DONE, 404, "" },
		{ "503 without reason phrase", "HTTP/1.1 503\r\n\r\n", 0,
		    FETCH_PARSE_DONE, 503, "" },
		{ "header incomplete", "HTTP/1.1 200 OK\r\nContent-Le", 0,
		    FETCH_PARSE_MORE, 200, "" },
		{ "header closed early", "HTTP/1.1 200 OK\r\nContent-Le", 1,
		    FETCH_PARSE_ERROR, 200,
		    "connection closed in the response header" },
		{ "nothing yet", "", 0, FETCH_PARSE_MORE, 0, "" },
		{ "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", 0,
		    FETCH_PARSE_ERROR, 0, "not an HTTP/1.x response" },
		{ "HTTP/2 status line", "HTTP/2 200\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 0, "not an HTTP/1.x response" },
		{ "status 600", "HTTP/1.1 600 Odd\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 0, "not an HTTP/1.x response" },
		{ "status 20", "HTTP/1.1 20 OK\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 0, "not an HTTP/1.x response" },
		{ "folded header line",
		    "HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "malformed header field" },
		{ "space before the colon",
		    "HTTP/1.1 200 OK\r\nContent-Length : 63\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "malformed header field name" },
		{ "header without colon",
		    "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "malformed header field" },
		{ "bare CR in a header",
		    "HTTP/1.1 200 OK\r\nX-A: 1\r2\r\n\r\n", 0,
		    FETCH_PARSE_ERROR, 200, "NUL or CR in a header field" },
	};
	static const char	 redirect[] = "HTTP/1.1 302 Found\r\n"
	    "Location: https://x.example/\x01p\r\n\r\n";
	struct fetch_result	 res;
	enum fetch_parse_rc	 rc;
	size_t			 i;

	fetch_result_init(&res);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = fetch_response_parse(t[i].raw, strlen(t[i].raw), t[i].eof,
		    &res);
		if (!t_inteq(rc, t[i].rc, "parse: %s: result", t[i].name))
			printf("    err: %s\n", res.err);
		if (t[i].rc == FETCH_PARSE_ERROR)
			t_streq(res.err, t[i].body, "parse: %s: reason",
			    t[i].name);
		else if (t[i].rc == FETCH_PARSE_DONE) {
			t_inteq(res.status, t[i].status, "parse: %s: status",
			    t[i].name);
			t_streq(res.body.data != NULL ? res.body.data : "",
			    t[i].body, "parse: %s: body", t[i].name);
		}
	}
	(void)fetch_response_parse(redirect, strlen(redirect), 0, &res);
	t_streq(res.location, "https://x.example/?p",
	    "parse: Location kept, made printable");
	t_streq(res.reason, "Found", "parse: reason phrase kept");
	fetch_result_clear(&res);
}

/* Oversized input: header fields, and a body of many small chunks. */
static void
test_limits(void)
{
	struct fetch_result	 res;
	struct buf		 b;
	size_t			 i;

	fetch_result_init(&res);
	buf_init(&b, FETCH_RAW_MAX);
	(void)buf_puts(&b, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 2000; i++)
		(void)buf_puts(&b, "X-Filler: aaaaaaaaaa\r\n");
	t_inteq(fetch_response_parse(b.data, b.len, 0, &res),
	    FETCH_PARSE_ERROR, "limits: header fields over 16 KiB refused");
	t_streq(res.err, "header fields larger than 16384 bytes",
	    "limits: header fields: reason");

	buf_reset(&b);
	(void)buf_puts(&b, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 20000; i++)
		(void)buf_puts(&b, "X");
	t_inteq(fetch_response_parse(b.data, b.len, 0, &res),
	    FETCH_PARSE_ERROR, "limits: one endless header line refused");

	buf_reset(&b);
	(void)buf_puts(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n");
	for (i = 0; i < 4096; i++)
		(void)buf_puts(&b, "10\r\nxxxxxxxxxxxxxxxx\r\n");
	(void)buf_puts(&b, "0\r\n\r\n");
	t_inteq(fetch_response_parse(b.data, b.len, 0, &res),
	    FETCH_PARSE_DONE, "limits: 64 KiB in 16-byte chunks accepted");
	t_inteq((long long)res.body.len, 65536, "limits: 64 KiB body");
	b.len -= 5;
	(void)buf_puts(&b, "1\r\nx\r\n0\r\n\r\n");
	t_inteq(fetch_response_parse(b.data, b.len, 0, &res),
	    FETCH_PARSE_ERROR, "limits: 64 KiB + 1 in chunks refused");

	buf_reset(&b);
	(void)buf_puts(&b, "HTTP/1.0 200 OK\r\n\r\n");
	for (i = 0; i < 65537; i++)
		(void)buf_puts(&b, "x");
	t_inteq(fetch_response_parse(b.data, b.len, 0, &res),
	    FETCH_PARSE_ERROR, "limits: body to the close over 64 KiB refused");
	buf_free(&b);
	fetch_result_clear(&res);
}

/* Every prefix of a response is MORE; the whole of it is DONE. */
static void
test_incremental(void)
{
	static const char *const raw[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 63\r\n\r\n" POLICY,
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n"
		    "10\r\nversion: STSv1\r\n\r\n2f\r\nmode: enforce\r\n"
		    "mx: mx.example\r\nmax_age: 86400\r\n\r\n0\r\n\r\n",
	};
	struct fetch_result	 res;
	size_t			 i, n, len, bad;

	fetch_result_init(&res);
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		len = strlen(raw[i]);
		for (n = 0, bad = 0; n < len; n++)
			if (fetch_response_parse(raw[i], n, 0, &res) !=
			    FETCH_PARSE_MORE)
				bad++;
		t_inteq((long long)bad, 0, "incremental %zu: every prefix "
		    "needs more", i);
		t_ok(fetch_response_parse(raw[i], len, 0, &res) ==
		    FETCH_PARSE_DONE && res.body.len == strlen(POLICY) &&
		    memcmp(res.body.data, POLICY, res.body.len) == 0,
		    "incremental %zu: complete", i);
	}
	fetch_result_clear(&res);
}

static void
test_get_refuses(void)
{
	struct fetch_result	 res;

	fetch_result_init(&res);
	t_inteq(fetch_get("not a host", "/", NULL, &res), -1,
	    "get: invalid host refused before any I/O");
	t_inteq(fetch_get("mta-sts.example.com", "/a b", NULL, &res), -1,
	    "get: path with a space refused");
	t_inteq(fetch_get("mta-sts.example.com", "x", NULL, &res), -1,
	    "get: relative path refused");
	fetch_result_clear(&res);
}

int
main(void)
{
	t_suite = "fetch";
	test_connect_to();
	test_connect_target();
	test_parse();
	test_limits();
	test_incremental();
	test_get_refuses();
	return t_done();
}
