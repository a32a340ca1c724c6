/*
 * t_check: the pure checks of cli/check.c (TXT and TLS-RPT syntax, mx
 * pattern matching and coverage, mode and max_age, certificate expiry,
 * state comparison, severity order, text and JSON rendering).  The live
 * checks run against the lab in tests/integration/check.sh; here dns_*()
 * and fetch_*() are stubs (a DNS that times out, a fetch that fails).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "dns.h"
#include "fetch.h"
#include "idstate.h"
#include "policy.h"
#include "test.h"

void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	size_t	 i;

	(void)dns;
	(void)timeout_ms;
	for (i = 0; i < n; i++) {
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_TEMPFAIL;
		(void)snprintf(q[i].res.why, sizeof(q[i].res.why),
		    "timed out");
	}
}

void
dns_result_clear(struct dns_result *res)
{
	memset(res, 0, sizeof(*res));
	res->rc = DNS_TEMPFAIL;
}

const char *
dns_rc_name(enum dns_rc rc)
{
	return rc == DNS_NXDOMAIN ? "nxdomain" : "other";
}

void
fetch_result_init(struct fetch_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, FETCH_BODY_MAX);
}

void
fetch_result_clear(struct fetch_result *res)
{
	buf_free(&res->body);
	fetch_result_init(res);
}

int
fetch_get(const char *host, const char *path, const struct fetch_opts *opts,
    struct fetch_result *res)
{
	(void)host;
	(void)path;
	(void)opts;
	(void)snprintf(res->err, sizeof(res->err), "stub: no network");
	return -1;
}

int
fetch_starttls(const char *host, const struct fetch_opts *opts,
    struct fetch_result *res)
{
	return fetch_get(host, "/", opts, res);
}

void
fetch_connect_target(const struct fetch_opts *opts, const char *host,
    const char **chost, const char **cport)
{
	(void)opts;
	*chost = host;
	*cport = FETCH_PORT;
}

void
fetch_connect_target_port(const struct fetch_opts *opts, const char *host,
    const char *port, const char **chost, const char **cport)
{
	(void)opts;
	*chost = host;
	*cport = port;
}

/*
 * Stub certificates: chain[depth][0] names the certificate, and the
 * association data for selector s and matching type m is that byte
 * XOR (s << 4) XOR m, repeated 8 (m 0), 32 (m 1) or 64 (m 2) times.
 */
int
fetch_chain_data(const struct fetch_result *res, size_t depth, int selector,
    int mtype, unsigned char *out, size_t outsize)
{
	size_t	 len = mtype == 0 ? 8 : mtype == 1 ? 32 : 64;

	if (depth >= res->nchain || len > outsize)
		return -1;
	memset(out, res->chain[depth][0] ^ (selector << 4) ^ mtype, len);
	return (int)len;
}

/* chain[depth][1] == 'T': the chain verifies up to certificate depth. */
int
fetch_chain_verify(const struct fetch_result *res, size_t depth,
    const unsigned char *spki, size_t spkilen, const char *host,
    int64_t now, char *why, size_t whylen)
{
	(void)spkilen;
	(void)host;
	(void)now;
	if (spki == NULL && depth < res->nchain && res->chain[depth][1] == 'T')
		return 0;
	(void)snprintf(why, whylen, "stub: untrusted");
	return -1;
}

/* The findings of r as "SEV name|SEV name|..." */
static void
summary(const struct check_report *r, char *out, size_t len)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < r->n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s %s",
		    i > 0 ? "|" : "", check_sev_name(r->f[i].sev),
		    r->f[i].name);
}

static void
test_match(void)
{
	static const struct {
		const char	*pat, *host;
		int		 want;
	} t[] = {
		{ "mx.example.com", "mx.example.com", 1 },
		{ "mx.example.com", "mx2.example.com", 0 },
		{ "*.example.com", "mx.example.com", 1 },
		{ "*.example.com", "a.mx.example.com", 0 },
		{ "*.example.com", "example.com", 0 },
		{ "*.example.com", "xexample.com", 0 },
		{ "*.example.com", ".example.com", 0 },
		{ "*.com", "mx.example.com", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_inteq(check_mx_match(t[i].pat, t[i].host), t[i].want,
		    "mx_match %s %s", t[i].pat, t[i].host);
}

static void
test_sts_txt(void)
{
	static const struct {
		const char	*name;
		const char	*rec[3];
		size_t		 n;
		const char	*want;	/* findings */
		const char	*id;
	} t[] = {
		{ "one record", { "v=STSv1; id=20240101000000" }, 1,
		    "OK txt", "20240101000000" },
		{ "trailing separator and spaces",
		    { "v=STSv1;  id=abcDEF123 ;" }, 1, "OK txt", "abcDEF123" },
		{ "extension field", { "v=STSv1; id=1; ext-1.x=val" }, 1,
		    "OK txt", "1" },
		{ "none", { NULL }, 0, "CRITICAL txt", "" },
		{ "not STS", { "v=spf1 -all" }, 1, "CRITICAL txt", "" },
		{ "no separator after version", { "v=STSv1 id=1" }, 1,
		    "CRITICAL txt", "" },
		{ "two STS", { "v=STSv1; id=1", "v=STSv1; id=2" }, 2,
		    "CRITICAL txt", "" },
		{ "other record", { "v=STSv1; id=1", "x=y" }, 2,
		    "CRITICAL txt", "1" },
		{ "no id", { "v=STSv1; foo=bar" }, 1, "CRITICAL txt", "" },
		{ "two ids", { "v=STSv1; id=1; id=2" }, 1, "CRITICAL txt",
		    "" },
		{ "id with dash", { "v=STSv1; id=2024-01" }, 1,
		    "CRITICAL txt", "" },
		{ "id of 33", { "v=STSv1; id=123456789012345678901234567890123" },
		    1, "CRITICAL txt", "" },
		{ "id of 32", { "v=STSv1; id=12345678901234567890123456789012" },
		    1, "OK txt", "12345678901234567890123456789012" },
		{ "empty id", { "v=STSv1; id=" }, 1, "CRITICAL txt", "" },
		{ "empty field", { "v=STSv1;; id=1" }, 1, "CRITICAL txt", "" },
		{ "WSP before the delimiter", { "v=STSv1 ; id=abc" }, 1,
		    "OK txt", "abc" },
		{ "v=STSv10 is not STS", { "v=STSv10; id=1" }, 1,
		    "CRITICAL txt", "" },
		{ "v=STSv10 next to the record", { "v=STSv10; id=1",
		    "v=STSv1; id=2" }, 2, "CRITICAL txt", "2" },
		{ "trailing WSP", { "v=STSv1; id=1 " }, 1, "CRITICAL txt",
		    "" },
	};
	struct check_report	 r;
	char			 have[512], id[IDSTATE_ID_SIZE];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_report_init(&r, "example.com");
		check_sts_txt("_mta-sts.example.com", (char *const *)t[i].rec,
		    t[i].n, id, sizeof(id), &r);
		summary(&r, have, sizeof(have));
		t_streq(have, t[i].want, "sts txt: %s", t[i].name);
		t_streq(id, t[i].id, "sts txt: %s: id", t[i].name);
		check_report_clear(&r);
	}
}

static void
test_tlsrpt(void)
{
	static const struct {
		const char	*name;
		const char	*rec[2];
		size_t		 n;
		const char	*want;
	} t[] = {
		{ "mailto", { "v=TLSRPTv1; rua=mailto:r@example.com" }, 1,
		    "OK tlsrpt" },
		{ "two URIs", { "v=TLSRPTv1;rua=mailto:r@example.com,"
		    "https://r.example.com/x" }, 1, "OK tlsrpt" },
		{ "absent", { NULL }, 0, "WARNING tlsrpt" },
		{ "other records only", { "v=spf1 -all" }, 1,
		    "WARNING tlsrpt" },
		{ "no rua", { "v=TLSRPTv1;" }, 1, "WARNING tlsrpt" },
		{ "bad URI", { "v=TLSRPTv1; rua=ftp://x" }, 1,
		    "WARNING tlsrpt" },
		{ "mailto without @", { "v=TLSRPTv1; rua=mailto:x" }, 1,
		    "WARNING tlsrpt" },
		{ "two records", { "v=TLSRPTv1; rua=mailto:a@b",
		    "v=TLSRPTv1; rua=mailto:c@d" }, 2, "WARNING tlsrpt" },
	};
	struct check_report	 r;
	char			 have[512];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_report_init(&r, "example.com");
		check_tlsrpt_txt("_smtp._tls.example.com",
		    (char *const *)t[i].rec, t[i].n, &r);
		summary(&r, have, sizeof(have));
		t_streq(have, t[i].want, "tlsrpt: %s", t[i].name);
		check_report_clear(&r);
	}
}

static void
mkpolicy(struct policy *p, enum policy_mode mode, unsigned long max_age,
    const char *mx)
{
	const char	*s, *e;

	policy_init(p);
	p->mode = mode;
	p->max_age = max_age;
	for (s = mx; *s != '\0'; s = *e == '\0' ? e : e + 1) {
		if ((e = strchr(s, ' ')) == NULL)
			e = s + strlen(s);
		(void)policy_add_mx(p, s, (size_t)(e - s));
	}
	policy_normalize(p);
}

static void
test_coverage(void)
{
	static const struct {
		const char	*name, *pat;
		const char	*mx[3];
		size_t		 nmx;
		const char	*want, *msg;
	} t[] = {
		{ "exact", "a.ex b.ex", { "a.ex", "b.ex" }, 2, "OK mx",
		    "2 MX hosts covered by 2 patterns" },
		{ "wildcard", "*.ex", { "a.ex", "b.ex" }, 2, "OK mx", NULL },
		{ "not covered", "a.ex", { "a.ex", "b.ex" }, 2,
		    "CRITICAL mx", "MX b.ex is not covered by any" },
		{ "too deep", "*.ex", { "a.b.ex" }, 1,
		    "CRITICAL mx|WARNING mx", "matches exactly one label" },
		{ "unused", "a.ex c.ex", { "a.ex" }, 1, "WARNING mx",
		    "policy pattern \"c.ex\" matches no MX host" },
	};
	struct check_report	 r;
	struct policy		 p;
	char			 have[512];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_report_init(&r, "ex");
		mkpolicy(&p, POLICY_MODE_ENFORCE, 604800, t[i].pat);
		check_policy_mx(&p, (char *const *)t[i].mx, t[i].nmx, &r);
		summary(&r, have, sizeof(have));
		t_streq(have, t[i].want, "coverage: %s", t[i].name);
		if (t[i].msg != NULL)
			t_ok(r.n > 0 && strstr(r.f[0].msg, t[i].msg) != NULL,
			    "coverage: %s: message", t[i].name);
		policy_clear(&p);
		check_report_clear(&r);
	}
}

static void
test_settings(void)
{
	static const struct {
		enum policy_mode	 mode;
		unsigned long		 max_age;
		const char		*want;
	} t[] = {
		{ POLICY_MODE_ENFORCE, 604800, "OK mode|OK max_age" },
		{ POLICY_MODE_ENFORCE, 604799, "OK mode|WARNING max_age" },
		{ POLICY_MODE_TESTING, 86400, "OK mode|OK max_age" },
		{ POLICY_MODE_NONE, 86400, "WARNING mode|OK max_age" },
	};
	struct check_report	 r;
	struct policy		 p;
	char			 have[512];
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_report_init(&r, "ex");
		mkpolicy(&p, t[i].mode, t[i].max_age, "a.ex");
		check_policy_settings(&p, &r);
		summary(&r, have, sizeof(have));
		t_streq(have, t[i].want, "settings: %s %lu",
		    policy_mode_name(t[i].mode), t[i].max_age);
		policy_clear(&p);
		check_report_clear(&r);
	}
}

static void
test_cert(void)
{
	static const struct {
		int64_t		 left;
		enum check_sev	 want;
	} t[] = {
		{ 0, CHECK_CRITICAL },
		{ -1, CHECK_CRITICAL },
		{ 3 * 86400 - 1, CHECK_CRITICAL },
		{ 3 * 86400, CHECK_WARNING },
		{ 14 * 86400 - 1, CHECK_WARNING },
		{ 14 * 86400, CHECK_OK },
	};
	struct check_report	 r;
	const int64_t		 now = 1800000000;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_report_init(&r, "ex");
		check_cert_expiry("mta-sts.ex", now + t[i].left, now, &r);
		t_inteq(r.status, t[i].want, "cert: %lld s left",
		    (long long)t[i].left);
		check_report_clear(&r);
	}
	check_report_init(&r, "ex");
	check_cert_expiry("mta-sts.ex", 0, now, &r);
	t_inteq(r.status, CHECK_UNKNOWN, "cert: notAfter unknown");
	check_report_clear(&r);
}

static void
test_state(void)
{
	struct check_report	 r;
	struct idstate		 st;
	struct policy		 p;
	char			 have[512];

	idstate_init(&st);
	(void)snprintf(st.id, sizeof(st.id), "20240101000000");
	mkpolicy(&st.pol, POLICY_MODE_ENFORCE, 604800, "a.ex b.ex");
	mkpolicy(&p, POLICY_MODE_ENFORCE, 604800, "a.ex b.ex");

	check_report_init(&r, "ex");
	check_state(&st, "20240101000000", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "OK id", "state: same id, same policy");
	check_report_clear(&r);

	check_report_init(&r, "ex");
	check_state(&st, "20240101000001", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "CRITICAL id", "state: other id in DNS");
	check_report_clear(&r);

	st.published = IDSTATE_PUB_PENDING;
	check_report_init(&r, "ex");
	check_state(&st, "20231231000000", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "WARNING id", "state: issued, never published");
	t_ok(r.n == 1 && strcmp(r.f[0].msg, "id 20240101000000 was issued "
	    "but never published (the publish hook failed, or the DNS did "
	    "not show it in time; the DNS has id 20231231000000); run "
	    "mta-sts-id to try again") == 0,
	    "state: issued, never published: message");
	check_report_clear(&r);
	check_report_init(&r, "ex");
	check_state(&st, "20240101000000", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "OK id", "state: \"published no\" but the DNS has it");
	check_report_clear(&r);
	st.published = IDSTATE_PUB_UNTRACKED;

	check_report_init(&r, "ex");
	check_state(NULL, "20240101000000", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "WARNING id", "state: none");
	check_report_clear(&r);

	policy_clear(&p);
	mkpolicy(&p, POLICY_MODE_ENFORCE, 604800, "a.ex c.ex");
	check_report_init(&r, "ex");
	check_state(&st, "20240101000000", &p, &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "CRITICAL id", "state: served policy changed");
	t_ok(r.n == 1 && strstr(r.f[0].msg, "id must be bumped: run "
	    "mta-sts-id") != NULL && strstr(r.f[0].msg, "+c.ex -b.ex") !=
	    NULL, "state: served policy changed: message");
	check_report_clear(&r);

	policy_clear(&p);
	idstate_clear(&st);
}

static void
test_worse(void)
{
	t_inteq(check_worse(CHECK_OK, CHECK_UNKNOWN), CHECK_UNKNOWN,
	    "worse: UNKNOWN over OK");
	t_inteq(check_worse(CHECK_UNKNOWN, CHECK_WARNING), CHECK_WARNING,
	    "worse: WARNING over UNKNOWN");
	t_inteq(check_worse(CHECK_CRITICAL, CHECK_WARNING), CHECK_CRITICAL,
	    "worse: CRITICAL over WARNING");
	t_inteq(check_worse(CHECK_UNKNOWN, CHECK_CRITICAL), CHECK_CRITICAL,
	    "worse: CRITICAL over UNKNOWN");
}

static void
test_render(void)
{
	struct check_report	 r[2];
	struct buf		 out;
	enum check_format	 f;

	check_report_init(&r[0], "a.example");
	check_add(&r[0], CHECK_OK, "txt", "fine");
	check_add(&r[0], CHECK_WARNING, "tlsrpt", "say \"hi\"\\\x01");
	check_report_init(&r[1], "b.example");
	buf_init(&out, CHECK_OUT_MAX);
	t_inteq(check_render(r, 2, CHECK_FORMAT_TEXT, &out), 0,
	    "render: text");
	t_streq(out.data, "a.example: WARNING (0 critical, 1 warning, "
	    "0 unknown)\n  OK txt: fine\n  WARNING tlsrpt: say \"hi\"\\?\n"
	    "b.example: OK (0 critical, 0 warning, 0 unknown)\n",
	    "render: text bytes");
	buf_reset(&out);
	t_inteq(check_render(r, 2, CHECK_FORMAT_JSON, &out), 0,
	    "render: json");
	t_streq(out.data, "{\"status\":\"WARNING\",\"domains\":[{\"domain\":"
	    "\"a.example\",\"status\":\"WARNING\",\"findings\":[{\"check\":"
	    "\"txt\",\"severity\":\"OK\",\"message\":\"fine\"},{\"check\":"
	    "\"tlsrpt\",\"severity\":\"WARNING\",\"message\":\"say "
	    "\\\"hi\\\"\\\\?\"}]},{\"domain\":\"b.example\",\"status\":\"OK\","
	    "\"findings\":[]}]}\n", "render: json bytes");
	buf_free(&out);
	check_report_clear(&r[0]);
	check_report_clear(&r[1]);
	t_ok(check_format_parse("json", &f) == 0 && f == CHECK_FORMAT_JSON,
	    "format: json");
	t_ok(check_format_parse("zone", &f) == -1, "format: zone refused");
}

static void
test_domain_dns_down(void)
{
	struct check_report	 r;
	struct check_env	 env;
	char			 have[512];

	memset(&env, 0, sizeof(env));
	env.state_dir = "/nonexistent/mta-sts-check";
	env.now = 1800000000;
	check_report_init(&r, "example.com");
	check_domain(&env, "example.com", &r);
	summary(&r, have, sizeof(have));
	t_streq(have, "UNKNOWN txt|UNKNOWN policy|WARNING id|UNKNOWN mx|"
	    "UNKNOWN tlsrpt", "domain: DNS timing out, no web server");
	t_ok(r.n > 1 && strstr(r.f[1].msg, "mta-sts.example.com: address "
	    "lookup failed: timed out") != NULL, "domain: the policy host's "
	    "failed lookup named");
	t_inteq(r.status, CHECK_WARNING, "domain: status WARNING");
	check_report_clear(&r);
}

/* One TLSA rdata: usage, selector, mtype, then len bytes of byte. */
static size_t
mktlsa(unsigned char *rd, int u, int s, int m, int byte, size_t len)
{
	rd[0] = (unsigned char)u;
	rd[1] = (unsigned char)s;
	rd[2] = (unsigned char)m;
	memset(rd + 3, byte, len);
	return len + 3;
}

static void
test_dane(void)
{
	/* Leaf 'L'; issuer 'I', the chain verifying up to it or not. */
	static const unsigned char leaf[] = "LT", ta[] = "IT", bad[] = "IU";
	static const struct {
		const char	*name;
		int		 rec[3][4];	/* u s m byte; u -1 ends */
		int		 nopeer, badchain;
		const char	*want, *msg;
	} t[] = {
		{ "one record for the key", { { 3, 1, 1, 'L' ^ 0x11 },
		    { -1 } }, 0, 0, "WARNING dane", "a rollover would break" },
		{ "current and next key", { { 3, 1, 1, 'L' ^ 0x11 },
		    { 3, 1, 1, 'N' }, { -1 } }, 0, 0, "OK dane",
		    "rollover is prepared" },
		{ "key changed, record not", { { 3, 1, 1, 'N' }, { -1 } }, 0,
		    0, "CRITICAL dane", "no TLSA record (3 1 1 4e4e4e4e...)" },
		{ "leaf and issuer", { { 3, 1, 1, 'L' ^ 0x11 },
		    { 2, 1, 1, 'I' ^ 0x11 }, { -1 } }, 0, 0, "OK dane",
		    "either may change alone" },
		{ "issuer only", { { 2, 0, 1, 'I' ^ 0x01 }, { -1 } }, 0, 0,
		    "WARNING dane", "no record is there for a next issuer" },
		{ "issuer, chain not verifying", { { 2, 0, 1, 'I' ^ 0x01 },
		    { -1 } }, 0, 1, "CRITICAL dane", "does not verify up to "
		    "it: stub: untrusted" },
		{ "issuer record matching the leaf", { { 2, 1, 1, 'L' ^ 0x11 },
		    { -1 } }, 0, 0, "CRITICAL dane", NULL },
		{ "usage 1 only", { { 1, 1, 1, 'L' ^ 0x11 }, { -1 } }, 0, 0,
		    "WARNING dane", "none of the 1 TLSA record is usable" },
		{ "weaker digest shadowed", { { 3, 1, 1, 'L' ^ 0x11 },
		    { 3, 1, 2, 'N' }, { -1 } }, 0, 0, "CRITICAL dane", NULL },
		{ "digest of the wrong length", { { 3, 1, 1, -31 }, { -1 } }, 0,
		    0, "WARNING dane", "is usable" },
		{ "full key", { { 3, 1, 0, 'L' ^ 0x10 }, { -1 } }, 0, 0,
		    "WARNING dane", "3 1 0 5c5c5c5c..." },
		{ "--no-smtp", { { 3, 1, 1, 'X' }, { -1 } }, 1, 0, "OK dane",
		    "not matched against the server (--no-smtp)" },
	};
	struct check_report	 r;
	struct fetch_result	 peer;
	unsigned char		 buf[3][3 + 64], *rd[3];
	size_t			 len[3], i, n, dl;
	char			 have[512];
	int			 u;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&peer, 0, sizeof(peer));
		peer.chain[0] = (unsigned char *)leaf;
		peer.chain[1] = (unsigned char *)(t[i].badchain ? bad : ta);
		peer.chain_len[0] = peer.chain_len[1] = 2;
		peer.nchain = 2;
		for (n = 0; n < 3 && t[i].rec[n][0] != -1; n++) {
			dl = t[i].rec[n][2] == 0 ? 8 : t[i].rec[n][2] == 1 ?
			    32 : 64;
			if (t[i].rec[n][3] < 0)		/* a bad length */
				dl = (size_t)-t[i].rec[n][3];
			len[n] = mktlsa(buf[n], t[i].rec[n][0], t[i].rec[n][1],
			    t[i].rec[n][2], t[i].rec[n][3] & 0xff, dl);
			rd[n] = buf[n];
		}
		check_report_init(&r, "example.com");
		u = check_dane_tlsa("mx.example.com", rd, len, n,
		    t[i].nopeer ? NULL : &peer, 1800000000, &r);
		summary(&r, have, sizeof(have));
		t_streq(have, t[i].want, "dane: %s", t[i].name);
		if (t[i].msg != NULL && !t_ok(r.n == 1 &&
		    strstr(r.f[0].msg, t[i].msg) != NULL, "dane: %s: message",
		    t[i].name))
			printf("    have: %s\n    want: ...%s...\n",
			    r.n > 0 ? r.f[0].msg : "", t[i].msg);
		t_inteq(u, strstr(t[i].name, "usage 1") != NULL ||
		    strstr(t[i].name, "wrong length") != NULL ? 0 : 1,
		    "dane: %s: usable", t[i].name);
		check_report_clear(&r);
	}
}

int
main(void)
{
	t_suite = "check";
	test_match();
	test_sts_txt();
	test_tlsrpt();
	test_coverage();
	test_settings();
	test_cert();
	test_state();
	test_worse();
	test_render();
	test_domain_dns_down();
	test_dane();
	return t_done();
}
