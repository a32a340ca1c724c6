/*
 * Unit tests for cli/idstate.c: id generation (including many bumps in
 * one second and a clock that goes back), the keep/replace decision and
 * the 24-hour age, the comments and output formats byte for byte, the
 * state file format (round trip and every kind of corruption), loading and
 * atomic saving, and the lock.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "idstate.h"
#include "policy.h"
#include "test.h"
#include "xmalloc.h"

static char	dir[] = "/tmp/t_idstate.XXXXXX";

/* 2026-11-22 15:30:00 UTC */
#define T0	1795361400LL

static void
mkpolicy(struct policy *p, enum policy_mode mode, unsigned long max_age,
    const char *mx1, const char *mx2, const char *mx3)
{
	policy_init(p);
	p->mode = mode;
	p->max_age = max_age;
	if (mx1 != NULL)
		(void)policy_add_mx(p, mx1, strlen(mx1));
	if (mx2 != NULL)
		(void)policy_add_mx(p, mx2, strlen(mx2));
	if (mx3 != NULL)
		(void)policy_add_mx(p, mx3, strlen(mx3));
	policy_normalize(p);
}

static void
test_id_valid(void)
{
	static const struct {
		const char	*id;
		int		 want;
	} t[] = {
		{ "20261122153000", 1 },
		{ "202611221530001", 1 },
		{ "20261122153000999999999999999999", 1 },	/* 32 */
		{ "202611221530009999999999999999999", 0 },	/* 33 */
		{ "2026112215300", 0 },				/* 13 */
		{ "", 0 },
		{ "2026112215300a", 0 },
		{ "20261122T153000", 0 },
		{ " 20261122153000", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_inteq(idstate_id_valid(t[i].id), t[i].want,
		    "id_valid \"%s\"", t[i].id);
}

static void
test_id_next(void)
{
	static const struct {
		int64_t		 now;
		const char	*prev;
		int		 rc;
		const char	*want;
	} t[] = {
		{ T0, NULL, 0, "20261122153000" },
		{ T0, "", 0, "20261122153000" },
		{ 0, NULL, 0, "19700101000000" },
		/* a later second */
		{ T0, "20261122152959", 0, "20261122153000" },
		{ T0, "20251231235959", 0, "20261122153000" },
		/* a later second after a sequence number: padded */
		{ T0, "202611221529591", 0, "202611221530000" },
		{ T0, "2026112215295999", 0, "2026112215300000" },
		/* the same second: count on */
		{ T0, "20261122153000", 0, "202611221530001" },
		{ T0, "202611221530001", 0, "202611221530002" },
		{ T0, "202611221530008", 0, "202611221530009" },
		{ T0, "202611221530009", 0, "2026112215300091" },
		{ T0, "2026112215300091", 0, "2026112215300092" },
		{ T0, "2026112215300099", 0, "20261122153000991" },
		{ T0, "202611221530000", 0, "202611221530001" },
		{ T0, "2026112215300019", 0, "2026112215300020" },
		/* the clock went back: count on from prev */
		{ T0, "20271122153000", 0, "202711221530001" },
		{ T0 - 86400, "20261122153000", 0, "202611221530001" },
		/* 32 characters is the limit */
		{ T0, "2026112215300099999999999999999", 0,
		    "20261122153000999999999999999991" },
		{ T0, "20261122153000999999999999999998", 0,
		    "20261122153000999999999999999999" },
		{ T0, "20261122153000999999999999999999", -1, "" },
		/* bad input */
		{ T0, "1", -1, "" },
		{ T0, "2026112215300a", -1, "" },
		{ -1, NULL, -1, "" },
		{ 253402300800LL, NULL, -1, "" },	/* year 10000 */
		{ 253402300799LL, NULL, 0, "99991231235959" },
	};
	char	 id[IDSTATE_ID_SIZE];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(id, 'x', sizeof(id));
		rc = idstate_id_next(t[i].now, t[i].prev, id, sizeof(id));
		if (t_inteq(rc, t[i].rc, "id_next(%lld, \"%s\") rc",
		    (long long)t[i].now, t[i].prev ? t[i].prev : "(null)"))
			t_streq(id, t[i].want, "id_next(%lld, \"%s\")",
			    (long long)t[i].now,
			    t[i].prev ? t[i].prev : "(null)");
	}
	t_inteq(idstate_id_next(T0, NULL, id, IDSTATE_ID_SIZE - 1), -1,
	    "id_next: buffer too small refused");
}

/* Many bumps in one second, then later seconds: always increasing. */
static void
test_id_sequence(void)
{
	char	 prev[IDSTATE_ID_SIZE] = "", id[IDSTATE_ID_SIZE];
	int	 i, n = 0, bad = 0, lenbad = 0;

	for (i = 0; i < 1000; i++) {
		if (idstate_id_next(T0, prev, id, sizeof(id)) == -1)
			break;
		if (prev[0] != '\0' && !idstate_id_greater(id, prev))
			bad++;
		memcpy(prev, id, sizeof(id));
		n++;
	}
	t_inteq(bad, 0, "id sequence: %d ids in one second all increasing", n);
	/* "" + 9 per extra digit for 18 digits: 1 + 9 * 18 */
	t_inteq(n, 163, "id sequence: ids available within one second");
	t_inteq(idstate_id_next(T0, prev, id, sizeof(id)), -1,
	    "id sequence: exhausted within the second: refused");

	/* Two bumps in one second, then the next second. */
	(void)idstate_id_next(T0, NULL, prev, sizeof(prev));
	(void)idstate_id_next(T0, prev, id, sizeof(id));
	t_ok(strcmp(id, prev) != 0 && idstate_id_greater(id, prev),
	    "two bumps in one second: %s then %s", prev, id);

	/* A random walk of clocks (some going back): still increasing. */
	srandom(1);
	prev[0] = '\0';
	bad = 0;
	for (i = 0; i < 20000; i++) {
		int64_t now = T0 + (random() % 40) - 10 + i / 50;

		if (idstate_id_next(now, prev, id, sizeof(id)) == -1) {
			bad++;
			break;
		}
		if (prev[0] != '\0' && (!idstate_id_greater(id, prev)))
			bad++;
		if (strlen(id) < strlen(prev))
			lenbad++;
		memcpy(prev, id, sizeof(id));
	}
	t_inteq(bad, 0, "random clocks: 20000 ids increasing as strings "
	    "and numbers");
	t_inteq(lenbad, 0, "random clocks: ids never get shorter");
}

static void
test_id_greater(void)
{
	t_inteq(idstate_id_greater("202611221530001", "20261122153000"), 1,
	    "greater: longer with prefix");
	t_inteq(idstate_id_greater("20261122153001", "202611221530001"), 0,
	    "greater: shorter but larger as a string is not greater");
	t_inteq(idstate_id_greater("20261122153000", "20261122153000"), 0,
	    "greater: equal is not greater");
	t_inteq(idstate_id_greater("202611221530010", "202611221530009"), 1,
	    "greater: same length");
}

static void
test_decide(void)
{
	struct idstate	 cur;
	struct policy	 same, other, mode, age;

	idstate_init(&cur);
	mkpolicy(&cur.pol, POLICY_MODE_ENFORCE, 86400, "mx1.example.com",
	    "mx2.example.com", NULL);
	cur.issued = T0;
	(void)snprintf(cur.id, sizeof(cur.id), "20261122153000");
	mkpolicy(&same, POLICY_MODE_ENFORCE, 86400, "MX2.example.com.",
	    "mx1.example.com", "mx1.example.com");
	mkpolicy(&other, POLICY_MODE_ENFORCE, 86400, "mx1.example.com",
	    "mx3.example.com", NULL);
	mkpolicy(&mode, POLICY_MODE_TESTING, 86400, "mx1.example.com",
	    "mx2.example.com", NULL);
	mkpolicy(&age, POLICY_MODE_ENFORCE, 604800, "mx1.example.com",
	    "mx2.example.com", NULL);

	t_inteq(idstate_decide(NULL, &same, T0, 0, 86400), IDSTATE_FIRST,
	    "decide: no state: first id");
	t_inteq(idstate_decide(NULL, &same, T0, 1, 86400), IDSTATE_FIRST,
	    "decide: no state with rotate: first id");
	t_inteq(idstate_decide(&cur, &same, T0 + 60, 0, 86400),
	    IDSTATE_UNCHANGED,
	    "decide: same policy (other order, case, duplicates): unchanged");
	t_inteq(idstate_decide(&cur, &other, T0 + 60, 0, 86400), IDSTATE_CHANGED,
	    "decide: mx changed");
	t_inteq(idstate_decide(&cur, &mode, T0 + 60, 0, 86400), IDSTATE_CHANGED,
	    "decide: mode changed");
	t_inteq(idstate_decide(&cur, &age, T0 + 60, 0, 86400), IDSTATE_CHANGED,
	    "decide: max_age changed");
	t_inteq(idstate_decide(&cur, &other, T0 + 60, 1, 86400), IDSTATE_CHANGED,
	    "decide: changed wins over rotate");
	t_inteq(idstate_decide(&cur, &same, T0 + 60, 1, 86400), IDSTATE_ROTATED,
	    "decide: rotate");
	t_inteq(idstate_decide(&cur, &same, T0 + 86400, 0, 86400),
	    IDSTATE_UNCHANGED,
	    "decide: exactly 24 hours old: unchanged");
	t_inteq(idstate_decide(&cur, &same, T0 + 86401, 0, 86400),
	    IDSTATE_REFRESH,
	    "decide: older than 24 hours: daily refresh");
	t_inteq(idstate_decide(&cur, &same, T0 + 86401, 1, 86400),
	    IDSTATE_ROTATED,
	    "decide: rotate wins over refresh");
	t_inteq(idstate_decide(&cur, &same, T0 - 86401 * 3, 0, 86400),
	    IDSTATE_UNCHANGED, "decide: issued in the future: unchanged");
	t_inteq(idstate_decide(&cur, &same, T0 + 86400 * 400, 0, 0),
	    IDSTATE_UNCHANGED, "decide: refresh off: an old id is kept");
	t_inteq(idstate_decide(&cur, &same, T0 + 3601, 0, 3600),
	    IDSTATE_REFRESH, "decide: refresh 1h: older than an hour");
	t_inteq(idstate_decide(&cur, &other, T0 + 60, 0, 0),
	    IDSTATE_CHANGED, "decide: refresh off: a change still bumps");
	policy_clear(&same);
	policy_clear(&other);
	policy_clear(&mode);
	policy_clear(&age);
	idstate_clear(&cur);
}

static void
test_describe(void)
{
	struct idstate	 cur;
	struct policy	 p, q;
	struct buf	 b;

	idstate_init(&cur);
	buf_init(&b, 4096);
	mkpolicy(&cur.pol, POLICY_MODE_TESTING, 86400, "mx1.example.com",
	    "mx2.example.com", "mx4.example.com");
	mkpolicy(&p, POLICY_MODE_ENFORCE, 604800, "mx2.example.com",
	    "mx3.example.com", "mx0.example.com");
	mkpolicy(&q, POLICY_MODE_TESTING, 86400, "mx1.example.com",
	    "mx2.example.com", "mx3.example.com");

	(void)idstate_describe(IDSTATE_CHANGED, &cur, &p, &b);
	t_streq(b.data, "changed: mode testing -> enforce, max_age 86400 -> "
	    "604800, +mx0.example.com +mx3.example.com -mx1.example.com "
	    "-mx4.example.com", "describe: changed, everything");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_CHANGED, &cur, &q, &b);
	t_streq(b.data, "changed: +mx3.example.com -mx4.example.com",
	    "describe: changed, mx only");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_CHANGED, &cur, &cur.pol, &b);
	t_streq(b.data, "changed", "describe: changed but equal");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_FIRST, NULL, &p, &b);
	t_streq(b.data, "first id", "describe: first id");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_ROTATED, &cur, &p, &b);
	t_streq(b.data, "rotated", "describe: rotated");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_REFRESH, &cur, &p, &b);
	t_streq(b.data, "daily refresh (id older than 24 hours)",
	    "describe: daily refresh");
	buf_reset(&b);
	(void)idstate_describe(IDSTATE_UNCHANGED, &cur, &p, &b);
	t_streq(b.data, "unchanged", "describe: unchanged");
	t_inteq(idstate_describe(IDSTATE__MAX, &cur, &p, &b), -1,
	    "describe: out of range");

	buf_reset(&b);
	(void)idstate_policy_diff(&cur.pol, &cur.pol, &b);
	t_inteq((long long)b.len, 0, "policy_diff: equal: nothing");
	buf_reset(&b);
	(void)idstate_policy_diff(&q, &cur.pol, &b);
	t_streq(b.data, "+mx4.example.com -mx3.example.com",
	    "policy_diff: reversed");
	policy_clear(&p);
	policy_clear(&q);
	idstate_clear(&cur);
	buf_free(&b);
}

static void
test_output(void)
{
	struct buf		 out, notes;
	enum idstate_format	 f;

	buf_init(&out, 4096);
	buf_init(&notes, 4096);
	(void)idstate_output(IDSTATE_FORMAT_ZONE, "example.com",
	    "20261122153000", "changed: +mx3.example.com -mx1.example.com",
	    NULL, &out, &notes);
	t_streq(out.data, "; example.com: changed: +mx3.example.com "
	    "-mx1.example.com\n_mta-sts.example.com. 300 IN TXT "
	    "\"v=STSv1; id=20261122153000\"\n", "output: zone");
	t_inteq((long long)notes.len, 0, "output: zone: no notes");
	buf_reset(&out);
	(void)idstate_output(IDSTATE_FORMAT_VALUE, "example.com",
	    "20261122153000", "unchanged", NULL, &out, &notes);
	t_streq(out.data, "v=STSv1; id=20261122153000\n",
	    "output: value: only the value");
	t_streq(notes.data, "; example.com: unchanged\n",
	    "output: value: the comment in the notes");
	buf_reset(&out);
	(void)idstate_output(IDSTATE_FORMAT_NSUPDATE, "example.com",
	    "20261122153000", "rotated", NULL, &out, &notes);
	t_streq(out.data, "; example.com: rotated\n"
	    "update delete _mta-sts.example.com. TXT\n"
	    "update add _mta-sts.example.com. 300 TXT "
	    "\"v=STSv1; id=20261122153000\"\nsend\n", "output: nsupdate");
	buf_reset(&out);
	(void)idstate_output(IDSTATE_FORMAT_NSUPDATE, "example.com",
	    "20261122153000", "rotated", &(struct idstate_nsupdate){
	    "192.0.2.1 5353", "example.com" }, &out, &notes);
	t_streq(out.data, "; example.com: rotated\n"
	    "server 192.0.2.1 5353\nzone example.com.\n"
	    "update delete _mta-sts.example.com. TXT\n"
	    "update add _mta-sts.example.com. 300 TXT "
	    "\"v=STSv1; id=20261122153000\"\nsend\n",
	    "output: nsupdate with server and zone");
	buf_reset(&out);
	(void)idstate_output(IDSTATE_FORMAT_NSUPDATE, "example.com",
	    "20261122153000", "rotated", &(struct idstate_nsupdate){
	    NULL, "example.com" }, &out, &notes);
	t_streq(out.data, "; example.com: rotated\nzone example.com.\n"
	    "update delete _mta-sts.example.com. TXT\n"
	    "update add _mta-sts.example.com. 300 TXT "
	    "\"v=STSv1; id=20261122153000\"\nsend\n",
	    "output: nsupdate with a zone only");

	/* json: exact bytes, the three "published" forms, escaping. */
	{
		struct idstate	 st;

		idstate_init(&st);
		mkpolicy(&st.pol, POLICY_MODE_ENFORCE, 604800,
		    "mx2.example.com", "*.backup.example.com", NULL);
		(void)snprintf(st.id, sizeof(st.id), "20261122153000");
		st.issued = 1795361400;
		st.published = 1795361402;
		buf_reset(&out);
		(void)idstate_output_json(&st, "example.com", "first id",
		    &out);
		t_streq(out.data, "{\"domain\":\"example.com\",\"name\":"
		    "\"_mta-sts.example.com\",\"ttl\":300,\"value\":"
		    "\"v=STSv1; id=20261122153000\",\"id\":\"20261122153000\","
		    "\"why\":\"first id\",\"issued\":1795361400,\"published\":"
		    "1795361402,\"policy\":{\"mode\":\"enforce\",\"max_age\":"
		    "604800,\"mx\":[\"*.backup.example.com\","
		    "\"mx2.example.com\"]}}", "output: json");
		st.published = IDSTATE_PUB_PENDING;
		buf_reset(&out);
		(void)idstate_output_json(&st, "example.com", "a \"q\" \\\n",
		    &out);
		t_ok(strstr(out.data, "\"why\":\"a \\\"q\\\" \\\\\\n\","
		    "\"issued\":1795361400,\"published\":false,") != NULL,
		    "output: json: escapes, published false");
		st.published = IDSTATE_PUB_UNTRACKED;
		policy_clear(&st.pol);
		st.pol.mode = POLICY_MODE_NONE;
		st.pol.max_age = 86400;
		buf_reset(&out);
		(void)idstate_output_json(&st, "example.com", "unchanged",
		    &out);
		t_ok(strstr(out.data, "\"published\":null,\"policy\":{"
		    "\"mode\":\"none\",\"max_age\":86400,\"mx\":[]}}") !=
		    NULL, "output: json: published null, no mx");
		idstate_clear(&st);
	}

	t_ok(idstate_format_parse("zone", &f) == 0 &&
	    f == IDSTATE_FORMAT_ZONE, "format_parse: zone");
	t_ok(idstate_format_parse("value", &f) == 0 &&
	    f == IDSTATE_FORMAT_VALUE, "format_parse: value");
	t_ok(idstate_format_parse("nsupdate", &f) == 0 &&
	    f == IDSTATE_FORMAT_NSUPDATE, "format_parse: nsupdate");
	t_inteq(idstate_format_parse("Zone", &f), -1,
	    "format_parse: case-sensitive");
	t_inteq(idstate_format_parse("", &f), -1, "format_parse: empty");
	t_streq(idstate_format_name(IDSTATE_FORMAT_NSUPDATE), "nsupdate",
	    "format_name");
	t_ok(idstate_format_name(IDSTATE_FORMAT__MAX) == NULL,
	    "format_name: out of range");
	buf_free(&out);
	buf_free(&notes);
}

#define GOOD	"mta-sts-id-state 1\ndomain example.com\nid 20261122153000\n" \
		"issued 1795361400\nmode enforce\nmax_age 604800\n" \
		"mx *.backup.example.com\nmx mx1.example.com\n" \
		"mx mx2.example.com\nend\n"

static void
test_render_parse(void)
{
	struct idstate	 st, back;
	struct buf	 b;
	size_t		 line;
	char		 err[256];

	idstate_init(&st);
	idstate_init(&back);
	buf_init(&b, IDSTATE_FILE_MAX);
	mkpolicy(&st.pol, POLICY_MODE_ENFORCE, 604800, "MX2.example.com",
	    "mx1.example.com", "*.backup.example.com");
	(void)snprintf(st.id, sizeof(st.id), "20261122153000");
	st.issued = T0;
	t_inteq(idstate_render(&st, "example.com", &b), 0, "render: ok");
	t_streq(b.data, GOOD, "render: the documented format");
	t_inteq(idstate_parse(b.data, b.len, "example.com", &back, &line,
	    err, sizeof(err)), 0, "parse: what render wrote");
	t_ok(strcmp(back.id, st.id) == 0 && back.issued == st.issued &&
	    policy_equal(&back.pol, &st.pol), "parse: round trip equal");
	buf_reset(&b);
	t_inteq(idstate_render(&st, "Example.com", &b), -1,
	    "render: upper-case domain refused");
	st.id[3] = 'x';
	t_inteq(idstate_render(&st, "example.com", &b), -1,
	    "render: invalid id refused");
	idstate_clear(&st);

	/* mode none without mx lines is a valid policy. */
	st.pol.mode = POLICY_MODE_NONE;
	st.pol.max_age = 86400;
	(void)snprintf(st.id, sizeof(st.id), "20261122153000");
	buf_reset(&b);
	(void)idstate_render(&st, "example.com", &b);
	t_inteq(idstate_parse(b.data, b.len, "example.com", &back, &line,
	    err, sizeof(err)), 0, "parse: mode none without mx");
	idstate_clear(&st);
	idstate_clear(&back);
	buf_free(&b);
}

/* "published": optional (old files have none), "no" or a time. */
static void
test_published(void)
{
	static const struct {
		const char	*line;
		int64_t		 want;
	} t[] = {
		{ "", IDSTATE_PUB_UNTRACKED },
		{ "published no\n", IDSTATE_PUB_PENDING },
		{ "published 0\n", 0 },
		{ "published 1795361460\n", 1795361460 },
	};
	static const char *const bad[] = {
		"published yes\n", "published -1\n", "published 01\n",
		"published no\npublished no\n",
	};
	struct idstate	 st;
	struct buf	 b, text;
	size_t		 i, line;
	char		 err[256];

	idstate_init(&st);
	buf_init(&b, IDSTATE_FILE_MAX);
	buf_init(&text, IDSTATE_FILE_MAX);
	t_ok(st.published == IDSTATE_PUB_UNTRACKED, "published: init is "
	    "untracked");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&text);
		(void)buf_printf(&text, "mta-sts-id-state 1\ndomain "
		    "example.com\nid 20261122153000\nissued 1795361400\n%s"
		    "mode none\nmax_age 86400\nend\n", t[i].line);
		if (!t_inteq(idstate_parse(text.data, text.len, "example.com",
		    &st, &line, err, sizeof(err)), 0, "published row %zu: "
		    "parses", i)) {
			printf("    err: line %zu %s\n", line, err);
			continue;
		}
		t_inteq(st.published, t[i].want, "published row %zu: value",
		    i);
		buf_reset(&b);
		t_ok(idstate_render(&st, "example.com", &b) == 0 &&
		    strcmp(b.data, text.data) == 0, "published row %zu: "
		    "renders the same bytes", i);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&text);
		(void)buf_printf(&text, "mta-sts-id-state 1\ndomain "
		    "example.com\nid 20261122153000\nissued 1795361400\n%s"
		    "mode none\nmax_age 86400\nend\n", bad[i]);
		t_inteq(idstate_parse(text.data, text.len, "example.com",
		    &st, &line, err, sizeof(err)), -1, "published bad row "
		    "%zu: refused", i);
		t_inteq((long long)line, i == 3 ? 6 : 5, "published bad row "
		    "%zu: line", i);
	}
	st.published = -3;
	(void)snprintf(st.id, sizeof(st.id), "20261122153000");
	st.pol.mode = POLICY_MODE_NONE;
	buf_reset(&b);
	t_inteq(idstate_render(&st, "example.com", &b), -1,
	    "published: render refuses an invalid value");
	idstate_clear(&st);
	buf_free(&text);
	buf_free(&b);
}

static void
test_parse_corrupt(void)
{
	static const struct {
		const char	*name;
		const char	*text;
		size_t		 line;
	} t[] = {
		{ "empty", "", 0 },
		{ "no newline at the end", "mta-sts-id-state 1", 0 },
		{ "other version", "mta-sts-id-state 2\n", 1 },
		{ "not a state file", "version: STSv1\n", 1 },
		{ "end missing", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\n"
		    "max_age 1\nmx a.example.com\n", 0 },
		{ "end too early", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nend\n", 4 },
		{ "text after end", GOOD "x\n", 11 },
		{ "blank line after end", GOOD "\n", 11 },
		{ "CR line ends", "mta-sts-id-state 1\r\n", 1 },
		{ "CR in a line", "mta-sts-id-state 1\ndomain example.com\r\n",
		    2 },
		{ "another domain", "mta-sts-id-state 1\ndomain example.net\n",
		    2 },
		{ "domain missing", "mta-sts-id-state 1\nid 20261122153000\n",
		    2 },
		{ "invalid id", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 2026-11-22\n", 3 },
		{ "id too long", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 202611221530001234567890123456789\n", 3 },
		{ "issued negative", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued -1\n", 4 },
		{ "issued leading zero", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\nissued 01\n", 4 },
		{ "issued overflow", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\n"
		    "issued 9223372036854775808\n", 4 },
		{ "issued not a number", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\nissued 1e9\n", 4 },
		{ "mode invalid", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode Enforce\n", 5 },
		{ "max_age too large", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\nissued 1\n"
		    "mode enforce\nmax_age 31557601\n", 6 },
		{ "max_age leading zero", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\nissued 1\n"
		    "mode enforce\nmax_age 0600\n", 6 },
		{ "mx upper case", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx MX.example.com\nend\n", 7 },
		{ "mx trailing dot", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx mx.example.com.\nend\n", 7 },
		{ "mx not sorted", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx b.example.com\nmx a.example.com\nend\n", 8 },
		{ "mx duplicate", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx a.example.com\nmx a.example.com\nend\n", 8 },
		{ "mx invalid name", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx a_b.example.com\nend\n", 7 },
		{ "no mx in mode enforce", "mta-sts-id-state 1\n"
		    "domain example.com\nid 20261122153000\nissued 1\n"
		    "mode enforce\nmax_age 1\nend\n", 0 },
		{ "keys out of order", "mta-sts-id-state 1\n"
		    "domain example.com\nissued 1\nid 20261122153000\n", 3 },
		{ "key twice", "mta-sts-id-state 1\ndomain example.com\n"
		    "domain example.com\n", 3 },
		{ "mode after mx", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "mx a.example.com\nmode enforce\nend\n", 8 },
		{ "unknown key", "mta-sts-id-state 1\ndomain example.com\n"
		    "id 20261122153000\nissued 1\nmode enforce\nmax_age 1\n"
		    "nmx a.example.com\nend\n", 7 },
		{ "two spaces", "mta-sts-id-state 1\ndomain  example.com\n",
		    2 },
		{ "trailing space", "mta-sts-id-state 1\ndomain example.com \n",
		    2 },
		{ "empty value", "mta-sts-id-state 1\ndomain \n", 2 },
		{ "no value", "mta-sts-id-state 1\ndomain\n", 2 },
	};
	struct idstate	 st;
	size_t		 i, line;
	char		 err[256], text[512];
	int		 rc, len;

	idstate_init(&st);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		line = 999;
		err[0] = '\0';
		rc = idstate_parse(t[i].text, strlen(t[i].text), "example.com",
		    &st, &line, err, sizeof(err));
		if (!t_ok(rc == -1 && line == t[i].line && err[0] != '\0' &&
		    st.pol.nmx == 0 && st.id[0] == '\0',
		    "parse corrupt: %s: refused at line %zu", t[i].name,
		    t[i].line))
			printf("    have: rc %d line %zu err \"%s\"\n", rc,
			    line, err);
	}
	t_inteq(idstate_parse("mta-sts-id-state 1\n\0x", 21, "example.com",
	    &st, &line, err, sizeof(err)), -1, "parse corrupt: NUL byte");
	/* A value longer than any hostname. */
	len = snprintf(text, sizeof(text), "mta-sts-id-state 1\ndomain ");
	memset(text + len, 'a', 300);
	text[len + 300] = '\n';
	t_ok(idstate_parse(text, (size_t)len + 301, "example.com", &st, &line,
	    err, sizeof(err)) == -1 && line == 2,
	    "parse corrupt: overlong value: refused at line 2");
	idstate_clear(&st);
}

/* Make every allocation fail in turn: errors, never crashes or leaks. */
static void
test_nomem(void)
{
	struct idstate	 st;
	long		 n;
	int		 rc, ok = 0, failed = 0;

	idstate_init(&st);
	for (n = 0; n < 64; n++) {
		xmalloc_fail_after(n);
		rc = idstate_parse(GOOD, strlen(GOOD), "example.com", &st,
		    NULL, NULL, 0);
		xmalloc_fail_after(-1);
		if (rc == 0) {
			ok = st.pol.nmx == 3;
			break;
		}
		failed++;
		if (st.pol.nmx != 0)
			break;
	}
	t_ok(ok && failed > 0, "parse: %d allocation failures handled",
	    failed);
	idstate_clear(&st);
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, len, f) != len || fclose(f) != 0)
		abort();
}

/* The whole file at path into a malloc'ed string, or NULL. */
static char *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*s;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	s = calloc(1, IDSTATE_FILE_MAX + 2);
	*len = fread(s, 1, IDSTATE_FILE_MAX + 1, f);
	fclose(f);
	return s;
}

/* Files in dir other than "." and "..", as a count. */
static int
count_files(const char *d)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	if ((dp = opendir(d)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void
test_load_save(void)
{
	struct idstate	 st, back;
	struct stat	 sb;
	static const char corrupt[] = "mta-sts-id-state 1\n"
	    "domain example.com\nid x\n";
	char		 path[512], other[1024], err[1024], *text, *big;
	size_t		 len;

	idstate_init(&st);
	idstate_init(&back);
	(void)snprintf(path, sizeof(path), "%s/example.com.state", dir);

	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_NONE, "load: no file: none");
	mkpolicy(&st.pol, POLICY_MODE_ENFORCE, 604800, "mx1.example.com",
	    "mx2.example.com", "*.backup.example.com");
	(void)snprintf(st.id, sizeof(st.id), "20261122153000");
	st.issued = T0;
	t_inteq(idstate_save(dir, "example.com", &st, err, sizeof(err)), 0,
	    "save: ok");
	text = read_file(path, &len);
	t_ok(text != NULL && len == strlen(GOOD) &&
	    memcmp(text, GOOD, len) == 0, "save: file holds the format");
	free(text);
	t_ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644,
	    "save: mode 0644");
	t_inteq(count_files(dir), 1, "save: no temporary file left");
	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_OK, "load: saved state");
	t_ok(strcmp(back.id, st.id) == 0 && back.issued == T0 &&
	    policy_equal(&back.pol, &st.pol), "load: equal to what was saved");

	/* Replace it. */
	(void)snprintf(st.id, sizeof(st.id), "202611221530001");
	t_inteq(idstate_save(dir, "example.com", &st, err, sizeof(err)), 0,
	    "save: replace");
	(void)idstate_load(dir, "example.com", &back, err, sizeof(err));
	t_streq(back.id, "202611221530001", "load: the replaced id");
	t_inteq(count_files(dir), 1, "save: replace leaves one file");

	/* Corrupt: reported with path and line, the file left as it is. */
	write_file(path, corrupt, strlen(corrupt));
	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: corrupt: error");
	(void)snprintf(other, sizeof(other), "%s:3: corrupt state file: "
	    "invalid id", path);
	t_streq(err, other, "load: corrupt: path, line and reason");
	text = read_file(path, &len);
	t_ok(text != NULL && len == strlen(corrupt) &&
	    memcmp(text, corrupt, len) == 0, "load: corrupt file untouched");
	free(text);
	t_ok(back.id[0] == '\0' && back.pol.nmx == 0,
	    "load: corrupt: state left empty");

	/* Too large. */
	big = malloc(IDSTATE_FILE_MAX + 1);
	memset(big, 'x', IDSTATE_FILE_MAX + 1);
	write_file(path, big, IDSTATE_FILE_MAX + 1);
	free(big);
	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: oversized file: error");
	(void)unlink(path);

	/* Not a regular file, a symbolic link. */
	(void)mkdir(path, 0755);
	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: a directory: error");
	t_inteq(idstate_save(dir, "example.com", &st, err, sizeof(err)), -1,
	    "save: over a directory: error");
	t_inteq(count_files(dir), 1, "save: failed save leaves no temporary");
	(void)rmdir(path);
	(void)snprintf(other, sizeof(other), "%s/elsewhere", dir);
	write_file(other, GOOD, strlen(GOOD));
	if (symlink(other, path) == -1)
		abort();
	t_inteq(idstate_load(dir, "example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: symbolic link: error");
	(void)unlink(path);
	(void)unlink(other);

	/* Names. */
	t_inteq(idstate_load(dir, "../example.com", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: unsafe name refused");
	t_inteq(idstate_save(dir, "Example.com", &st, err, sizeof(err)), -1,
	    "save: upper-case name refused");
	t_inteq(idstate_path(path, sizeof(path), dir, "a/b"), -1,
	    "path: slash refused");
	t_inteq(idstate_path(path, 10, dir, "example.com"), -1,
	    "path: too long refused");
	(void)snprintf(other, sizeof(other), "%s/no/such", dir);
	t_inteq(idstate_save(other, "example.com", &st, err, sizeof(err)),
	    -1, "save: missing directory: error");

	/* The other domain's file is not ours. */
	(void)snprintf(path, sizeof(path), "%s/example.net.state", dir);
	write_file(path, GOOD, strlen(GOOD));
	t_inteq(idstate_load(dir, "example.net", &back, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: state of another domain refused");
	(void)unlink(path);

	idstate_clear(&st);
	idstate_clear(&back);
}

/* As an ordinary user: an unreadable state file is an error, untouched. */
static void
check_unreadable(void *arg)
{
	struct idstate	 st;
	char		 err[1024];
	const char	*d = arg;

	idstate_init(&st);
	t_inteq(idstate_load(d, "example.org", &st, err, sizeof(err)),
	    IDSTATE_LOAD_ERROR, "load: unreadable file: error");
	t_ok(strstr(err, "Permission denied") != NULL,
	    "load: unreadable file: errno text");
	idstate_clear(&st);
}

static void
test_unreadable(void)
{
	char	 path[512];

	(void)chmod(dir, 0755);
	(void)snprintf(path, sizeof(path), "%s/example.org.state", dir);
	write_file(path, GOOD, strlen(GOOD));
	(void)chmod(path, 0);
	t_unprivileged(check_unreadable, dir);
	(void)unlink(path);
}

static long long	fake_ms = 1000000;
static int		clock_step;	/* ms each read of the clock moves it on */

/*
 * The clock idstate_lock() reads.  Defined here, so libcore's clock.o is
 * not linked: the lock's wait is checked on this clock, not timed
 * (bench/timing.c measures the real wait).
 */
long long
clock_ms(void)
{
	fake_ms += clock_step;
	return fake_ms;
}

static void
test_lock(void)
{
	char		 sub[512], err[1024];
	long long	 t;
	int		 a, b;

	(void)snprintf(sub, sizeof(sub), "%s/state", dir);
	a = idstate_lock(sub, 0, err, sizeof(err));
	t_ok(a >= 0, "lock: taken, directory created");
	/* flock() locks belong to the open file: a second open conflicts. */
	b = idstate_lock(sub, 0, err, sizeof(err));
	t_inteq(b, -2, "lock: held: refused at once with wait 0");
	t_ok(strstr(err, "mta-sts-id.lock: held by another mta-sts-id run") !=
	    NULL, "lock: held: message names the lock file");
	/* Every read of the clock moves it 50 ms on; the polls sleep for real. */
	clock_step = 50;
	t = fake_ms;
	b = idstate_lock(sub, 300, err, sizeof(err));
	t = fake_ms - t;
	clock_step = 0;
	t_ok(b == -2 && t >= 300 && t <= 300 + 2 * 50,
	    "lock: held: kept trying until its clock passed the wait (300 ms: "
	    "%lld ms on the clock), then refused", t);
	idstate_unlock(a);
	b = idstate_lock(sub, 0, err, sizeof(err));
	t_ok(b >= 0, "lock: free again after unlock");
	idstate_unlock(b);
	idstate_unlock(-1);
	(void)snprintf(sub, sizeof(sub), "%s/no/such", dir);
	t_inteq(idstate_lock(sub, 0, err, sizeof(err)), -1,
	    "lock: parent directory missing: error");
	(void)snprintf(sub, sizeof(sub), "%s/state/%s", dir,
	    IDSTATE_LOCK_NAME);
	(void)unlink(sub);
	(void)snprintf(sub, sizeof(sub), "%s/state", dir);
	(void)rmdir(sub);
}

int
main(void)
{
	t_suite = "idstate";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_id_valid();
	test_id_next();
	test_id_sequence();
	test_id_greater();
	test_decide();
	test_describe();
	test_output();
	test_render_parse();
	test_published();
	test_parse_corrupt();
	test_nomem();
	test_load_save();
	test_unreadable();
	test_lock();
	(void)rmdir(dir);
	return t_done();
}
