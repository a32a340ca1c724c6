/*
 * t_ststxt: the _mta-sts TXT record parser and the selection rule
 * (common/ststxt.c), case by case from the grammar of RFC 8461 section
 * 3.1.
 */
#include <stdio.h>
#include <string.h>

#include "ststxt.h"
#include "test.h"

#define ID32	"abcdefghijklmnopqrstuvwxyz012345"
#define NAME32	"e23456789012345678901234567890_."

static const char *const rc_names[STSTXT__MAX] = {
	"OK", "NOT_STS", "INVALID"
};

static void
test_parse(void)
{
	static const struct {
		const char	*name;
		const char	*txt;
		size_t		 len;	/* 0: strlen(txt) */
		enum ststxt_rc	 rc;
		const char	*id;	/* on OK; else the reason */
	} t[] = {
		/* sts-version, and what is not an STS record at all. */
		{ "minimal", "v=STSv1;id=1", 0, STSTXT_OK, "1" },
		{ "usual", "v=STSv1; id=20240101000000", 0, STSTXT_OK,
		    "20240101000000" },
		{ "WSP before the delimiter", "v=STSv1 ; id=abc", 0,
		    STSTXT_OK, "abc" },
		{ "tabs around the delimiter", "v=STSv1\t;\tid=abc", 0,
		    STSTXT_OK, "abc" },
		{ "many WSP", "v=STSv1  \t ;  \t id=abc", 0, STSTXT_OK,
		    "abc" },
		{ "v=STSv10", "v=STSv10; id=1", 0, STSTXT_NOT_STS, "" },
		{ "v=STSv1x", "v=STSv1x; id=1", 0, STSTXT_NOT_STS, "" },
		{ "v=STSv2", "v=STSv2; id=1", 0, STSTXT_NOT_STS, "" },
		{ "version in lower case", "v=stsv1; id=1", 0,
		    STSTXT_NOT_STS, "" },
		{ "V= in upper case", "V=STSv1; id=1", 0, STSTXT_NOT_STS,
		    "" },
		{ "leading space", " v=STSv1; id=1", 0, STSTXT_NOT_STS, "" },
		{ "spaces around =", "v = STSv1; id=1", 0, STSTXT_NOT_STS,
		    "" },
		{ "other record", "v=spf1 -all", 0, STSTXT_NOT_STS, "" },
		{ "TLSRPT record", "v=TLSRPTv1; rua=mailto:a@b", 0,
		    STSTXT_NOT_STS, "" },
		{ "empty", "", 0, STSTXT_NOT_STS, "" },
		{ "prefix only", "v=STS", 0, STSTXT_NOT_STS, "" },

		/* 1*(sts-field-delim sts-field) */
		{ "version alone", "v=STSv1", 0, STSTXT_INVALID,
		    "malformed record (want \"v=STSv1; id=...\")" },
		{ "version and delimiter only", "v=STSv1;", 0,
		    STSTXT_INVALID,
		    "malformed record (want \"v=STSv1; id=...\")" },
		{ "version and WSP", "v=STSv1 ", 0, STSTXT_INVALID,
		    "malformed record (want \"v=STSv1; id=...\")" },
		{ "no delimiter after the version", "v=STSv1 id=1", 0,
		    STSTXT_INVALID,
		    "malformed record (want \"v=STSv1; id=...\")" },
		{ "comma instead of ;", "v=STSv1, id=1", 0,
		    STSTXT_NOT_STS, "" },

		/* [sts-field-delim] at the end */
		{ "trailing delimiter", "v=STSv1; id=1;", 0, STSTXT_OK,
		    "1" },
		{ "trailing delimiter with WSP", "v=STSv1; id=1 ; ", 0,
		    STSTXT_OK, "1" },
		{ "trailing separator and spaces", "v=STSv1;  id=abcDEF123 ;",
		    0, STSTXT_OK, "abcDEF123" },
		{ "two trailing delimiters", "v=STSv1; id=1;;", 0,
		    STSTXT_INVALID, "empty field" },
		{ "trailing WSP without delimiter", "v=STSv1; id=1 ", 0,
		    STSTXT_INVALID, "malformed field \"id=1 \"" },
		{ "empty field", "v=STSv1;; id=1", 0, STSTXT_INVALID,
		    "empty field" },
		{ "empty field with WSP", "v=STSv1; ; id=1", 0,
		    STSTXT_INVALID, "empty field" },

		/* sts-id = %s"id=" 1*32(ALPHA / DIGIT) */
		{ "id of 32", "v=STSv1; id=" ID32, 0, STSTXT_OK, ID32 },
		{ "id of 33", "v=STSv1; id=" ID32 "6", 0, STSTXT_INVALID,
		    "invalid id \"" ID32 "6\" (want 1 to 32 letters and "
		    "digits)" },
		{ "empty id", "v=STSv1; id=", 0, STSTXT_INVALID,
		    "invalid id \"\" (want 1 to 32 letters and digits)" },
		{ "empty id then field", "v=STSv1; id=; a=b", 0,
		    STSTXT_INVALID,
		    "invalid id \"\" (want 1 to 32 letters and digits)" },
		{ "id with dash", "v=STSv1; id=2024-01", 0, STSTXT_INVALID,
		    "invalid id \"2024-01\" (want 1 to 32 letters and "
		    "digits)" },
		{ "id with underscore", "v=STSv1; id=a_b", 0, STSTXT_INVALID,
		    "invalid id \"a_b\" (want 1 to 32 letters and digits)" },
		{ "id with space inside", "v=STSv1; id=ab cd", 0,
		    STSTXT_INVALID, "malformed field \"id=ab cd\"" },
		{ "id with =", "v=STSv1; id=a=b", 0, STSTXT_INVALID,
		    "malformed field \"id=a=b\"" },
		{ "mixed case id", "v=STSv1; id=AbC09", 0, STSTXT_OK,
		    "AbC09" },
		{ "no id", "v=STSv1; foo=bar", 0, STSTXT_INVALID,
		    "no id field" },
		{ "two ids", "v=STSv1; id=1; id=2", 0, STSTXT_INVALID,
		    "more than one id field" },
		{ "ID in upper case is an extension", "v=STSv1; ID=1", 0,
		    STSTXT_INVALID, "no id field" },
		{ "id after extensions", "v=STSv1; a=b; c=d; id=x", 0,
		    STSTXT_OK, "x" },

		/* sts-extension */
		{ "extension field", "v=STSv1; id=1; ext-1.x=val", 0,
		    STSTXT_OK, "1" },
		{ "extension before id", "v=STSv1; x=y; id=1", 0, STSTXT_OK,
		    "1" },
		{ "extension name of 32", "v=STSv1; id=1; " NAME32 "=v", 0,
		    STSTXT_OK, "1" },
		{ "extension name of 33", "v=STSv1; id=1; " NAME32 "x=v", 0,
		    STSTXT_INVALID,
		    "malformed field \"" NAME32 "x=v\"" },
		{ "extension name starting with _", "v=STSv1; id=1; _x=v", 0,
		    STSTXT_INVALID, "malformed field \"_x=v\"" },
		{ "extension name starting with -", "v=STSv1; id=1; -x=v", 0,
		    STSTXT_INVALID, "malformed field \"-x=v\"" },
		{ "extension name starting with a digit", "v=STSv1; id=1; 9=v",
		    0, STSTXT_OK, "1" },
		{ "extension without =", "v=STSv1; id=1; flag", 0,
		    STSTXT_INVALID, "malformed field \"flag\"" },
		{ "extension with empty value", "v=STSv1; id=1; x=", 0,
		    STSTXT_INVALID, "malformed field \"x=\"" },
		{ "extension with empty name", "v=STSv1; id=1; =v", 0,
		    STSTXT_INVALID, "malformed field \"=v\"" },
		{ "extension value with =", "v=STSv1; id=1; x=a=b", 0,
		    STSTXT_INVALID, "malformed field \"x=a=b\"" },
		{ "extension value with space", "v=STSv1; id=1; x=a b", 0,
		    STSTXT_INVALID, "malformed field \"x=a b\"" },
		{ "extension value: every allowed byte class",
		    "v=STSv1; id=1; x=!:<>~\"/", 0, STSTXT_OK, "1" },
		{ "extension value with DEL", "v=STSv1; id=1; x=a\x7f", 0,
		    STSTXT_INVALID, "malformed field \"x=a?\"" },
		{ "extension value with a high byte",
		    "v=STSv1; id=1; x=\xc3\xa9",
		    0, STSTXT_INVALID, "malformed field \"x=\?\?\"" },
		{ "extension value with a control byte",
		    "v=STSv1; id=1; x=a\x01",
		    0, STSTXT_INVALID, "malformed field \"x=a?\"" },
		{ "NUL inside", "v=STSv1; id=1\0; x=y", 18, STSTXT_INVALID,
		    "malformed field \"id=1?\"" },
		{ "NUL after the version", "v=STSv1\0; id=1", 14,
		    STSTXT_NOT_STS, "" },
		{ "CR LF at the end", "v=STSv1; id=1\r\n", 0, STSTXT_INVALID,
		    "malformed field \"id=1??\"" },
	};
	char		 id[STSTXT_ID_SIZE], why[256];
	const char	*have;
	size_t		 i, len;
	enum ststxt_rc	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len != 0 ? t[i].len : strlen(t[i].txt);
		memset(id, 'Z', sizeof(id));
		rc = ststxt_parse_why(t[i].txt, len, id, sizeof(id), why,
		    sizeof(why));
		if (!t_streq(rc_names[rc], rc_names[t[i].rc], "parse: %s",
		    t[i].name))
			t_show("reason", why, strlen(why));
		have = rc == STSTXT_OK ? id : why;
		t_streq(have, t[i].id, "parse: %s: %s", t[i].name,
		    t[i].rc == STSTXT_OK ? "id" : "reason");
		if (rc != STSTXT_OK)
			t_streq(id, "", "parse: %s: id left empty", t[i].name);
		/* ststxt_parse() agrees and takes no reason buffer. */
		t_inteq(ststxt_parse(t[i].txt, len, NULL, 0), rc,
		    "parse: %s: ststxt_parse() agrees", t[i].name);
	}

	/* Length-bounded: bytes after len are not read. */
	t_inteq(ststxt_parse("v=STSv1; id=1GARBAGE", 13, id, sizeof(id)),
	    STSTXT_OK, "parse: only len bytes");
	t_streq(id, "1", "parse: only len bytes: id");
	/* A buffer too small for the id gets "", the verdict stands. */
	t_inteq(ststxt_parse("v=STSv1; id=12345", 17, id, 5), STSTXT_OK,
	    "parse: small id buffer: still OK");
	t_streq(id, "", "parse: small id buffer: id empty");
	/* Long quoted text is cut. */
	(void)ststxt_parse_why("v=STSv1; id=1; x=" ID32 ID32 " y", 84, NULL,
	    0, why, sizeof(why));
	t_streq(why, "malformed field \"x=" ID32 "abcdef...\"",
	    "parse: long field quoted in part");
	(void)ststxt_parse_why("v=STSv1", 7, NULL, 0, why, 8);
	t_streq(why, "malform", "parse: reason cut to whylen");
}

static void
test_select(void)
{
	static const struct {
		const char	*name;
		const char	*txt[4];
		size_t		 n;
		enum ststxt_rc	 rc;
		const char	*want;	/* id on OK, else the reason */
		size_t		 which;
	} t[] = {
		{ "one record", { "v=STSv1; id=1" }, 1, STSTXT_OK, "1", 0 },
		{ "none", { NULL }, 0, STSTXT_NOT_STS, "no TXT record", 0 },
		{ "only others", { "v=spf1 -all", "x" }, 2, STSTXT_NOT_STS,
		    "no record begins with \"v=STSv1\"", 0 },
		{ "others discarded", { "v=spf1 -all", "v=STSv1; id=2",
		    "google-site-verification=x" }, 3, STSTXT_OK, "2", 1 },
		{ "v=STSv10 discarded", { "v=STSv10; id=1",
		    "v=STSv1; id=2" }, 2, STSTXT_OK, "2", 1 },
		{ "two STS records", { "v=STSv1; id=1", "v=STSv1; id=2" },
		    2, STSTXT_INVALID, "2 records begin with \"v=STSv1\"", 0 },
		{ "two, one invalid", { "v=STSv1; id=1", "v=STSv1" }, 2,
		    STSTXT_INVALID, "2 records begin with \"v=STSv1\"", 0 },
		{ "one, invalid", { "x=y", "v=STSv1; id=2024-01" }, 2,
		    STSTXT_INVALID, "invalid id \"2024-01\" (want 1 to 32 "
		    "letters and digits)", 0 },
		{ "one with WSP delimiter", { "v=STSv1 ; id=abc" }, 1,
		    STSTXT_OK, "abc", 0 },
	};
	char		 id[STSTXT_ID_SIZE], why[256];
	size_t		 i, which;
	enum ststxt_rc	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		which = 99;
		rc = ststxt_select((char *const *)t[i].txt, t[i].n, id,
		    sizeof(id), &which, why, sizeof(why));
		t_streq(rc_names[rc], rc_names[t[i].rc], "select: %s",
		    t[i].name);
		t_streq(rc == STSTXT_OK ? id : why, t[i].want, "select: %s: %s",
		    t[i].name, rc == STSTXT_OK ? "id" : "reason");
		if (rc == STSTXT_OK)
			t_inteq((long long)which, (long long)t[i].which,
			    "select: %s: which", t[i].name);
	}
	t_inteq(ststxt_select(NULL, 0, NULL, 0, NULL, NULL, 0),
	    STSTXT_NOT_STS, "select: NULL buffers allowed");
}

int
main(void)
{
	t_suite = "ststxt";
	test_parse();
	test_select();
	return t_done();
}
