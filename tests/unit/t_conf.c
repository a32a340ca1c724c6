/*
 * t_conf: the configuration parser and loader.
 *
 * Most rows parse a text and compare either the exact error message or a
 * one-line dump of the resulting configuration (dump() below).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "xmalloc.h"
#include "test.h"

/* The name most rows parse under. */
#define N	"/etc/m/t.conf"

/* The dump of conf_new()'s defaults. */
#define D	"mode=testing max_age=604800 dnssec=require" \
		" resolver=recursive ta=- uc=- cache=- state=DEFAULT"

#define A10	"aaaaaaaaaa"
#define A70	A10 A10 A10 A10 A10 A10 A10

#define F4	"192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4"
#define F16	F4 " " F4 " " F4 " " F4

static const char *
str_or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

/*
 * One line describing every field: the globals, then each listed domain
 * in name order as " | name@line mode=... override=...".  "state=DEFAULT" stands
 * for CONF_STATE_DIR so rows do not depend on the build's -D flags.
 */
struct listed {
	const char	*name;
	unsigned int	 line;
};

static int
listed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->name,
	    ((const struct listed *)b)->name);
}

static void
dump(const struct conf *c, struct buf *b)
{
	struct listed	*list;
	const char	*name;
	unsigned int	 line;
	size_t		 i, n, iter;

	buf_reset(b);
	buf_printf(b, "mode=%s max_age=%lu dnssec=%s",
	    policy_mode_name(c->global.mode), c->global.max_age,
	    c->global.dnssec == CONF_DNSSEC_REQUIRE ? "require" :
	    c->global.dnssec == CONF_DNSSEC_ALLOW_INSECURE ?
	    "allow-insecure" : "?");
	if (c->global.override != NULL)
		buf_printf(b, " GLOBAL-OVERRIDE");
	switch (c->resolver) {
	case CONF_RESOLVER_RECURSIVE:
		buf_printf(b, " resolver=recursive");
		break;
	case CONF_RESOLVER_SYSTEM:
		buf_printf(b, " resolver=system");
		break;
	case CONF_RESOLVER_FORWARD:
		buf_printf(b, " resolver=forward(");
		for (i = 0; i < c->nforwarders; i++)
			buf_printf(b, "%s%s", i ? "," : "", c->forwarders[i]);
		buf_printf(b, ")");
		break;
	default:
		buf_printf(b, " resolver=?");
		break;
	}
	if (c->resolver != CONF_RESOLVER_FORWARD && c->nforwarders != 0)
		buf_printf(b, " STRAY-FORWARDERS");
	buf_printf(b, " ta=%s uc=%s cache=%s state=%s",
	    str_or_dash(c->trust_anchor), str_or_dash(c->unbound_conf),
	    str_or_dash(c->cache_dir),
	    c->state_dir == NULL ? "NULL" :
	    strcmp(c->state_dir, CONF_STATE_DIR) == 0 ? "DEFAULT" :
	    c->state_dir);
	n = 0;
	for (iter = 0; (name = conf_listed_next(c, &iter, &line)) != NULL; )
		n++;
	if (n != c->nlisted)
		buf_printf(b, " NLISTED-MISMATCH");
	if (n == 0 || (list = calloc(n, sizeof(*list))) == NULL)
		return;
	for (i = 0, iter = 0; i < n &&
	    (list[i].name = conf_listed_next(c, &iter, &list[i].line)) != NULL;
	    i++)
		;
	qsort(list, n, sizeof(*list), listed_cmp);
	for (i = 0; i < n; i++) {
		const struct conf_domain *d = conf_domain_find(c, list[i].name);
		const struct conf_policy *pol;

		if (!conf_find(c, list[i].name, &pol))
			buf_printf(b, " NOT-FOUND");
		if (d != NULL && (pol != &d->pol || d->line != list[i].line ||
		    strcmp(d->name, list[i].name) != 0))
			buf_printf(b, " SECTION-MISMATCH");
		if (d == NULL && pol != &c->global)
			buf_printf(b, " POLICY-MISMATCH");
		buf_printf(b, " | %s@%u mode=%s max_age=%lu dnssec=%s "
		    "override=%s", list[i].name, list[i].line,
		    policy_mode_name(pol->mode), pol->max_age,
		    pol->dnssec == CONF_DNSSEC_REQUIRE ? "require" :
		    "allow-insecure", str_or_dash(d != NULL ? d->override :
		    NULL));
		if (d != NULL && d->pol.override != d->override)
			buf_printf(b, " POL-OVERRIDE-MISMATCH");
	}
	free(list);
}

struct row {
	const char	*label;
	const char	*name;		/* NULL: N */
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	const char	*err;		/* NULL: must parse */
	const char	*dump;		/* when it parses */
};

static const struct row rows[] = {
	/* Accepted input. */
	{ "empty file", NULL, "", 0, NULL, D },
	{ "comments and blank lines", NULL,
	    "# mta-sts.conf\n\n   \n\t# indented comment\n#\n", 0, NULL, D },
	{ "CRLF line ends", NULL,
	    "# x\r\nmode: enforce\r\n\r\nmax_age: 86400\r\n", 0, NULL,
	    "mode=enforce max_age=86400 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "no newline at end", NULL, "mode: none", 0, NULL,
	    "mode=none max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "trailing comment", NULL, "mode: enforce # strict now\n", 0, NULL,
	    "mode=enforce max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "trailing comment after tab", NULL, "max_age:\t300\t# 5 min\n", 0,
	    NULL, "mode=testing max_age=300 dnssec=require"
	    " resolver=recursive ta=- uc=- cache=- state=DEFAULT" },
	{ "# inside a value is not a comment", NULL,
	    "state_dir: /var/x#y\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=/var/x#y" },
	{ "blanks around key and value", NULL, "  \tmode:   none \t \n", 0,
	    NULL, "mode=none max_age=604800 dnssec=require"
	    " resolver=recursive ta=- uc=- cache=- state=DEFAULT" },
	{ "no blank after colon", NULL, "mode:none\n", 0, NULL,
	    "mode=none max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "value taken verbatim", NULL, "state_dir: \"/x y\"\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=/etc/m/\"/x y\"" },
	{ "every global key", NULL,
	    "mode: enforce\nmax_age: 0\ndnssec: allow-insecure\n"
	    "resolver: system\ntrust_anchor: /usr/share/dns/root.ds\n"
	    "unbound_conf: unbound.conf\ncache_dir: ../cache\n"
	    "state_dir: /var/lib/x\n", 0, NULL,
	    "mode=enforce max_age=0 dnssec=allow-insecure resolver=system"
	    " ta=/usr/share/dns/root.ds uc=/etc/m/unbound.conf"
	    " cache=/etc/m/../cache state=/var/lib/x" },
	{ "max_age maximum", NULL, "max_age: 31557600\n", 0, NULL,
	    "mode=testing max_age=31557600 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "dnssec require", NULL, "dnssec: require\n", 0, NULL, D },
	{ "mode testing", NULL, "mode: testing\n", 0, NULL, D },
	{ "resolver recursive", NULL, "resolver: recursive\n", 0, NULL, D },
	{ "resolver IPv4", NULL, "resolver: 192.0.2.53\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require"
	    " resolver=forward(192.0.2.53) ta=- uc=- cache=- state=DEFAULT" },
	{ "resolver IPv6, ports, several", NULL,
	    "resolver: 192.0.2.53@5353\t2001:DB8::53  ::1@53 127.0.0.1@65535\n",
	    0, NULL, "mode=testing max_age=604800 dnssec=require"
	    " resolver=forward(192.0.2.53@5353,2001:DB8::53,::1@53,"
	    "127.0.0.1@65535) ta=- uc=- cache=- state=DEFAULT" },
	{ "resolver 16 forwarders", NULL, "resolver: " F16 "\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=forward("
	    "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,"
	    "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,"
	    "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,"
	    "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4)"
	    " ta=- uc=- cache=- state=DEFAULT" },
	{ "domains: inheritance, per-domain keys, sorting", NULL,
	    "mode: enforce\nmax_age: 86400\n\n"
	    "domain: Zz.Example.\nmax_age: 300\n"
	    "override: policies/zz.txt\n"
	    "domain: b.example\ndnssec: allow-insecure\nmode: none\n"
	    "domain: a.example  # only globals\n", 0, NULL,
	    "mode=enforce max_age=86400 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=- state=DEFAULT"
	    " | a.example@10 mode=enforce max_age=86400 dnssec=require"
	    " override=-"
	    " | b.example@7 mode=none max_age=86400 dnssec=allow-insecure"
	    " override=-"
	    " | zz.example@4 mode=enforce max_age=300 dnssec=require"
	    " override=/etc/m/policies/zz.txt" },
	{ "same key in two sections", NULL,
	    "domain: a.example\nmode: none\noverride: /p/a\n"
	    "domain: b.example\nmode: none\noverride: /p/b\n", 0, NULL,
	    D " | a.example@1 mode=none max_age=604800 dnssec=require"
	    " override=/p/a | b.example@4 mode=none max_age=604800"
	    " dnssec=require override=/p/b" },
	{ "single-label and long domains", NULL,
	    "domain: localhost\ndomain: " A10 A10 A10 A10 A10 A10 "abc.x\n",
	    0, NULL, D " | " A10 A10 A10 A10 A10 A10 "abc.x@2 mode=testing"
	    " max_age=604800 dnssec=require override=-"
	    " | localhost@1 mode=testing max_age=604800 dnssec=require"
	    " override=-" },
	{ "relative path, name without directory", "t.conf",
	    "cache_dir: cache\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=cache state=DEFAULT" },
	{ "relative path, name in /", "/t.conf",
	    "cache_dir: cache\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=recursive"
	    " ta=- uc=- cache=/cache state=DEFAULT" },
	{ "relative path, name in .", "./t.conf",
	    "trust_anchor: root.key\n", 0, NULL,
	    "mode=testing max_age=604800 dnssec=require resolver=recursive"
	    " ta=./root.key uc=- cache=- state=DEFAULT" },

	/* Line syntax. */
	{ "unknown key", NULL, "mode: none\n\nnmx: mx.example.com\n", 0,
	    N ":3: unknown key \"nmx\"", NULL },
	{ "keys are lower case", NULL, "Mode: enforce\n", 0,
	    N ":1: unknown key \"Mode\"", NULL },
	{ "hyphen in key", NULL, "max-age: 5\n", 0,
	    N ":1: unknown key \"max-age\"", NULL },
	{ "space before colon", NULL, "mode : enforce\n", 0,
	    N ":1: space before ':' after \"mode\"", NULL },
	{ "tab before colon", NULL, "domain\t: a.example\n", 0,
	    N ":1: space before ':' after \"domain\"", NULL },
	{ "no colon", NULL, "mode enforce\n", 0,
	    N ":1: expected \"key: value\"", NULL },
	{ "empty key", NULL, ": enforce\n", 0,
	    N ":1: expected \"key: value\"", NULL },
	{ "two words before colon", NULL, "my mode: none\n", 0,
	    N ":1: expected \"key: value\"", NULL },
	{ "comment hides the colon", NULL, "mode #: none\n", 0,
	    N ":1: expected \"key: value\"", NULL },
	{ "missing value", NULL, "# x\nmode:\n", 0,
	    N ":2: missing value for \"mode\"", NULL },
	{ "blank value", NULL, "domain: \t \n", 0,
	    N ":1: missing value for \"domain\"", NULL },
	{ "value is a comment", NULL, "max_age: # none\n", 0,
	    N ":1: missing value for \"max_age\"", NULL },
	{ "line numbers count CRLF lines", NULL,
	    "# x\r\n\r\nmode: strict\r\n", 0,
	    N ":3: invalid mode \"strict\" (expected enforce, testing or "
	    "none)", NULL },
	{ "NUL byte", NULL, "mode: none\nmo\0de: none\n", 23,
	    N ":2: NUL byte", NULL },
	{ "lone CR", NULL, "mode: none\rmax_age: 5\n", 0,
	    N ":1: carriage return not followed by a line feed", NULL },
	{ "CR at end of file", NULL, "mode: none\n\r", 0,
	    N ":2: carriage return not followed by a line feed", NULL },
	{ "CR CR LF", NULL, "mode: none\r\r\n", 0,
	    N ":1: carriage return not followed by a line feed", NULL },
	{ "control character", NULL, "mode: no\x01ne\n", 0,
	    N ":1: control character 0x01", NULL },
	{ "DEL", NULL, "mode: none\x7f\n", 0,
	    N ":1: control character 0x7f", NULL },

	/* Values. */
	{ "mode case", NULL, "mode: Enforce\n", 0,
	    N ":1: invalid mode \"Enforce\" (expected enforce, testing or "
	    "none)", NULL },
	{ "mode two words", NULL, "mode: enforce testing\n", 0,
	    N ":1: invalid mode \"enforce testing\" (expected enforce, "
	    "testing or none)", NULL },
	{ "mode non-ASCII quoted safely", NULL, "mode: \xc3\xa9t\xc3\xa9\n", 0,
	    N ":1: invalid mode \"??t??\" (expected enforce, testing or "
	    "none)", NULL },
	{ "max_age too large", NULL, "max_age: 31557601\n", 0,
	    N ":1: invalid max_age \"31557601\" (expected 0..31557600)", NULL },
	{ "max_age 11 digits", NULL, "max_age: 99999999999\n", 0,
	    N ":1: invalid max_age \"99999999999\" (expected 0..31557600)",
	    NULL },
	{ "max_age negative", NULL, "max_age: -1\n", 0,
	    N ":1: invalid max_age \"-1\" (expected 0..31557600)", NULL },
	{ "max_age unit", NULL, "max_age: 1d\n", 0,
	    N ":1: invalid max_age \"1d\" (expected 0..31557600)", NULL },
	{ "max_age plus", NULL, "max_age: +5\n", 0,
	    N ":1: invalid max_age \"+5\" (expected 0..31557600)", NULL },
	{ "dnssec unknown", NULL, "dnssec: maybe\n", 0,
	    N ":1: invalid dnssec \"maybe\" (expected require or "
	    "allow-insecure)", NULL },
	{ "dnssec case", NULL, "dnssec: Require\n", 0,
	    N ":1: invalid dnssec \"Require\" (expected require or "
	    "allow-insecure)", NULL },
	{ "dnssec underscore", NULL, "dnssec: allow_insecure\n", 0,
	    N ":1: invalid dnssec \"allow_insecure\" (expected require or "
	    "allow-insecure)", NULL },

	/* Resolver. */
	{ "resolver bad IPv4", NULL, "resolver: 1.2.3.999\n", 0,
	    N ":1: invalid resolver address \"1.2.3.999\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver hostname", NULL, "resolver: localhost\n", 0,
	    N ":1: invalid resolver address \"localhost\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver case", NULL, "resolver: Recursive\n", 0,
	    N ":1: invalid resolver address \"Recursive\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver bracketed IPv6", NULL, "resolver: [::1]@53\n", 0,
	    N ":1: invalid resolver address \"[::1]@53\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver second address bad", NULL,
	    "resolver: 192.0.2.1 ::1@53 ::g\n", 0,
	    N ":1: invalid resolver address \"::g\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver no address before @", NULL, "resolver: @53\n", 0,
	    N ":1: invalid resolver address \"@53\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver port 0", NULL, "resolver: 192.0.2.1@0\n", 0,
	    N ":1: invalid resolver port \"0\" in \"192.0.2.1@0\" (expected "
	    "1..65535)", NULL },
	{ "resolver port 65536", NULL, "resolver: ::1@65536\n", 0,
	    N ":1: invalid resolver port \"65536\" in \"::1@65536\" (expected "
	    "1..65535)", NULL },
	{ "resolver port abc", NULL, "resolver: 192.0.2.1@abc\n", 0,
	    N ":1: invalid resolver port \"abc\" in \"192.0.2.1@abc\" "
	    "(expected 1..65535)", NULL },
	{ "resolver empty port", NULL, "resolver: 192.0.2.1@\n", 0,
	    N ":1: invalid resolver port \"\" in \"192.0.2.1@\" (expected "
	    "1..65535)", NULL },
	{ "resolver 6-digit port", NULL, "resolver: 192.0.2.1@000053\n", 0,
	    N ":1: invalid resolver port \"000053\" in \"192.0.2.1@000053\" "
	    "(expected 1..65535)", NULL },
	{ "resolver port with colon", NULL, "resolver: 192.0.2.1:53\n", 0,
	    N ":1: invalid resolver address \"192.0.2.1:53\" (expected "
	    "recursive, system or ADDR[@PORT] forwarders)", NULL },
	{ "resolver 17 forwarders", NULL, "resolver: " F16 " ::1\n", 0,
	    N ":1: too many resolver addresses (17, at most 16)", NULL },
	{ "resolver recursive + address", NULL,
	    "resolver: recursive 192.0.2.1\n", 0,
	    N ":1: \"recursive\" cannot be combined with other resolver "
	    "values", NULL },
	{ "resolver address + system", NULL,
	    "resolver: 192.0.2.1 system\n", 0,
	    N ":1: \"system\" cannot be combined with other resolver "
	    "values", NULL },
	{ "resolver system twice", NULL, "resolver: system system\n", 0,
	    N ":1: \"system\" cannot be combined with other resolver "
	    "values", NULL },

	/* Duplicates. */
	{ "duplicate global key", NULL, "# x\nmode: none\nmode: none\n", 0,
	    N ":3: duplicate key \"mode\" (first set on line 2)", NULL },
	{ "duplicate global path key", NULL,
	    "state_dir: /a\ncache_dir: /c\nstate_dir: /b\n", 0,
	    N ":3: duplicate key \"state_dir\" (first set on line 1)", NULL },
	{ "duplicate resolver", NULL,
	    "resolver: ::1\nresolver: 192.0.2.1\n", 0,
	    N ":2: duplicate key \"resolver\" (first set on line 1)", NULL },
	{ "duplicate key in a section", NULL,
	    "mode: none\ndomain: a.example\nmode: enforce\n\nmode: none\n", 0,
	    N ":5: duplicate key \"mode\" (first set on line 3)", NULL },
	{ "duplicate override", NULL,
	    "domain: a.example\noverride: /a\noverride: /b\n", 0,
	    N ":3: duplicate key \"override\" (first set on line 2)", NULL },
	{ "duplicate domain", NULL,
	    "mode: none\n\ndomain: example.com\ndomain: b.example\n"
	    "mode: enforce\ndomain: example.com\n", 0,
	    N ":6: duplicate domain \"example.com\" (first on line 3)", NULL },
	{ "duplicate domain, case and dot", NULL,
	    "domain: Example.COM.\ndomain: example.com\n", 0,
	    N ":2: duplicate domain \"example.com\" (first on line 1)", NULL },
	{ "earliest duplicate reported", NULL,
	    "domain: b.example\ndomain: a.example\ndomain: a.example\n"
	    "domain: b.example\n", 0,
	    N ":3: duplicate domain \"a.example\" (first on line 2)", NULL },
	{ "listed three times", NULL,
	    "domain: a.example\ndomain: a.example\ndomain: a.example\n", 0,
	    N ":2: duplicate domain \"a.example\" (first on line 1)", NULL },
	{ "duplicate domain before a later error", NULL,
	    "domain: a.example\ndomain: a.example\nbogus\n", 0,
	    N ":2: duplicate domain \"a.example\" (first on line 1)", NULL },
	{ "error before a later duplicate domain", NULL,
	    "domain: a.example\nbogus\ndomain: a.example\n", 0,
	    N ":2: expected \"key: value\"", NULL },

	/* Domains. */
	{ "domain with space", NULL, "domain: exa mple.com\n", 0,
	    N ":1: invalid domain name \"exa mple.com\"", NULL },
	{ "domain IPv4", NULL, "domain: 192.0.2.1\n", 0,
	    N ":1: invalid domain name \"192.0.2.1\"", NULL },
	{ "domain empty label", NULL, "domain: example..com\n", 0,
	    N ":1: invalid domain name \"example..com\"", NULL },
	{ "domain two trailing dots", NULL, "domain: example.com..\n", 0,
	    N ":1: invalid domain name \"example.com..\"", NULL },
	{ "domain dot only", NULL, "domain: .\n", 0,
	    N ":1: invalid domain name \".\"", NULL },
	{ "domain pattern", NULL, "domain: *.example.com\n", 0,
	    N ":1: invalid domain name \"*.example.com\"", NULL },
	{ "domain underscore", NULL, "domain: _mta-sts.example.com\n", 0,
	    N ":1: invalid domain name \"_mta-sts.example.com\"", NULL },
	{ "domain 70-octet label, quote cut", NULL,
	    "domain: " A70 ".example\n", 0,
	    N ":1: invalid domain name \"" A10 A10 A10 A10 A10 A10 "aaaa...\"",
	    NULL },
	{ "domain with port", NULL, "domain: example.com:443\n", 0,
	    N ":1: invalid domain name \"example.com:443\"", NULL },

	/* Where keys may appear. */
	{ "resolver after domain", NULL,
	    "domain: a.example\nresolver: system\n", 0,
	    N ":2: \"resolver\" is a global setting; move it before the "
	    "first \"domain:\" line", NULL },
	{ "trust_anchor after domain", NULL,
	    "domain: a.example\ntrust_anchor: /k\n", 0,
	    N ":2: \"trust_anchor\" is a global setting; move it before the "
	    "first \"domain:\" line", NULL },
	{ "unbound_conf after domain", NULL,
	    "domain: a.example\nunbound_conf: /u\n", 0,
	    N ":2: \"unbound_conf\" is a global setting; move it before the "
	    "first \"domain:\" line", NULL },
	{ "cache_dir after domain", NULL,
	    "domain: a.example\ncache_dir: /c\n", 0,
	    N ":2: \"cache_dir\" is a global setting; move it before the "
	    "first \"domain:\" line", NULL },
	{ "state_dir after domain", NULL,
	    "domain: a.example\nmode: none\nstate_dir: /s\n", 0,
	    N ":3: \"state_dir\" is a global setting; move it before the "
	    "first \"domain:\" line", NULL },
	{ "override without domain", NULL, "mode: none\noverride: /p\n", 0,
	    N ":2: \"override\" is only allowed in a domain section", NULL },
	{ "scope checked before value", NULL, "override: \n", 0,
	    N ":1: missing value for \"override\"", NULL },
	{ "error under another name", "cfg",
	    "mode: none\nmode: none\n", 0,
	    "cfg:2: duplicate key \"mode\" (first set on line 1)", NULL },
};

static void
test_rows(void)
{
	struct conf	*conf;
	struct buf	 b;
	char		 err[512];
	size_t		 i, len;
	int		 rc;

	buf_init(&b, 1 << 20);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const char *name = r->name != NULL ? r->name : N;

		len = r->len ? r->len : strlen(r->text);
		conf = (struct conf *)&conf;	/* must be set to NULL */
		snprintf(err, sizeof(err), "untouched");
		rc = conf_parse(name, r->text, len, &conf, err, sizeof(err));
		if (r->err != NULL) {
			if (!t_streq(rc == -1 ? err : "(parsed)", r->err,
			    "%s", r->label))
				continue;
			if (conf != NULL)
				t_ok(0, "%s: out not NULL on error", r->label);
			continue;
		}
		if (rc != 0 || conf == NULL) {
			t_streq(err, "(no error)", "%s", r->label);
			continue;
		}
		dump(conf, &b);
		if (strcmp(conf->path, name) != 0)
			buf_printf(&b, " PATH=%s", conf->path);
		t_streq(b.data, r->dump, "%s", r->label);
		conf_free(conf);
	}
	buf_free(&b);
}

/* Lines longer than CONF_MAX_LINE, and exactly that long. */
static void
test_long_lines(void)
{
	struct conf	*conf;
	char		*text, err[256], want[80], msg[256];
	size_t		 n;
	int		 rc;

	if ((text = malloc(CONF_MAX_LINE + 64)) == NULL) {
		t_ok(0, "long lines: malloc");
		return;
	}

	/* "# " + padding: exactly CONF_MAX_LINE bytes, then CRLF. */
	n = CONF_MAX_LINE;
	memset(text, 'x', n);
	memcpy(text, "# ", 2);
	memcpy(text + n, "\r\nmode: none\n", 13);
	rc = conf_parse(N, text, n + 13, &conf, err, sizeof(err));
	t_ok(rc == 0 && conf->global.mode == POLICY_MODE_NONE,
	    "line of %d bytes plus CRLF accepted", CONF_MAX_LINE);
	conf_free(conf);

	n = CONF_MAX_LINE + 1;
	memcpy(text, "mode: none\n", 11);
	memset(text + 11, 'x', n);
	memcpy(text + 11, "# ", 2);
	text[11 + n] = '\n';
	rc = conf_parse(N, text, 11 + n + 1, &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)",
	    N ":2: line too long (more than 4096 bytes)",
	    "line of %d bytes refused", CONF_MAX_LINE + 1);

	/* The last line without its newline counts the same way. */
	rc = conf_parse(N, text, 11 + n, &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)",
	    N ":2: line too long (more than 4096 bytes)",
	    "last line of %d bytes without newline refused",
	    CONF_MAX_LINE + 1);

	/* A long value is quoted cut short: 64 bytes and "...". */
	memcpy(text, "mode: ", 6);
	memset(text + 6, 'e', 100);
	rc = conf_parse(N, text, 106, &conf, err, sizeof(err));
	memset(want, 'e', 64);
	want[64] = '\0';
	snprintf(msg, sizeof(msg), N ":1: invalid mode \"%s...\" (expected "
	    "enforce, testing or none)", want);
	t_streq(rc == -1 ? err : "(parsed)", msg,
	    "long value quoted cut short");

	/* A tiny error buffer is filled, not overrun. */
	memset(err, 'Z', sizeof(err));
	rc = conf_parse(N, "nmx: x\n", 7, &conf, err, 8);
	t_ok(rc == -1 && strcmp(err, "/etc/m/") == 0 && err[8] == 'Z',
	    "error truncated to a small buffer");
	free(text);
}

/* Four labels of 63, 63, 63 and last octets joined by dots. */
static void
four_labels(char *dst, size_t last)
{
	size_t	 i, off = 0;

	for (i = 0; i < 3; i++) {
		memset(dst + off, 'a' + (char)i, 63);
		off += 63;
		dst[off++] = '.';
	}
	memset(dst + off, 'd', last);
	off += last;
	dst[off] = '\0';
}

/* Domain names at the length limit, with and without a trailing dot. */
static void
test_long_domains(void)
{
	const struct conf_policy *pol;
	struct conf	*conf;
	char		 name[300], text[400], err[512], want[512], q[80];
	int		 rc;

	four_labels(name, 253 - 3 * 64);
	snprintf(text, sizeof(text), "domain: %s.\n", name);
	rc = conf_parse(N, text, strlen(text), &conf, err, sizeof(err));
	t_ok(rc == 0 && conf->nlisted == 1 && conf->ndomains == 0 &&
	    conf_find(conf, name, &pol) == 1,
	    "domain of 253 octets plus trailing dot");
	if (rc == 0)
		conf_free(conf);

	four_labels(name, 254 - 3 * 64);
	memcpy(q, name, 64);
	memcpy(q + 64, "...", 4);
	snprintf(want, sizeof(want), N ":1: invalid domain name \"%s\"", q);
	snprintf(text, sizeof(text), "domain: %s\n", name);
	rc = conf_parse(N, text, strlen(text), &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", want, "domain of 254 octets");
	snprintf(text, sizeof(text), "domain: %s.\n", name);
	rc = conf_parse(N, text, strlen(text), &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", want,
	    "domain of 254 octets plus trailing dot");
	snprintf(text, sizeof(text), "domain: %s..\n", name);
	rc = conf_parse(N, text, strlen(text), &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", want,
	    "domain of 254 octets plus two dots");
}

/* Build a configuration of n domains listed in a scrambled order. */
static char *
many_domains(size_t n, size_t *lenp, size_t dup)
{
	struct buf	 b;
	size_t		 i, k;

	buf_init(&b, 64 * 1024 * 1024);
	buf_printf(&b, "mode: enforce\n");
	for (i = 0; i < n; i++) {
		/* 7919 is prime and does not divide n: a permutation. */
		k = (i * 7919) % n;
		if (buf_printf(&b, "domain: D%05zu.Example.\nmax_age: %zu\n",
		    k, k) == -1) {
			buf_free(&b);
			return NULL;
		}
	}
	if (dup != (size_t)-1)
		buf_printf(&b, "domain: d%05zu.example\n", dup);
	*lenp = b.len;
	return b.data;
}

/* Line of the "domain:" line for domain k in many_domains(n). */
static unsigned int
many_line(size_t n, size_t k)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((i * 7919) % n == k)
			return (unsigned int)(2 + 2 * i);
	return 0;
}

static void
test_many(void)
{
	const struct conf_domain	*d;
	const struct conf_policy	*pol;
	struct conf			*conf;
	struct timespec			 t0, t1;
	char				*text, name[32];
	char				 err[256], want[256], have[320];
	const size_t			 ks[] = { 0, 5000, 9999 };
	size_t				 len, n = 10000, i;
	double				 secs;
	int				 rc;

	if ((text = many_domains(n, &len, (size_t)-1)) == NULL) {
		t_ok(0, "10000 domains: building the text");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = conf_parse(N, text, len, &conf, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(text);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!t_ok(rc == 0, "10000 domains parse")) {
		printf("    err: %s\n", err);
		return;
	}
	/* O(n log n) takes milliseconds; quadratic work would take seconds. */
	if (!t_ok(secs < 2.0, "10000 domains parse in under 2 s"))
		printf("    have: %.3f s\n", secs);
	t_inteq((long long)conf->ndomains, (long long)n,
	    "10000 domains: count");
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		snprintf(name, sizeof(name), "d%05zu.example", ks[i]);
		d = conf_domain_find(conf, name);
		snprintf(want, sizeof(want), "%s line %u max_age %zu", name,
		    many_line(n, ks[i]), ks[i]);
		if (d == NULL) {
			t_streq("(not found)", want, "10000 domains: find %s",
			    name);
			continue;
		}
		pol = conf_policy_for(conf, d);
		snprintf(have, sizeof(have), "%s line %u max_age %lu",
		    d->name, d->line, pol->max_age);
		t_streq(have, want, "10000 domains: find %s", name);
	}
	t_ok(conf_domain_find(conf, "d10000.example") == NULL,
	    "10000 domains: d10000.example not listed");
	t_ok(conf_domain_find(conf, "D00000.example") == NULL,
	    "10000 domains: lookup is exact (upper case not found)");
	for (i = 0; i < conf->ndomains; i++)
		if (conf->domains[i].line != 2 + 2 * i)
			break;
	t_ok(i == conf->ndomains, "10000 domains: sections in file order");
	conf_free(conf);

	/* A duplicate at the very end names both lines. */
	if ((text = many_domains(n, &len, 4321)) == NULL) {
		t_ok(0, "10000 domains + duplicate: building the text");
		return;
	}
	rc = conf_parse(N, text, len, &conf, err, sizeof(err));
	free(text);
	snprintf(want, sizeof(want), N ":%zu: duplicate domain "
	    "\"d04321.example\" (first on line %u)", 2 + 2 * n,
	    many_line(n, 4321));
	t_streq(rc == -1 ? err : "(parsed)", want,
	    "10000 domains + duplicate");
}

static void
test_api(void)
{
	const struct conf_domain	*d;
	const struct conf_policy	*pol;
	struct conf			*conf;
	char				 err[256];
	const char			*want_keys[] = { "mode", "max_age",
	    "dnssec", "resolver", "trust_anchor", "unbound_conf",
	    "cache_dir", "state_dir", "cache_max_ttl", "stale_max", "fail_ttl", "threads", "max_lookups",
	    "cache_size", "cache_dir_max", "domain",
	    "override", "mx_allow", "report_dir", "report_max_count",
	    "report_max_bytes", "report_max_size", "report_critical",
	    "report_grace", "publish_hook", "publish_wait", "nsupdate_server",
	    "nsupdate_zone", "nsupdate_key", "refresh", "domains_file", NULL };
	const char			*api_text = "mode: none\n"
	    "domain: b.example\nmode: enforce\noverride: b.txt\n"
	    "domain: a.example\n";
	size_t				 i;
	int				 rc;

	conf_free(NULL);
	t_ok(1, "conf_free(NULL)");

	conf = conf_new();
	if (t_ok(conf != NULL, "conf_new")) {
		t_ok(conf->path == NULL && conf->ndomains == 0 &&
		    conf->domains == NULL && conf->nforwarders == 0 &&
		    conf->global.override == NULL &&
		    strcmp(conf->state_dir, CONF_STATE_DIR) == 0 &&
		    conf->global.mode == POLICY_MODE_TESTING &&
		    conf->global.max_age == 604800 &&
		    conf->global.dnssec == CONF_DNSSEC_REQUIRE &&
		    conf->resolver == CONF_RESOLVER_RECURSIVE &&
		    conf->trust_anchor == NULL && conf->unbound_conf == NULL &&
		    conf->cache_dir == NULL, "conf_new defaults");
		t_ok(conf_domain_find(conf, "example.com") == NULL,
		    "conf_domain_find with no domains");
		t_ok(conf_policy_for(conf, NULL) == &conf->global,
		    "conf_policy_for(NULL) is the global policy");
		conf_free(conf);
	}

	rc = conf_parse(N, api_text, strlen(api_text), &conf, err,
	    sizeof(err));
	if (t_ok(rc == 0, "conf_parse for API checks")) {
		t_streq(conf->path, N, "conf->path is the name");
		d = conf_domain_find(conf, "b.example");
		t_ok(d != NULL && conf_policy_for(conf, d) == &d->pol &&
		    d->pol.mode == POLICY_MODE_ENFORCE &&
		    d->pol.override == d->override && d->override != NULL &&
		    strcmp(d->pol.override, "/etc/m/b.txt") == 0,
		    "conf_policy_for(b.example)");
		t_ok(conf_domain_find(conf, "a.example") == NULL &&
		    conf_find(conf, "a.example", &pol) == 1 &&
		    pol == &conf->global && conf->nlisted == 2 &&
		    conf->ndomains == 1,
		    "a bare section: listed, global settings, no entry");
		t_ok(conf_find(conf, "b.example", &pol) == 1 &&
		    pol == &conf_domain_find(conf, "b.example")->pol,
		    "conf_find(b.example): its section's settings");
		t_ok(conf_find(conf, "c.example", &pol) == 0 &&
		    pol == &conf->global, "conf_find(c.example): not listed");
		t_ok(conf_domain_find(conf, "c.example") == NULL &&
		    conf_domain_find(conf, "example") == NULL &&
		    conf_domain_find(conf, "b.example.") == NULL,
		    "conf_domain_find misses");
		t_ok(conf_policy_for(conf, NULL) == &conf->global &&
		    conf->global.mode == POLICY_MODE_NONE,
		    "conf_policy_for(unlisted) is global");
		conf_free(conf);
	}

	t_streq(conf_default_path(), CONF_DEFAULT_PATH, "conf_default_path");
	for (i = 0; want_keys[i] != NULL; i++)
		if (conf_keys[i] == NULL ||
		    strcmp(conf_keys[i], want_keys[i]) != 0)
			break;
	t_ok(want_keys[i] == NULL && conf_keys[i] == NULL, "conf_keys");
}

/* Write len bytes to path; returns 0 or -1. */
static int
write_file(const char *path, const char *text, size_t len)
{
	FILE	*fp;
	int	 rc = 0;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fwrite(text, 1, len, fp) != len)
		rc = -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

/* conf_load() on a file we may not read (called unprivileged). */
static void
check_unreadable(void *arg)
{
	const char	*path = arg;
	struct conf	*conf = NULL;
	char		 err[1024], want[1024];
	int		 rc;

	rc = conf_load(path, &conf, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: %s", path, strerror(EACCES));
	t_streq(rc == -1 ? err : "(loaded)", want, "conf_load unreadable file");
	conf_free(conf);
}

static void
test_load(void)
{
	struct conf	*conf;
	struct buf	 b;
	char		 dir[] = "/tmp/t_conf.XXXXXX", path[256], want[512];
	char		 err[512], *big;
	const char	*text = "mode: enforce\ndomain: a.example\n"
			    "override: a.txt\n";
	int		 rc, fd;

	buf_init(&b, 1 << 16);
	if (mkdtemp(dir) == NULL || chmod(dir, 0711) == -1) {
		t_ok(0, "conf_load: mkdtemp: %s", strerror(errno));
		return;
	}

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	conf = (struct conf *)&conf;
	rc = conf_load(path, &conf, err, sizeof(err));
	if (t_ok(rc == 0 && conf != NULL, "conf_load missing file")) {
		dump(conf, &b);
		t_streq(b.data, D, "conf_load missing file: defaults");
		t_streq(conf->path, path, "conf_load missing file: path");
		conf_free(conf);
	}

	conf = (struct conf *)&conf;
	rc = conf_load(dir, &conf, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	t_streq(rc == -1 ? err : "(loaded)", want, "conf_load directory");
	t_ok(conf == NULL, "conf_load directory: out NULL");

	rc = conf_load("/dev/null", &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(loaded)", "/dev/null: not a regular file",
	    "conf_load /dev/null");

	snprintf(path, sizeof(path), "%s/missing/x.conf", dir);
	rc = conf_load(path, &conf, err, sizeof(err));
	t_ok(rc == 0 && conf != NULL && strcmp(conf->path, path) == 0,
	    "conf_load missing directory: defaults");
	conf_free(conf);

	snprintf(path, sizeof(path), "%s/mta-sts.conf", dir);
	if (write_file(path, text, strlen(text)) == -1) {
		t_ok(0, "conf_load: writing %s", path);
		goto out;
	}
	rc = conf_load(path, &conf, err, sizeof(err));
	if (t_ok(rc == 0, "conf_load regular file")) {
		snprintf(want, sizeof(want), "%s/a.txt", dir);
		t_streq(conf->domains[0].override, want,
		    "conf_load: relative override joined to the file's "
		    "directory");
		t_streq(conf->path, path, "conf_load: path");
		conf_free(conf);
	}

	if (write_file(path, "mode: enforce\n\nmode: none\n", 26) == -1) {
		t_ok(0, "conf_load: writing %s", path);
		goto out;
	}
	rc = conf_load(path, &conf, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:3: duplicate key \"mode\" "
	    "(first set on line 1)", path);
	t_streq(rc == -1 ? err : "(loaded)", want, "conf_load syntax error");

	chmod(path, 0);
	t_unprivileged(check_unreadable, path);
	unlink(path);

	/* A sparse file one byte over the limit. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    ftruncate(fd, (off_t)CONF_MAX_SIZE_DEFAULT + 1) == -1) {
		t_ok(0, "conf_load: making a large file: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	close(fd);
	rc = conf_load(path, &conf, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: file too large (more than "
	    "134217728 bytes)", path);
	t_streq(rc == -1 ? err : "(loaded)", want, "conf_load too large");
	/* The bound is the environment's when it says so. */
	setenv("MTA_STS_CONF_MAX_SIZE", "129M", 1);
	rc = conf_load(path, &conf, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:1: line too long (more than 4096 "
	    "bytes)", path);
	t_streq(rc == -1 ? err : "(loaded)", want, "MTA_STS_CONF_MAX_SIZE="
	    "129M: the same file is read (its one long line refused)");
	unlink(path);

	setenv("MTA_STS_CONF_MAX_SIZE", "1k", 1);
	if ((big = malloc(1025)) == NULL) {
		t_ok(0, "conf_parse too large: malloc");
		goto out;
	}
	memset(big, '#', 1025);
	rc = conf_parse(N, big, 1025, &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)",
	    N ": file too large (more than 1024 bytes)",
	    "conf_parse too large (MTA_STS_CONF_MAX_SIZE=1k)");
	rc = conf_parse(N, big, 1024, &conf, err, sizeof(err));
	t_ok(rc == 0, "conf_parse at the bound (MTA_STS_CONF_MAX_SIZE=1k)");
	if (rc == 0)
		conf_free(conf);
	setenv("MTA_STS_CONF_MAX_SIZE", "12X", 1);
	rc = conf_parse(N, big, 10, &conf, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", N ": invalid "
	    "MTA_STS_CONF_MAX_SIZE \"12X\" (expected 1..4294967296 bytes, "
	    "K, M or G: for example 512M)", "MTA_STS_CONF_MAX_SIZE invalid");
	free(big);
	unsetenv("MTA_STS_CONF_MAX_SIZE");
 out:
	unlink(path);
	rmdir(dir);
	buf_free(&b);
}

/*
 * Make the nth allocation fail for n = 0, 1, ... until the call succeeds:
 * each failure must be -1, out NULL and an "out of memory" message.
 * Leaks show under ASan and valgrind.
 */
static void
test_nomem(const char *label, const char *name, const char *text,
    const char *loadpath)
{
	struct conf	*conf;
	struct buf	 b;
	char		 err[512], have[600], want[4096];
	const char	*tail = "out of memory";
	long		 n;
	int		 rc, bad = 0;

	buf_init(&b, 1 << 20);
	if (loadpath != NULL)
		rc = conf_load(loadpath, &conf, err, sizeof(err));
	else
		rc = conf_parse(name, text, strlen(text), &conf, err,
		    sizeof(err));
	if (rc != 0) {
		t_streq(err, "(no error)", "%s: reference parse", label);
		return;
	}
	dump(conf, &b);
	snprintf(want, sizeof(want), "%s", b.data);
	conf_free(conf);

	for (n = 0; n < 10000; n++) {
		xmalloc_fail_after(n);
		if (loadpath != NULL)
			rc = conf_load(loadpath, &conf, err, sizeof(err));
		else
			rc = conf_parse(name, text, strlen(text), &conf, err,
			    sizeof(err));
		xmalloc_fail_after(-1);
		if (rc == 0)
			break;
		if (conf != NULL || strlen(err) < strlen(tail) ||
		    strcmp(err + strlen(err) - strlen(tail), tail) != 0) {
			snprintf(have, sizeof(have), "n=%ld rc=%d out=%p "
			    "err=%s", n, rc, (void *)conf, err);
			bad = 1;
			break;
		}
	}
	if (bad) {
		t_streq(have, "(an out of memory error)", "%s", label);
	} else if (rc != 0) {
		t_ok(0, "%s: never succeeded", label);
	} else {
		dump(conf, &b);
		t_streq(b.data, want, "%s: %ld allocation failures "
		    "handled, then the same result", label, n);
		conf_free(conf);
	}
	buf_free(&b);
}

static void
test_nomem_all(void)
{
	struct buf	 text;
	char		 dir[] = "/tmp/t_conf.XXXXXX", path[256];
	size_t		 i;

	buf_init(&text, 1 << 20);
	buf_printf(&text, "mode: enforce\nresolver: 192.0.2.1 ::1@53 "
	    "192.0.2.2@5353\ntrust_anchor: root.key\nunbound_conf: /u.conf\n"
	    "cache_dir: cache\nstate_dir: state\n");
	/* More than 16 domains: the array is reallocated. */
	for (i = 0; i < 40; i++)
		buf_printf(&text, "domain: d%02zu.example\noverride: o%02zu\n"
		    "mode: none\n", 39 - i, i);
	test_nomem("allocation failure in conf_parse", N, text.data, NULL);
	test_nomem("allocation failure in conf_parse (bare name)", "t.conf",
	    text.data, NULL);

	if (mkdtemp(dir) == NULL) {
		t_ok(0, "allocation failure: mkdtemp: %s", strerror(errno));
		buf_free(&text);
		return;
	}
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	test_nomem("allocation failure in conf_load (missing file)", NULL,
	    NULL, path);
	snprintf(path, sizeof(path), "%s/mta-sts.conf", dir);
	if (write_file(path, text.data, text.len) == 0)
		test_nomem("allocation failure in conf_load", NULL, NULL,
		    path);
	else
		t_ok(0, "allocation failure: writing %s", path);
	unlink(path);
	rmdir(dir);
	buf_free(&text);
}

/* The cache keys: defaults, values, range and scope errors. */
static void
test_cache_keys(void)
{
	static const struct {
		const char	*text;
		const char	*err;
		unsigned long	 ttl, stale;
	} crows[] = {
		{ "", NULL, 3600, 86400 },
		{ "cache_max_ttl: 0\nstale_max: 0\n", NULL, 0, 0 },
		{ "cache_max_ttl: 86400\nstale_max: 31557600\n", NULL, 86400,
		    31557600 },
		{ "cache_max_ttl: 86401\n", "t.conf:1: invalid cache_max_ttl "
		    "\"86401\" (expected 0..86400 seconds)", 0, 0 },
		{ "stale_max: 1d\n", "t.conf:1: invalid stale_max \"1d\" "
		    "(expected 0..31557600 seconds)", 0, 0 },
		{ "stale_max: -1\n", "t.conf:1: invalid stale_max \"-1\" "
		    "(expected 0..31557600 seconds)", 0, 0 },
		{ "stale_max: 99999999999\n", "t.conf:1: invalid stale_max "
		    "\"99999999999\" (expected 0..31557600 seconds)", 0, 0 },
		{ "domain: a.example\nstale_max: 5\n", "t.conf:2: \"stale_max\" "
		    "is a global setting; move it before the first \"domain:\" "
		    "line", 0, 0 },
	};
	struct conf	*c;
	char		 err[512];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(crows) / sizeof(crows[0]); i++) {
		err[0] = '\0';
		rc = conf_parse("t.conf", crows[i].text, strlen(crows[i].text),
		    &c, err, sizeof(err));
		if (crows[i].err != NULL) {
			t_streq(rc == -1 ? err : "(parsed)", crows[i].err,
			    "cache keys row %zu: error", i);
			continue;
		}
		if (!t_inteq(rc, 0, "cache keys row %zu: parses", i)) {
			printf("    err: %s\n", err);
			continue;
		}
		t_inteq((long long)c->cache_max_ttl, (long long)crows[i].ttl,
		    "cache keys row %zu: cache_max_ttl", i);
		t_inteq((long long)c->stale_max, (long long)crows[i].stale,
		    "cache keys row %zu: stale_max", i);
		conf_free(c);
	}
}

/* The TLS-RPT keys: defaults, values, range and scope errors. */
static void
test_report_keys(void)
{
	static const struct {
		const char	*text;
		const char	*err;
		unsigned long	 count, bytes, size, crit, grace;
	} r[] = {
		{ "", NULL, 10000, 268435456, 10485760, 5, 259200 },
		{ "report_max_count: 1\nreport_max_bytes: 1024\n"
		    "report_max_size: 1024\nreport_critical: 0\n"
		    "report_grace: 0\n", NULL, 1, 1024, 1024, 0, 0 },
		{ "report_max_count: 1000000\nreport_max_bytes: 1048576M\n"
		    "report_max_size: 64m\nreport_critical: 100\n"
		    "report_grace: 31557600\n", NULL, 1000000, 1099511627776UL,
		    67108864, 100, 31557600 },
		{ "report_max_count: 0\n", "t.conf:1: invalid report_max_count "
		    "\"0\" (expected 1..1000000)", 0, 0, 0, 0, 0 },
		{ "report_max_bytes: 1048577M\n", "t.conf:1: invalid "
		    "report_max_bytes \"1048577M\" (expected 1K..1048576M "
		    "bytes, for example 16M)", 0, 0, 0, 0, 0 },
		{ "report_max_bytes: 99999999999999\n", "t.conf:1: invalid "
		    "report_max_bytes \"99999999999999\" (expected "
		    "1K..1048576M bytes, for example 16M)", 0, 0, 0, 0, 0 },
		{ "report_max_size: 4K\nreport_max_bytes: 2048\n", NULL, 10000,
		    2048, 4096, 5, 259200 },
		{ "report_max_size: 1023\n", "t.conf:1: invalid "
		    "report_max_size \"1023\" (expected 1K..64M bytes, for "
		    "example 16M)",
		    0, 0, 0, 0, 0 },
		{ "report_critical: 101\n", "t.conf:1: invalid report_critical "
		    "\"101\" (expected 0..100)", 0, 0, 0, 0, 0 },
		{ "report_grace: 3d\n", "t.conf:1: invalid report_grace \"3d\" "
		    "(expected 0..31557600 seconds)", 0, 0, 0, 0, 0 },
		{ "domain: a.example\nreport_dir: /x\n", "t.conf:2: "
		    "\"report_dir\" is a global setting; move it before the "
		    "first \"domain:\" line", 0, 0, 0, 0, 0 },
	};
	struct conf	*c;
	char		 err[512];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		err[0] = '\0';
		rc = conf_parse("t.conf", r[i].text, strlen(r[i].text), &c, err,
		    sizeof(err));
		if (r[i].err != NULL) {
			t_streq(rc == -1 ? err : "(parsed)", r[i].err,
			    "report keys row %zu: error", i);
			continue;
		}
		if (!t_inteq(rc, 0, "report keys row %zu: parses", i)) {
			printf("    err: %s\n", err);
			continue;
		}
		t_ok(c->report_max_count == r[i].count &&
		    c->report_max_bytes == r[i].bytes &&
		    c->report_max_size == r[i].size &&
		    c->report_critical == r[i].crit &&
		    c->report_grace == r[i].grace && c->report_dir == NULL,
		    "report keys row %zu: values", i);
		conf_free(c);
	}
	rc = conf_parse("/etc/m/t.conf", "report_dir: rpt\n", 16, &c, err,
	    sizeof(err));
	if (t_inteq(rc, 0, "report_dir: parses")) {
		t_streq(c->report_dir, "/etc/m/rpt",
		    "report_dir: relative to the configuration's directory");
		conf_free(c);
	}
}

/* The publish keys of mta-sts-id: defaults, values, errors, scope. */
static void
test_publish_keys(void)
{
	struct conf	*c;
	char		 err[512];
	int		 rc;

	rc = conf_parse("/etc/m/t.conf", "", 0, &c, err, sizeof(err));
	if (t_inteq(rc, 0, "publish keys: empty parses")) {
		t_ok(c->publish_hook == NULL && c->publish_wait == 60,
		    "publish keys: defaults (no hook, 60 s)");
		conf_free(c);
	}
	rc = conf_parse("/etc/m/t.conf", "publish_hook: hooks/p\n"
	    "publish_wait: 0\n", 38, &c, err, sizeof(err));
	if (t_inteq(rc, 0, "publish keys: values parse")) {
		t_streq(c->publish_hook, "/etc/m/hooks/p",
		    "publish_hook: relative to the configuration's directory");
		t_inteq((long long)c->publish_wait, 0, "publish_wait: 0");
		conf_free(c);
	}
	rc = conf_parse("t.conf", "publish_wait: 3601\n", 19, &c, err,
	    sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:1: invalid publish_wait "
	    "\"3601\" (expected 0..3600 seconds)", "publish_wait: range");
	rc = conf_parse("t.conf", "domain: a.example\npublish_hook: /x\n",
	    35, &c, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:2: \"publish_hook\" is a "
	    "global setting; move it before the first \"domain:\" line",
	    "publish_hook: global only");

	rc = conf_parse("/etc/m/t.conf", "nsupdate_server: 2001:db8::1@5353\n"
	    "nsupdate_zone: Example.COM.\nnsupdate_key: k/tsig.key\n", 87,
	    &c, err, sizeof(err));
	if (t_inteq(rc, 0, "nsupdate keys: parse")) {
		t_ok(strcmp(c->nsupdate_server, "2001:db8::1 5353") == 0 &&
		    strcmp(c->nsupdate_zone, "example.com") == 0 &&
		    strcmp(c->nsupdate_key, "/etc/m/k/tsig.key") == 0,
		    "nsupdate keys: \"ADDR PORT\", zone lower case without "
		    "the dot, key file relative to the configuration");
		conf_free(c);
	}
	rc = conf_parse("t.conf", "nsupdate_server: ns1.example\n", 29, &c,
	    err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:1: invalid "
	    "nsupdate_server \"ns1.example\" (expected an IP address, "
	    "optionally @PORT 1..65535)", "nsupdate_server: a name refused");
	rc = conf_parse("t.conf", "nsupdate_server: 127.0.0.1@0\n", 29, &c,
	    err, sizeof(err));
	t_inteq(rc, -1, "nsupdate_server: port 0 refused");
	rc = conf_parse("t.conf", "nsupdate_zone: a_b..example\n", 28, &c,
	    err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:1: invalid nsupdate_zone "
	    "\"a_b..example\" (expected a domain name)",
	    "nsupdate_zone: invalid name refused");

	{
		static const struct {
			const char	*text;
			long long	 want;	/* -1: refused */
		} r[] = {
			{ "", 86400 }, { "refresh: off\n", 0 },
			{ "refresh: 24h\n", 86400 }, { "refresh: 2d\n", 172800 },
			{ "refresh: 90m\n", 5400 }, { "refresh: 60\n", 60 },
			{ "refresh: 366d\n", 31622400 }, { "refresh: 59s\n", -1 },
			{ "refresh: 367d\n", -1 }, { "refresh: 0\n", -1 },
			{ "refresh: h\n", -1 }, { "refresh: 1w\n", -1 },
			{ "refresh: Off\n", -1 },
		};
		size_t	 i;

		for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
			rc = conf_parse("t.conf", r[i].text, strlen(r[i].text),
			    &c, err, sizeof(err));
			if (r[i].want == -1) {
				t_ok(rc == -1 && strstr(err, "invalid refresh") !=
				    NULL, "refresh row %zu: refused", i);
				continue;
			}
			if (t_inteq(rc, 0, "refresh row %zu: parses", i)) {
				t_inteq((long long)c->refresh, r[i].want,
				    "refresh row %zu: seconds", i);
				conf_free(c);
			}
		}
		rc = conf_parse("t.conf", "refresh: 1w\n", 12, &c, err,
		    sizeof(err));
		t_streq(rc == -1 ? err : "(parsed)", "t.conf:1: invalid refresh "
		    "\"1w\" (expected off, or 60 seconds to 366 days, for "
		    "example 24h)", "refresh: the message");
	}
}

/* Write text to path atomically (a new inode, as an editor would). */
static void
put_file(const char *path, const char *text)
{
	char	 tmp[300];
	FILE	*f;

	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((f = fopen(tmp, "w")) == NULL)
		abort();
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		abort();
}

/* The one index file in dir, or "" when there is none. */
static void
index_path(const char *dir, char *out, size_t len)
{
	char	 cmd[400];
	FILE	*p;

	out[0] = '\0';
	(void)snprintf(cmd, sizeof(cmd), "ls %s/.conf-index.* 2>/dev/null | "
	    "grep -v '\\.lock$'", dir);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)len, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	(void)pclose(p);
}

/*
 * One conf_load_for() of domain: "i" (index) or "f" (full parse), then
 * "L" listed or "-" not, the policy's max_age, sections kept, nlisted.
 */
static void
load_for(const char *path, const char *domain, const char *want,
    const char *what)
{
	const struct conf_policy *pol;
	struct conf	*c;
	char		 err[1024], have[1200];
	int		 listed;

	if (conf_load_for(path, domain, &c, err, sizeof(err)) == -1) {
		(void)snprintf(have, sizeof(have), "error %s", err);
	} else {
		listed = conf_find(c, domain, &pol);
		(void)snprintf(have, sizeof(have), "%s %s max_age=%lu mode=%s "
		    "sections=%zu nlisted=%zu", c->indexed ? "i" : "f",
		    listed ? "L" : "-", pol->max_age,
		    policy_mode_name(pol->mode), c->ndomains, c->nlisted);
		conf_free(c);
	}
	t_streq(have, want, "load_for: %s", what);
}

/* conf_load_for(): the index in cache_dir. */
static void
test_load_for(void)
{
	char			 dir[] = "/tmp/t_conf_for.XXXXXX", path[256];
	char			 dpath[256], text[1024], cmd[2600];
	char			 idx[300], idx2[300];
	struct stat		 st, st2;
	int			 fd;

	if (mkdtemp(dir) == NULL) {
		t_ok(0, "load_for: mkdtemp");
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/m.conf", dir);
	(void)snprintf(dpath, sizeof(dpath), "%s/list", dir);
	put_file(dpath, "# the panel's list\nx.example\nY.example.\n\n"
	    "b.example  # also a section\n");
	(void)snprintf(text, sizeof(text), "cache_dir: %s\nmode: enforce\n"
	    "domains_file: list\n"
	    "domain: a.example\nmax_age: 1\ndomain: B.Example.\n"
	    "max_age: 2  # two\ndomain: c.example\nmax_age: 3\n"
	    "domain: d.example\n", dir);
	put_file(path, text);

	load_for(path, "b.example", "f L max_age=2 mode=enforce sections=3 "
	    "nlisted=6", "first load parses everything");
	index_path(dir, idx, sizeof(idx));
	t_ok(idx[0] != '\0' && stat(idx, &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "load_for: the index is written, "
	    "mode 0600");
	load_for(path, "b.example", "i L max_age=2 mode=enforce sections=1 "
	    "nlisted=6", "indexed: only the wanted section");
	load_for(path, "c.example", "i L max_age=3 mode=enforce sections=1 "
	    "nlisted=6", "indexed: another section");
	load_for(path, "d.example", "i L max_age=604800 mode=enforce "
	    "sections=0 nlisted=6", "indexed: a bare section");
	load_for(path, "y.example", "i L max_age=604800 mode=enforce "
	    "sections=0 nlisted=6", "indexed: a name of domains_file");
	load_for(path, "z.example", "i - max_age=604800 mode=enforce "
	    "sections=0 nlisted=6", "indexed: unlisted");

	/* domains_file changed: the index is not used, then rebuilt. */
	put_file(dpath, "x.example\ny.example\nz.example\n");
	load_for(path, "z.example", "f L max_age=604800 mode=enforce "
	    "sections=3 nlisted=7", "domains_file changed: parsed in full");
	index_path(dir, idx2, sizeof(idx2));
	t_ok(stat(idx2, &st2) == 0 && st2.st_ino != st.st_ino,
	    "load_for: the index is replaced");
	load_for(path, "z.example", "i L max_age=604800 mode=enforce "
	    "sections=0 nlisted=7", "the new index answers");

	/* A damaged index is never trusted. */
	(void)snprintf(cmd, sizeof(cmd), "head -c 300 '%s' > '%s.t' && "
	    "mv '%s.t' '%s'", idx2, idx2, idx2, idx2);
	if (system(cmd) != 0)
		t_ok(0, "load_for: truncating the index");
	load_for(path, "a.example", "f L max_age=1 mode=enforce sections=3 "
	    "nlisted=7", "truncated index: parsed in full");
	load_for(path, "a.example", "i L max_age=1 mode=enforce sections=1 "
	    "nlisted=7", "truncated index: rebuilt");
	if ((fd = open(idx2, O_WRONLY)) == -1 ||
	    pwrite(fd, "X", 1, 40) != 1)
		t_ok(0, "load_for: damaging the header");
	if (fd != -1)
		close(fd);
	load_for(path, "a.example", "f L max_age=1 mode=enforce sections=3 "
	    "nlisted=7", "header damaged: parsed in full");
	(void)snprintf(cmd, sizeof(cmd), "mv '%s' '%s.real' && ln -s "
	    "'%s.real' '%s'", idx2, idx2, idx2, idx2);
	if (system(cmd) != 0)
		t_ok(0, "load_for: a symbolic link as the index");
	load_for(path, "a.example", "f L max_age=1 mode=enforce sections=3 "
	    "nlisted=7", "symbolic link as the index: parsed in full");
	load_for(path, "a.example", "i L max_age=1 mode=enforce sections=1 "
	    "nlisted=7", "symbolic link replaced by an index");

	/* CRLF line ends: the index finds the section all the same. */
	(void)snprintf(cmd, sizeof(cmd), "cache_dir: %s\r\nmode: enforce\r\n"
	    "domain: a.example\r\nmax_age: 1\r\ndomain: e.example\r\n"
	    "max_age: 5\r\n", dir);
	put_file(path, cmd);
	load_for(path, "e.example", "f L max_age=5 mode=enforce sections=2 "
	    "nlisted=2", "CRLF: first load");
	load_for(path, "e.example", "i L max_age=5 mode=enforce sections=1 "
	    "nlisted=2", "CRLF: the index answers, with the section");
	put_file(path, text);

	/* A change (new inode) invalidates the index: errors are found. */
	(void)snprintf(cmd, sizeof(cmd), "%sdnssec: maybe\n", text);
	put_file(path, cmd);
	(void)snprintf(text, sizeof(text), "error %s:11: invalid dnssec "
	    "\"maybe\" (expected require or allow-insecure)", path);
	load_for(path, "b.example", text, "changed file is parsed in full "
	    "again");
	/* Errors in domains_file name it. */
	(void)snprintf(text, sizeof(text), "cache_dir: %s\ndomains_file: "
	    "list\n", dir);
	put_file(path, text);
	put_file(dpath, "x.example\n\ny.example\nX.example.\n");
	(void)snprintf(text, sizeof(text), "error %s:4: duplicate domain "
	    "\"x.example\" (first on line 1)", dpath);
	load_for(path, "y.example", text, "domains_file: duplicate");
	put_file(dpath, "x.example\nbad_name.example\n");
	(void)snprintf(text, sizeof(text), "error %s:2: invalid domain "
	    "name \"bad_name.example\"", dpath);
	load_for(path, "y.example", text, "domains_file: invalid name");
	put_file(dpath, "x.example\nab\x01.example\n");
	(void)snprintf(text, sizeof(text), "error %s:2: control character "
	    "0x01", dpath);
	load_for(path, "y.example", text, "domains_file: control character");
	unlink(dpath);
	(void)snprintf(text, sizeof(text), "error %s: No such file or "
	    "directory (domains_file)", dpath);
	load_for(path, "y.example", text, "domains_file: missing");
	put_file(dpath, "x.example\r\ny.example # two\r\n");
	load_for(path, "y.example", "f L max_age=604800 mode=testing "
	    "sections=0 nlisted=2", "domains_file: CRLF and comments");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		t_ok(0, "load_for: cleanup");
}

/* mx_allow: parsing and matching. */
static void
test_mx_allow(void)
{
	static const struct {
		const char	*host;
		int		 ok;
	} hosts[] = {
		{ "mx1.example.com", 1 },
		{ "a.mail.example.net", 1 },
		{ "a.b.mail.example.net", 1 },
		{ "mail.example.net", 0 },
		{ "xmail.example.net", 0 },
		{ "mx2.example.com", 0 },
		{ "evil.example", 0 },
	};
	const char	*text = "domain: d.example\n"
	    "mx_allow: MX1.Example.COM.  *.mail.example.net\n";
	struct conf	*c;
	const struct conf_domain *d;
	char		 err[512];
	size_t		 i;
	int		 rc;

	rc = conf_parse("t.conf", text, strlen(text), &c, err, sizeof(err));
	if (!t_inteq(rc, 0, "mx_allow: parses"))
		return;
	d = conf_domain_find(c, "d.example");
	t_streq(d != NULL ? d->pol.mx_allow : NULL,
	    "mx1.example.com *.mail.example.net",
	    "mx_allow: stored lower-case, dots and blanks normalised");
	for (i = 0; d != NULL && i < sizeof(hosts) / sizeof(hosts[0]); i++)
		t_inteq(conf_mx_allowed(&d->pol, hosts[i].host), hosts[i].ok,
		    "mx_allow: %s", hosts[i].host);
	t_inteq(conf_mx_allowed(&c->global, "anything.example"), 1,
	    "mx_allow: no list allows any host");
	conf_free(c);
	text = "domain: d.example\nmx_allow: ok.example mx_1.example\n";
	rc = conf_parse("t.conf", text, strlen(text), &c, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:2: invalid mx_allow "
	    "pattern \"mx_1.example\" (expected hostnames or *.domain "
	    "patterns)", "mx_allow: invalid pattern named");
	text = "mx_allow: a.example\n";
	rc = conf_parse("t.conf", text, strlen(text), &c, err, sizeof(err));
	t_streq(rc == -1 ? err : "(parsed)", "t.conf:1: \"mx_allow\" is only "
	    "allowed in a domain section", "mx_allow: domain sections only");
}

int
main(void)
{
	t_suite = "conf";
	test_cache_keys();
	test_report_keys();
	test_publish_keys();
	test_load_for();
	test_mx_allow();
	test_rows();
	test_long_lines();
	test_long_domains();
	test_api();
	test_load();
	test_many();
	test_nomem_all();
	return t_done();
}
