#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "host.h"
#include "num.h"

/*
 * The longest Host value we look at.  Anything longer cannot become a valid
 * name plus a port, so it is refused before any other work.
 */
#define HOST_INPUT_MAX		300
#define HOST_PREFIX		"mta-sts."
#define HOST_PREFIX_LEN		(sizeof(HOST_PREFIX) - 1)
#define HOST_PORT_MAX_DIGITS	5

static int
host_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
host_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
host_is_hex(unsigned char c)
{
	return host_is_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

int
host_valid(const char *name, size_t len)
{
	size_t		 i, start;
	unsigned char	 c;
	int		 alldigits = 1;

	if (name == NULL || len == 0 || len > HOST_NAME_MAX_LEN)
		return 0;
	start = 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			/* End of the label [start, i). */
			if (i == start || i - start > HOST_LABEL_MAX_LEN)
				return 0;
			if (!host_is_alnum((unsigned char)name[start]) ||
			    !host_is_alnum((unsigned char)name[i - 1]))
				return 0;
			if (i == len)
				break;
			start = i + 1;
			alldigits = 1;
			continue;
		}
		c = (unsigned char)name[i];
		if (!host_is_alnum(c) && c != '-')
			return 0;
		if (!host_is_digit(c))
			alldigits = 0;
	}
	/* A last label of digits only would make this an IPv4 literal. */
	if (alldigits)
		return 0;
	return 1;
}

int
host_valid_pattern(const char *name, size_t len)
{
	if (name == NULL || len > HOST_NAME_MAX_LEN)
		return 0;
	if (len >= 2 && name[0] == '*' && name[1] == '.')
		return host_valid(name + 2, len - 2);
	return host_valid(name, len);
}

void
host_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * Check an optional ":port" suffix of len bytes at s (len 0: no port).
 * Returns 0 when it is absent, empty (RFC 3986 port = *DIGIT: the default
 * port) or 1..5 digits, 0..65535, else -1.
 */
static int
host_port_ok(const char *s, size_t len)
{
	uint16_t	 port;

	if (len == 0 || (len == 1 && s[0] == ':'))
		return 0;
	if (s[0] != ':' || len - 1 > HOST_PORT_MAX_DIGITS ||
	    num_port(s + 1, len - 1, NUM_PORT_ZERO, &port) == -1)
		return -1;
	return 0;
}

/*
 * An IPv6 literal "[...]" with an optional ":port"; s is NUL-terminated and
 * starts with '['.  Returns HOST_OTHER when well-formed, else HOST_BAD.
 */
static enum host_result
host_ipv6_literal(const char *s, size_t len)
{
	char			 addr[INET6_ADDRSTRLEN];
	struct in6_addr		 in6;
	const char		*close;
	size_t			 alen, i;

	if ((close = memchr(s, ']', len)) == NULL)
		return HOST_BAD;
	alen = (size_t)(close - s) - 1;
	if (alen == 0 || alen >= sizeof(addr))
		return HOST_BAD;
	for (i = 1; i <= alen; i++)
		if (!host_is_hex((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return HOST_BAD;
	memcpy(addr, s + 1, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &in6) != 1)
		return HOST_BAD;
	if (host_port_ok(close + 1, len - (size_t)(close - s) - 1) == -1)
		return HOST_BAD;
	return HOST_OTHER;
}

enum host_result
host_policy_domain(const char *host, char *domain, size_t domainsz)
{
	char		 name[HOST_INPUT_MAX + 1];
	struct in_addr	 in4;
	const char	*colon;
	size_t		 len, nlen, rlen;

	if (host == NULL)
		return HOST_BAD;
	len = strnlen(host, HOST_INPUT_MAX + 1);
	if (len == 0 || len > HOST_INPUT_MAX)
		return HOST_BAD;
	memcpy(name, host, len);
	name[len] = '\0';

	if (name[0] == '[')
		return host_ipv6_literal(name, len);

	/* Outside brackets at most one ':', the one before the port. */
	nlen = len;
	if ((colon = memchr(name, ':', len)) != NULL) {
		nlen = (size_t)(colon - name);
		if (host_port_ok(colon, len - nlen) == -1)
			return HOST_BAD;
	}
	name[nlen] = '\0';
	host_lower(name);

	if (nlen > 0 && name[nlen - 1] == '.') {
		name[--nlen] = '\0';
		if (nlen > 0 && name[nlen - 1] == '.')
			return HOST_BAD;
	}
	if (inet_pton(AF_INET, name, &in4) == 1)
		return HOST_OTHER;
	if (!host_valid(name, nlen))
		return HOST_BAD;
	if (nlen <= HOST_PREFIX_LEN ||
	    memcmp(name, HOST_PREFIX, HOST_PREFIX_LEN) != 0)
		return HOST_OTHER;

	/*
	 * host_valid() on the whole name guarantees that what follows the
	 * prefix is a valid name of its own: it starts at a label boundary.
	 */
	rlen = nlen - HOST_PREFIX_LEN;
	if (domain == NULL || rlen >= domainsz)
		return HOST_BAD;
	memcpy(domain, name + HOST_PREFIX_LEN, rlen + 1);
	return HOST_OK;
}
