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
	return t_done();
}
