/*
 * The parts of the dns module that do not need libunbound, kept apart so
 * that unit tests can pair them with a stub resolver.
 */
#include <stdlib.h>

#include "dns.h"

static const char *const dns_rc_names[DNS__MAX] = {
	"ok",		/* DNS_OK */
	"nodata",	/* DNS_NODATA */
	"nxdomain",	/* DNS_NXDOMAIN */
	"bogus",	/* DNS_BOGUS */
	"tempfail",	/* DNS_TEMPFAIL */
};

const char *
dns_rc_name(enum dns_rc rc)
{
	if ((unsigned int)rc >= DNS__MAX)
		return "unknown";
	return dns_rc_names[rc];
}

void
dns_result_clear(struct dns_result *res)
{
	size_t	 i;

	if (res->data != NULL)
		for (i = 0; i < res->n; i++)
			free(res->data[i]);
	free(res->data);
	free(res->len);
	res->data = NULL;
	res->len = NULL;
	res->n = 0;
	res->rc = DNS_TEMPFAIL;
	res->secure = 0;
	res->ttl = 0;
	res->why[0] = '\0';
}
