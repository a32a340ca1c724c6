#include <string.h>

#include "errf.h"
#include "ststxt.h"

#define STSTXT_VERSION		"v=STSv1"
#define STSTXT_VERSION_LEN	(sizeof(STSTXT_VERSION) - 1)
#define STSTXT_EXT_NAME_MAX	32
#define STSTXT_QUOTE_MAX	40

/* At most STSTXT_QUOTE_MAX bytes of s, non-printable ones as '?'. */
#define ststxt_quote(dst, s, len)	errf_quote(dst, sizeof(dst), s, len)

static int
ststxt_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
ststxt_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* sts-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static int
ststxt_name_char(char c, size_t pos)
{
	return ststxt_alnum(c) || (pos > 0 && (c == '_' || c == '-' ||
	    c == '.'));
}

/* sts-ext-value bytes: %x21-3A / %x3C / %x3E-7E */
static int
ststxt_value_char(char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

enum ststxt_rc
ststxt_parse_why(const char *txt, size_t len, char *id, size_t idlen,
    char *why, size_t whylen)
{
	char		 q[STSTXT_QUOTE_MAX + 4];
	const char	*name, *val, *idv = NULL;
	size_t		 p, nlen, vlen, idl = 0, nfields = 0, nid = 0, i, f;

	if (id != NULL && idlen > 0)
		id[0] = '\0';
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len < STSTXT_VERSION_LEN ||
	    memcmp(txt, STSTXT_VERSION, STSTXT_VERSION_LEN) != 0 ||
	    (len > STSTXT_VERSION_LEN &&
	    !ststxt_wsp(txt[STSTXT_VERSION_LEN]) &&
	    txt[STSTXT_VERSION_LEN] != ';'))
		return STSTXT_NOT_STS;

	/* After the version and after each field: a delimiter or the end. */
	for (p = STSTXT_VERSION_LEN, name = txt + p;;) {
		if (p == len) {
			if (nfields == 0)
				goto malformed;
			break;
		}
		while (p < len && ststxt_wsp(txt[p]))
			p++;
		if (p == len || txt[p] != ';') {
			/* Text after a value, or WSP ending the record. */
			if (nfields == 0)
				goto malformed;
			for (f = p; f < len && txt[f] != ';'; f++)
				;
			errf(why, whylen, "malformed field \"%s\"",
			    ststxt_quote(q, name, (size_t)(txt + f - name)));
			return STSTXT_INVALID;
		}
		p++;
		while (p < len && ststxt_wsp(txt[p]))
			p++;
		if (p == len) {
			/* The optional trailing delimiter. */
			if (nfields == 0)
				goto malformed;
			break;
		}

		/* sts-field: a name, "=", a value. */
		name = txt + p;
		for (nlen = 0; p < len && ststxt_name_char(txt[p], nlen); p++)
			nlen++;
		if (nlen == 0 && txt[p] == ';') {
			errf(why, whylen, "empty field");
			return STSTXT_INVALID;
		}
		if (nlen == 0 || nlen > STSTXT_EXT_NAME_MAX || p == len ||
		    txt[p] != '=') {
			for (f = p; f < len && txt[f] != ';'; f++)
				;
			errf(why, whylen, "malformed field \"%s\"",
			    ststxt_quote(q, name, (size_t)(txt + f - name)));
			return STSTXT_INVALID;
		}
		val = txt + ++p;
		for (vlen = 0; p < len && ststxt_value_char(txt[p]); p++)
			vlen++;
		nfields++;
		if (nlen == 2 && memcmp(name, "id", 2) == 0) {
			nid++;
			idv = val;
			idl = vlen;
			/* The id's own grammar: 1*32(ALPHA / DIGIT). */
			for (i = 0; i < idl && ststxt_alnum(idv[i]); i++)
				;
			if (idl == 0 || idl > STSTXT_ID_MAX || i < idl) {
				errf(why, whylen, "invalid id \"%s\" "
				    "(want 1 to 32 letters and digits)",
				    ststxt_quote(q, idv, idl));
				return STSTXT_INVALID;
			}
		} else if (vlen == 0) {
			for (f = p; f < len && txt[f] != ';'; f++)
				;
			errf(why, whylen, "malformed field \"%s\"",
			    ststxt_quote(q, name, (size_t)(txt + f - name)));
			return STSTXT_INVALID;
		}
	}
	if (nid != 1) {
		errf(why, whylen, "%s id field", nid == 0 ? "no" :
		    "more than one");
		return STSTXT_INVALID;
	}
	if (id != NULL && idlen > idl) {
		memcpy(id, idv, idl);
		id[idl] = '\0';
	}
	return STSTXT_OK;
 malformed:
	errf(why, whylen, "malformed record (want \"v=STSv1; id=...\")");
	return STSTXT_INVALID;
}

enum ststxt_rc
ststxt_parse(const char *txt, size_t len, char *id, size_t idlen)
{
	return ststxt_parse_why(txt, len, id, idlen, NULL, 0);
}

enum ststxt_rc
ststxt_select(char *const *txt, size_t n, char *id, size_t idlen,
    size_t *which, char *why, size_t whylen)
{
	size_t	 i, nsts = 0, sts = 0;

	if (id != NULL && idlen > 0)
		id[0] = '\0';
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	for (i = 0; i < n; i++)
		if (ststxt_parse(txt[i], strlen(txt[i]), NULL, 0) !=
		    STSTXT_NOT_STS) {
			nsts++;
			sts = i;
		}
	if (nsts == 0) {
		errf(why, whylen, n == 0 ? "no TXT record" :
		    "no record begins with \"v=STSv1\"");
		return STSTXT_NOT_STS;
	}
	if (nsts > 1) {
		errf(why, whylen, "%zu records begin with \"v=STSv1\"",
		    nsts);
		return STSTXT_INVALID;
	}
	if (which != NULL)
		*which = sts;
	return ststxt_parse_why(txt[sts], strlen(txt[sts]), id, idlen, why,
	    whylen);
}
