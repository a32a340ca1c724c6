#include <stdlib.h>

#include "errf.h"
#include "file.h"
#include "override.h"
#include "policy.h"

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
			errf(err, errlen, "%s:%zu: %s", path, errline,
			    reason);
		else
			errf(err, errlen, "%s: %s", path, reason);
		goto out;
	}
	rc = 0;
 out:
	if (rc == -1)
		policy_clear(p);
	free(text);
	return rc;
}
