#include <stdio.h>
#include <string.h>

#include "rdata.h"

int
rdata_mx_parse(const unsigned char *rd, size_t len, uint16_t *pref,
    char *name, size_t namesz)
{
	size_t		 i, o = 0, wire = 1, k;
	unsigned int	 l;
	unsigned char	 c;
	int		 n;

	if (rd == NULL || len < 3 || namesz < RDATA_NAME_SIZE)
		return -1;
	*pref = (uint16_t)(rd[0] << 8 | rd[1]);
	i = 2;
	for (;;) {
		if (i >= len)
			return -1;		/* no root label */
		l = rd[i++];
		if (l == 0)
			break;
		if (l > 63)
			return -1;		/* pointer or reserved type */
		if (l > len - i)
			return -1;		/* label runs past the end */
		wire += l + 1;
		if (wire > 255)
			return -1;
		if (o > 0)
			name[o++] = '.';
		for (k = 0; k < l; k++) {
			c = rd[i++];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-') {
				name[o++] = (char)c;
				continue;
			}
			/*
			 * 4 bytes per escaped octet: 255 octets at most,
			 * so RDATA_NAME_SIZE (1024) always suffices.
			 */
			n = snprintf(name + o, namesz - o, "\\%03u", c);
			if (n < 0 || (size_t)n >= namesz - o)
				return -1;
			o += (size_t)n;
		}
	}
	if (i != len)
		return -1;			/* trailing bytes */
	name[o] = '\0';
	return 0;
}

int
rdata_txt_join(const unsigned char *rd, size_t len, char *out, size_t outsz)
{
	size_t	 i = 0, o = 0, l;

	if (rd == NULL || len == 0 || outsz == 0)
		return -1;
	while (i < len) {
		l = rd[i++];
		if (l > len - i)
			return -1;
		if (l >= outsz - o)
			return -1;
		if (memchr(rd + i, '\0', l) != NULL)
			return -1;
		memcpy(out + o, rd + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return (int)o;
}
