/*
 * errf: write a one-line error message into the caller's buffer.
 *
 * The modules that report errors through a (char *err, size_t errlen) pair
 * all write them the same way: err may be NULL or errlen 0 (the caller does
 * not want the message), a message longer than errlen is cut short (the
 * call fails all the same and the caller logs what fits), and a format
 * error leaves an empty string.  Thread-safe: no state.
 */
#ifndef ERRF_H
#define ERRF_H

#include <stdarg.h>
#include <stddef.h>

void	errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	verrf(char *err, size_t errlen, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

/*
 * Make len bytes of s safe to quote in a one-line message: at most
 * size - 4 of them, non-printable bytes as '?', "..." when cut, then a
 * NUL.  Returns dst.
 */
const char	*errf_quote(char *dst, size_t size, const char *s, size_t len);

#endif /* ERRF_H */
