#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "file.h"
#include "override.h"
#include "policy.h"

/*
 * Write one error message.  A message longer than errlen is cut short:
 * override_load() fails all the same, and its caller logs what fits.
 */
static void __attribute__((format(printf, 3, 4)))
override_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n < 0)
		err[0] = '\0';
}

int
override_load(const char *path, struct policy *p, char *err, size_t errlen)
{
	char	*text = NULL, reason[256];
	size_t	 len = 0, errline;
	int	 rc = -1;

	/* Symbolic links are followed on purpose: administrators use them. */
	if (file_read(path, POLICY_MAX_SIZE, 0, &text, &len, NULL, err,
	    errlen) != FILE_OK)
		goto out;
	if (policy_parse(text, len, p, &errline, reason,
	    sizeof(reason)) == -1) {
		if (errline != 0)
			override_err(err, errlen, "%s:%zu: %s", path, errline,
			    reason);
		else
			override_err(err, errlen, "%s: %s", path, reason);
		goto out;
	}
	rc = 0;
 out:
	if (rc == -1)
		policy_clear(p);
	free(text);
	return rc;
}
