/*
 * t_buf: buf_json_str() (common/buf.c), the one JSON string writer: exact
 * bytes for escapes, UTF-8 and ill-formed input, then every one- and
 * two-byte string and a large set of three- and four-byte ones checked
 * against glibc's UTF-8 decoder, and the bound.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "test.h"

static const char *
json(struct buf *b, const char *s)
{
	buf_reset(b);
	if (buf_json_str(b, s) == -1)
		return NULL;
	return b->data;
}

static void
test_bytes(void)
{
	static const struct {
		const char	*name, *in, *want;
	} t[] = {
		{ "empty", "", "\"\"" },
		{ "plain", "mx1.example.com", "\"mx1.example.com\"" },
		{ "quote and backslash", "a \"q\" \\", "\"a \\\"q\\\" \\\\\"" },
		{ "slash as it is", "a/b", "\"a/b\"" },
		{ "short escapes", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "every control byte",
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"
		    "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
		    "\x1d\x1e\x1f",
		    "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t"
		    "\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013"
		    "\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b"
		    "\\u001c\\u001d\\u001e\\u001f\"" },
		{ "space and DEL as they are", " \x7f~", "\" \x7f~\"" },
		{ "escape between text", "x\ny\"z", "\"x\\ny\\\"z\"" },
		/* Well-formed UTF-8 passes through, at each length and edge. */
		{ "U+0080", "\xc2\x80", "\"\xc2\x80\"" },
		{ "U+00E9", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "U+07FF", "\xdf\xbf", "\"\xdf\xbf\"" },
		{ "U+0800", "\xe0\xa0\x80", "\"\xe0\xa0\x80\"" },
		{ "U+20AC", "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "U+D7FF", "\xed\x9f\xbf", "\"\xed\x9f\xbf\"" },
		{ "U+E000", "\xee\x80\x80", "\"\xee\x80\x80\"" },
		{ "U+FFFD", "\xef\xbf\xbd", "\"\xef\xbf\xbd\"" },
		{ "U+FFFF", "\xef\xbf\xbf", "\"\xef\xbf\xbf\"" },
		{ "U+10000", "\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"" },
		{ "U+1F600", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
		/* Ill-formed: one U+FFFD per maximal subpart. */
		{ "lone continuation", "a\x80z", "\"a\xef\xbf\xbdz\"" },
		{ "two continuations", "\x80\xbf",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "overlong C0 80 (NUL)", "\xc0\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "overlong C1 BF", "\xc1\xbf",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "overlong E0 80 80", "\xe0\x80\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "overlong F0 80 80 80", "\xf0\x80\x80\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "surrogate ED A0 80", "\xed\xa0\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "past U+10FFFF: F4 90 80 80", "\xf4\x90\x80\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "F5, FE and FF", "\xf5\xfe\xff",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "cut short at the end", "\xe2\x82", "\"\xef\xbf\xbd\"" },
		{ "cut short by ASCII", "\xf0\x9f\x98z", "\"\xef\xbf\xbdz\"" },
		{ "cut short by a quote", "\xc3\"", "\"\xef\xbf\xbd\\\"\"" },
		{ "cut short by a control", "\xe2\n", "\"\xef\xbf\xbd\\n\"" },
		{ "cut short by a new lead", "\xe2\x82\xc3\xa9",
		    "\"\xef\xbf\xbd\xc3\xa9\"" },
		/* Unicode 15.0 table 3-8, the standard's own example. */
		{ "Unicode table 3-8",
		    "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
		    "\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd"
		    "c\xef\xbf\xbd\xef\xbf\xbd" "d\"" },
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 4096);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		t_streq(json(&b, t[i].in), t[i].want, "json: %s", t[i].name);

	/* Appends to what is there. */
	buf_reset(&b);
	t_ok(buf_puts(&b, "{\"k\":") == 0 && buf_json_str(&b, "v\n") == 0 &&
	    buf_puts(&b, "}") == 0 && strcmp(b.data, "{\"k\":\"v\\n\"}") == 0,
	    "json: appends after what the buffer holds");
	buf_free(&b);
}

/*
 * glibc's decoder as the second opinion: is s (len bytes) well-formed
 * UTF-8 with no code point past U+10FFFF?  glibc itself rejects
 * surrogates and overlongs but takes code points up to 0x7fffffff.
 */
static int
utf8_ok(const char *s, size_t len)
{
	mbstate_t	 st;
	wchar_t		 w;
	size_t		 r;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		r = mbrtowc(&w, s, len, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0 ||
		    (unsigned long)w > 0x10ffff)
			return 0;
		s += r;
		len -= r;
	}
	return 1;
}

/*
 * One input: the output is valid UTF-8 with no raw control byte, it holds
 * a U+FFFD that the input lacks exactly when the input is ill-formed, and
 * well-formed input with nothing to escape comes out as it went in.
 */
static int
check_one(struct buf *b, const char *in, size_t len, char *why, size_t whylen)
{
	const char	*out;
	size_t		 i, olen;
	int		 wf, plain;

	if ((out = json(b, in)) == NULL) {
		(void)snprintf(why, whylen, "buf_json_str failed");
		return 0;
	}
	olen = b->len;
	if (!utf8_ok(out, olen)) {
		(void)snprintf(why, whylen, "output is not UTF-8");
		return 0;
	}
	for (i = 0; i < olen; i++)
		if ((unsigned char)out[i] < 0x20) {
			(void)snprintf(why, whylen, "raw control in output");
			return 0;
		}
	wf = utf8_ok(in, len);
	plain = 1;
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x20 || in[i] == '"' ||
		    in[i] == '\\')
			plain = 0;
	if (wf && plain && (olen != len + 2 || memcmp(out + 1, in, len) != 0)) {
		(void)snprintf(why, whylen, "well-formed input changed");
		return 0;
	}
	if (!wf && memmem(in, len, "\xef\xbf\xbd", 3) == NULL &&
	    memmem(out, olen, "\xef\xbf\xbd", 3) == NULL) {
		(void)snprintf(why, whylen, "ill-formed input, no U+FFFD");
		return 0;
	}
	if (wf && memmem(in, len, "\xef\xbf\xbd", 3) == NULL &&
	    memmem(out, olen, "\xef\xbf\xbd", 3) != NULL) {
		(void)snprintf(why, whylen, "U+FFFD for well-formed input");
		return 0;
	}
	return 1;
}

static void
show_fail(const char *in, size_t len, const char *why)
{
	size_t	 i;

	printf("    input:");
	for (i = 0; i < len; i++)
		printf(" %02x", (unsigned char)in[i]);
	printf(": %s\n", why);
}

static void
test_exhaustive(void)
{
	static const unsigned char tail[] = {
		0x00, 0x01, 0x0a, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90,
		0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef,
		0xf0, 0xf4, 0xf5, 0xff,
	};
	struct buf	 b;
	char		 in[5], why[64];
	size_t		 n, i, j, k, l, len;
	int		 bad;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		t_ok(0, "json: setlocale C.UTF-8 for the decoder check");
		return;
	}
	buf_init(&b, 4096);

	/* Every string of one and two bytes. */
	for (bad = 0, n = 0, i = 1; i < 256 && !bad; i++)
		for (j = 0; j < 256 && !bad; j++) {
			in[0] = (char)i;
			in[1] = (char)j;
			in[2] = '\0';
			len = j == 0 ? 1 : 2;
			n++;
			if (!check_one(&b, in, len, why, sizeof(why))) {
				show_fail(in, len, why);
				bad = 1;
			}
		}
	t_ok(!bad, "json: all %zu strings of 1 or 2 bytes agree with glibc", n);

	/*
	 * Every lead byte from 0xc0 up with every second byte and a third
	 * from the edges of each range and the specials; then every lead
	 * from 0xf0 up with all three after it from that set.
	 */
	for (bad = 0, n = 0, i = 0xc0; i < 256 && !bad; i++)
		for (j = 1; j < 256 && !bad; j++)
			for (k = 0; k < sizeof(tail) && !bad; k++) {
				in[0] = (char)i;
				in[1] = (char)j;
				in[2] = (char)tail[k];
				in[3] = '\0';
				len = strlen(in);
				n++;
				if (!check_one(&b, in, len, why, sizeof(why))) {
					show_fail(in, len, why);
					bad = 1;
				}
			}
	for (i = 0xf0; i < 256 && !bad; i++)
		for (j = 1; j < sizeof(tail) && !bad; j++)
			for (k = 0; k < sizeof(tail) && !bad; k++)
				for (l = 0; l < sizeof(tail) && !bad; l++) {
					in[0] = (char)i;
					in[1] = (char)tail[j];
					in[2] = (char)tail[k];
					in[3] = (char)tail[l];
					in[4] = '\0';
					len = strlen(in);
					n++;
					if (!check_one(&b, in, len, why,
					    sizeof(why))) {
						show_fail(in, len, why);
						bad = 1;
					}
				}
	t_ok(!bad, "json: %zu strings of 2 to 4 bytes agree with glibc", n);
	buf_free(&b);
	(void)setlocale(LC_CTYPE, "C");
}

static void
test_bound(void)
{
	struct buf	 b;

	/* "\"ab\\n\"" is 6 bytes. */
	buf_init(&b, 6);
	t_ok(buf_json_str(&b, "ab\n") == 0 && b.len == 6 &&
	    strcmp(b.data, "\"ab\\n\"") == 0, "json: fits its maximum exactly");
	buf_free(&b);

	buf_init(&b, 8);
	t_ok(buf_puts(&b, "[1,") == 0 && buf_json_str(&b, "abcd\n") == -1 &&
	    b.len == 3 && strcmp(b.data, "[1,") == 0,
	    "json: over the maximum (the escape): -1, buffer unchanged");
	t_ok(buf_json_str(&b, "abcd") == -1 && b.len == 3 &&
	    strcmp(b.data, "[1,") == 0,
	    "json: over the maximum (the closing quote): -1, unchanged");
	t_ok(buf_json_str(&b, "\xe2\x82") == 0 &&
	    strcmp(b.data, "[1,\"\xef\xbf\xbd\"") == 0,
	    "json: U+FFFD fits after a refusal");
	buf_reset(&b);
	t_ok(buf_puts(&b, "1234567") == 0 && buf_json_str(&b, "") == -1 &&
	    b.len == 7 && strcmp(b.data, "1234567") == 0,
	    "json: no room for the opening quote: -1, unchanged");
	buf_free(&b);
}

int
main(void)
{
	t_suite = "buf";
	test_bytes();
	test_exhaustive();
	test_bound();
	return t_done();
}
