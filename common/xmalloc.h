/*
 * xmalloc: the allocation functions common/ uses.
 *
 * They behave exactly like malloc(3) and friends (they return NULL on
 * failure and never abort), but they all pass through one counter so that
 * tests can make the Nth allocation fail and check that every caller turns
 * the failure into an error instead of a crash.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *p, size_t size);
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);

/*
 * Test hook: after n more successful allocations, every allocation fails
 * until xmalloc_fail_after(-1) is called.  -1 (the default) disables it.
 */
void	 xmalloc_fail_after(long n);

#endif /* XMALLOC_H */
