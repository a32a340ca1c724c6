/*
 * Unit tests for tlsrpt/: report_parse() on good reports and on every
 * kind of bad one (syntax, nesting, types, ranges, dates), gz_inflate()
 * bounds (gzip bomb, truncation, trailing bytes), the store (file names,
 * deduplication, the count and byte bounds, oldest first), and the
 * summary: --report text and JSON byte for byte, and each outcome of the
 * --check "reports" finding (check_add() is stubbed here).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "check.h"
#include "conf.h"
#include "gz.h"
#include "idstate.h"
#include "policy.h"
#include "report.h"
#include "store.h"
#include "summary.h"
#include "test.h"
#include "xmalloc.h"

/* 2026-11-22 00:00:00 UTC and one day. */
#define T0	1795305600LL
#define DAY	86400LL

/* The findings summary_check() adds, kept by this stub. */
static enum check_sev	last_sev;
static char		last_msg[CHECK_MSG_SIZE];
static int		nfindings;

void
check_add(struct check_report *r, enum check_sev sev, const char *name,
    const char *fmt, ...)
{
	va_list	 ap;

	(void)r;
	(void)name;
	va_start(ap, fmt);
	(void)vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_sev = sev;
	nfindings++;
}

/* A report: org, id, end day (start a day before), domain, ok, failed, fd. */
static char *
mkreport(const char *org, const char *id, long long end, const char *domain,
    int ok, int failed, const char *details)
{
	char	*s, d0[32], d1[32];
	time_t	 a = (time_t)(end - DAY), b = (time_t)end;

	(void)strftime(d0, sizeof(d0), "%Y-%m-%dT%H:%M:%SZ", gmtime(&a));
	(void)strftime(d1, sizeof(d1), "%Y-%m-%dT%H:%M:%SZ", gmtime(&b));
	if (asprintf(&s, "{\"organization-name\":\"%s\",\"date-range\":{"
	    "\"start-datetime\":\"%s\",\"end-datetime\":\"%s\"},"
	    "\"contact-info\":\"x@example.org\",\"report-id\":\"%s\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\"],\"policy-domain\":\"%s\","
	    "\"mx-host\":[\"mx.%s\"]},\"summary\":{"
	    "\"total-successful-session-count\":%d,"
	    "\"total-failure-session-count\":%d}%s%s}]}", org, d0, d1, id,
	    domain, domain, ok, failed, details != NULL ? "," : "",
	    details != NULL ? details : "") == -1)
		abort();
	return s;
}

static const char rfc_example[] =
    "{\n"
    "  \"organization-name\": \"Company-X\",\n"
    "  \"date-range\": {\n"
    "    \"start-datetime\": \"2016-04-01T00:00:00Z\",\n"
    "    \"end-datetime\": \"2016-04-01T23:59:59Z\"\n"
    "  },\n"
    "  \"contact-info\": \"sts-reporting@company-x.example\",\n"
    "  \"report-id\": \"5065427c-23d3-47ca-b6e0-946ea0e8c4be\",\n"
    "  \"policies\": [{\n"
    "    \"policy\": {\n"
    "      \"policy-type\": \"sts\",\n"
    "      \"policy-string\": [\"version: STSv1\",\"mode: testing\",\n"
    "            \"mx: *.mail.company-y.example\",\"max_age: 86400\"],\n"
    "      \"policy-domain\": \"company-y.example\",\n"
    "      \"mx-host\": \"*.mail.company-y.example\"\n"
    "    },\n"
    "    \"summary\": {\n"
    "      \"total-successful-session-count\": 5326,\n"
    "      \"total-failure-session-count\": 303\n"
    "    },\n"
    "    \"failure-details\": [{\n"
    "      \"result-type\": \"certificate-expired\",\n"
    "      \"sending-mta-ip\": \"2001:db8:abcd:0012::1\",\n"
    "      \"receiving-mx-hostname\": \"mx1.mail.company-y.example\",\n"
    "      \"failed-session-count\": 100\n"
    "    }, {\n"
    "      \"result-type\": \"starttls-not-supported\",\n"
    "      \"sending-mta-ip\": \"2001:db8:abcd:0013::1\",\n"
    "      \"receiving-mx-hostname\": \"MX2.mail.company-y.example.\",\n"
    "      \"receiving-ip\": \"203.0.113.56\",\n"
    "      \"failed-session-count\": 200,\n"
    "      \"additional-information\": \"https://reports.company-x.example/"
    "report_info?id=5065427c-23d3#StarttlsNotSupported\"\n"
    "    }, {\n"
    "      \"result-type\": \"validation-failure\",\n"
    "      \"sending-mta-ip\": \"\",\n"
    "      \"receiving-ip\": \"203.0.113.58\",\n"
    "      \"receiving-mx-hostname\": \"mx-backup.mail.company-y.example\",\n"
    "      \"failed-session-count\": 3,\n"
    "      \"failure-reason-code\": \"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED\"\n"
    "    }]\n"
    "  }]\n"
    "}\n";

static void
test_parse_good(void)
{
	static const char lit[] = "{\"organization-name\":\"\\ud83d\\ude00 "
	    "\\u00e9\",\"x\":[1e5,-0.5E-3,true,false,null]}";
	struct report	 r;
	char		 err[256];

	report_init(&r);
	if (!t_ok(report_parse(rfc_example, strlen(rfc_example), &r, err,
	    sizeof(err)) == 0, "parse: the RFC 8460 example")) {
		printf("    error: %s\n", err);
		return;
	}
	t_streq(r.org, "Company-X", "parse: organization-name");
	t_streq(r.id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "parse: report-id");
	t_inteq(r.start, 1459468800LL, "parse: start-datetime");
	t_inteq(r.end, 1459555199LL, "parse: end-datetime");
	t_inteq((long long)r.np, 1, "parse: one policy");
	t_streq(r.p[0].domain, "company-y.example", "parse: policy-domain");
	t_streq(r.p[0].type, "sts", "parse: policy-type");
	t_inteq((long long)r.p[0].ok, 5326, "parse: successful sessions");
	t_inteq((long long)r.p[0].failed, 303, "parse: failed sessions");
	t_inteq((long long)r.p[0].nf, 3, "parse: three failure-details");
	t_streq(r.p[0].f[1].mx, "mx2.mail.company-y.example",
	    "parse: receiving-mx-hostname lower case, no trailing dot");
	t_streq(r.p[0].f[2].ip, "", "parse: empty sending-mta-ip (Microsoft)");
	t_inteq((long long)r.p[0].f[1].count, 200,
	    "parse: failed-session-count");
	report_clear(&r);
	report_clear(&r);
	t_ok(r.id == NULL && r.p == NULL, "parse: report_clear twice");
	t_ok(report_parse(lit, strlen(lit), &r, err, sizeof(err)) == -1 && strcmp(err, "report: missing "
	    "\"report-id\"") == 0, "parse: surrogate pair, exponents, "
	    "literals are JSON (%s)", err);
}

static void
test_parse_bad(void)
{
	static const struct {
		const char	*name, *json, *want;
	} c[] = {
		{ "empty", "", "empty report" },
		{ "array", "[1]", "the report is an array, expected an object" },
		{ "truncated", "{\"a\":", "invalid JSON: the text ends too early" },
		{ "trailing text", "{} x",
		    "invalid JSON at byte 3: bare word \"x\"" },
		{ "a second value", "{} {}",
		    "invalid JSON at byte 3: unexpected character" },
		{ "single quotes", "{'a':1}",
		    "invalid JSON at byte 1: single-quoted string" },
		{ "NaN", "{\"a\":NaN}", "invalid JSON at byte 5: bare word "
		    "\"NaN\"" },
		{ "Infinity", "{\"a\":-Infinity}", "invalid JSON at byte 6: "
		    "bare word \"Infinity\"" },
		{ "raw newline in a string", "{\"a\":\"x\ny\"}",
		    "invalid JSON at byte 7: control character in a string" },
		{ "lone high surrogate", "{\"a\":\"\\ud800x\"}",
		    "invalid JSON at byte 12: unpaired UTF-16 surrogate" },
		{ "lone low surrogate", "{\"a\":\"\\udc00\"}",
		    "invalid JSON at byte 6: unpaired UTF-16 surrogate" },
		{ "duplicate name", "{\"a\":{\"b\":1,\"b\":2}}",
		    "invalid JSON: a member name appears twice in one object "
		    "(I-JSON, RFC 7493)" },
		{ "trailing comma", "{\"a\":1,}",
		    "invalid JSON at byte 7: unexpected character" },
		{ "hex number", "{\"a\":0x10}",
		    "invalid JSON at byte 6: bare word \"x\"" },
		{ "NUL byte", "{\"a\":1}\0", "NUL byte in the JSON text" },
		{ "invalid UTF-8", "{\"a\":\"\xc3\x28\"}",
		    "invalid JSON at byte 7: invalid utf-8 string" },
		{ "nested 17 deep",
		    "{\"a\":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}",
		    "invalid JSON: nested more than 16 levels" },
		{ "nested 17 deep, in a string", "{\"a\":\"[[[[[[[[[[[[[[[[[\"}",
		    "report: missing \"organization-name\"" },
		{ "no organization-name", "{}",
		    "report: missing \"organization-name\"" },
		{ "organization-name a number",
		    "{\"organization-name\":1}",
		    "report: \"organization-name\" is an integer, expected a "
		    "string" },
		{ "empty report-id",
		    "{\"organization-name\":\"o\",\"report-id\":\"\"}",
		    "report: \"report-id\" must be 1 to 1024 bytes without NUL" },
		{ "NUL in report-id",
		    "{\"organization-name\":\"o\",\"report-id\":\"a\\u0000b\"}",
		    "report: \"report-id\" must be 1 to 1024 bytes without NUL" },
		{ "bad date",
		    "{\"organization-name\":\"o\",\"report-id\":\"i\","
		    "\"date-range\":{\"start-datetime\":\"2016-02-30T00:00:00Z\","
		    "\"end-datetime\":\"2016-04-01T00:00:00Z\"}}",
		    "date-range: \"start-datetime\" is not an RFC 3339 "
		    "date-time" },
		{ "end before start",
		    "{\"organization-name\":\"o\",\"report-id\":\"i\","
		    "\"date-range\":{\"start-datetime\":\"2016-04-02T00:00:00Z\","
		    "\"end-datetime\":\"2016-04-01T00:00:00Z\"}}",
		    "date-range: ends before it starts" },
		{ "no policies",
		    "{\"organization-name\":\"o\",\"report-id\":\"i\","
		    "\"date-range\":{\"start-datetime\":\"2016-04-01T00:00:00Z\","
		    "\"end-datetime\":\"2016-04-02T00:00:00Z\"},\"policies\":[]}",
		    "report: \"policies\" must hold 1 to 1024 entries" },
	};
	struct report	 r;
	char		 err[256];
	size_t		 i, len;

	report_init(&r);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		len = strlen(c[i].json);
		if (strcmp(c[i].name, "NUL byte") == 0)
			len++;
		err[0] = '\0';
		if (!t_ok(report_parse(c[i].json, len, &r, err,
		    sizeof(err)) == -1, "reject: %s", c[i].name))
			continue;
		t_streq(err, c[i].want, "reject: %s: the message", c[i].name);
	}
}

/* Reports that differ from a good one in one field of a policy. */
static void
test_parse_policy_bad(void)
{
	static const struct {
		const char	*name, *details, *want;
		int		 ok;
	} c[] = {
		{ "negative count", NULL,
		    "policies[0].summary: \"total-successful-session-count\" "
		    "out of range (0..2^53)", -1 },
		{ "failure-details an object", "\"failure-details\":{}",
		    "policies[0]: \"failure-details\" is an object, expected "
		    "an array", 1 },
		{ "failure without result-type",
		    "\"failure-details\":[{\"failed-session-count\":1}]",
		    "policies[0].failure-details[0]: missing \"result-type\"", 1 },
		{ "fraction count",
		    "\"failure-details\":[{\"result-type\":\"x\","
		    "\"failed-session-count\":1.5}]",
		    "policies[0].failure-details[0]: \"failed-session-count\" "
		    "is a fraction, expected an integer", 1 },
		{ "count as string",
		    "\"failure-details\":[{\"result-type\":\"x\","
		    "\"failed-session-count\":\"1\"}]",
		    "policies[0].failure-details[0]: \"failed-session-count\" "
		    "is a string, expected an integer", 1 },
		{ "sending-mta-ip a number",
		    "\"failure-details\":[{\"result-type\":\"x\","
		    "\"failed-session-count\":1,\"sending-mta-ip\":5}]",
		    "policies[0].failure-details[0]: \"sending-mta-ip\" is an "
		    "integer, expected a string", 1 },
	};
	struct report	 r;
	char		 err[256], *s;
	size_t		 i;

	report_init(&r);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = mkreport("o", "i", T0, "example.com", c[i].ok, 0,
		    c[i].details);
		err[0] = '\0';
		if (t_ok(report_parse(s, strlen(s), &r, err, sizeof(err)) ==
		    -1, "reject: %s", c[i].name))
			t_streq(err, c[i].want, "reject: %s: the message",
			    c[i].name);
		free(s);
	}
	s = mkreport("o", "i", T0, "not_a_host..example", 1, 0, NULL);
	if (t_ok(report_parse(s, strlen(s), &r, err, sizeof(err)) == -1,
	    "reject: policy-domain not a host name"))
		t_streq(err, "policies[0].policy: \"policy-domain\" is not a "
		    "host name", "reject: policy-domain: the message");
	free(s);
	s = mkreport("o", "i", T0, "Example.COM.", 1, 0, "\"x-new\":[1]");
	t_ok(report_parse(s, strlen(s), &r, err, sizeof(err)) == 0 &&
	    strcmp(r.p[0].domain, "example.com") == 0,
	    "parse: unknown member ignored, policy-domain normalised");
	report_clear(&r);
	free(s);
}

static void
test_time(void)
{
	static const struct {
		const char	*s;
		long long	 want;	/* -1: rejected */
	} c[] = {
		{ "2016-04-01T00:00:00Z", 1459468800LL },
		{ "2016-04-01t00:00:00z", 1459468800LL },
		{ "2016-04-01T00:00:00.123Z", 1459468800LL },
		{ "2016-04-01T02:00:00+02:00", 1459468800LL },
		{ "2016-03-31T23:00:00-01:00", 1459468800LL },
		{ "2016-12-31T23:59:60Z", 1483228800LL },
		{ "2016-04-01", -1 },
		{ "2016-04-01T00:00:00", -1 },
		{ "2016-04-01T00:00:00.Z", -1 },
		{ "2016-13-01T00:00:00Z", -1 },
		{ "2015-02-29T00:00:00Z", -1 },
		{ "2016-04-01T24:00:00Z", -1 },
		{ "2016-04-01T00:00:00Z ", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
	};
	int64_t	 t;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t = -1;
		rc = report_time_parse(c[i].s, &t);
		t_inteq(rc == 0 ? (long long)t : -1, c[i].want,
		    "date-time \"%s\"", c[i].s);
	}
}

/* gzip of len bytes of p into a new buffer. */
static unsigned char *
gzip_of(const void *p, size_t len, size_t *outlen)
{
	z_stream	 zs;
	unsigned char	*out;
	size_t		 cap = len + len / 100 + 64;

	memset(&zs, 0, sizeof(zs));
	if ((out = malloc(cap)) == NULL ||
	    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = cap - zs.avail_out;
	(void)deflateEnd(&zs);
	return out;
}

static void
test_gz(void)
{
	unsigned char	*z, *big, *cat;
	char		*out, err[256];
	size_t		 zlen, olen;

	z = gzip_of(rfc_example, strlen(rfc_example), &zlen);
	t_ok(gz_inflate(z, zlen, 1 << 20, &out, &olen, err, sizeof(err)) ==
	    0 && olen == strlen(rfc_example) &&
	    memcmp(out, rfc_example, olen) == 0, "gzip: round trip");
	free(out);
	t_ok(gz_inflate(z, zlen, olen, &out, &olen, err, sizeof(err)) == 0,
	    "gzip: output exactly at the bound");
	free(out);
	t_inteq(gz_inflate(z, zlen, strlen(rfc_example) - 1, &out, &olen, err,
	    sizeof(err)), -2, "gzip: one byte over the bound");
	t_ok(out == NULL, "gzip: no output on error");
	t_inteq(gz_inflate(z, zlen - 9, 1 << 20, &out, &olen, err,
	    sizeof(err)), -1, "gzip: truncated");
	t_streq(err, "gzip data truncated", "gzip: truncated: the message");
	cat = malloc(zlen + 3);
	memcpy(cat, z, zlen);
	memcpy(cat + zlen, "abc", 3);
	t_inteq(gz_inflate(cat, zlen + 3, 1 << 20, &out, &olen, err,
	    sizeof(err)), -1, "gzip: bytes after the member");
	t_streq(err, "3 bytes after the gzip data",
	    "gzip: bytes after: the message");
	free(cat);
	z[zlen / 2] ^= 0xff;
	t_inteq(gz_inflate(z, zlen, 1 << 20, &out, &olen, err, sizeof(err)),
	    -1, "gzip: corrupt");
	free(z);
	t_inteq(gz_inflate("{}", 2, 100, &out, &olen, err, sizeof(err)), -1,
	    "gzip: not gzip");

	/* A bomb: 64 MiB of zeros in about 64 KiB. */
	big = calloc(64 << 20, 1);
	z = gzip_of(big, 64 << 20, &zlen);
	free(big);
	t_ok(zlen < 100 * 1024, "gzip bomb: %zu bytes compressed", zlen);
	t_inteq(gz_inflate(z, zlen, 4 << 20, &out, &olen, err, sizeof(err)),
	    -2, "gzip bomb: stopped at the 4 MiB bound");
	t_streq(err, "more than 4194304 bytes once decompressed",
	    "gzip bomb: the message");
	free(z);
}

static char	dir[] = "/tmp/t_tlsrpt.XXXXXX";

static size_t
nfiles(void)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return n;
}

static int
exists(const char *name)
{
	char		 p[512];
	struct stat	 sb;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &sb) == 0;
}

/* Parse and store one made-up report; returns the store outcome. */
static enum store_rc
put(struct conf *conf, const char *org, const char *id, long long end,
    const char *domain, int ok, int failed, const char *details)
{
	struct report	 r;
	enum store_rc	 rc;
	char		*s, err[512];

	report_init(&r);
	s = mkreport(org, id, end, domain, ok, failed, details);
	if (report_parse(s, strlen(s), &r, err, sizeof(err)) == -1) {
		printf("    mkreport: %s\n", err);
		free(s);
		return STORE__MAX;
	}
	rc = store_put(conf, &r, s, strlen(s), err, sizeof(err));
	report_clear(&r);
	free(s);
	return rc;
}

static void
test_store(struct conf *conf)
{
	struct report	 r;
	char		 name[300], *longid;

	report_init(&r);
	r.end = T0;
	r.id = "a/b c%";
	t_ok(store_name(&r, name, sizeof(name)) == 0 &&
	    strcmp(name, "01795305600-a%2Fb%20c%25.json") == 0,
	    "store: name of \"a/b c%%\" is %s", name);
	r.id = "..x";
	t_ok(store_name(&r, name, sizeof(name)) == 0 &&
	    strcmp(name, "01795305600-%2E.x.json") == 0,
	    "store: a leading dot is encoded (%s)", name);
	longid = malloc(501);
	memset(longid, 'z', 500);
	longid[500] = '\0';
	r.id = longid;
	t_ok(store_name(&r, name, sizeof(name)) == 0 && strlen(name) < 200 &&
	    strchr(name, '~') != NULL,
	    "store: a long report-id is cut and hashed (%zu bytes)",
	    strlen(name));
	free(longid);
	r.id = NULL;

	conf->report_max_count = 3;
	t_inteq(put(conf, "A", "r1", T0, "example.com", 10, 0, NULL),
	    STORE_OK, "store: first report");
	t_ok(exists("01795305600-r1.json"), "store: file named by end and id");
	t_inteq(put(conf, "A", "r1", T0, "example.com", 10, 0, NULL),
	    STORE_DUPLICATE, "store: same report-id again");
	t_inteq(put(conf, "A", "r1", T0 + DAY, "example.com", 99, 0, NULL),
	    STORE_DUPLICATE, "store: same report-id, other date");
	t_inteq((long long)nfiles(), 1, "store: one file after duplicates");
	t_inteq(put(conf, "A", "r0", T0 - DAY, "example.com", 1, 0, NULL),
	    STORE_OK, "store: an older report");
	t_inteq(put(conf, "B", "r2", T0 + DAY, "example.com", 1, 0, NULL),
	    STORE_OK, "store: a newer report");
	t_inteq(put(conf, "B", "r3", T0 + 2 * DAY, "example.com", 1, 0, NULL),
	    STORE_OK, "store: a fourth report, count bound 3");
	t_inteq((long long)nfiles(), 3, "store: three files kept");
	t_ok(!exists("01795219200-r0.json"), "store: the oldest was removed");
	t_inteq(put(conf, "B", "r-old", T0 - 5 * DAY, "example.com", 1, 0,
	    NULL), STORE_OK, "store: a report older than all at the bound");
	t_ok(!exists("01794873600-r-old.json") && nfiles() == 3,
	    "store: ... is removed at once");

	/* Bytes: room for about two reports. */
	conf->report_max_count = 100;
	conf->report_max_bytes = 1100;
	t_inteq(put(conf, "B", "r4", T0 + 3 * DAY, "example.com", 1, 0, NULL),
	    STORE_OK, "store: byte bound");
	t_ok(nfiles() == 2 && exists("01795564800-r4.json") &&
	    exists("01795478400-r3.json"), "store: byte bound keeps the two "
	    "newest");
	conf->report_max_bytes = 100;
	t_inteq(put(conf, "B", "r5", T0, "example.com", 1, 0, NULL),
	    STORE_REJECT, "store: a report larger than report_max_bytes");
	conf->report_max_bytes = CONF_REPORT_MAX_BYTES_DEFAULT;
	conf->report_max_count = CONF_REPORT_MAX_COUNT_DEFAULT;
}

static void
test_store_unwritable(void *arg)
{
	struct conf	*conf = arg;

	t_inteq(put(conf, "A", "u1", T0, "example.com", 1, 0, NULL),
	    STORE_TEMPFAIL, "store: a directory of another user: tempfail");
}

static const char want_text[] =
"example.com: 3 reports from 2 reporters, 2026-11-21T00:00:00Z to 2026-11-24T00:00:00Z\n"
"  sessions: 1110 succeeded, 17 failed\n"
"  reporter Google Inc.: 2 reports, 1100 succeeded, 5 failed\n"
"  reporter Microsoft Corporation: 1 report, 10 succeeded, 12 failed\n"
"  mx -: 2 failed\n"
"    validation-failure: 2 (Microsoft Corporation)\n"
"  mx mx1.example.com: 15 failed\n"
"    certificate-expired: 5 (Google Inc., Microsoft Corporation)\n"
"    starttls-not-supported: 10 (Microsoft Corporation)\n"
"other.example: no reports in the last 7 days\n";

static const char want_json[] =
"{\"days\":7,\"domains\":[{\"domain\":\"example.com\",\"reports\":3,"
"\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-24T00:00:00Z\","
"\"successful\":1110,\"failed\":17,\"reporters\":[{\"organization\":"
"\"Google Inc.\",\"reports\":2,\"successful\":1100,\"failed\":5},"
"{\"organization\":\"Microsoft Corporation\",\"reports\":1,\"successful\":10,"
"\"failed\":12}],\"mx\":[{\"host\":\"-\",\"failed\":2,\"results\":"
"[{\"result-type\":\"validation-failure\",\"failed\":2,\"reporters\":"
"[\"Microsoft Corporation\"]}]},{\"host\":\"mx1.example.com\",\"failed\":15,"
"\"results\":[{\"result-type\":\"certificate-expired\",\"failed\":5,"
"\"reporters\":[\"Google Inc.\",\"Microsoft Corporation\"]},"
"{\"result-type\":\"starttls-not-supported\",\"failed\":10,\"reporters\":"
"[\"Microsoft Corporation\"]}]}]},{\"domain\":\"other.example\","
"\"reports\":0,\"successful\":0,\"failed\":0,\"reporters\":[],\"mx\":[]}]}\n";

static void
test_summary(struct conf *conf)
{
	static const char *const doms[] = { "example.com", "other.example" };
	struct summary	 s;
	struct buf	 out;
	struct idstate	 st;
	struct policy	 pol;
	char		 err[256];

	(void)put(conf, "Microsoft Corporation", "m1", T0 + DAY, "example.com",
	    10, 12, "\"failure-details\":[{\"result-type\":"
	    "\"starttls-not-supported\",\"sending-mta-ip\":\"\","
	    "\"receiving-mx-hostname\":\"MX1.example.com.\","
	    "\"failed-session-count\":10},{\"result-type\":"
	    "\"validation-failure\",\"failed-session-count\":2},"
	    "{\"result-type\":\"certificate-expired\","
	    "\"receiving-mx-hostname\":\"mx1.example.com\","
	    "\"failed-session-count\":0}]");
	(void)put(conf, "Google Inc.", "g1", T0, "example.com", 100, 5,
	    "\"failure-details\":[{\"result-type\":\"certificate-expired\","
	    "\"receiving-mx-hostname\":\"mx1.example.com\","
	    "\"failed-session-count\":5}]");
	(void)put(conf, "Google Inc.", "g2", T0 + 2 * DAY, "example.com",
	    1000, 0, NULL);
	/* Outside the window, and another domain: not counted. */
	(void)put(conf, "Google Inc.", "g0", T0 - 30 * DAY, "example.com",
	    7, 7, NULL);
	(void)put(conf, "Google Inc.", "g3", T0, "example.net", 7, 7, NULL);

	if (!t_ok(summary_collect(conf, doms, 2, 7, T0 + 3 * DAY, &s, err,
	    sizeof(err)) == 0, "summary: collect")) {
		printf("    %s\n", err);
		return;
	}
	buf_init(&out, SUMMARY_OUT_MAX);
	t_ok(summary_render(&s, SUMMARY_FORMAT_TEXT, &out) == 0,
	    "summary: render text");
	t_streq(out.data, want_text, "summary: text byte for byte");
	buf_reset(&out);
	t_ok(summary_render(&s, SUMMARY_FORMAT_JSON, &out) == 0,
	    "summary: render json");
	t_streq(out.data, want_json, "summary: JSON byte for byte");
	summary_free(&s);

	if (t_ok(summary_collect(conf, NULL, 0, 7, T0 + 3 * DAY, &s, err,
	    sizeof(err)) == 0, "summary: --all collect")) {
		t_ok(s.nd == 2 && strcmp(s.d[0].name, "example.com") == 0 &&
		    strcmp(s.d[1].name, "example.net") == 0,
		    "summary: --all names the reports' domains, sorted");
		summary_free(&s);
	}
	buf_free(&out);

	/* The --check finding. */
	idstate_init(&st);
	policy_init(&pol);
	pol.mode = POLICY_MODE_TESTING;
	conf->report_critical = 5;
	summary_check(conf, "example.com", 7, T0 + 3 * DAY, &pol, NULL, NULL);
	t_inteq(last_sev, CHECK_WARNING, "check: 1.5%% failed is a WARNING");
	t_streq(last_msg, "17 of 1127 sessions failed in the last 7 days "
	    "(1.5%) from 2 reporters; most: starttls-not-supported at "
	    "mx1.example.com (10)", "check: failures: the message");
	conf->report_critical = 1;
	summary_check(conf, "example.com", 7, T0 + 3 * DAY, &pol, NULL, NULL);
	t_inteq(last_sev, CHECK_CRITICAL,
	    "check: CRITICAL at report_critical 1%%");
	summary_check(conf, "example.com", 1, T0 + 3 * DAY, &pol, NULL, NULL);
	t_inteq(last_sev, CHECK_OK, "check: last day only: no failures");
	t_streq(last_msg, "mode testing for 1 day, 1000 sessions from 1 "
	    "reporter, 0 failures: ready to enforce",
	    "check: ready to enforce");
	pol.mode = POLICY_MODE_ENFORCE;
	summary_check(conf, "example.com", 1, T0 + 3 * DAY, &pol, NULL, NULL);
	t_streq(last_msg, "1000 sessions from 1 reporter in the last 1 days, "
	    "0 failures", "check: enforce, no failures");
	conf->report_grace = 3 * DAY;
	st.issued = T0 + 2 * DAY;
	summary_check(conf, "other.example", 7, T0 + 3 * DAY, &pol, &st, NULL);
	t_inteq(last_sev, CHECK_OK, "check: no reports within report_grace");
	st.issued = T0 - DAY;
	summary_check(conf, "other.example", 7, T0 + 3 * DAY, &pol, &st, NULL);
	t_inteq(last_sev, CHECK_WARNING, "check: no reports after "
	    "report_grace");
	t_ok(strstr(last_msg, "no TLS-RPT report in ") != NULL &&
	    strstr(last_msg, " for the last 7 days: check the rua of "
	    "_smtp._tls.other.example and the report intake") != NULL,
	    "check: no reports: the message (%s)", last_msg);
	summary_check(conf, "other.example", 7, T0 + 3 * DAY, &pol, NULL, NULL);
	t_inteq(last_sev, CHECK_WARNING, "check: no reports, no state");
	policy_clear(&pol);
}

int
main(void)
{
	struct conf	*conf;
	char		 cmd[128];

	t_suite = "tlsrpt";
	test_parse_good();
	test_parse_bad();
	test_parse_policy_bad();
	test_time();
	test_gz();

	if (mkdtemp(dir) == NULL || (conf = conf_new()) == NULL) {
		t_ok(0, "temporary directory and configuration");
		return t_done();
	}
	conf->report_dir = xstrdup(dir);
	test_store(conf);
	(void)snprintf(cmd, sizeof(cmd), "rm -f %s/0*", dir);
	(void)system(cmd);
	test_summary(conf);
	/* A directory owned by someone else is refused. */
	if (geteuid() == 0)
		t_unprivileged(test_store_unwritable, conf);
	conf_free(conf);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return t_done();
}
