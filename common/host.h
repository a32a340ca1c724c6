/*
 * host: hostname syntax and the Host header -> policy domain step.
 *
 * Hostnames follow RFC 5321 section 4.1.2 (Domain): labels of letters,
 * digits and hyphens that start and end with a letter or digit, 1..63
 * octets each, at most 253 octets in all, no trailing dot.  A name whose
 * last label is all digits is refused too (it would be an IPv4 literal).
 */
#ifndef HOST_H
#define HOST_H

#include <stddef.h>

#define HOST_NAME_MAX_LEN	253
#define HOST_LABEL_MAX_LEN	63
/* Large enough for any valid hostname and its NUL. */
#define HOST_NAME_SIZE		(HOST_NAME_MAX_LEN + 1)

enum host_result {
	HOST_OK,	/* a policy host: domain filled in */
	HOST_BAD,	/* garbage: answer 400 */
	HOST_OTHER,	/* a valid name (or IP literal) that is not mta-sts.X: 404 */
	HOST__MAX
};

/*
 * Returns 1 when the len bytes at name form a valid hostname (in any case,
 * without trailing dot), else 0.
 */
int	host_valid(const char *name, size_t len);

/*
 * Returns 1 when name is a valid MTA-STS mx pattern: a hostname, or "*."
 * followed by a hostname.
 */
int	host_valid_pattern(const char *name, size_t len);

/*
 * Turn the Host header value (or SERVER_NAME) into the policy domain:
 * lower-case it, strip ":port" and one trailing dot, require a valid name
 * starting with "mta-sts." and copy what follows into domain (lower case,
 * NUL-terminated; domainsz should be HOST_NAME_SIZE).  host may be NULL
 * (HOST_BAD).  domain is only written on HOST_OK.
 */
enum host_result host_policy_domain(const char *host, char *domain,
	    size_t domainsz);

/* Lower-case ASCII in place. */
void	host_lower(char *s);

#endif /* HOST_H */
