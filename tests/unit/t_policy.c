/*
 * t_policy: the policy module: add_mx, normalise, render, equal, and the
 * strict parser used for override files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "policy.h"
#include "xmalloc.h"
#include "test.h"

#define ENF2 "version: STSv1\r\nmode: enforce\r\n" \
	"mx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n"

/* Build a policy from a NULL-terminated list; -1 when a name is refused. */
static int
build(struct policy *p, enum policy_mode mode, unsigned long max_age,
    const char *const *mx)
{
	size_t	 i;

	policy_init(p);
	p->mode = mode;
	p->max_age = max_age;
	for (i = 0; mx[i] != NULL; i++)
		if (policy_add_mx(p, mx[i], strlen(mx[i])) == -1)
			return -1;
	policy_normalize(p);
	return 0;
}

/* Render into a fresh buffer; the caller frees b.  Returns render's result. */
static int
render(const struct policy *p, struct buf *b, size_t max)
{
	buf_init(b, max);
	return policy_render(p, b);
}

/* -- policy_render ------------------------------------------------------ */

struct render_test {
	const char		*name;
	enum policy_mode	 mode;
	unsigned long		 max_age;
	const char		*mx[5];
	const char		*want;
};

static const struct render_test render_tests[] = {
	{ "enforce, no mx", POLICY_MODE_ENFORCE, 604800, { NULL },
	  "version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n" },
	{ "enforce, one mx", POLICY_MODE_ENFORCE, 604800,
	  { "mx.example.com", NULL },
	  "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	  "max_age: 604800\r\n" },
	{ "enforce, many mx", POLICY_MODE_ENFORCE, 31557600,
	  { "mx3.example.com", "*.example.net", "mx1.example.com", NULL },
	  "version: STSv1\r\nmode: enforce\r\nmx: *.example.net\r\n"
	  "mx: mx1.example.com\r\nmx: mx3.example.com\r\n"
	  "max_age: 31557600\r\n" },
	{ "testing, no mx", POLICY_MODE_TESTING, 86400, { NULL },
	  "version: STSv1\r\nmode: testing\r\nmax_age: 86400\r\n" },
	{ "testing, one mx", POLICY_MODE_TESTING, 86400,
	  { "MX.Example.COM.", NULL },
	  "version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\n"
	  "max_age: 86400\r\n" },
	{ "testing, many mx", POLICY_MODE_TESTING, 0,
	  { "b.example.com", "a.example.com", "c.example.com", NULL },
	  "version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\n"
	  "mx: b.example.com\r\nmx: c.example.com\r\nmax_age: 0\r\n" },
	{ "none, no mx", POLICY_MODE_NONE, 86400, { NULL },
	  "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n" },
	{ "none, one mx", POLICY_MODE_NONE, 86400,
	  { "mx.example.com", NULL },
	  "version: STSv1\r\nmode: none\r\nmx: mx.example.com\r\n"
	  "max_age: 86400\r\n" },
	{ "none, many mx", POLICY_MODE_NONE, 1,
	  { "mx2.example.com", "mx1.example.com", NULL },
	  "version: STSv1\r\nmode: none\r\nmx: mx1.example.com\r\n"
	  "mx: mx2.example.com\r\nmax_age: 1\r\n" },
	{ "sort, dedupe, lower-case", POLICY_MODE_ENFORCE, 604800,
	  { "MX2.Example.COM.", "mx1.example.com", "mx2.example.com", NULL },
	  ENF2 },
	{ "sort by byte value", POLICY_MODE_ENFORCE, 604800,
	  { "mx10.example.com", "mx9.example.com", "mx-1.example.com",
	    "*.example.com", NULL },
	  "version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\n"
	  "mx: mx-1.example.com\r\nmx: mx10.example.com\r\n"
	  "mx: mx9.example.com\r\nmax_age: 604800\r\n" },
	{ "all duplicates", POLICY_MODE_ENFORCE, 604800,
	  { "a.example.com", "A.EXAMPLE.COM", "a.example.com.",
	    "a.Example.com", NULL },
	  "version: STSv1\r\nmode: enforce\r\nmx: a.example.com\r\n"
	  "max_age: 604800\r\n" },
};

static void
test_render(void)
{
	const struct render_test	*t;
	struct policy			 p;
	struct buf			 b;
	size_t				 i;
	int				 rc;

	for (i = 0; i < sizeof(render_tests) / sizeof(render_tests[0]); i++) {
		t = &render_tests[i];
		rc = build(&p, t->mode, t->max_age, t->mx);
		if (rc == 0)
			rc = render(&p, &b, POLICY_MAX_SIZE);
		else
			buf_init(&b, 0);
		if (rc == -1)
			t_ok(0, "render %s: failed", t->name);
		else
			t_streq(b.data, t->want, "render %s", t->name);
		buf_free(&b);
		policy_clear(&p);
	}
}

/* The stored names after sort + dedupe, not just the rendering. */
static void
test_normalize(void)
{
	static const char *const	 in[] = { "MX2.Example.COM.",
	    "mx1.example.com", "mx2.example.com", NULL };
	struct policy			 p;
	int				 ok;

	ok = build(&p, POLICY_MODE_ENFORCE, 604800, in) == 0 &&
	    p.nmx == 2 && strcmp(p.mx[0], "mx1.example.com") == 0 &&
	    strcmp(p.mx[1], "mx2.example.com") == 0;
	t_ok(ok, "normalize: 3 names -> mx1, mx2");
	policy_normalize(&p);
	t_ok(p.nmx == 2, "normalize: idempotent");
	policy_clear(&p);
	t_ok(p.nmx == 0 && p.mx == NULL && p.mxcap == 0 &&
	    p.mode == POLICY_MODE_TESTING && p.max_age == 604800,
	    "clear: back to policy_init state");
	policy_normalize(&p);
	t_ok(p.nmx == 0, "normalize: empty policy");
}

static void
test_render_limits(void)
{
	static const char *const	 one[] = { "mx.example.com", NULL };
	static const char		 want[] = "version: STSv1\r\n"
	    "mode: enforce\r\nmx: mx.example.com\r\nmax_age: 604800\r\n";
	struct policy			 p;
	struct buf			 b;
	int				 rc;

	build(&p, POLICY_MODE_ENFORCE, 604800, one);
	rc = render(&p, &b, sizeof(want) - 2);
	t_inteq(rc, -1, "render: buf one byte too small -> -1");
	buf_free(&b);
	rc = render(&p, &b, sizeof(want) - 1);
	t_ok(rc == 0 && b.len == sizeof(want) - 1 &&
	    memcmp(b.data, want, b.len) == 0,
	    "render: buf exactly large enough");
	buf_free(&b);

	/* policy_render appends: what was in the buffer stays. */
	buf_init(&b, POLICY_MAX_SIZE);
	buf_puts(&b, "X");
	rc = policy_render(&p, &b);
	t_ok(rc == 0 && b.len == sizeof(want) && b.data[0] == 'X' &&
	    strcmp(b.data + 1, want) == 0, "render: appends to the buffer");
	buf_free(&b);

	p.mode = POLICY_MODE__MAX;
	rc = render(&p, &b, POLICY_MAX_SIZE);
	t_inteq(rc, -1, "render: invalid mode -> -1");
	buf_free(&b);
	p.mode = POLICY_MODE_ENFORCE;
	p.max_age = POLICY_MAX_AGE_MAX + 1;
	rc = render(&p, &b, POLICY_MAX_SIZE);
	t_inteq(rc, -1, "render: max_age out of range -> -1");
	buf_free(&b);
	policy_clear(&p);
}

/* -- policy_add_mx -------------------------------------------------------- */

struct mx_test {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;		/* stored name, NULL: refused */
};

static const char label63[] =
    "a23456789012345678901234567890123456789012345678901234567890123";
static const char label64[] =
    "a234567890123456789012345678901234567890123456789012345678901234";

static const struct mx_test mx_tests[] = {
	{ "plain", "mx.example.com", 0, "mx.example.com" },
	{ "mixed case", "MX.Example.COM", 0, "mx.example.com" },
	{ "trailing dot", "mx.example.com.", 0, "mx.example.com" },
	{ "wildcard", "*.Example.com", 0, "*.example.com" },
	{ "wildcard, trailing dot", "*.example.com.", 0, "*.example.com" },
	{ "single label", "localhost", 0, "localhost" },
	{ "digits in labels", "0mx1.example.com", 0, "0mx1.example.com" },
	{ "length given, rest ignored", "mx.example.comXXX", 14,
	  "mx.example.com" },
	{ "two trailing dots", "mx.example.com..", 0, NULL },
	{ "empty", "", 0, NULL },
	{ "dot", ".", 0, NULL },
	{ "star", "*", 0, NULL },
	{ "star dot", "*.", 0, NULL },
	{ "double wildcard", "*.*.example.com", 0, NULL },
	{ "inner wildcard", "mx.*.example.com", 0, NULL },
	{ "partial wildcard", "mx*.example.com", 0, NULL },
	{ "underscore", "mx_1.example.com", 0, NULL },
	{ "leading hyphen", "-mx.example.com", 0, NULL },
	{ "trailing hyphen", "mx-.example.com", 0, NULL },
	{ "empty label", "mx..example.com", 0, NULL },
	{ "leading dot", ".mx.example.com", 0, NULL },
	{ "IPv4", "192.0.2.1", 0, NULL },
	{ "IPv4, trailing dot", "192.0.2.1.", 0, NULL },
	{ "IPv6", "2001:db8::1", 0, NULL },
	{ "address literal", "[192.0.2.1]", 0, NULL },
	{ "space", "mx example.com", 0, NULL },
	{ "embedded NUL", "mx\0.example.com", 15, NULL },
	{ "non-ASCII", "m\xc3\xa9.example.com", 0, NULL },
	{ "label of 63", label63, 0, label63 },
	{ "label of 64", label64, 0, NULL },
};

static void
test_add_mx(void)
{
	const struct mx_test	*t;
	struct policy		 p;
	size_t			 i, len;
	int			 rc, ok;

	for (i = 0; i < sizeof(mx_tests) / sizeof(mx_tests[0]); i++) {
		t = &mx_tests[i];
		policy_init(&p);
		len = t->len ? t->len : strlen(t->in);
		rc = policy_add_mx(&p, t->in, len);
		if (t->want == NULL)
			ok = rc == -1 && p.nmx == 0;
		else
			ok = rc == 0 && p.nmx == 1 &&
			    strcmp(p.mx[0], t->want) == 0;
		if (!t_ok(ok, "add_mx %s", t->name)) {
			printf("    have: rc %d nmx %zu\n", rc, p.nmx);
			t_show("have name", p.nmx ? p.mx[0] : NULL,
			    p.nmx ? strlen(p.mx[0]) : 0);
			t_show("want name", t->want,
			    t->want ? strlen(t->want) : 0);
		}
		policy_clear(&p);
	}
}

static void
test_add_mx_limit(void)
{
	struct policy	 p;
	char		 name[64];
	size_t		 i;
	int		 n, bad = 0;

	policy_init(&p);
	for (i = 0; i < POLICY_MAX_MX; i++) {
		n = snprintf(name, sizeof(name), "mx%zu.example.com", i);
		if (n < 0 || (size_t)n >= sizeof(name) ||
		    policy_add_mx(&p, name, (size_t)n) == -1)
			bad++;
	}
	t_ok(bad == 0 && p.nmx == POLICY_MAX_MX, "add_mx: %d names accepted",
	    POLICY_MAX_MX);
	t_ok(policy_add_mx(&p, "x.example.com", 13) == -1 &&
	    p.nmx == POLICY_MAX_MX, "add_mx: name %d refused, policy unchanged",
	    POLICY_MAX_MX + 1);
	t_ok(policy_add_mx(&p, "_bad", 4) == -1 && p.nmx == POLICY_MAX_MX,
	    "add_mx: invalid name refused, policy unchanged");
	policy_clear(&p);
}

/* -- policy_equal --------------------------------------------------------- */

struct equal_test {
	const char		*name;
	enum policy_mode	 amode, bmode;
	unsigned long		 aage, bage;
	const char		*amx[4], *bmx[4];
	int			 want;
};

static const struct equal_test equal_tests[] = {
	{ "both empty", POLICY_MODE_NONE, POLICY_MODE_NONE, 1, 1,
	  { NULL }, { NULL }, 1 },
	{ "same", POLICY_MODE_ENFORCE, POLICY_MODE_ENFORCE, 604800, 604800,
	  { "a.example", "b.example", NULL },
	  { "a.example", "b.example", NULL }, 1 },
	{ "same after normalise", POLICY_MODE_ENFORCE, POLICY_MODE_ENFORCE,
	  604800, 604800, { "B.example.", "a.example", "b.example", NULL },
	  { "a.example", "b.example", NULL }, 1 },
	{ "mode differs", POLICY_MODE_ENFORCE, POLICY_MODE_TESTING,
	  604800, 604800, { "a.example", NULL }, { "a.example", NULL }, 0 },
	{ "max_age differs", POLICY_MODE_ENFORCE, POLICY_MODE_ENFORCE,
	  604800, 604801, { "a.example", NULL }, { "a.example", NULL }, 0 },
	{ "one more mx", POLICY_MODE_ENFORCE, POLICY_MODE_ENFORCE,
	  604800, 604800, { "a.example", NULL },
	  { "a.example", "b.example", NULL }, 0 },
	{ "mx name differs", POLICY_MODE_ENFORCE, POLICY_MODE_ENFORCE,
	  604800, 604800, { "a.example", "b.example", NULL },
	  { "a.example", "c.example", NULL }, 0 },
	{ "mx vs none", POLICY_MODE_NONE, POLICY_MODE_NONE, 1, 1,
	  { "a.example", NULL }, { NULL }, 0 },
};

static void
test_equal(void)
{
	const struct equal_test	*t;
	struct policy		 a, b;
	size_t			 i;
	int			 ab, ba;

	for (i = 0; i < sizeof(equal_tests) / sizeof(equal_tests[0]); i++) {
		t = &equal_tests[i];
		build(&a, t->amode, t->aage, t->amx);
		build(&b, t->bmode, t->bage, t->bmx);
		ab = policy_equal(&a, &b);
		ba = policy_equal(&b, &a);
		if (!t_ok(ab == t->want && ba == t->want, "equal %s", t->name))
			printf("    have: %d/%d\n    want: %d\n", ab, ba,
			    t->want);
		policy_clear(&a);
		policy_clear(&b);
	}
}

/* -- policy_parse --------------------------------------------------------- */

struct parse_test {
	const char	*name;
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 rc;
	size_t		 errline;
	const char	*want;		/* canonical bytes, or the error */
};

#define V	"version: STSv1\n"
#define ME	"mode: enforce\n"
#define MX1	"mx: mx1.example.com\n"
#define MX2	"mx: mx2.example.com\n"
#define MA	"max_age: 604800\n"
#define GOOD	V ME MX1 MX2 MA

/* Inputs with NUL bytes need their length. */
#define NUL_MODE	V "mode: en\0force\n" MX1 MA
#define NUL_AFTER_BLANK	V ME "\n" "\0"
#define LABEL63	"a23456789012345678901234567890" \
	"123456789012345678901234567890123"
#define LABEL64	LABEL63 "4"

static const struct parse_test parse_tests[] = {
	/* Valid. */
	{ "LF", GOOD, 0, 0, 0, ENF2 },
	{ "CRLF", "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	  "mx: mx2.example.com\r\nmax_age: 604800\r\n", 0, 0, 0, ENF2 },
	{ "mixed LF and CRLF", "version: STSv1\r\nmode: enforce\n"
	  "mx: mx1.example.com\r\nmx: mx2.example.com\nmax_age: 604800\r\n",
	  0, 0, 0, ENF2 },
	{ "no final line end", V ME MX1 MX2 "max_age: 604800", 0, 0, 0, ENF2 },
	{ "no final line end, CRLF before", "version: STSv1\r\n"
	  "mode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\n"
	  "max_age: 604800", 0, 0, 0, ENF2 },
	{ "spaces and tabs after colon", "version:\tSTSv1\nmode:   enforce\n"
	  "mx: \t mx1.example.com\nmx:mx2.example.com\nmax_age:\t 604800\n",
	  0, 0, 0, ENF2 },
	{ "trailing whitespace", "version: STSv1 \nmode: enforce\t\r\n"
	  "mx: mx1.example.com \t\nmx: mx2.example.com\nmax_age: 604800  \n",
	  0, 0, 0, ENF2 },
	{ "trailing empty lines", GOOD "\n\r\n\n", 0, 0, 0, ENF2 },
	{ "trailing whitespace-only lines", GOOD "  \n\t\r\n \t", 0, 0, 0,
	  ENF2 },
	{ "sort, dedupe, lower-case", V ME "mx: MX2.Example.COM.\n" MX1 MX2 MA,
	  0, 0, 0, ENF2 },
	{ "fields in any order after version", V MA MX2 ME MX1, 0, 0, 0,
	  ENF2 },
	{ "mode none without mx", V "mode: none\nmax_age: 86400\n", 0, 0, 0,
	  "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n" },
	{ "mode none with mx", V "mode: none\n" MX1 "max_age: 86400\n", 0,
	  0, 0, "version: STSv1\r\nmode: none\r\nmx: mx1.example.com\r\n"
	  "max_age: 86400\r\n" },
	{ "mode testing", V "mode: testing\n" MX1 MA, 0, 0, 0,
	  "version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\n"
	  "max_age: 604800\r\n" },
	{ "wildcard mx", V ME "mx: *.Example.NET\n" MX1 MA, 0, 0, 0,
	  "version: STSv1\r\nmode: enforce\r\nmx: *.example.net\r\n"
	  "mx: mx1.example.com\r\nmax_age: 604800\r\n" },
	{ "max_age 0", V ME MX1 "max_age: 0\n", 0, 0, 0,
	  "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	  "max_age: 0\r\n" },
	{ "max_age 31557600", V ME MX1 "max_age: 31557600\n", 0, 0, 0,
	  "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	  "max_age: 31557600\r\n" },
	{ "max_age leading zeros", V ME MX1 "max_age: 0000604800\n", 0, 0, 0,
	  "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	  "max_age: 604800\r\n" },
	{ "mx label of 63", V ME "mx: " LABEL63 ".Example.com.\n" MA, 0, 0,
	  0, "version: STSv1\r\nmode: enforce\r\nmx: " LABEL63
	  ".example.com\r\nmax_age: 604800\r\n" },
	{ "max_age ten zeros", V ME MX1 "max_age: 0000000000\n", 0, 0, 0,
	  "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	  "max_age: 0\r\n" },

	/* Bytes and line ends. */
	{ "empty input", "", 0, -1, 0, "missing \"version\"" },
	{ "only empty lines", "\n\r\n\n", 0, -1, 0, "missing \"version\"" },
	{ "byte order mark", "\xef\xbb\xbf" GOOD, 0, -1, 1,
	  "byte order mark" },
	{ "NUL byte", NUL_MODE, sizeof(NUL_MODE) - 1, -1, 2, "NUL byte" },
	{ "NUL byte at end", GOOD "\0", sizeof(GOOD), -1, 6, "NUL byte" },
	{ "non-ASCII byte", V ME "mx: m\xc3\xa9.example.com\n" MA, 0, -1, 3,
	  "non-ASCII byte" },
	{ "BOM after the start", V "\xef\xbb\xbf" ME MX1 MA, 0, -1, 2,
	  "non-ASCII byte" },
	{ "CR without LF", V "mode: enforce\rmx: mx1.example.com\n" MA, 0,
	  -1, 2, "CR without LF" },
	{ "CR-only line ends", "version: STSv1\rmode: none\rmax_age: 1\r", 0,
	  -1, 1, "CR without LF" },
	{ "CR at end of input", V ME MX1 "max_age: 604800\r", 0, -1, 4,
	  "CR without LF" },
	{ "CR CR LF", V ME "\r\r\n" MX1 MA, 0, -1, 3, "CR without LF" },
	{ "control character", V ME "mx: mx1.example\x1b.com\n" MA, 0, -1, 3,
	  "control character 0x1b" },
	{ "DEL", V ME MX1 "max_age: 1\x7f\n", 0, -1, 4,
	  "control character 0x7f" },
	{ "policy larger than the limit", NULL, POLICY_MAX_SIZE + 1, -1, 0,
	  "policy larger than 65536 bytes" },

	/* Line syntax. */
	{ "leading space", V " mode: enforce\n" MX1 MA, 0, -1, 2,
	  "leading whitespace" },
	{ "leading tab", "\tversion: STSv1\n" ME MX1 MA, 0, -1, 1,
	  "leading whitespace" },
	{ "space before colon", V "mode : enforce\n" MX1 MA, 0, -1, 2,
	  "space before ':'" },
	{ "tab before colon", V ME "mx\t:mx1.example.com\n" MA, 0, -1, 3,
	  "space before ':'" },
	{ "missing colon", V "mode enforce\n" MX1 MA, 0, -1, 2,
	  "missing ':' after \"mode\"" },
	{ "key alone", V ME MX1 "max_age\n", 0, -1, 4,
	  "missing ':' after \"max_age\"" },
	{ "key and space", V ME MX1 "max_age \n", 0, -1, 4,
	  "missing ':' after \"max_age\"" },
	{ "no key", V ": enforce\n" MX1 MA, 0, -1, 2,
	  "line does not start with a key" },
	{ "comment", V "# comment\n" ME MX1 MA, 0, -1, 2,
	  "line does not start with a key" },
	{ "equals sign", V "mode=enforce\n" MX1 MA, 0, -1, 2,
	  "invalid character '=' in key" },
	{ "empty value", V "mode:\n" MX1 MA, 0, -1, 2,
	  "empty value for \"mode\"" },
	{ "whitespace-only value", V ME "mx: \t \r\n" MA, 0, -1, 3,
	  "empty value for \"mx\"" },
	{ "empty version", "version:\n" ME MX1 MA, 0, -1, 1,
	  "empty value for \"version\"" },

	/* Keys. */
	{ "typo nmx", V ME "nmx: mx1.example.com\n" MA, 0, -1, 3,
	  "unknown key \"nmx\"" },
	{ "Mode", V "Mode: enforce\n" MX1 MA, 0, -1, 2,
	  "unknown key \"Mode\"" },
	{ "MX", V ME "MX: mx1.example.com\n" MA, 0, -1, 3,
	  "unknown key \"MX\"" },
	{ "Version", "Version: STSv1\n" ME MX1 MA, 0, -1, 1,
	  "unknown key \"Version\"" },
	{ "extension key", V ME MX1 MA "foo_bar: baz\n", 0, -1, 5,
	  "unknown key \"foo_bar\"" },
	{ "maxage", V ME MX1 "maxage: 604800\n", 0, -1, 4,
	  "unknown key \"maxage\"" },
	{ "long unknown key cut in message",
	  V "a123456789b123456789c123456789d123456789e123456789f123456789"
	  "g123456789: x\n", 0, -1, 2, "unknown key \"a123456789b123456789"
	  "c123456789d123456789e123456789f123456789g123...\"" },

	/* version. */
	{ "mode before version", ME V MX1 MA, 0, -1, 1,
	  "\"version: STSv1\" must be the first line" },
	{ "version missing, mode first", ME MX1 MA, 0, -1, 1,
	  "\"version: STSv1\" must be the first line" },
	{ "version last", ME MX1 MA V, 0, -1, 1,
	  "\"version: STSv1\" must be the first line" },
	{ "version STSv2", "version: STSv2\n" ME MX1 MA, 0, -1, 1,
	  "invalid version \"STSv2\" (expected \"STSv1\")" },
	{ "version stsv1", "version: stsv1\n" ME MX1 MA, 0, -1, 1,
	  "invalid version \"stsv1\" (expected \"STSv1\")" },
	{ "version STSv1x", "version: STSv1x\n" ME MX1 MA, 0, -1, 1,
	  "invalid version \"STSv1x\" (expected \"STSv1\")" },
	{ "duplicate version", V ME V MX1 MA, 0, -1, 3,
	  "duplicate \"version\" (first on line 1)" },

	/* mode. */
	{ "mode Enforce", V "mode: Enforce\n" MX1 MA, 0, -1, 2,
	  "invalid mode \"Enforce\" (expected enforce, testing or none)" },
	{ "mode unknown", V "mode: strict\n" MX1 MA, 0, -1, 2,
	  "invalid mode \"strict\" (expected enforce, testing or none)" },
	{ "mode long", V "mode: enforceenforceenforce\n" MX1 MA, 0, -1, 2,
	  "invalid mode \"enforceenforceenforce\" "
	  "(expected enforce, testing or none)" },
	{ "mode two words", V "mode: enforce testing\n" MX1 MA, 0, -1, 2,
	  "invalid mode \"enforce testing\" "
	  "(expected enforce, testing or none)" },
	{ "duplicate mode", V ME MX1 ME MA, 0, -1, 4,
	  "duplicate \"mode\" (first on line 2)" },
	{ "duplicate mode, other value", V ME MX1 MA "mode: none\n", 0, -1, 5,
	  "duplicate \"mode\" (first on line 2)" },
	{ "missing mode", V MX1 MA, 0, -1, 0, "missing \"mode\"" },
	{ "enforce without mx", V ME MA, 0, -1, 2,
	  "mode enforce requires at least one mx line" },
	{ "testing without mx", V MA "mode: testing\n", 0, -1, 3,
	  "mode testing requires at least one mx line" },

	/* max_age. */
	{ "max_age too large", V ME MX1 "max_age: 31557601\n", 0, -1, 4,
	  "invalid max_age \"31557601\" (expected 0..31557600)" },
	{ "max_age 11 digits", V ME MX1 "max_age: 00000000001\n", 0, -1, 4,
	  "invalid max_age \"00000000001\" (expected 0..31557600)" },
	{ "max_age negative", V ME MX1 "max_age: -1\n", 0, -1, 4,
	  "invalid max_age \"-1\" (expected 0..31557600)" },
	{ "max_age plus sign", V ME MX1 "max_age: +1\n", 0, -1, 4,
	  "invalid max_age \"+1\" (expected 0..31557600)" },
	{ "max_age hex", V ME MX1 "max_age: 0x10\n", 0, -1, 4,
	  "invalid max_age \"0x10\" (expected 0..31557600)" },
	{ "max_age inner space", V ME MX1 "max_age: 60 4800\n", 0, -1, 4,
	  "invalid max_age \"60 4800\" (expected 0..31557600)" },
	{ "max_age 2^32", V ME MX1 "max_age: 4294967296\n", 0, -1, 4,
	  "invalid max_age \"4294967296\" (expected 0..31557600)" },
	{ "duplicate max_age", V MA ME MX1 MA, 0, -1, 5,
	  "duplicate \"max_age\" (first on line 2)" },
	{ "missing max_age", V ME MX1, 0, -1, 0, "missing \"max_age\"" },

	/* mx. */
	{ "mx underscore", V ME "mx: mx_1.example.com\n" MA, 0, -1, 3,
	  "invalid mx \"mx_1.example.com\"" },
	{ "mx IPv4", V ME "mx: 192.0.2.1\n" MA, 0, -1, 3,
	  "invalid mx \"192.0.2.1\"" },
	{ "mx IPv6", V ME "mx: 2001:db8::1\n" MA, 0, -1, 3,
	  "invalid mx \"2001:db8::1\"" },
	{ "mx address literal", V ME "mx: [192.0.2.1]\n" MA, 0, -1, 3,
	  "invalid mx \"[192.0.2.1]\"" },
	{ "mx star alone", V ME "mx: *\n" MA, 0, -1, 3, "invalid mx \"*\"" },
	{ "mx double wildcard", V ME "mx: *.*.example.com\n" MA, 0, -1, 3,
	  "invalid mx \"*.*.example.com\"" },
	{ "mx inner wildcard", V ME "mx: mx.*.example.com\n" MA, 0, -1, 3,
	  "invalid mx \"mx.*.example.com\"" },
	{ "mx two trailing dots", V ME "mx: mx.example.com..\n" MA, 0, -1, 3,
	  "invalid mx \"mx.example.com..\"" },
	{ "mx dot", V ME "mx: .\n" MA, 0, -1, 3, "invalid mx \".\"" },
	{ "mx with port", V ME "mx: mx.example.com:25\n" MA, 0, -1, 3,
	  "invalid mx \"mx.example.com:25\"" },
	{ "mx two names", V ME "mx: a.example.com b.example.com\n" MA, 0,
	  -1, 3, "invalid mx \"a.example.com b.example.com\"" },
	{ "mx colon inside", V ME "mx: x_" MX1 MA, 0, -1, 3,
	  "invalid mx \"x_mx: mx1.example.com\"" },
	{ "mx label of 64, cut in message", V ME "mx: " LABEL64
	  ".example.com\n" MA, 0, -1, 3, "invalid mx \"" LABEL64 "...\"" },
	{ "mx one label of 64, quoted whole", V ME "mx: " LABEL64 "\n" MA, 0,
	  -1, 3,
	  "invalid mx \"" LABEL64 "\"" },

	/* Blank lines. */
	{ "blank line between fields", V "\n" ME MX1 MA, 0, -1, 2,
	  "blank line" },
	{ "CRLF blank line", "version: STSv1\r\n\r\nmode: enforce\r\n" MX1 MA,
	  0, -1, 2, "blank line" },
	{ "whitespace-only line between fields", V ME " \t\n" MX1 MA, 0, -1,
	  3, "blank line" },
	{ "blank line first", "\n" GOOD, 0, -1, 1, "blank line" },
	{ "several blank lines: the first is named", V ME "\n\n\n" MX1 MA, 0,
	  -1, 3, "blank line" },
	{ "blank line before a bad line", NUL_AFTER_BLANK,
	  sizeof(NUL_AFTER_BLANK) - 1, -1, 3, "blank line" },

	/* The first problem wins. */
	{ "unknown key before bad byte", V "nmx: a\n" "mode: \xff\n", 0, -1,
	  2, "unknown key \"nmx\"" },
	{ "missing mode before missing max_age", V MX1, 0, -1, 0,
	  "missing \"mode\"" },
};

/* Start from a non-empty policy: parse must replace or empty it. */
static void
stale_policy(struct policy *p)
{
	policy_init(p);
	if (policy_add_mx(p, "stale.example.com", 17) == -1)
		abort();
}

static char	*big_text;	/* POLICY_MAX_SIZE + 1 bytes for the size row */

static void
check_parse(const struct parse_test *t)
{
	struct policy	 p;
	struct buf	 b;
	const char	*text, *have;
	char		 err[256];
	size_t		 len, errline = 12345;
	int		 rc, ok;

	text = t->text != NULL ? t->text : big_text;
	len = t->len != 0 ? t->len : strlen(text);
	stale_policy(&p);
	memset(err, 'Z', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	buf_init(&b, POLICY_MAX_SIZE);
	rc = policy_parse(text, len, &p, &errline, err, sizeof(err));
	if (rc == 0) {
		if (policy_render(&p, &b) == -1)
			have = "(render failed)";
		else
			have = b.data;
	} else
		have = err;
	ok = rc == t->rc && errline == t->errline &&
	    strcmp(have, t->want) == 0 &&
	    (rc == 0 || (p.nmx == 0 && p.mx == NULL &&
	    p.mode == POLICY_MODE_TESTING && p.max_age == 604800));
	if (!t_ok(ok, "parse %s", t->name)) {
		printf("    have: rc %d line %zu nmx %zu\n", rc, errline,
		    p.nmx);
		printf("    want: rc %d line %zu\n", t->rc, t->errline);
		t_show("have", have, strlen(have));
		t_show("want", t->want, strlen(t->want));
	}
	buf_free(&b);
	policy_clear(&p);
}

/*
 * Every valid row: the canonical output parses back to an equal policy
 * that renders to the very same bytes.
 */
static void
check_round_trip(const struct parse_test *t)
{
	struct policy	 p, q;
	struct buf	 b1, b2;
	char		 err[256] = "";
	size_t		 errline;
	int		 ok;

	policy_init(&p);
	policy_init(&q);
	buf_init(&b1, POLICY_MAX_SIZE);
	buf_init(&b2, POLICY_MAX_SIZE);
	ok = policy_parse(t->text, strlen(t->text), &p, &errline, err,
	    sizeof(err)) == 0 && policy_render(&p, &b1) == 0 &&
	    policy_parse(b1.data, b1.len, &q, &errline, err,
	    sizeof(err)) == 0 && policy_render(&q, &b2) == 0 &&
	    policy_equal(&p, &q) && b1.len == b2.len &&
	    memcmp(b1.data, b2.data, b1.len) == 0 &&
	    strcmp(b2.data, t->want) == 0;
	if (!t_ok(ok, "round trip %s", t->name)) {
		t_show("err", err, strlen(err));
		t_show("first", b1.data, b1.len);
		t_show("second", b2.data, b2.len);
	}
	buf_free(&b1);
	buf_free(&b2);
	policy_clear(&p);
	policy_clear(&q);
}

static void
test_parse(void)
{
	size_t	 i, n = sizeof(parse_tests) / sizeof(parse_tests[0]);

	for (i = 0; i < n; i++)
		check_parse(&parse_tests[i]);
	for (i = 0; i < n; i++)
		if (parse_tests[i].rc == 0)
			check_round_trip(&parse_tests[i]);
}

/* Inputs built at run time: the size limit and the mx count limit. */
static void
test_parse_limits(void)
{
	static const char	 head[] = "version: STSv1\nmode: none\n"
	    "max_age: 1\n";
	struct policy		 p;
	struct buf		 b;
	char			 err[256] = "";
	size_t			 i, errline = 0;
	int			 rc;

	/* Exactly POLICY_MAX_SIZE bytes: a policy and trailing empty lines. */
	if ((big_text = malloc(POLICY_MAX_SIZE + 2)) == NULL)
		abort();
	memcpy(big_text, head, sizeof(head) - 1);
	memset(big_text + sizeof(head) - 1, '\n',
	    POLICY_MAX_SIZE + 1 - (sizeof(head) - 1));
	big_text[POLICY_MAX_SIZE + 1] = '\0';
	policy_init(&p);
	rc = policy_parse(big_text, POLICY_MAX_SIZE, &p, &errline, err,
	    sizeof(err));
	if (!t_ok(rc == 0 && p.mode == POLICY_MODE_NONE && p.max_age == 1,
	    "parse: exactly %d bytes accepted", POLICY_MAX_SIZE))
		t_show("err", err, strlen(err));
	policy_clear(&p);

	/* POLICY_MAX_MX mx lines pass, one more fails. */
	buf_init(&b, POLICY_MAX_SIZE);
	rc = buf_puts(&b, head);
	for (i = 0; i < POLICY_MAX_MX && rc == 0; i++)
		rc = buf_printf(&b, "mx: mx%zu.example\n", i % 1000);
	if (rc == 0)
		rc = policy_parse(b.data, b.len, &p, &errline, err,
		    sizeof(err));
	if (!t_ok(rc == 0 && p.nmx == 1000, "parse: %d mx lines (1000 "
	    "distinct) accepted", POLICY_MAX_MX))
		t_show("err", err, strlen(err));
	policy_clear(&p);
	if (rc == 0)
		rc = buf_puts(&b, "mx: one-more.example\n");
	if (rc == 0)
		rc = policy_parse(b.data, b.len, &p, &errline, err,
		    sizeof(err));
	t_ok(rc == -1 && errline == 4 + POLICY_MAX_MX &&
	    strcmp(err, "more than 1024 mx lines") == 0 && p.nmx == 0,
	    "parse: mx line %d refused", POLICY_MAX_MX + 1);
	buf_free(&b);
}

static void
test_parse_args(void)
{
	static const char	 bad[] = V ME "nmx: x\n" MA;
	struct policy		 p;
	char			 small[8];
	int			 rc;

	policy_init(&p);
	rc = policy_parse(bad, sizeof(bad) - 1, &p, NULL, NULL, 0);
	t_ok(rc == -1 && p.nmx == 0, "parse: NULL err and errline allowed");
	rc = policy_parse(bad, sizeof(bad) - 1, &p, NULL, small,
	    sizeof(small));
	t_ok(rc == -1 && strcmp(small, "unknown") == 0,
	    "parse: reason cut to errlen, still NUL-terminated");
	rc = policy_parse(GOOD, sizeof(GOOD) - 1, &p, NULL, NULL, 0);
	t_ok(rc == 0 && p.nmx == 2, "parse: success with NULL err");
	policy_clear(&p);
}

/*
 * Make each allocation fail in turn: every failure must give -1 with "out
 * of memory" and an empty policy (leaks show under ASan and valgrind),
 * until enough allocations succeed for the whole parse.
 */
static void
test_alloc_failure(void)
{
	static const char	 text[] = V ME "mx: MX3.example.com\n"
	    "mx: *.example.net\n" MX1 MX2 MX1 "mx: a.example\n"
	    "mx: b.example\n" "mx: c.example\n" "mx: d.example\n"
	    "mx: e.example\n" MA;
	static const char	 one[] = "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mx.example.com\r\nmax_age: 604800\r\n";
	struct policy		 p;
	struct buf		 b;
	char			 err[256];
	size_t			 errline;
	long			 n;
	int			 rc = -1, bad = 0;

	for (n = 0; n < 1000; n++) {
		stale_policy(&p);
		xmalloc_fail_after(n);
		rc = policy_parse(text, sizeof(text) - 1, &p, &errline, err,
		    sizeof(err));
		xmalloc_fail_after(-1);
		if (rc == 0)
			break;
		if (strcmp(err, "out of memory") != 0 || errline < 3 ||
		    p.nmx != 0 || p.mx != NULL)
			bad++;
	}
	t_ok(rc == 0 && bad == 0 && n >= 2 && p.nmx == 9,
	    "parse: allocation failure at each of %ld allocations", n);
	policy_clear(&p);

	stale_policy(&p);
	for (n = 0; n < 1000; n++) {
		xmalloc_fail_after(n);
		rc = policy_add_mx(&p, "MX.example.com", 14);
		xmalloc_fail_after(-1);
		if (rc == 0)
			break;
		if (p.nmx != 1 || strcmp(p.mx[0], "stale.example.com") != 0)
			bad++;
	}
	policy_clear(&p);
	t_ok(rc == 0 && bad == 0 && n >= 1,
	    "add_mx: allocation failure leaves the policy unchanged (%ld)", n);

	build(&p, POLICY_MODE_ENFORCE, 604800,
	    (const char *const []){ "mx.example.com", NULL });
	for (n = 0; n < 1000; n++) {
		buf_init(&b, POLICY_MAX_SIZE);
		xmalloc_fail_after(n);
		rc = policy_render(&p, &b);
		xmalloc_fail_after(-1);
		if (rc == 0)
			break;
		buf_free(&b);
	}
	t_ok(rc == 0 && n >= 1 && strcmp(b.data, one) == 0,
	    "render: allocation failure returns -1 (%ld)", n);
	buf_free(&b);
	policy_clear(&p);
}

int
main(void)
{
	t_suite = "policy";
	test_render();
	test_normalize();
	test_render_limits();
	test_add_mx();
	test_add_mx_limit();
	test_equal();
	test_parse_limits();
	test_parse();
	test_parse_args();
	test_alloc_failure();
	free(big_text);
	return t_done();
}
