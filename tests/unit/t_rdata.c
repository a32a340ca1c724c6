/* Unit tests for common/rdata.c: MX and TXT rdata in wire format. */
#include <stdint.h>
#include <stdlib.h>

#include "rdata.h"
#include "test.h"

struct mx_case {
	const char	*what;
	const char	*wire;		/* bytes, as a C string with escapes */
	size_t		 len;
	int		 rc;
	unsigned int	 pref;
	const char	*name;
};

#define W(s)	s, sizeof(s) - 1

static const struct mx_case mx_cases[] = {
	{ "simple", W("\x00\x0a\x03mx1\x07""example\x03""com\x00"), 0, 10,
	    "mx1.example.com" },
	{ "upper case is lowered", W("\x00\x14\x03MX1\x07""ExAmPlE\x00"), 0,
	    20, "mx1.example" },
	{ "null MX", W("\x00\x00\x00"), 0, 0, "" },
	{ "preference 65535", W("\xff\xff\x01""a\x00"), 0, 65535, "a" },
	{ "hyphen and digits", W("\x00\x01\x05m-x-9\x02""io\x00"), 0, 1,
	    "m-x-9.io" },
	{ "dot inside a label escaped", W("\x00\x05\x03""a.b\x02""io\x00"),
	    0, 5, "a\\046b.io" },
	{ "underscore escaped", W("\x00\x05\x04mx_1\x02""io\x00"), 0, 5,
	    "mx\\0951.io" },
	{ "space and control escaped", W("\x00\x05\x03""a b\x01\x01\x00"),
	    0, 5, "a\\032b.\\001" },
	{ "63-octet label",
	    W("\x00\x01\x3f"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\x00"), 0, 1,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	{ "empty rdata", "", 0, -1, 0, NULL },
	{ "one byte", W("\x00"), -1, 0, NULL },
	{ "preference only", W("\x00\x0a"), -1, 0, NULL },
	{ "no root label", W("\x00\x0a\x03mx1"), -1, 0, NULL },
	{ "label runs past end", W("\x00\x0a\x05mx1\x00"), -1, 0, NULL },
	{ "label length 64", W("\x00\x0a\x40""a\x00"), -1, 0, NULL },
	{ "compression pointer", W("\x00\x0a\xc0\x0c"), -1, 0, NULL },
	{ "pointer after a label", W("\x00\x0a\x03mx1\xc0\x0c"), -1, 0,
	    NULL },
	{ "extended label type 0x40", W("\x00\x0a\x41\x00"), -1, 0, NULL },
	{ "reserved label type 0x80", W("\x00\x0a\x81\x00"), -1, 0, NULL },
	{ "trailing byte", W("\x00\x0a\x01""a\x00\x00"), -1, 0, NULL },
	{ "trailing label", W("\x00\x0a\x01""a\x00\x01""b\x00"), -1, 0,
	    NULL },
	{ "null MX with trailing byte", W("\x00\x00\x00\x01"), -1, 0, NULL },
};

/* A wire name of `labels` labels of `llen` octets each: 2 + labels*(llen+1) + 1 bytes. */
static unsigned char *
long_name(size_t labels, size_t llen, size_t *len)
{
	unsigned char	*p;
	size_t		 i, o = 0;

	*len = 2 + labels * (llen + 1) + 1;
	if ((p = malloc(*len)) == NULL)
		abort();
	p[o++] = 0;
	p[o++] = 10;
	for (i = 0; i < labels; i++) {
		p[o++] = (unsigned char)llen;
		memset(p + o, 'a', llen);
		o += llen;
	}
	p[o++] = 0;
	return p;
}

static void
test_mx(void)
{
	const struct mx_case	*c;
	char			 name[RDATA_NAME_SIZE];
	unsigned char		*p;
	uint16_t		 pref;
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < sizeof(mx_cases) / sizeof(mx_cases[0]); i++) {
		c = &mx_cases[i];
		pref = 0xbeef;
		rc = rdata_mx_parse((const unsigned char *)c->wire, c->len,
		    &pref, name, sizeof(name));
		if (c->rc == -1) {
			t_inteq(rc, -1, "mx: %s is refused", c->what);
			continue;
		}
		if (!t_inteq(rc, 0, "mx: %s parses", c->what))
			continue;
		t_inteq(pref, c->pref, "mx: %s preference", c->what);
		t_streq(name, c->name, "mx: %s name", c->what);
	}

	/* 255 octets in wire form is the maximum: 127 labels "a" = 255. */
	p = long_name(127, 1, &len);
	t_inteq(rdata_mx_parse(p, len, &pref, name, sizeof(name)), 0,
	    "mx: 255-octet name accepted");
	free(p);
	p = long_name(128, 1, &len);
	t_inteq(rdata_mx_parse(p, len, &pref, name, sizeof(name)), -1,
	    "mx: 257-octet name (128 labels) refused");
	free(p);
	/* 4 labels of 63 = 257 octets in wire form. */
	p = long_name(4, 63, &len);
	t_inteq(rdata_mx_parse(p, len, &pref, name, sizeof(name)), -1,
	    "mx: 4 labels of 63 octets refused");
	free(p);
	/* Every octet escaped still fits the output buffer. */
	p = long_name(3, 63, &len);
	memset(p + 3, 0xff, 63);
	t_inteq(rdata_mx_parse(p, len, &pref, name, sizeof(name)), 0,
	    "mx: escaped 63-octet label fits");
	free(p);
	t_inteq(rdata_mx_parse(NULL, 0, &pref, name, sizeof(name)), -1,
	    "mx: NULL rdata refused");
	t_inteq(rdata_mx_parse((const unsigned char *)"\0\0\0", 3, &pref,
	    name, 16), -1, "mx: small output buffer refused");
}

struct txt_case {
	const char	*what;
	const char	*wire;
	size_t		 len;
	int		 rc;
	const char	*text;
};

static const struct txt_case txt_cases[] = {
	{ "one string", W("\x13v=STSv1; id=2024010"), 19,
	    "v=STSv1; id=2024010" },
	{ "split strings joined", W("\x08v=STSv1;\x04 id=\x01""1"), 13,
	    "v=STSv1; id=1" },
	{ "empty string", W("\x00"), 0, "" },
	{ "length past end", W("\x05""abc"), -1, NULL },
	{ "NUL inside", W("\x03""a\x00""b"), -1, NULL },
	{ "empty rdata", "", 0, -1, NULL },
};

static void
test_txt(void)
{
	const struct txt_case	*c;
	char			 out[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(txt_cases) / sizeof(txt_cases[0]); i++) {
		c = &txt_cases[i];
		rc = rdata_txt_join((const unsigned char *)c->wire, c->len, out,
		    sizeof(out));
		if (!t_inteq(rc, c->rc, "txt: %s result", c->what) || rc < 0)
			continue;
		t_streq(out, c->text, "txt: %s text", c->what);
	}
	t_inteq(rdata_txt_join((const unsigned char *)"\x05hello", 6, out, 5),
	    -1, "txt: output too small refused");
}

int
main(void)
{
	t_suite = "rdata";
	test_mx();
	test_txt();
	return t_done();
}
