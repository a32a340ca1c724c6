/*
 * t_host: hostname syntax, mx patterns and Host header -> policy domain.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "test.h"

/* Long names, filled in by build_names() before the tables run. */
static char	l63[64];		/* one 63-octet label */
static char	l64[65];		/* one 64-octet label */
static char	n253[254];		/* 4 labels, 253 octets */
static char	n254[255];		/* 4 labels, 254 octets */
static char	p253[254];		/* "*." + 251 octets */
static char	p255[256];		/* "*." + n253 */
static char	lab128[256];		/* 128 labels, 255 octets */
static char	mta128[264];		/* "mta-sts." + lab128 */
static char	mta253[254];		/* "mta-sts." + 245 octets */
static char	mta253dot[260];		/* mta253 + ".:443" */
static char	in300[301];		/* 300 octets */
static char	in301[302];		/* 301 octets: refused up front */
static char	big[100001];		/* 100000 octets */

static void
fill(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
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

static void
build_names(void)
{
	size_t	 i;

	fill(l63, 'a', 63);
	fill(l64, 'a', 64);
	four_labels(n253, 253 - 3 * 64);
	four_labels(n254, 254 - 3 * 64);
	memcpy(p253, "*.", 2);
	four_labels(p253 + 2, 251 - 3 * 64);
	memcpy(p255, "*.", 2);
	memcpy(p255 + 2, n253, sizeof(n253));
	for (i = 0; i < 128; i++) {
		lab128[2 * i] = 'a';
		lab128[2 * i + 1] = '.';
	}
	lab128[255] = '\0';
	memcpy(mta128, "mta-sts.", 8);
	memcpy(mta128 + 8, lab128, sizeof(lab128));
	memcpy(mta253, "mta-sts.", 8);
	four_labels(mta253 + 8, 245 - 3 * 64);
	memcpy(mta253dot, mta253, 253);
	memcpy(mta253dot + 253, ".:443", 6);
	fill(in300, 'a', 300);
	fill(in301, 'a', 301);
	memcpy(in301, "mta-sts.example.com", 19);
	fill(big, 'x', sizeof(big) - 1);
}

struct valid_row {
	const char	*name;
	size_t		 len;		/* 0: strlen(name) */
	int		 want;
};

static const struct valid_row valid_rows[] = {
	{ "example.com", 0, 1 },
	{ "EXAMPLE.Com", 0, 1 },
	{ "mx1.example.com", 0, 1 },
	{ "localhost", 0, 1 },			/* single label */
	{ "a", 0, 1 },
	{ "1a.example.com", 0, 1 },		/* leading digit */
	{ "x-1.example.com", 0, 1 },
	{ "xn--bcher-kva.example", 0, 1 },	/* A-label */
	{ "a.b.c.d.e.f", 0, 1 },
	{ "example.c0m", 0, 1 },		/* last label not all digits */
	{ "123.example.com", 0, 1 },		/* all-digit inner label */
	{ l63, 0, 1 },
	{ l64, 0, 0 },
	{ n253, 0, 1 },
	{ n254, 0, 0 },
	{ lab128, 0, 0 },
	{ "", 0, 0 },
	{ ".", 0, 0 },
	{ "example.com.", 0, 0 },		/* trailing dot */
	{ ".example.com", 0, 0 },		/* empty first label */
	{ "example..com", 0, 0 },		/* empty label */
	{ "-example.com", 0, 0 },		/* leading hyphen */
	{ "example-.com", 0, 0 },		/* trailing hyphen */
	{ "example.-com", 0, 0 },
	{ "example.com-", 0, 0 },
	{ "ex_ample.com", 0, 0 },		/* underscore */
	{ "_mta-sts.example.com", 0, 0 },
	{ "exa mple.com", 0, 0 },		/* space */
	{ "example.com\r", 0, 0 },		/* CR */
	{ "example.com\n", 0, 0 },		/* LF */
	{ "exa\tmple.com", 0, 0 },		/* tab */
	{ "ex\0ample.com", 12, 0 },		/* NUL inside len */
	{ "ex\xc3\xa4mple.com", 0, 0 },		/* non-ASCII */
	{ "example.123", 0, 0 },		/* all-numeric TLD */
	{ "1.2.3.4", 0, 0 },			/* IPv4 literal */
	{ "42", 0, 0 },
	{ "*.example.com", 0, 0 },		/* a pattern, not a name */
	{ "example.com:443", 0, 0 },
	{ "exam/ple.com", 0, 0 },
	{ "example.com", 7, 1 },		/* "example" (len honoured) */
	{ "example.com", 8, 0 },		/* "example." */
};

static const struct valid_row pattern_rows[] = {
	{ "mx.example.com", 0, 1 },
	{ "*.example.com", 0, 1 },
	{ "*.EXAMPLE.com", 0, 1 },
	{ "*.com", 0, 1 },
	{ p253, 0, 1 },				/* 253 with "*." */
	{ p255, 0, 0 },				/* 255 octets */
	{ "*", 0, 0 },
	{ "*.", 0, 0 },
	{ "*.*.example.com", 0, 0 },
	{ "**.example.com", 0, 0 },
	{ "a.*.example.com", 0, 0 },
	{ "*example.com", 0, 0 },
	{ "mx*.example.com", 0, 0 },
	{ "*.example.com.", 0, 0 },
	{ "*..example.com", 0, 0 },
	{ ".*.example.com", 0, 0 },
	{ "*.1.2.3.4", 0, 0 },
	{ "", 0, 0 },
};

struct domain_row {
	const char		*label;		/* NULL: show host */
	const char		*host;
	enum host_result	 want;
	const char		*domain;	/* on HOST_OK */
};

static const struct domain_row domain_rows[] = {
	{ NULL, "mta-sts.example.com", HOST_OK, "example.com" },
	{ NULL, "MTA-STS.Example.COM", HOST_OK, "example.com" },
	{ NULL, "mta-sts.example.com:443", HOST_OK, "example.com" },
	{ NULL, "mta-sts.example.com:8443", HOST_OK, "example.com" },
	{ NULL, "mta-sts.example.com:65535", HOST_OK, "example.com" },
	{ NULL, "mta-sts.example.com.", HOST_OK, "example.com" },
	{ NULL, "mta-sts.example.com.:443", HOST_OK, "example.com" },
	{ NULL, "mta-sts.sub.example.co.uk", HOST_OK, "sub.example.co.uk" },
	{ NULL, "mta-sts.localhost", HOST_OK, "localhost" },
	{ NULL, "mta-sts.mta-sts.example", HOST_OK, "mta-sts.example" },
	{ "253 octets with prefix", mta253, HOST_OK, mta253 + 8 },
	{ "253 octets, trailing dot and port", mta253dot, HOST_OK,
	    mta253 + 8 },
	{ NULL, "mta-sts.example.com..", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com:", HOST_OK, "example.com" },	/* RFC 3986: empty port */
	{ NULL, "mta-sts.example.com:https", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com:123456", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com:65536", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com:44:3", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com::443", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com:443 ", HOST_BAD, NULL },
	{ NULL, ":443", HOST_BAD, NULL },
	{ NULL, ":", HOST_BAD, NULL },
	{ NULL, ".", HOST_BAD, NULL },
	{ NULL, "", HOST_BAD, NULL },
	{ NULL, "mta-sts.exa mple.com", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com\r", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com\r\nX-Evil: 1", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com\n", HOST_BAD, NULL },
	{ NULL, "mta-sts.exa\tmple.com", HOST_BAD, NULL },
	{ NULL, " mta-sts.example.com", HOST_BAD, NULL },
	{ NULL, "mta-sts.ex_ample.com", HOST_BAD, NULL },
	{ NULL, "mta-sts.example..com", HOST_BAD, NULL },
	{ NULL, "mta-sts.-example.com", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.123", HOST_BAD, NULL },
	{ NULL, "mta-sts.\xc3\xa4.example", HOST_BAD, NULL },
	{ NULL, "mta-sts.example.com/x", HOST_BAD, NULL },
	{ NULL, "user@mta-sts.example.com", HOST_BAD, NULL },
	{ NULL, "1.2.3.999", HOST_BAD, NULL },
	{ "128 labels", lab128, HOST_BAD, NULL },
	{ "mta-sts. + 128 labels", mta128, HOST_BAD, NULL },
	{ "300 octets", in300, HOST_BAD, NULL },
	{ "301 octets", in301, HOST_BAD, NULL },
	{ "100000 octets", big, HOST_BAD, NULL },
	{ NULL, "[::1", HOST_BAD, NULL },
	{ NULL, "[]", HOST_BAD, NULL },
	{ NULL, "[::1]:", HOST_OTHER, NULL },
	{ NULL, "[::1]x", HOST_BAD, NULL },
	{ NULL, "[::1]:443:1", HOST_BAD, NULL },
	{ NULL, "[::g]", HOST_BAD, NULL },
	{ NULL, "[1:::2]", HOST_BAD, NULL },
	{ NULL, "[fe80::1%eth0]", HOST_BAD, NULL },
	{ NULL, "[mta-sts.example.com]", HOST_BAD, NULL },
	{ NULL, "[::1]", HOST_OTHER, NULL },
	{ NULL, "[::1]:443", HOST_OTHER, NULL },
	{ NULL, "[2001:DB8::1]:8443", HOST_OTHER, NULL },
	{ NULL, "[::ffff:192.0.2.1]", HOST_OTHER, NULL },
	{ NULL, "192.0.2.1", HOST_OTHER, NULL },
	{ NULL, "192.0.2.1:443", HOST_OTHER, NULL },
	{ NULL, "192.0.2.1.", HOST_OTHER, NULL },
	{ NULL, "mta-sts.", HOST_OTHER, NULL },
	{ NULL, "mta-sts", HOST_OTHER, NULL },
	{ NULL, "MTA-STS:443", HOST_OTHER, NULL },
	{ NULL, "www.x", HOST_OTHER, NULL },
	{ NULL, "www.example.com", HOST_OTHER, NULL },
	{ NULL, "mta-sts-example.com", HOST_OTHER, NULL },
	{ NULL, "mta-stsexample.com", HOST_OTHER, NULL },
	{ NULL, "x.mta-sts.example.com", HOST_OTHER, NULL },
	{ NULL, "localhost:8080", HOST_OTHER, NULL },
};

static const char *const result_names[HOST__MAX] = {
	"HOST_OK", "HOST_BAD", "HOST_OTHER",
};

static const char *
result_name(enum host_result r)
{
	if ((unsigned int)r >= HOST__MAX)
		return "?";
	return result_names[r];
}

/* A short printable label for a row: long or odd inputs are abbreviated. */
static void
row_label(char *dst, size_t dstsz, const char *label, const char *s)
{
	size_t	 i, j = 0;

	if (label != NULL) {
		snprintf(dst, dstsz, "%s", label);
		return;
	}
	for (i = 0; s[i] != '\0' && j + 5 < dstsz && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			j += (size_t)snprintf(dst + j, dstsz - j, "\\x%02x", c);
		else
			dst[j++] = (char)c;
	}
	dst[j] = '\0';
}

static void
test_valid(void)
{
	char	 label[128];
	size_t	 i, len;

	for (i = 0; i < sizeof(valid_rows) / sizeof(valid_rows[0]); i++) {
		const struct valid_row *r = &valid_rows[i];

		len = r->len ? r->len : strlen(r->name);
		row_label(label, sizeof(label), NULL, r->name);
		t_inteq(host_valid(r->name, len), r->want,
		    "host_valid \"%s\" (%zu octets)", label, len);
	}
	t_inteq(host_valid(NULL, 0), 0, "host_valid NULL");
}

static void
test_pattern(void)
{
	char	 label[128];
	size_t	 i, len;

	for (i = 0; i < sizeof(pattern_rows) / sizeof(pattern_rows[0]); i++) {
		const struct valid_row *r = &pattern_rows[i];

		len = r->len ? r->len : strlen(r->name);
		row_label(label, sizeof(label), NULL, r->name);
		t_inteq(host_valid_pattern(r->name, len), r->want,
		    "host_valid_pattern \"%s\" (%zu octets)", label, len);
	}
}

static void
test_domain(void)
{
	char			 domain[HOST_NAME_SIZE], label[128];
	enum host_result	 res;
	const char		*want;
	size_t			 i;

	for (i = 0; i < sizeof(domain_rows) / sizeof(domain_rows[0]); i++) {
		const struct domain_row *r = &domain_rows[i];
		int ok;

		row_label(label, sizeof(label), r->label, r->host);
		snprintf(domain, sizeof(domain), "untouched");
		res = host_policy_domain(r->host, domain, sizeof(domain));
		want = r->want == HOST_OK ? r->domain : "untouched";
		ok = res == r->want && strcmp(domain, want) == 0;
		if (!t_ok(ok, "host_policy_domain \"%s\"", label)) {
			printf("    have: %s \"%s\"\n    want: %s \"%s\"\n",
			    result_name(res), domain, result_name(r->want),
			    want);
		}
	}

	snprintf(domain, sizeof(domain), "untouched");
	res = host_policy_domain(NULL, domain, sizeof(domain));
	t_ok(res == HOST_BAD && strcmp(domain, "untouched") == 0,
	    "host_policy_domain NULL");

	/* "example.com" needs 12 bytes with its NUL. */
	snprintf(domain, sizeof(domain), "untouched");
	res = host_policy_domain("mta-sts.example.com", domain, 11);
	t_ok(res == HOST_BAD && strcmp(domain, "untouched") == 0,
	    "host_policy_domain domainsz too small");
	res = host_policy_domain("mta-sts.example.com", domain, 12);
	t_ok(res == HOST_OK && strcmp(domain, "example.com") == 0,
	    "host_policy_domain domainsz exact");
}

static void
test_lower(void)
{
	char	 s[] = "MTA-STS.Example.COM.:443 ZZ@[\x80\xc3";

	host_lower(s);
	t_streq(s, "mta-sts.example.com.:443 zz@[\x80\xc3", "host_lower");
}

int
main(void)
{
	t_suite = "host";
	build_names();
	test_valid();
	test_pattern();
	test_domain();
	test_lower();
	return t_done();
}
