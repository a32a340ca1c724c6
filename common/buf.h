/*
 * buf: growable byte buffers with a declared maximum size.
 *
 * Every growable output in this program goes through a struct buf.  A buffer
 * never grows beyond the maximum given to buf_init(); an append that would
 * exceed it fails and leaves the buffer unchanged.  The contents are always
 * NUL-terminated (when data is not NULL) so text can be used as a C string,
 * but the NUL is not counted in len.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NULL until the first append */
	size_t	 len;		/* bytes used, excluding the terminating NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* hard limit on len */
};

/* Start an empty buffer that may hold at most max bytes.  Allocates nothing. */
void	buf_init(struct buf *b, size_t max);

/*
 * Append len bytes.  Returns 0, or -1 when the maximum would be exceeded or
 * memory is exhausted; on -1 the buffer is unchanged.
 */
int	buf_add(struct buf *b, const void *p, size_t len);

/* Append a NUL-terminated string; same return as buf_add(). */
int	buf_puts(struct buf *b, const char *s);

/* Append formatted text; same return as buf_add(). */
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Append the NUL-terminated string s as a JSON string, quotes included
 * (RFC 8259 section 7): '"' and '\\' are escaped, the control characters
 * U+0000..U+001F as \b \f \n \r \t or \u00xx (lower-case hex), and
 * everything else, DEL included, passes through as it is, so long as it is
 * well-formed UTF-8.  Each maximal ill-formed subsequence (Unicode 15.0,
 * section 3.9, "U+FFFD Substitution of Maximal Subparts") becomes one U+FFFD,
 * so the output is always valid JSON in valid UTF-8.  Same return as
 * buf_add(); on -1 the buffer is unchanged.
 */
int	buf_json_str(struct buf *b, const char *s);

/* Forget the contents but keep the allocation for reuse. */
void	buf_reset(struct buf *b);

/* Release the memory; the buffer is empty afterwards and may be reused. */
void	buf_free(struct buf *b);

#endif /* BUF_H */
