#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Make room for len more bytes plus the NUL. */
static int
buf_reserve(struct buf *b, size_t len)
{
	size_t	 need, ncap;
	char	*p;

	if (len > b->max - b->len)
		return -1;
	need = b->len + len + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if ((p = xrealloc(b->data, ncap)) == NULL)
		return -1;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);

	/* Long output: format straight into the buffer. */
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->data[b->len] = '\0';
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * The length of the UTF-8 sequence at p (Unicode 15.0, table 3-7), with
 * *valid set to 1; or, for an ill-formed one, the length of its maximal
 * subpart (at least 1) with *valid set to 0.  p is NUL-terminated, and a
 * NUL is never a continuation byte, so no read goes past the end.
 */
static size_t
buf_utf8_seq(const unsigned char *p, int *valid)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 i, n;

	*valid = 0;
	if (p[0] < 0x80)
		n = 1;
	else if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 1;	/* continuation, C0, C1, F5..FF */
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = 1;
	return n;
}

/* Append the escape for the ASCII character c: '"', '\\' or a control. */
static int
buf_json_esc(struct buf *b, unsigned char c)
{
	switch (c) {
	case '"':
		return buf_add(b, "\\\"", 2);
	case '\\':
		return buf_add(b, "\\\\", 2);
	case '\b':
		return buf_add(b, "\\b", 2);
	case '\f':
		return buf_add(b, "\\f", 2);
	case '\n':
		return buf_add(b, "\\n", 2);
	case '\r':
		return buf_add(b, "\\r", 2);
	case '\t':
		return buf_add(b, "\\t", 2);
	default:
		return buf_printf(b, "\\u%04x", c);
	}
}

int
buf_json_str(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run;
	size_t			 old = b->len, n;
	int			 valid;

	if (buf_add(b, "\"", 1) == -1)
		return -1;
	run = p;
	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			p++;
			continue;
		}
		n = 1;
		if (*p >= 0x80) {
			n = buf_utf8_seq(p, &valid);
			if (valid) {
				p += n;
				continue;
			}
		}
		/* Flush the plain run before p, then the escape. */
		if (buf_add(b, run, (size_t)(p - run)) == -1)
			goto fail;
		if (*p >= 0x80) {
			if (buf_add(b, "\xef\xbf\xbd", 3) == -1)
				goto fail;
		} else if (buf_json_esc(b, *p) == -1)
			goto fail;
		p += n;
		run = p;
	}
	if (buf_add(b, run, (size_t)(p - run)) == -1 ||
	    buf_add(b, "\"", 1) == -1)
		goto fail;
	return 0;
 fail:
	b->len = old;
	b->data[old] = '\0';
	return -1;
}
