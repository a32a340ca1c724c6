#include <stdint.h>
#include <string.h>

#include "num.h"

int
num_parse(const char *s, size_t len, uint64_t min, uint64_t max,
    unsigned int flags, uint64_t *v)
{
	uint64_t	 n = 0;
	unsigned int	 d;
	size_t		 i;

	if (s == NULL || len == 0 || min > max)
		return -1;
	if ((flags & NUM_CANONICAL) && s[0] == '0' && len > 1)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned int)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

int
num_parse_str(const char *s, uint64_t min, uint64_t max, unsigned int flags,
    uint64_t *v)
{
	if (s == NULL)
		return -1;
	return num_parse(s, strlen(s), min, max, flags, v);
}

int
num_port(const char *s, size_t len, unsigned int flags, uint16_t *port)
{
	uint64_t	 v;

	if (num_parse(s, len, (flags & NUM_PORT_ZERO) ? 0 : 1, 65535,
	    flags & NUM_CANONICAL, &v) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}
