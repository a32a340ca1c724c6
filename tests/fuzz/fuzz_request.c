/*
 * fuzz_request: one HTTP request, as the CGI meta-variables describe it,
 * through request_respond(): the Host, path and method handling and the
 * bytes of the answer.
 *
 * Input framing: byte 0 holds flags, the rest is split at NUL bytes into
 * up to six fields, in this order (NUL cannot occur in a CGI variable, so
 * every other byte is fair game):
 *
 *	bit 0	REQUEST_METHOD is set	field 1
 *	bit 1	HTTP_HOST is set	field 2
 *	bit 2	REQUEST_URI is set	field 3
 *	bit 3	SCRIPT_NAME is set	field 4
 *	bit 4	PATH_INFO is set	field 5
 *	bit 5	SERVER_NAME is set	field 6
 *	bit 6	use the opt-in configuration (no domain list) instead of the
 *		listed one
 *	bit 7	fault injection: the request is first answered with
 *		xmalloc_fail_after(last input byte % 64), then again without
 *
 * A field whose bit is clear is left unset (NULL) whatever the input
 * holds; a set field missing from the input is "".  An empty input is
 * skipped.
 *
 * Two long-lived servers (as in the FastCGI process), each with its own
 * configuration written once to a temporary directory:
 *
 *	listed	example.com (valid override), bad.example (invalid
 *		override), missing.example (override file missing),
 *		dns.example (no override: goes to the DNS)
 *	opt-in	no domain list: every policy host goes to the DNS
 *
 * The DNS module is replaced by stubs that answer DNS_TEMPFAIL to every
 * query and count them, so nothing ever reaches the network.
 *
 * Properties checked on every answer (README, response.h):
 *	- "Status: NNN Reason\r\n" with NNN in 200 400 404 405 500 503;
 *	- header lines end in CRLF and are exactly the documented ones (no
 *	  Location, nothing from the request), then "\r\n\r\n";
 *	- Content-Length equals the body length; a HEAD answer is the GET
 *	  answer without its body;
 *	- bodies are printable ASCII lines; a 200 carries exactly the
 *	  canonical form of example.com's override;
 *	- the status is the one the README's check order gives (Host syntax,
 *	  Host prefix, domain list, path, method, policy), and no DNS query
 *	  is made before the host is known to be served and the path and
 *	  method are right;
 *	- log lines hold no control characters;
 *	- with an allocation failure injected, the answer is still well
 *	  formed, and is the normal one, a 500, or a 503 instead of a 200;
 *	  the same request answered next, without failure, gets exactly the
 *	  normal answer (the server goes on).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "host.h"
#include "mlog.h"
#include "request.h"
#include "response.h"
#include "server.h"
#include "xmalloc.h"
#include "fuzz.h"

#define NFIELDS		6
#define F_OPTIN		0x40
#define F_FAULT		0x80

/* example.com's override, and its canonical form: the only 200 body. */
static const char override_text[] = "version: STSv1\n"
    "mode: enforce\n"
    "mx: MX2.Example.COM.\n"
    "mx:mx1.example.com  \n"
    "mx: *.backup.example.com\n"
    "mx: mx1.example.com\n"
    "max_age: 86400\n";
static const char policy_body[] = "version: STSv1\r\n"
    "mode: enforce\r\n"
    "mx: *.backup.example.com\r\n"
    "mx: mx1.example.com\r\n"
    "mx: mx2.example.com\r\n"
    "max_age: 86400\r\n";

static const char *const listed_domains[] = {
	"example.com", "bad.example", "missing.example", "dns.example", NULL
};

static char		 tmpdir[4096];
static char		 listed_conf[4200], optin_conf[4200];
static char		 files[4][4200];
static struct server	*srv_listed, *srv_optin;
static unsigned long	 dns_queries;

/* --- the DNS stubs ------------------------------------------------------- */

static int	stub_context;

struct dns *
dns_new(const struct conf *conf, char *err, size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return (struct dns *)&stub_context;
}

void
dns_free(struct dns *dns)
{
	FUZZ_ASSERT(dns == NULL || dns == (struct dns *)&stub_context);
}

void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	size_t	 i;

	FUZZ_ASSERT(dns == (struct dns *)&stub_context);
	FUZZ_ASSERT(timeout_ms >= 0);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(q[i].name != NULL &&
		    strlen(q[i].name) <= HOST_NAME_MAX_LEN + 9);
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_TEMPFAIL;
		(void)snprintf(q[i].res.why, sizeof(q[i].res.why),
		    "fuzz stub: no network");
		dns_queries++;
	}
}

/* --- set-up -------------------------------------------------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF) {
		fprintf(stderr, "fuzz_request: %s: %s\n", path,
		    strerror(errno));
		exit(1);
	}
}

static void
cleanup(void)
{
	size_t	 i;

	server_free(srv_listed);
	server_free(srv_optin);
	srv_listed = srv_optin = NULL;
	for (i = 0; i < 4; i++)
		if (files[i][0] != '\0')
			(void)unlink(files[i]);
	if (tmpdir[0] != '\0')
		(void)rmdir(tmpdir);
}

/* Log lines are dropped, after checking that each is one clean line. */
static void
log_sink(const char *line, void *arg)
{
	const unsigned char	*p;

	(void)arg;
	for (p = (const unsigned char *)line; *p != '\0'; p++)
		FUZZ_ASSERTF(*p >= 0x20 && *p != 0x7f,
		    "control byte 0x%02x in a log line", *p);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*t;
	char		 text[8192];

	(void)argc;
	(void)argv;
	if ((t = getenv("TMPDIR")) == NULL || *t == '\0')
		t = "/tmp";
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz-request.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "fuzz_request: mkdtemp %s: %s\n", tmpdir,
		    strerror(errno));
		exit(1);
	}
	(void)snprintf(listed_conf, sizeof(listed_conf), "%s/listed.conf",
	    tmpdir);
	(void)snprintf(optin_conf, sizeof(optin_conf), "%s/optin.conf",
	    tmpdir);
	(void)snprintf(files[0], sizeof(files[0]), "%s", listed_conf);
	(void)snprintf(files[1], sizeof(files[1]), "%s", optin_conf);
	(void)snprintf(files[2], sizeof(files[2]), "%s/example.com.policy",
	    tmpdir);
	(void)snprintf(files[3], sizeof(files[3]), "%s/bad.policy", tmpdir);
	atexit(cleanup);

	write_file(files[2], override_text);
	write_file(files[3], "version: STSv1\nmode: enforce\nmax_age: 86400\n");
	/* resolver: port 9 (discard), should the stubs ever be bypassed. */
	(void)snprintf(text, sizeof(text),
	    "resolver: 127.0.0.1@9\n"
	    "mode: testing\n"
	    "max_age: 604800\n"
	    "domain: example.com\n"
	    "override: example.com.policy\n"
	    "domain: bad.example\n"
	    "override: bad.policy\n"
	    "domain: missing.example\n"
	    "override: missing.policy\n"
	    "domain: dns.example\n");
	write_file(listed_conf, text);
	write_file(optin_conf, "resolver: 127.0.0.1@9\nmode: enforce\n");

	mlog_init("fuzz_request", 1);
	mlog_set_writer(log_sink, NULL);
	if ((srv_listed = server_new(0)) == NULL ||
	    (srv_optin = server_new(0)) == NULL) {
		fprintf(stderr, "fuzz_request: out of memory\n");
		exit(1);
	}
	return 0;
}

/* --- the model ----------------------------------------------------------- */

/* README: REQUEST_URI without its query, else SCRIPT_NAME + PATH_INFO. */
static int
model_path_ok(const struct request *req)
{
	size_t	 n, plen = strlen(REQUEST_PATH);

	if (req->request_uri != NULL) {
		n = strcspn(req->request_uri, "?");
		return n == plen && memcmp(req->request_uri, REQUEST_PATH,
		    plen) == 0;
	}
	/* SCRIPT_NAME is always set by a CGI server (RFC 3875 4.1.13). */
	if (req->script_name == NULL)
		return 0;
	n = strlen(req->script_name);
	if (n > plen || memcmp(req->script_name, REQUEST_PATH, n) != 0)
		return 0;
	return strcmp(req->path_info != NULL ? req->path_info : "",
	    &REQUEST_PATH[n]) == 0;
}

static int
is_listed(const char *domain)
{
	size_t	 i;

	for (i = 0; listed_domains[i] != NULL; i++)
		if (strcmp(listed_domains[i], domain) == 0)
			return 1;
	return 0;
}

/*
 * The status the README's check order gives; *dns says whether a DNS
 * lookup is allowed for this request.
 */
static int
model_status(const struct request *req, int optin, int *dns)
{
	const char	*hosthdr;
	char		 domain[HOST_NAME_SIZE], low[HOST_NAME_SIZE + 8];
	size_t		 dlen;

	*dns = 0;
	hosthdr = req->host != NULL ? req->host : req->server_name;
	memset(domain, 0, sizeof(domain));
	switch (host_policy_domain(hosthdr, domain, sizeof(domain))) {
	case HOST_OK:
		break;
	case HOST_OTHER:
		return 404;
	default:
		return 400;
	}
	/* The domain is a valid lower-case name the Host starts with. */
	dlen = strlen(domain);
	FUZZ_ASSERT(host_valid(domain, dlen));
	FUZZ_ASSERT(strspn(domain, "abcdefghijklmnopqrstuvwxyz0123456789-.")
	    == dlen);
	(void)snprintf(low, sizeof(low), "%s", hosthdr);
	host_lower(low);
	FUZZ_ASSERT(strncmp(low, "mta-sts.", 8) == 0 &&
	    strncmp(low + 8, domain, dlen) == 0 &&
	    (low[8 + dlen] == '\0' || low[8 + dlen] == '.' ||
	    low[8 + dlen] == ':'));

	if (!optin && !is_listed(domain))
		return 404;
	if (!model_path_ok(req))
		return 404;
	if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0))
		return 405;
	if (!optin && strcmp(domain, "example.com") == 0)
		return 200;
	if (optin || strcmp(domain, "dns.example") == 0)
		*dns = 1;
	return 503;
}

/* --- checking an answer ---------------------------------------------------- */

struct answer {
	int		 status;
	size_t		 hlen;		/* headers including "\r\n\r\n" */
	size_t		 clen;		/* Content-Length */
	const char	*body;
	size_t		 blen;		/* bytes after the headers */
};

static int
header_known(const char *line, size_t len, int status)
{
	static const char *const always[] = {
		"Content-Type: text/plain; charset=us-ascii",
		"Cache-Control: no-store",
		"Cache-Control: max-age=60",
		"X-Content-Type-Options: nosniff",
		"Retry-After: 300",
		"Allow: GET, HEAD",
		NULL
	};
	size_t	 i;

	if (len > 16 && memcmp(line, "Content-Length: ", 16) == 0)
		return 1;
	for (i = 0; always[i] != NULL; i++)
		if (strlen(always[i]) == len &&
		    memcmp(always[i], line, len) == 0)
			break;
	if (always[i] == NULL)
		return 0;
	if (strncmp(always[i], "Retry-After", 11) == 0)
		return status == 503;
	if (strncmp(always[i], "Allow", 5) == 0)
		return status == 405;
	if (strcmp(always[i], "Cache-Control: max-age=60") == 0)
		return status == 200;
	if (strcmp(always[i], "Cache-Control: no-store") == 0)
		return status != 200;
	return 1;
}

static void
parse_answer(const char *out, size_t len, struct answer *a)
{
	const char	*p, *end, *eol, *hend;
	char		 num[32];
	int		 seen_clen = 0, nlines = 0;
	char		*ep;
	unsigned long	 v;

	memset(a, 0, sizeof(*a));
	FUZZ_ASSERT(out != NULL && len > 0);
	end = out + len;
	FUZZ_ASSERT(len >= 12 && memcmp(out, "Status: ", 8) == 0);
	FUZZ_ASSERT(out[8] >= '1' && out[8] <= '5' &&
	    out[9] >= '0' && out[9] <= '9' && out[10] >= '0' &&
	    out[10] <= '9' && out[11] == ' ');
	a->status = (out[8] - '0') * 100 + (out[9] - '0') * 10 +
	    (out[10] - '0');
	FUZZ_ASSERTF(a->status == 200 || a->status == 400 ||
	    a->status == 404 || a->status == 405 || a->status == 500 ||
	    a->status == 503, "status %d", a->status);

	hend = memmem(out, len, "\r\n\r\n", 4);
	FUZZ_ASSERT(hend != NULL);
	a->hlen = (size_t)(hend - out) + 4;
	a->body = hend + 4;
	a->blen = (size_t)(end - a->body);

	/* Status line: exact reason phrase. */
	eol = memmem(out, a->hlen, "\r\n", 2);
	FUZZ_ASSERT(eol != NULL);
	FUZZ_ASSERT((size_t)(eol - out) == 12 + strlen(response_reason(
	    a->status)) && memcmp(out + 12, response_reason(a->status),
	    strlen(response_reason(a->status))) == 0);

	/* Header lines: CRLF-terminated, printable, known. */
	for (p = eol + 2; p < hend + 2; p = eol + 2) {
		eol = memmem(p, (size_t)(hend + 2 - p), "\r\n", 2);
		FUZZ_ASSERT(eol != NULL);
		FUZZ_ASSERT(memchr(p, '\n', (size_t)(eol - p)) == NULL &&
		    memchr(p, '\r', (size_t)(eol - p)) == NULL);
		FUZZ_ASSERT(memmem(p, (size_t)(eol - p), "Location", 8) ==
		    NULL);
		FUZZ_ASSERTF(header_known(p, (size_t)(eol - p), a->status),
		    "unexpected header \"%.*s\" on a %d", (int)(eol - p), p,
		    a->status);
		if (memcmp(p, "Content-Length: ", 16) == 0) {
			FUZZ_ASSERT(!seen_clen);
			seen_clen = 1;
			FUZZ_ASSERT((size_t)(eol - p) - 16 < sizeof(num));
			memcpy(num, p + 16, (size_t)(eol - p) - 16);
			num[(size_t)(eol - p) - 16] = '\0';
			FUZZ_ASSERT(num[0] >= '0' && num[0] <= '9');
			errno = 0;
			v = strtoul(num, &ep, 10);
			FUZZ_ASSERT(errno == 0 && *ep == '\0');
			a->clen = v;
		}
		nlines++;
	}
	FUZZ_ASSERT(seen_clen);
	FUZZ_ASSERT(nlines == 4 + (a->status == 503) + (a->status == 405));
	FUZZ_ASSERT(memmem(out, a->hlen, "Location:", 9) == NULL);
}

static void
check_body(const struct answer *a)
{
	size_t	 i;

	FUZZ_ASSERT(a->blen == a->clen);
	FUZZ_ASSERT(a->blen > 0 && a->body[a->blen - 1] == '\n');
	for (i = 0; i < a->blen; i++)
		FUZZ_ASSERTF((a->body[i] >= 0x20 && a->body[i] < 0x7f) ||
		    a->body[i] == '\n' || (a->body[i] == '\r' &&
		    i + 1 < a->blen && a->body[i + 1] == '\n'),
		    "byte 0x%02x in the body", (unsigned char)a->body[i]);
	if (a->status == 200)
		FUZZ_ASSERT(a->blen == sizeof(policy_body) - 1 &&
		    memcmp(a->body, policy_body, a->blen) == 0);
	else
		/* Error bodies are one line. */
		FUZZ_ASSERT(memchr(a->body, '\n', a->blen) ==
		    a->body + a->blen - 1);
}

/* --- one input ------------------------------------------------------------ */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 req, get;
	struct answer	 a, g;
	struct buf	 out, out2;
	struct server	*srv;
	char		*field[NFIELDS];
	const char	*bytes, *bytes2, *p, *end, *nul;
	size_t		 len, len2, i;
	unsigned long	 q0;
	int		 flags, want, dns_ok;

	if (size == 0)
		return 0;
	if (srv_listed == NULL)		/* linked without the initializer */
		(void)LLVMFuzzerInitialize(NULL, NULL);
	flags = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (i = 0; i < NFIELDS; i++) {
		field[i] = NULL;
		nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		len = p < end ? (size_t)((nul != NULL ? nul : end) - p) : 0;
		if (flags & (1 << i)) {
			/* An exact-size copy: overreads hit the sanitizer. */
			if ((field[i] = malloc(len + 1)) == NULL)
				abort();
			memcpy(field[i], p, len);
			field[i][len] = '\0';
		}
		p = nul != NULL ? nul + 1 : end;
	}

	memset(&req, 0, sizeof(req));
	req.method = field[0];
	req.host = field[1];
	req.request_uri = field[2];
	req.script_name = field[3];
	req.path_info = field[4];
	req.server_name = field[5];
	if (flags & F_OPTIN) {
		srv = srv_optin;
		req.conf_path = optin_conf;
	} else {
		srv = srv_listed;
		req.conf_path = listed_conf;
	}

	buf_init(&out, RESPONSE_MAX_SIZE);
	buf_init(&out2, RESPONSE_MAX_SIZE);
	want = model_status(&req, (flags & F_OPTIN) != 0, &dns_ok);

	if (flags & F_FAULT) {
		xmalloc_fail_after(data[size - 1] % 64);
		bytes = request_respond(srv, &req, &out, &len);
		xmalloc_fail_after(-1);
		parse_answer(bytes, len, &a);
		FUZZ_ASSERTF(a.status == want || a.status == 500 ||
		    (a.status == 503 && want == 200), "status %d with an "
		    "allocation failure, %d without", a.status, want);
		if (!request_is_head(&req))
			check_body(&a);
		else
			FUZZ_ASSERTF(a.blen == 0, "a HEAD answer %d with an "
			    "allocation failure carries a %zu-byte body",
			    a.status, a.blen);
	}

	q0 = dns_queries;
	bytes = request_respond(srv, &req, &out, &len);
	parse_answer(bytes, len, &a);
	FUZZ_ASSERTF(a.status == want, "status %d, the README says %d",
	    a.status, want);
	if (!dns_ok)
		FUZZ_ASSERTF(dns_queries == q0, "%lu DNS queries for a "
		    "request answered %d without the DNS", dns_queries - q0,
		    a.status);

	if (request_is_head(&req)) {
		/* HEAD: the GET answer's headers, no body. */
		FUZZ_ASSERTF(a.blen == 0, "a HEAD answer %d carries a "
		    "%zu-byte body", a.status, a.blen);
		get = req;
		get.method = "GET";
		bytes2 = request_respond(srv, &get, &out2, &len2);
		parse_answer(bytes2, len2, &g);
		check_body(&g);
		FUZZ_ASSERT(g.status == a.status);
		FUZZ_ASSERT(len == g.hlen && memcmp(bytes, bytes2, len) == 0);
	} else
		check_body(&a);

	buf_free(&out);
	buf_free(&out2);
	for (i = 0; i < NFIELDS; i++)
		free(field[i]);
	return 0;
}
