#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errf.h"

void
verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err == NULL || errlen == 0)
		return;
	if (vsnprintf(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
}

void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verrf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
errf_quote(char *dst, size_t size, const char *s, size_t len)
{
	size_t		 i, max;
	unsigned char	 c;

	if (size < 4) {
		if (size > 0)
			dst[0] = '\0';
		return dst;
	}
	max = size - 4;
	for (i = 0; i < len && i < max; i++) {
		c = (unsigned char)s[i];
		dst[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (len > max) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}
