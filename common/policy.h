/*
 * policy: the MTA-STS policy file (RFC 8461 section 3.2): parse, validate,
 * normalise, render, compare.
 *
 * The canonical rendering is the only form we ever serve:
 *
 *	version: STSv1\r\n
 *	mode: <mode>\r\n
 *	mx: <name>\r\n		one per name, lower case, sorted, no duplicates
 *	max_age: <seconds>\r\n
 *
 * ASCII, CRLF line ends, exactly one CRLF after the last line, no blank
 * lines, no trailing whitespace.  mx lines are written in every mode.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>

struct buf;

enum policy_mode {
	POLICY_MODE_ENFORCE,
	POLICY_MODE_TESTING,
	POLICY_MODE_NONE,
	POLICY_MODE__MAX
};

#define POLICY_MAX_AGE_MAX	31557600UL	/* RFC 8461 section 3.2 */
#define POLICY_MAX_SIZE		65536		/* input and rendered output */
#define POLICY_MAX_MX		1024		/* mx lines in one policy */

struct policy {
	enum policy_mode	 mode;
	unsigned long		 max_age;
	char			**mx;	/* owned; lower case, no trailing dot */
	size_t			 nmx;
	size_t			 mxcap;
};

/* Empty policy: mode testing, max_age 604800, no mx.  Allocates nothing. */
void	policy_init(struct policy *p);

/* Free the mx names; the policy is empty (as after policy_init) afterwards. */
void	policy_clear(struct policy *p);

/*
 * Add one mx name or "*." pattern of len bytes: lower-cased, one trailing
 * dot removed, validated with host_valid_pattern().  Returns 0, or -1 for
 * an invalid name, too many names or no memory (policy unchanged).
 * Duplicates are allowed here; policy_normalize() removes them.
 */
int	policy_add_mx(struct policy *p, const char *name, size_t len);

/* Sort the mx names by byte value and remove duplicates. */
void	policy_normalize(struct policy *p);

/*
 * Append the canonical form to out (-1 also for an out-of-range mode or
 * max_age) (normalising a copy of the order is the
 * caller's job: call policy_normalize() first).  Returns 0 or -1 (out full
 * or no memory; out may hold a partial rendering, reset it).
 */
int	policy_render(const struct policy *p, struct buf *out);

/*
 * Strictly parse a policy file (an override): LF or CRLF line ends (a lone
 * CR is an error), "version: STSv1" first, then exactly one mode and one
 * max_age (0..POLICY_MAX_AGE_MAX, 1..10 digits) and mx lines in any order;
 * optional spaces or tabs after the colon and at the end of a line; keys and
 * values case-sensitive except mx names (any case, lower-cased here); mx
 * required unless mode is none; unknown keys, duplicate version/mode/max_age,
 * blank lines before the last field, leading whitespace, space before the
 * colon, NUL or non-ASCII bytes, and more than POLICY_MAX_SIZE bytes are
 * errors.  Empty lines after the last field are accepted.
 *
 * On success returns 0 and fills p (which must be policy_init()ed; it is
 * normalised).  On error returns -1, p is left empty, *errline is the
 * 1-based line of the problem (0 when not tied to a line: a missing field
 * or an oversized input; the "mode requires at least one mx line" error
 * points at the mode line) and err holds a short reason without the line
 * number, e.g. "unknown key \"nmx\"", with quoted values cut to 64 bytes.
 * Control characters other than tab are errors too, and so is a policy
 * whose canonical form would exceed POLICY_MAX_SIZE (line 0).  errline and err may
 * be NULL (errlen 0).
 */
int	policy_parse(const char *text, size_t len, struct policy *p,
	    size_t *errline, char *err, size_t errlen);

/* The exact length of policy_render()'s output for p. */
size_t	policy_rendered_size(const struct policy *p);

/* 1 when both policies render identically (both must be normalised). */
int	policy_equal(const struct policy *a, const struct policy *b);

/* "enforce", "testing", "none"; NULL for an out-of-range value. */
const char *policy_mode_name(enum policy_mode m);

/* Parse a mode name (case-sensitive).  Returns 0 or -1. */
int	policy_mode_parse(const char *s, enum policy_mode *m);

/*
 * Parse a max_age value: 1..10 ASCII digits, 0..POLICY_MAX_AGE_MAX.
 * Returns 0 or -1.
 */
int	policy_max_age_parse(const char *s, size_t len, unsigned long *v);

#endif /* POLICY_H */
