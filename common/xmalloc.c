#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static long	fail_after = -1;

/* Returns 1 when the allocation must fail because of the test hook. */
static int
injected_failure(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0) {
		errno = ENOMEM;
		return 1;
	}
	fail_after--;
	return 0;
}

void
xmalloc_fail_after(long n)
{
	fail_after = n;
}

void *
xmalloc(size_t size)
{
	if (injected_failure())
		return NULL;
	return malloc(size ? size : 1);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	if (injected_failure())
		return NULL;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	return calloc(nmemb, size);
}

void *
xrealloc(void *p, size_t size)
{
	if (injected_failure())
		return NULL;
	return realloc(p, size ? size : 1);
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	if ((p = xmalloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
