/*
 * report: see report.h.  json-c does the JSON (strict mode, UTF-8 checked,
 * nesting bounded by the tokener's depth); this file walks the object
 * tree once and copies what the reading needs into struct report, so no
 * json-c type leaves the module.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "errf.h"
#include "host.h"
#include "report.h"
#include "xmalloc.h"

/* The state of one report_parse() run: where errors go. */
struct rp {
	char	*err;
	size_t	 errlen;
};

static void __attribute__((format(printf, 2, 3)))
rp_err(struct rp *rp, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verrf(rp->err, rp->errlen, fmt, ap);
	va_end(ap);
}

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

void
report_clear(struct report *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->np; i++)
		free(r->p[i].f);
	free(r->p);
	free(r->id);
	report_init(r);
}

static const char *
rp_type_name(enum json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "unknown";
}

/*
 * Member key of object o with type t into *v.  Returns 0 when found, 1
 * when absent (or null, for an optional member), -1 with the error set
 * when required and absent or of another type.
 */
static int
rp_get(struct rp *rp, struct json_object *o, const char *where,
    const char *key, enum json_type t, int required, struct json_object **v)
{
	struct json_object	*m;

	*v = NULL;
	if (!json_object_object_get_ex(o, key, &m) ||
	    (!required && json_object_get_type(m) == json_type_null)) {
		if (!required)
			return 1;
		rp_err(rp, "%s: missing \"%s\"", where, key);
		return -1;
	}
	if (json_object_get_type(m) != t) {
		rp_err(rp, "%s: \"%s\" is %s, expected %s", where, key,
		    rp_type_name(json_object_get_type(m)), rp_type_name(t));
		return -1;
	}
	*v = m;
	return 0;
}

/*
 * Copy the string s (len bytes, valid UTF-8) into dst of size bytes: cut
 * at a character boundary, control characters (and NUL) as '?'.
 */
static void
rp_copy(char *dst, size_t size, const char *s, size_t len)
{
	size_t	 i;

	if (len > size - 1) {
		len = size - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[len] = '\0';
}

/* A string member into dst; absent optional members give "". */
static int
rp_str(struct rp *rp, struct json_object *o, const char *where,
    const char *key, int required, char *dst, size_t size)
{
	struct json_object	*v;
	int			 rc;

	dst[0] = '\0';
	if ((rc = rp_get(rp, o, where, key, json_type_string, required,
	    &v)) != 0)
		return rc == 1 ? 0 : -1;
	rp_copy(dst, size, json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
	if (required && dst[0] == '\0') {
		rp_err(rp, "%s: \"%s\" is empty", where, key);
		return -1;
	}
	return 0;
}

/* A required count: an integer 0..REPORT_COUNT_MAX. */
static int
rp_count(struct rp *rp, struct json_object *o, const char *where,
    const char *key, uint64_t *n)
{
	struct json_object	*v;
	int64_t			 i;

	if (rp_get(rp, o, where, key, json_type_int, 1, &v) == -1)
		return -1;
	i = json_object_get_int64(v);
	if (i < 0 || (uint64_t)i > REPORT_COUNT_MAX) {
		rp_err(rp, "%s: \"%s\" out of range (0..2^53)", where, key);
		return -1;
	}
	*n = (uint64_t)i;
	return 0;
}

/* Lower case, without one trailing dot. */
static void
rp_host(char *s)
{
	size_t	 len;

	host_lower(s);
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[len - 1] = '\0';
}

/* Digits at s, exactly n of them, into *v. */
static int
rp_digits(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
report_time_parse(const char *s, int64_t *t)
{
	struct tm	 tm;
	const char	*p;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t		 e;

	if (strlen(s) < 20 || rp_digits(s, 4, &y) == -1 || s[4] != '-' ||
	    rp_digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    rp_digits(s + 8, 2, &d) == -1 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    rp_digits(s + 11, 2, &h) == -1 || s[13] != ':' ||
	    rp_digits(s + 14, 2, &mi) == -1 || s[16] != ':' ||
	    rp_digits(s + 17, 2, &sec) == -1)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		if (p == s + 20)
			return -1;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (rp_digits(p + 1, 2, &oh) == -1 || p[3] != ':' ||
		    rp_digits(p + 4, 2, &om) == -1 || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	/* A leap second is the last second of its minute here. */
	tm.tm_sec = sec == 60 ? 59 : sec;
	if ((e = timegm(&tm)) == (time_t)-1)
		return -1;
	/* timegm() normalises 31 February; a real date does not move. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*t = (int64_t)e + (sec == 60) - sign * (oh * 3600 + om * 60);
	return 0;
}

/*
 * What json-c's strict mode lets through and RFC 8259 / I-JSON (RFC 7493,
 * which RFC 8460 requires) do not: single-quoted strings, bare words
 * other than true, false and null (NaN, Infinity), raw control characters
 * in strings, unpaired surrogate escapes.  Also counts the members of
 * each object, in document order, into counts[] (caller must free), so
 * that rp_dups() can find duplicate names, which json-c merges silently.
 * Returns 0, or -1 with the error set.
 */
static int
rp_lex(struct rp *rp, const char *s, size_t len, size_t **counts,
    size_t *nobj)
{
	size_t	 stack[REPORT_MAX_DEPTH + 1], *c = NULL, n = 0, depth = 0;
	size_t	 i, j, nopen = 0;
	unsigned int	 u;
	int		 isobj[REPORT_MAX_DEPTH + 1], hi = 0, x;

	*counts = NULL;
	*nobj = 0;
	for (i = 0; i < len; i++)
		if (s[i] == '{')
			nopen++;
	if (nopen > 0 && (c = xcalloc(nopen, sizeof(*c))) == NULL) {
		rp_err(rp, "out of memory");
		return -1;
	}
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '{':
		case '[':
			if (depth == REPORT_MAX_DEPTH) {
				rp_err(rp, "invalid JSON: nested more than %d "
				    "levels", REPORT_MAX_DEPTH);
				goto fail;
			}
			isobj[depth] = s[i] == '{';
			stack[depth++] = s[i] == '{' ? n++ : 0;
			continue;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			continue;
		case ':':
			if (depth > 0 && isobj[depth - 1])
				c[stack[depth - 1]]++;
			continue;
		case '\'':
			rp_err(rp, "invalid JSON at byte %zu: single-quoted "
			    "string", i);
			goto fail;
		case '"':
			break;
		default:
			if ((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z')) {
				for (j = i; j < len && ((s[j] >= 'a' &&
				    s[j] <= 'z') || (s[j] >= 'A' &&
				    s[j] <= 'Z')); j++)
					;
				/* e and E are a number's exponent. */
				if ((j - i == 1 && (s[i] == 'e' || s[i] == 'E') &&
				    i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') ||
				    (j - i == 4 && memcmp(s + i, "true", 4) == 0) ||
				    (j - i == 5 && memcmp(s + i, "false", 5) == 0) ||
				    (j - i == 4 && memcmp(s + i, "null", 4) == 0)) {
					i = j - 1;
					continue;
				}
				rp_err(rp, "invalid JSON at byte %zu: bare word "
				    "\"%.*s\"", i, (int)(j - i > 16 ? 16 : j - i),
				    s + i);
				goto fail;
			}
			continue;
		}
		/* A string: from the quote at i to the closing one. */
		for (i++; i < len && s[i] != '"'; i++) {
			if ((unsigned char)s[i] < 0x20) {
				rp_err(rp, "invalid JSON at byte %zu: control "
				    "character in a string", i);
				goto fail;
			}
			if (s[i] == '\\' && i + 5 < len && s[i + 1] == 'u') {
				for (u = 0, j = i + 2; j < i + 6; j++) {
					x = s[j] | 0x20;
					if (s[j] >= '0' && s[j] <= '9')
						u = u << 4 | (unsigned)(s[j] - '0');
					else if (x >= 'a' && x <= 'f')
						u = u << 4 | (unsigned)(x - 'a' + 10);
					else
						u = 0;	/* json-c says why */
				}
				if (u >= 0xd800 && u <= 0xdbff && !hi)
					hi = 1;
				else if (u >= 0xdc00 && u <= 0xdfff && hi)
					hi = 0;
				else if (hi || (u >= 0xd800 && u <= 0xdfff))
					goto surrogate;
				i += 5;
				continue;
			}
			if (hi)
				goto surrogate;
			if (s[i] == '\\')
				i++;
		}
		if (hi)
			goto surrogate;
	}
	*counts = c;
	*nobj = n;
	return 0;
 surrogate:
	rp_err(rp, "invalid JSON at byte %zu: unpaired UTF-16 surrogate", i);
 fail:
	free(c);
	return -1;
}

/*
 * 1 when every object of the tree under o, in document order from index
 * *k, has as many members as rp_lex() counted: json-c keeps one member
 * per name, so a shortfall means a duplicate name.
 */
static int
rp_dups(struct json_object *o, const size_t *counts, size_t nobj, size_t *k)
{
	size_t	 i, n;

	switch (json_object_get_type(o)) {
	case json_type_object:
		if (*k >= nobj || counts[(*k)++] !=
		    (size_t)json_object_object_length(o))
			return 0;
		{
			json_object_object_foreach(o, key, val) {
				(void)key;
				if (!rp_dups(val, counts, nobj, k))
					return 0;
			}
		}
		return 1;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!rp_dups(json_object_array_get_idx(o, i), counts,
			    nobj, k))
				return 0;
		return 1;
	default:
		return 1;
	}
}

static int
rp_failure(struct rp *rp, struct json_object *o, const char *where,
    struct report_failure *f)
{
	if (json_object_get_type(o) != json_type_object) {
		rp_err(rp, "%s: is %s, expected an object", where,
		    rp_type_name(json_object_get_type(o)));
		return -1;
	}
	if (rp_str(rp, o, where, "result-type", 1, f->result,
	    sizeof(f->result)) == -1 ||
	    rp_count(rp, o, where, "failed-session-count", &f->count) == -1 ||
	    rp_str(rp, o, where, "receiving-mx-hostname", 0, f->mx,
	    sizeof(f->mx)) == -1 ||
	    rp_str(rp, o, where, "sending-mta-ip", 0, f->ip,
	    sizeof(f->ip)) == -1)
		return -1;
	rp_host(f->mx);
	return 0;
}

static int
rp_policy(struct rp *rp, struct json_object *o, const char *where,
    struct report_policy *p, size_t *nfail)
{
	struct json_object	*pol, *sum, *fd;
	char			 w[160], domain[HOST_NAME_SIZE + 2];
	size_t			 i, n;
	int			 rc;

	if (json_object_get_type(o) != json_type_object) {
		rp_err(rp, "%s: is %s, expected an object", where,
		    rp_type_name(json_object_get_type(o)));
		return -1;
	}
	if (rp_get(rp, o, where, "policy", json_type_object, 1, &pol) == -1 ||
	    rp_get(rp, o, where, "summary", json_type_object, 1, &sum) == -1)
		return -1;
	(void)snprintf(w, sizeof(w), "%s.policy", where);
	if (rp_str(rp, pol, w, "policy-type", 1, p->type,
	    sizeof(p->type)) == -1 ||
	    rp_str(rp, pol, w, "policy-domain", 1, domain,
	    sizeof(domain)) == -1)
		return -1;
	/* A name cut short by the buffer must not pass as a shorter one. */
	if (strlen(domain) > HOST_NAME_SIZE)
		domain[0] = '\0';
	rp_host(domain);
	if (!host_valid(domain, strlen(domain))) {
		rp_err(rp, "%s: \"policy-domain\" is not a host name", w);
		return -1;
	}
	memcpy(p->domain, domain, sizeof(p->domain));
	(void)snprintf(w, sizeof(w), "%s.summary", where);
	if (rp_count(rp, sum, w, "total-successful-session-count",
	    &p->ok) == -1 ||
	    rp_count(rp, sum, w, "total-failure-session-count",
	    &p->failed) == -1)
		return -1;
	if ((rc = rp_get(rp, o, where, "failure-details", json_type_array, 0,
	    &fd)) == -1)
		return -1;
	if (rc == 1 || (n = json_object_array_length(fd)) == 0)
		return 0;
	if (n > REPORT_MAX_FAILURES - *nfail) {
		rp_err(rp, "more than %d failure-details", REPORT_MAX_FAILURES);
		return -1;
	}
	if ((p->f = xcalloc(n, sizeof(*p->f))) == NULL) {
		rp_err(rp, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(w, sizeof(w), "%s.failure-details[%zu]", where,
		    i);
		if (rp_failure(rp, json_object_array_get_idx(fd, i), w,
		    &p->f[p->nf]) == -1)
			return -1;
		p->nf++;
	}
	*nfail += n;
	return 0;
}

/* The tree under the top-level object into r. */
static int
rp_report(struct rp *rp, struct json_object *top, struct report *r)
{
	struct json_object	*v, *dr, *pols;
	char			 t[64];
	const char		*id;
	size_t			 i, n, idlen, nfail = 0;

	if (json_object_get_type(top) != json_type_object) {
		rp_err(rp, "the report is %s, expected an object",
		    rp_type_name(json_object_get_type(top)));
		return -1;
	}
	if (rp_str(rp, top, "report", "organization-name", 1, r->org,
	    sizeof(r->org)) == -1 ||
	    rp_get(rp, top, "report", "report-id", json_type_string, 1,
	    &v) == -1)
		return -1;
	id = json_object_get_string(v);
	idlen = (size_t)json_object_get_string_len(v);
	if (idlen == 0 || idlen > REPORT_ID_MAX ||
	    memchr(id, '\0', idlen) != NULL) {
		rp_err(rp, "report: \"report-id\" must be 1 to %d bytes without "
		    "NUL", REPORT_ID_MAX);
		return -1;
	}
	if ((r->id = xstrndup(id, idlen)) == NULL) {
		rp_err(rp, "out of memory");
		return -1;
	}
	if (rp_get(rp, top, "report", "date-range", json_type_object, 1,
	    &dr) == -1 ||
	    rp_str(rp, dr, "date-range", "start-datetime", 1, t,
	    sizeof(t)) == -1)
		return -1;
	if (report_time_parse(t, &r->start) == -1) {
		rp_err(rp, "date-range: \"start-datetime\" is not an RFC 3339 "
		    "date-time");
		return -1;
	}
	if (rp_str(rp, dr, "date-range", "end-datetime", 1, t,
	    sizeof(t)) == -1)
		return -1;
	if (report_time_parse(t, &r->end) == -1) {
		rp_err(rp, "date-range: \"end-datetime\" is not an RFC 3339 "
		    "date-time");
		return -1;
	}
	if (r->end < r->start) {
		rp_err(rp, "date-range: ends before it starts");
		return -1;
	}
	if (rp_get(rp, top, "report", "policies", json_type_array, 1,
	    &pols) == -1)
		return -1;
	if ((n = json_object_array_length(pols)) == 0 ||
	    n > REPORT_MAX_POLICIES) {
		rp_err(rp, "report: \"policies\" must hold 1 to %d entries",
		    REPORT_MAX_POLICIES);
		return -1;
	}
	if ((r->p = xcalloc(n, sizeof(*r->p))) == NULL) {
		rp_err(rp, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(t, sizeof(t), "policies[%zu]", i);
		r->np++;
		if (rp_policy(rp, json_object_array_get_idx(pols, i), t,
		    &r->p[i], &nfail) == -1)
			return -1;
	}
	return 0;
}

int
report_parse(const char *json, size_t len, struct report *r, char *err,
    size_t errlen)
{
	struct rp		 rp = { err, errlen };
	struct json_tokener	*tok;
	struct json_object	*top = NULL;
	enum json_tokener_error	 jerr;
	size_t			 end, *counts = NULL, nobj = 0, k = 0;
	int			 rc = -1;

	report_clear(r);
	if (len == 0) {
		rp_err(&rp, "empty report");
		return -1;
	}
	if (len > INT_MAX) {
		rp_err(&rp, "report too large");
		return -1;
	}
	if (memchr(json, '\0', len) != NULL) {
		rp_err(&rp, "NUL byte in the JSON text");
		return -1;
	}
	if (rp_lex(&rp, json, len, &counts, &nobj) == -1)
		return -1;
	if ((tok = json_tokener_new_ex(REPORT_MAX_DEPTH)) == NULL) {
		rp_err(&rp, "out of memory");
		free(counts);
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	top = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (top == NULL) {
		if (jerr == json_tokener_continue)
			rp_err(&rp, "invalid JSON: the text ends too early");
		else if (jerr == json_tokener_error_depth)
			rp_err(&rp, "invalid JSON: nested more than %d levels",
			    REPORT_MAX_DEPTH);
		else
			rp_err(&rp, "invalid JSON at byte %zu: %s", end,
			    json_tokener_error_desc(jerr));
		goto out;
	}
	for (; end < len; end++)
		if (!isspace((unsigned char)json[end])) {
			rp_err(&rp, "invalid JSON: text after the report at "
			    "byte %zu", end);
			goto out;
		}
	if (!rp_dups(top, counts, nobj, &k)) {
		rp_err(&rp, "invalid JSON: a member name appears twice in one "
		    "object (I-JSON, RFC 7493)");
		goto out;
	}
	rc = rp_report(&rp, top, r);
 out:
	free(counts);
	if (top != NULL)
		(void)json_object_put(top);
	json_tokener_free(tok);
	if (rc == -1)
		report_clear(r);
	return rc;
}
