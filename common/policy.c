#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errf.h"
#include "host.h"
#include "num.h"
#include "policy.h"
#include "xmalloc.h"

static const char *const policy_mode_names[POLICY_MODE__MAX] = {
	"enforce",	/* POLICY_MODE_ENFORCE */
	"testing",	/* POLICY_MODE_TESTING */
	"none",		/* POLICY_MODE_NONE */
};

const char *
policy_mode_name(enum policy_mode m)
{
	if ((unsigned int)m >= POLICY_MODE__MAX)
		return NULL;
	return policy_mode_names[m];
}

int
policy_mode_parse(const char *s, enum policy_mode *m)
{
	unsigned int	 i;

	for (i = 0; i < POLICY_MODE__MAX; i++)
		if (strcmp(s, policy_mode_names[i]) == 0) {
			*m = (enum policy_mode)i;
			return 0;
		}
	return -1;
}

size_t
policy_rendered_size(const struct policy *p)
{
	const char	*mode = policy_mode_name(p->mode);
	char		 age[32];
	size_t		 n, i;
	int		 alen;

	alen = snprintf(age, sizeof(age), "%lu", p->max_age);
	n = sizeof("version: STSv1\r\n") - 1 +
	    sizeof("mode: \r\n") - 1 + (mode != NULL ? strlen(mode) : 0) +
	    sizeof("max_age: \r\n") - 1 + (alen > 0 ? (size_t)alen : 0);
	for (i = 0; i < p->nmx; i++)
		n += sizeof("mx: \r\n") - 1 + strlen(p->mx[i]);
	return n;
}

int
policy_max_age_parse(const char *s, size_t len, unsigned long *v)
{
	uint64_t	 n;

	/* RFC 8461 section 3.2: max-age-value = 1*10DIGIT */
	if (len > 10 || num_parse(s, len, 0, POLICY_MAX_AGE_MAX, 0, &n) == -1)
		return -1;
	*v = (unsigned long)n;
	return 0;
}

#define POLICY_DEFAULT_MAX_AGE	604800UL

/* The longest mx value host_valid_pattern() can accept: "*." + a name. */
#define POLICY_MX_LEN_MAX	(2 + HOST_NAME_MAX_LEN)

/* Bytes of a value quoted in an error message; longer ones end in "...". */
#define POLICY_QUOTE_MAX	64

void
policy_init(struct policy *p)
{
	p->mode = POLICY_MODE_TESTING;
	p->max_age = POLICY_DEFAULT_MAX_AGE;
	p->mx = NULL;
	p->nmx = 0;
	p->mxcap = 0;
}

void
policy_clear(struct policy *p)
{
	size_t	 i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	policy_init(p);
}

/*
 * Turn len bytes of an mx value into its canonical form in out (at least
 * POLICY_MX_LEN_MAX + 1 bytes): one trailing dot removed, lower case,
 * NUL-terminated.  Returns the length, or -1 when the result is not a
 * hostname or "*." pattern.  Allocates nothing, so a caller can tell an
 * invalid name from a lack of memory.
 */
static int
policy_mx_canon(const char *name, size_t len, char *out)
{
	size_t	 i;
	char	 c;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > POLICY_MX_LEN_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[i] = c;
	}
	out[len] = '\0';
	if (!host_valid_pattern(out, len))
		return -1;
	return (int)len;
}

/* Append an already canonical name.  Returns 0 or -1 (policy unchanged). */
static int
policy_add_canon(struct policy *p, const char *name, size_t len)
{
	char	**mx, *s;
	size_t	  ncap;

	if (p->nmx >= POLICY_MAX_MX)
		return -1;
	if (p->nmx == p->mxcap) {
		ncap = p->mxcap == 0 ? 8 : p->mxcap * 2;
		if (ncap > POLICY_MAX_MX)
			ncap = POLICY_MAX_MX;
		if ((mx = xreallocarray(p->mx, ncap, sizeof(*mx))) == NULL)
			return -1;
		p->mx = mx;
		p->mxcap = ncap;
	}
	if ((s = xstrndup(name, len)) == NULL)
		return -1;
	p->mx[p->nmx++] = s;
	return 0;
}

int
policy_add_mx(struct policy *p, const char *name, size_t len)
{
	char	 canon[POLICY_MX_LEN_MAX + 1];
	int	 n;

	if ((n = policy_mx_canon(name, len, canon)) == -1)
		return -1;
	return policy_add_canon(p, canon, (size_t)n);
}

static int
policy_mx_cmp(const void *a, const void *b)
{
	const char *const	*sa = a, *const *sb = b;

	return strcmp(*sa, *sb);
}

void
policy_normalize(struct policy *p)
{
	size_t	 i, j;

	if (p->nmx < 2)
		return;
	qsort(p->mx, p->nmx, sizeof(*p->mx), policy_mx_cmp);
	for (i = 1, j = 0; i < p->nmx; i++) {
		if (strcmp(p->mx[i], p->mx[j]) == 0)
			free(p->mx[i]);
		else
			p->mx[++j] = p->mx[i];
	}
	p->nmx = j + 1;
}

int
policy_render(const struct policy *p, struct buf *out)
{
	const char	*mode;
	size_t		 i;

	/*
	 * An out-of-range mode or max_age is a caller's bug (both are
	 * public fields); refuse rather than serve a policy no sender
	 * accepts.
	 */
	if ((mode = policy_mode_name(p->mode)) == NULL ||
	    p->max_age > POLICY_MAX_AGE_MAX)
		return -1;
	if (buf_printf(out, "version: STSv1\r\nmode: %s\r\n", mode) == -1)
		return -1;
	for (i = 0; i < p->nmx; i++)
		if (buf_printf(out, "mx: %s\r\n", p->mx[i]) == -1)
			return -1;
	if (buf_printf(out, "max_age: %lu\r\n", p->max_age) == -1)
		return -1;
	return 0;
}

int
policy_equal(const struct policy *a, const struct policy *b)
{
	size_t	 i;

	if (a->mode != b->mode || a->max_age != b->max_age ||
	    a->nmx != b->nmx)
		return 0;
	for (i = 0; i < a->nmx; i++)
		if (strcmp(a->mx[i], b->mx[i]) != 0)
			return 0;
	return 1;
}

/*
 * The strict parser.  One line at a time; the first problem ends the
 * parse, so the line reported is always the earliest wrong one.
 */

enum policy_key {
	POLICY_KEY_VERSION,
	POLICY_KEY_MODE,
	POLICY_KEY_MAX_AGE,
	POLICY_KEY_MX,
	POLICY_KEY__MAX
};

static const char *const policy_key_names[POLICY_KEY__MAX] = {
	"version",	/* POLICY_KEY_VERSION */
	"mode",		/* POLICY_KEY_MODE */
	"max_age",	/* POLICY_KEY_MAX_AGE */
	"mx",		/* POLICY_KEY_MX */
};

struct policy_parser {
	struct policy	 pol;		/* moved to the caller on success */
	size_t		 line;		/* current line, 1-based */
	size_t		 keyline[POLICY_KEY__MAX]; /* first line of each key */
	size_t		 nfields;	/* field lines seen so far */
	size_t		 blank;		/* first line of a blank run, or 0 */
	size_t		 errline;
	char		*err;
	size_t		 errlen;
};

/*
 * Record the reason for the error on line (0: not tied to a line).  A
 * reason longer than errlen is cut short: the parse fails all the same.
 */
static void __attribute__((format(printf, 3, 4)))
policy_perr(struct policy_parser *ps, size_t line, const char *fmt, ...)
{
	va_list	 ap;

	ps->errline = line;
	va_start(ap, fmt);
	verrf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
}

/* Length of the quoted part of a value and the suffix that marks a cut. */
#define QLEN(len)	\
	((int)((len) > POLICY_QUOTE_MAX ? POLICY_QUOTE_MAX : (len)))
#define QCUT(len)	((len) > POLICY_QUOTE_MAX ? "..." : "")

static int
policy_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Letters, digits, '_', '-' and '.': RFC 8461's sts-policy-ext-name set. */
static int
policy_is_keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static int
policy_line_blank(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!policy_is_ws(s[i]))
			return 0;
	return 1;
}

/*
 * Refuse bytes that have no place in a policy.  Control characters other
 * than HTAB are refused too: values end up quoted in log lines.
 */
static int
policy_check_bytes(struct policy_parser *ps, const char *s, size_t n)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\0') {
			policy_perr(ps, ps->line, "NUL byte");
			return -1;
		}
		if (c >= 0x80) {
			policy_perr(ps, ps->line, "non-ASCII byte");
			return -1;
		}
		if (c == '\r') {
			/* A CR of a CRLF was removed by the caller. */
			policy_perr(ps, ps->line, "CR without LF");
			return -1;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			policy_perr(ps, ps->line, "control character 0x%02x",
			    c);
			return -1;
		}
	}
	return 0;
}

/* Handle the value v (vlen bytes, trimmed, not empty) of key k. */
static int
policy_field_value(struct policy_parser *ps, enum policy_key k,
    const char *v, size_t vlen)
{
	char		 canon[POLICY_MX_LEN_MAX + 1], mode[16];
	int		 n;

	switch (k) {
	case POLICY_KEY_VERSION:
		if (vlen != 5 || memcmp(v, "STSv1", 5) != 0) {
			policy_perr(ps, ps->line,
			    "invalid version \"%.*s%s\" (expected \"STSv1\")",
			    QLEN(vlen), v, QCUT(vlen));
			return -1;
		}
		return 0;
	case POLICY_KEY_MODE:
		if (vlen < sizeof(mode)) {
			memcpy(mode, v, vlen);
			mode[vlen] = '\0';
			if (policy_mode_parse(mode, &ps->pol.mode) == 0)
				return 0;
		}
		policy_perr(ps, ps->line, "invalid mode \"%.*s%s\" "
		    "(expected enforce, testing or none)",
		    QLEN(vlen), v, QCUT(vlen));
		return -1;
	case POLICY_KEY_MAX_AGE:
		if (policy_max_age_parse(v, vlen, &ps->pol.max_age) == -1) {
			policy_perr(ps, ps->line,
			    "invalid max_age \"%.*s%s\" (expected 0..%lu)",
			    QLEN(vlen), v, QCUT(vlen), POLICY_MAX_AGE_MAX);
			return -1;
		}
		return 0;
	case POLICY_KEY_MX:
		if (ps->pol.nmx >= POLICY_MAX_MX) {
			policy_perr(ps, ps->line, "more than %d mx lines",
			    POLICY_MAX_MX);
			return -1;
		}
		if ((n = policy_mx_canon(v, vlen, canon)) == -1) {
			policy_perr(ps, ps->line, "invalid mx \"%.*s%s\"",
			    QLEN(vlen), v, QCUT(vlen));
			return -1;
		}
		if (policy_add_canon(&ps->pol, canon, (size_t)n) == -1) {
			policy_perr(ps, ps->line, "out of memory");
			return -1;
		}
		return 0;
	default:
		break;
	}
	policy_perr(ps, ps->line, "internal error: key %d", (int)k);
	return -1;
}

/* One non-blank line of n bytes (without its line end). */
static int
policy_field(struct policy_parser *ps, const char *s, size_t n)
{
	enum policy_key	 k;
	size_t		 i, klen, v, vend;

	if (policy_check_bytes(ps, s, n) == -1)
		return -1;
	if (policy_is_ws(s[0])) {
		policy_perr(ps, ps->line, "leading whitespace");
		return -1;
	}
	for (klen = 0; klen < n && policy_is_keychar(s[klen]); klen++)
		;
	if (klen == 0) {
		policy_perr(ps, ps->line, "line does not start with a key");
		return -1;
	}
	if (klen < n && policy_is_ws(s[klen])) {
		for (i = klen; i < n && policy_is_ws(s[i]); i++)
			;
		if (i < n && s[i] == ':') {
			policy_perr(ps, ps->line, "space before ':'");
			return -1;
		}
	}
	if (klen < n && s[klen] != ':' && !policy_is_ws(s[klen])) {
		policy_perr(ps, ps->line, "invalid character '%c' in key",
		    s[klen]);
		return -1;
	}
	if (klen == n || s[klen] != ':') {
		policy_perr(ps, ps->line, "missing ':' after \"%.*s%s\"",
		    QLEN(klen), s, QCUT(klen));
		return -1;
	}

	/*
	 * RFC 8461 section 3.2 makes senders ignore fields they do not know.
	 * An override file is written by the local administrator, though,
	 * and a typo ("nmx", "Mode") must not silently drop a field, so we
	 * are deliberately stricter: any other key is an error.
	 */
	for (k = 0; k < POLICY_KEY__MAX; k++)
		if (strlen(policy_key_names[k]) == klen &&
		    memcmp(policy_key_names[k], s, klen) == 0)
			break;
	if (k == POLICY_KEY__MAX) {
		policy_perr(ps, ps->line, "unknown key \"%.*s%s\"",
		    QLEN(klen), s, QCUT(klen));
		return -1;
	}
	if (ps->nfields++ == 0 && k != POLICY_KEY_VERSION) {
		policy_perr(ps, ps->line,
		    "\"version: STSv1\" must be the first line");
		return -1;
	}
	if (k != POLICY_KEY_MX && ps->keyline[k] != 0) {
		policy_perr(ps, ps->line,
		    "duplicate \"%s\" (first on line %zu)",
		    policy_key_names[k], ps->keyline[k]);
		return -1;
	}
	if (ps->keyline[k] == 0)
		ps->keyline[k] = ps->line;

	for (v = klen + 1; v < n && policy_is_ws(s[v]); v++)
		;
	for (vend = n; vend > v && policy_is_ws(s[vend - 1]); vend--)
		;
	if (vend == v) {
		policy_perr(ps, ps->line, "empty value for \"%s\"",
		    policy_key_names[k]);
		return -1;
	}
	return policy_field_value(ps, k, s + v, vend - v);
}

int
policy_parse(const char *text, size_t len, struct policy *p,
    size_t *errline, char *err, size_t errlen)
{
	struct policy_parser	 ps;
	const char		*s, *nl;
	size_t			 start, end, next, n;
	int			 rc = -1;

	memset(&ps, 0, sizeof(ps));
	policy_init(&ps.pol);
	ps.err = err;
	ps.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (len > POLICY_MAX_SIZE) {
		policy_perr(&ps, 0, "policy larger than %d bytes",
		    POLICY_MAX_SIZE);
		goto out;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		policy_perr(&ps, 1, "byte order mark");
		goto out;
	}

	for (start = 0; start < len; start = next) {
		ps.line++;
		s = text + start;
		if ((nl = memchr(s, '\n', len - start)) != NULL) {
			end = (size_t)(nl - text);
			next = end + 1;
		} else
			end = next = len;
		n = end - start;
		/* Drop the CR of a CRLF; any other CR is an error. */
		if (nl != NULL && n > 0 && s[n - 1] == '\r')
			n--;

		/* Blank lines are fine only when no field follows them. */
		if (policy_line_blank(s, n)) {
			if (ps.blank == 0)
				ps.blank = ps.line;
			continue;
		}
		if (ps.blank != 0) {
			policy_perr(&ps, ps.blank, "blank line");
			goto out;
		}
		if (policy_field(&ps, s, n) == -1)
			goto out;
	}

	if (ps.keyline[POLICY_KEY_VERSION] == 0) {
		policy_perr(&ps, 0, "missing \"version\"");
		goto out;
	}
	if (ps.keyline[POLICY_KEY_MODE] == 0) {
		policy_perr(&ps, 0, "missing \"mode\"");
		goto out;
	}
	if (ps.keyline[POLICY_KEY_MAX_AGE] == 0) {
		policy_perr(&ps, 0, "missing \"max_age\"");
		goto out;
	}
	if (ps.pol.mode != POLICY_MODE_NONE && ps.pol.nmx == 0) {
		policy_perr(&ps, ps.keyline[POLICY_KEY_MODE],
		    "mode %s requires at least one mx line",
		    policy_mode_name(ps.pol.mode));
		goto out;
	}

	policy_normalize(&ps.pol);
	if (policy_rendered_size(&ps.pol) > POLICY_MAX_SIZE) {
		policy_perr(&ps, 0, "canonical policy larger than %d bytes",
		    POLICY_MAX_SIZE);
		goto out;
	}
	policy_clear(p);
	*p = ps.pol;
	policy_init(&ps.pol);
	rc = 0;
 out:
	if (rc == -1) {
		policy_clear(&ps.pol);
		policy_clear(p);
	}
	if (errline != NULL)
		*errline = rc == 0 ? 0 : ps.errline;
	return rc;
}
