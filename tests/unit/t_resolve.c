/*
 * Unit tests for common/resolve.c, the decisions above the DNS module.
 * The real lab tests (tests/integration/) use libunbound and nsd; here a
 * stub dns_run() answers from a table so that every outcome, including the
 * ones a lab can hardly produce (SERVFAIL on AAAA only, malformed rdata),
 * is covered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "policy.h"
#include "resolve.h"
#include "test.h"

struct stub_rr {
	const char	*name;
	int		 type;
	enum dns_rc	 rc;
	int		 secure;
	uint32_t	 ttl;
	struct {
		const char	*p;	/* wire bytes */
		size_t		 len;
	}		 rd[4];
};

static const struct stub_rr	*stub_table;
static size_t			 stub_n;
static int			 stub_calls;
static int			 stub_timeouts[4];
static int			 stub_elapse;	/* ms each dns_run() takes */
static long long		 fake_ms = 1000000;

/*
 * The clock resolve.c reads.  Defined here, so libcore's clock.o is not
 * linked: the stub dns_run() moves it on by stub_elapse, and budgets are
 * checked exactly instead of timed (bench/timing.c measures the real one).
 */
long long
clock_ms(void)
{
	return fake_ms;
}

#define R(s)	{ s, sizeof(s) - 1 }

void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	const struct stub_rr	*rr;
	size_t			 i, j, k;

	(void)dns;
	if (stub_calls < 4)
		stub_timeouts[stub_calls] = timeout_ms;
	stub_calls++;
	fake_ms += stub_elapse;
	for (i = 0; i < n; i++) {
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_NXDOMAIN;	/* not in the table */
		q[i].res.secure = 1;
		for (j = 0; j < stub_n; j++) {
			rr = &stub_table[j];
			if (strcmp(rr->name, q[i].name) != 0 ||
			    rr->type != q[i].type)
				continue;
			q[i].res.rc = rr->rc;
			q[i].res.secure = rr->secure;
			q[i].res.ttl = rr->ttl;
			if (rr->rc == DNS_BOGUS)
				(void)snprintf(q[i].res.why,
				    sizeof(q[i].res.why), "signature expired");
			if (rr->rc == DNS_TEMPFAIL)
				(void)snprintf(q[i].res.why,
				    sizeof(q[i].res.why), "no answer");
			for (k = 0; k < 4 && rr->rd[k].p != NULL; k++)
				;
			q[i].res.n = k;
			q[i].res.data = calloc(k + 1, sizeof(unsigned char *));
			q[i].res.len = calloc(k + 1, sizeof(size_t));
			for (k = 0; k < q[i].res.n; k++) {
				q[i].res.data[k] = malloc(rr->rd[k].len + 1);
				memcpy(q[i].res.data[k], rr->rd[k].p,
				    rr->rd[k].len);
				q[i].res.len[k] = rr->rd[k].len;
			}
		}
	}
}

/* MX rdata helpers: preference 10/20, names under example. */
#define MX_MX1		"\x00\x0a\x03MX1\x07""Example\x00"
#define MX_MX2		"\x00\x14\x03mx2\x07""example\x00"
#define MX_MX1_DUP	"\x00\x1e\x03mx1\x07""example\x00"
#define MX_NULL		"\x00\x00\x00"
#define MX_UNDERSCORE	"\x00\x0a\x04mx_1\x07""example\x00"
#define MX_BROKEN	"\x00\x0a\x05mx"
#define TXT_STS		"\x13v=STSv1; id=2024010"
#define TXT_SPF		"\x0bv=spf1 -all"
#define A_ADDR		"\xc0\x00\x02\x01"

static const struct stub_rr zone[] = {
	{ "secure.example", 15, DNS_OK, 1, 300,
	    { R(MX_MX2), R(MX_MX1), R(MX_MX1_DUP) } },
	{ "_mta-sts.secure.example", 16, DNS_OK, 1, 120, { R(TXT_STS) } },
	{ "insecure.example", 15, DNS_OK, 0, 300, { R(MX_MX1) } },
	{ "_mta-sts.insecure.example", 16, DNS_OK, 0, 300, { R(TXT_STS) } },
	{ "bogus.example", 15, DNS_BOGUS, 0, 60, { { NULL, 0 } } },
	{ "tempfail.example", 15, DNS_TEMPFAIL, 0, 0, { { NULL, 0 } } },
	{ "nullmx.example", 15, DNS_OK, 1, 300, { R(MX_NULL) } },
	{ "mixednull.example", 15, DNS_OK, 1, 300,
	    { R(MX_NULL), R(MX_MX1) } },
	{ "nomx.example", 15, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "nomx.example", 1, DNS_OK, 1, 200, { R(A_ADDR) } },
	{ "nomx.example", 28, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "nomx6.example", 15, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "nomx6.example", 1, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "nomx6.example", 28, DNS_OK, 1, 300,
	    { R("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01") } },
	{ "noaddr.example", 15, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "noaddr.example", 1, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "noaddr.example", 28, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "aaaafail.example", 15, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "aaaafail.example", 1, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "aaaafail.example", 28, DNS_TEMPFAIL, 0, 0, { { NULL, 0 } } },
	{ "abogus.example", 15, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "abogus.example", 1, DNS_BOGUS, 0, 0, { { NULL, 0 } } },
	{ "abogus.example", 28, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	{ "nodatainsecure.example", 15, DNS_NODATA, 0, 300, { { NULL, 0 } } },
	{ "badhost.example", 15, DNS_OK, 1, 300, { R(MX_UNDERSCORE) } },
	{ "broken.example", 15, DNS_OK, 1, 300, { R(MX_MX1), R(MX_BROKEN) } },
	{ "spf.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.spf.example", 16, DNS_OK, 1, 300, { R(TXT_SPF) } },
	{ "txtfail.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.txtfail.example", 16, DNS_TEMPFAIL, 0, 0, { { NULL, 0 } } },
	{ "txtbogus.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.txtbogus.example", 16, DNS_BOGUS, 0, 0, { { NULL, 0 } } },
	{ "notxt.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.notxt.example", 16, DNS_NODATA, 1, 300, { { NULL, 0 } } },
	/* Secure MX, the opt-in TXT in an unsigned zone (a CNAME target). */
	{ "insectxt.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.insectxt.example", 16, DNS_OK, 0, 300, { R(TXT_STS) } },
	{ "nxinsecure.example", 15, DNS_NXDOMAIN, 0, 0, { { NULL, 0 } } },
	/* RFC 8461 3.1: exactly one valid record beginning with v=STSv1. */
	{ "v10.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.v10.example", 16, DNS_OK, 1, 300,
	    { R("\x0ev=STSv10; id=1") } },
	{ "spaced.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.spaced.example", 16, DNS_OK, 1, 300,
	    { R("\x0fv=STSv1 ; id=ab") } },
	{ "two.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.two.example", 16, DNS_OK, 1, 300,
	    { R("\x0dv=STSv1; id=1"), R("\x0dv=STSv1; id=2") } },
	{ "noid.example", 15, DNS_OK, 1, 300, { R(MX_MX1) } },
	{ "_mta-sts.noid.example", 16, DNS_OK, 1, 300, { R("\x07v=STSv1") } },
};

struct resolve_case {
	const char	*domain;
	int		 optin;
	enum conf_dnssec dnssec;
	enum resolve_rc	 rc;
	const char	*body;		/* rendered policy on RESOLVE_OK */
	const char	*msg;		/* out.msg otherwise (NULL: unchecked) */
	const char	*log;		/* out.log (NULL: unchecked) */
	uint32_t	 ttl;
};

#define POL(mx)	"version: STSv1\r\nmode: enforce\r\n" mx "max_age: 86400\r\n"
#define REQ	CONF_DNSSEC_REQUIRE
#define ALLOW	CONF_DNSSEC_ALLOW_INSECURE

static const struct resolve_case cases[] = {
	{ "v10.example", 1, REQ, RESOLVE_NOPOLICY, NULL,
	    "v10.example has not opted in: no v=STSv1 TXT record at "
	    "_mta-sts.v10.example", NULL, 0 },
	{ "spaced.example", 1, REQ, RESOLVE_OK,
	    POL("mx: mx1.example\r\n"), NULL, NULL, 300 },
	{ "two.example", 1, REQ, RESOLVE_NOPOLICY, NULL, NULL,
	    NULL, 0 },
	{ "noid.example", 1, REQ, RESOLVE_NOPOLICY, NULL, NULL, NULL, 0 },
	{ "insectxt.example", 1, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "_mta-sts.insectxt.example TXT is not DNSSEC-signed (insecure) and "
	    "this server requires DNSSEC: sign the zone, set \"dnssec: "
	    "allow-insecure\" for insectxt.example, or serve an override file",
	    "insectxt.example: _mta-sts.insectxt.example TXT: insecure answer "
	    "refused (dnssec: require)", 0 },
	{ "insectxt.example", 1, ALLOW, RESOLVE_OK,
	    POL("mx: mx1.example\r\n"), NULL, NULL, 300 },
	{ "secure.example", 0, REQ, RESOLVE_OK,
	    POL("mx: mx1.example\r\nmx: mx2.example\r\n"), NULL, NULL, 300 },
	{ "secure.example", 1, REQ, RESOLVE_OK,
	    POL("mx: mx1.example\r\nmx: mx2.example\r\n"), NULL, NULL, 120 },
	{ "insecure.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "insecure.example MX is not DNSSEC-signed (insecure) and this "
	    "server requires DNSSEC: sign the zone, set \"dnssec: "
	    "allow-insecure\" for insecure.example, or serve an override file",
	    "insecure.example: insecure.example MX: insecure answer refused "
	    "(dnssec: require)", 0 },
	{ "insecure.example", 1, ALLOW, RESOLVE_OK,
	    POL("mx: mx1.example\r\n"), NULL, NULL, 300 },
	{ "bogus.example", 0, ALLOW, RESOLVE_UNAVAILABLE, NULL,
	    "DNSSEC validation failed for bogus.example MX; the policy "
	    "cannot be trusted",
	    "bogus.example: bogus.example MX: DNSSEC bogus: signature expired",
	    0 },
	{ "tempfail.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "DNS lookup of tempfail.example MX failed temporarily; try again "
	    "later",
	    "tempfail.example: tempfail.example MX: temporary DNS failure: "
	    "no answer", 0 },
	{ "nxdomain.example", 0, REQ, RESOLVE_NOPOLICY, NULL,
	    "nxdomain.example does not exist in the DNS",
	    "nxdomain.example: NXDOMAIN", 0 },
	{ "nullmx.example", 0, REQ, RESOLVE_NOPOLICY, NULL,
	    "nullmx.example accepts no mail (Null MX, RFC 7505)", NULL, 0 },
	{ "mixednull.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "mixednull.example mixes a Null MX with other MX records; fix "
	    "the zone", NULL, 0 },
	{ "nomx.example", 0, REQ, RESOLVE_OK, POL("mx: nomx.example\r\n"),
	    NULL, NULL, 200 },
	{ "nomx6.example", 0, REQ, RESOLVE_OK, POL("mx: nomx6.example\r\n"),
	    NULL, NULL, 300 },
	{ "noaddr.example", 0, REQ, RESOLVE_NOPOLICY, NULL,
	    "noaddr.example has no MX and no address records: it receives "
	    "no mail", NULL, 0 },
	{ "aaaafail.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "DNS lookup of aaaafail.example AAAA failed temporarily; try "
	    "again later", NULL, 0 },
	{ "abogus.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "DNSSEC validation failed for abogus.example A; the policy "
	    "cannot be trusted", NULL, 0 },
	{ "nodatainsecure.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL, NULL,
	    "nodatainsecure.example: nodatainsecure.example MX: insecure "
	    "answer refused (dnssec: require)", 0 },
	{ "badhost.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "MX host \"mx\\0951.example\" of badhost.example is not a valid "
	    "hostname", NULL, 0 },
	{ "broken.example", 0, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "the MX records of broken.example are malformed", NULL, 0 },
	{ "spf.example", 1, REQ, RESOLVE_NOPOLICY, NULL,
	    "spf.example has not opted in: no v=STSv1 TXT record at "
	    "_mta-sts.spf.example", NULL, 0 },
	{ "spf.example", 0, REQ, RESOLVE_OK, POL("mx: mx1.example\r\n"), NULL,
	    NULL, 300 },
	{ "notxt.example", 1, REQ, RESOLVE_NOPOLICY, NULL,
	    "notxt.example has not opted in: no v=STSv1 TXT record at "
	    "_mta-sts.notxt.example", NULL, 0 },
	{ "nxdomain.example", 1, REQ, RESOLVE_NOPOLICY, NULL,
	    "nxdomain.example has not opted in: no v=STSv1 TXT record at "
	    "_mta-sts.nxdomain.example", NULL, 0 },
	{ "txtfail.example", 1, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "DNS lookup of _mta-sts.txtfail.example TXT failed temporarily; "
	    "try again later", NULL, 0 },
	{ "txtbogus.example", 1, REQ, RESOLVE_UNAVAILABLE, NULL,
	    "DNSSEC validation failed for _mta-sts.txtbogus.example TXT; the "
	    "policy cannot be trusted", NULL, 0 },
};

static void
test_cases(void)
{
	const struct resolve_case	*c;
	struct resolve_outcome		 out;
	struct conf_policy		 pol;
	struct policy			 p;
	struct buf			 b;
	size_t				 i;

	stub_table = zone;
	stub_n = sizeof(zone) / sizeof(zone[0]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		memset(&pol, 0, sizeof(pol));
		pol.mode = POLICY_MODE_ENFORCE;
		pol.max_age = 86400;
		pol.dnssec = c->dnssec;
		policy_init(&p);
		resolve_policy(NULL, c->domain, &pol, c->optin, 3000, &p, &out);
		if (!t_inteq(out.rc, c->rc, "%s%s%s: outcome", c->domain,
		    c->optin ? " (opt-in)" : "",
		    c->dnssec == ALLOW ? " (allow-insecure)" : ""))
			printf("    msg: %s\n    log: %s\n", out.msg, out.log);
		if (c->rc == RESOLVE_OK) {
			buf_init(&b, 65536);
			(void)policy_render(&p, &b);
			t_streq(b.data, c->body, "%s%s: policy bytes", c->domain,
			    c->optin ? " (opt-in)" : "");
			t_inteq(out.ttl, c->ttl, "%s%s: ttl", c->domain,
			    c->optin ? " (opt-in)" : "");
			buf_free(&b);
		} else {
			t_inteq((long long)p.nmx, 0, "%s%s: no partial policy",
			    c->domain, c->optin ? " (opt-in)" : "");
			if (c->rc == RESOLVE_NOPOLICY)
				t_ok(out.ttl > 0 && out.ttl <= 300,
				    "%s%s: no-policy outcome reusable (ttl %u)",
				    c->domain, c->optin ? " (opt-in)" : "",
				    (unsigned int)out.ttl);
			if (c->msg != NULL)
				t_streq(out.msg, c->msg, "%s%s: message",
				    c->domain, c->optin ? " (opt-in)" : "");
			if (c->log != NULL)
				t_streq(out.log, c->log, "%s%s: log line",
				    c->domain, c->optin ? " (opt-in)" : "");
		}
		policy_clear(&p);
	}
}

/* The second batch (A/AAAA) gets only what is left of the budget. */
static void
test_budget(void)
{
	struct resolve_outcome	 out;
	struct conf_policy	 pol;
	struct policy		 p;

	memset(&pol, 0, sizeof(pol));
	pol.mode = POLICY_MODE_TESTING;
	pol.max_age = 604800;
	policy_init(&p);
	stub_calls = 0;
	stub_elapse = 700;
	resolve_policy(NULL, "nomx.example", &pol, 0, 2500, &p, &out);
	t_inteq(stub_calls, 2, "budget: two lookup rounds for implicit MX");
	t_inteq(stub_timeouts[0], 2500, "budget: first round gets it all");
	t_inteq(stub_timeouts[1], 1800,
	    "budget: second round gets the rest (first round took 700 ms)");
	stub_calls = 0;
	stub_elapse = 2600;
	resolve_policy(NULL, "nomx.example", &pol, 0, 2500, &p, &out);
	t_inteq(stub_timeouts[1], 0,
	    "budget: nothing left after a first round past the budget: 0");
	stub_elapse = 0;
	policy_clear(&p);
}

/* The secure flag says what the answers behind the outcome were. */
static void
test_secure_flag(void)
{
	struct resolve_outcome	 out;
	struct conf_policy	 pol;
	struct policy		 p;

	memset(&pol, 0, sizeof(pol));
	pol.dnssec = REQ;
	policy_init(&p);
	resolve_policy(NULL, "nxinsecure.example", &pol, 0, 3000, &p, &out);
	t_ok(out.rc == RESOLVE_NOPOLICY && out.secure == 0,
	    "an insecure NXDOMAIN is remembered as insecure (rc %d secure %d)",
	    out.rc, out.secure);
	resolve_policy(NULL, "nxdomain.example", &pol, 0, 3000, &p, &out);
	t_ok(out.rc == RESOLVE_NOPOLICY && out.secure == 1,
	    "a secure NXDOMAIN is remembered as secure");
	pol.dnssec = ALLOW;
	resolve_policy(NULL, "insectxt.example", &pol, 1, 3000, &p, &out);
	t_ok(out.rc == RESOLVE_OK && out.secure == 0,
	    "allow-insecure: a policy behind an insecure opt-in TXT is marked "
	    "insecure");
	policy_clear(&p);
}

int
main(void)
{
	t_suite = "resolve";
	test_cases();
	test_secure_flag();
	test_budget();
	return t_done();
}
