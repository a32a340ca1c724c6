#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "host.h"
#include "policy.h"
#include "xmalloc.h"

static const char *const policy_mode_names[POLICY_MODE__MAX] = {
	"enforce",	/* POLICY_MODE_ENFORCE */
	"testing",	/* POLICY_MODE_TESTING */
	"none",		/* POLICY_MODE_NONE */
};

const char *
policy_mode_name(enum policy_mode m)
{
	if ((unsigned int)m >= POLICY_MODE__MAX)
		return NULL;
	return policy_mode_names[m];
}

int
policy_mode_parse(const char *s, enum policy_mode *m)
{
	unsigned int	 i;

	for (i = 0; i < POLICY_MODE__MAX; i++)
		if (strcmp(s, policy_mode_names[i]) == 0) {
			*m = (enum policy_mode)i;
			return 0;
		}
	return -1;
}

int
policy_max_age_parse(const char *s, size_t len, unsigned long *v)
{
	unsigned long	 n = 0;
	size_t		 i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > POLICY_MAX_AGE_MAX)
		return -1;
	*v = n;
	return 0;
}

/* TODO(policy helper): policy_init .. policy_equal below this line. */
