/*
 * t_errf: the one error-message writer (common/errf.c).
 */
#include <stdarg.h>
#include <string.h>

#include "errf.h"
#include "test.h"

static void __attribute__((format(printf, 3, 4)))
wrap(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verrf(err, errlen, fmt, ap);
	va_end(ap);
}

int
main(void)
{
	char	 err[16];

	t_suite = "errf";
	errf(err, sizeof(err), "%s:%d: %s", "f", 3, "bad");
	t_streq(err, "f:3: bad", "formats");
	errf(err, sizeof(err), "%s", "0123456789abcdefghij");
	t_streq(err, "0123456789abcde", "cut short to errlen - 1");
	memcpy(err, "untouched", 10);
	errf(err, 0, "%s", "x");
	t_streq(err, "untouched", "errlen 0 writes nothing");
	errf(NULL, 16, "%s", "x");
	t_ok(1, "NULL err is no error");
	wrap(err, sizeof(err), "%zu %s", (size_t)42, "va");
	t_streq(err, "42 va", "verrf: formats from a va_list");
	wrap(err, 4, "%s", "abcdef");
	t_streq(err, "abc", "verrf: cut short");
	/* errf_quote(): printable bytes kept, the rest '?', long text cut. */
	{
		char	 q[8], tiny[3];

		t_streq(errf_quote(q, sizeof(q), "a\tb\x7f\xc3", 4), "a?b?",
		    "errf_quote: control bytes and DEL as '?'");
		t_streq(errf_quote(q, sizeof(q), "abcdef", 6), "abcd...",
		    "errf_quote: cut at size - 4 with \"...\"");
		t_streq(errf_quote(q, sizeof(q), "abcd", 4), "abcd",
		    "errf_quote: exactly size - 4 bytes, not cut");
		t_streq(errf_quote(q, sizeof(q), "a\0c", 3), "a?c",
		    "errf_quote: len bytes, a NUL among them as '?'");
		t_streq(errf_quote(tiny, sizeof(tiny), "abc", 3), "",
		    "errf_quote: a buffer too small for anything is empty");
	}
	return t_done();
}
