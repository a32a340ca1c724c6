/*
 * fuzz_report: the TLS-RPT report parser (tlsrpt/report.c, json-c) on
 * arbitrary bytes, taken as JSON text and, when they are gzip, through
 * gz_inflate() first (tlsrpt/gz.c, zlib), as the intake does.
 *
 * Properties (report.h, gz.h): the result is 0 or -1 with a one-line
 * NUL-terminated reason; an error leaves the report empty; a parsed
 * report has a report-id of 1 to REPORT_ID_MAX bytes without NUL, start
 * <= end, 1 to REPORT_MAX_POLICIES policies with valid lower-case
 * policy-domains and counts <= 2^53, kept strings without control
 * characters; gz_inflate() never returns more than its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "host.h"
#include "report.h"
#include "fuzz.h"

#define FUZZ_GZ_MAX	(1024 * 1024)

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		FUZZ_ASSERT((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void
check_one(const char *json, size_t len)
{
	struct report	 r;
	char		 err[256];
	size_t		 i, j, nf = 0;
	int		 rc;

	report_init(&r);
	memset(err, 'x', sizeof(err));
	rc = report_parse(json, len, &r, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_ASSERT(strchr(err, '\n') == NULL);
		FUZZ_ASSERT(r.id == NULL && r.p == NULL && r.np == 0);
		return;
	}
	FUZZ_ASSERT(r.id != NULL && r.id[0] != '\0' &&
	    strlen(r.id) <= REPORT_ID_MAX);
	FUZZ_ASSERT(r.org[0] != '\0');
	check_printable(r.org);
	FUZZ_ASSERT(r.start <= r.end);
	FUZZ_ASSERT(r.np >= 1 && r.np <= REPORT_MAX_POLICIES);
	for (i = 0; i < r.np; i++) {
		FUZZ_ASSERT(host_valid(r.p[i].domain, strlen(r.p[i].domain)));
		FUZZ_ASSERTF(strspn(r.p[i].domain,
		    "abcdefghijklmnopqrstuvwxyz0123456789-._") ==
		    strlen(r.p[i].domain), "domain \"%s\" not lower case",
		    r.p[i].domain);
		FUZZ_ASSERT(r.p[i].ok <= REPORT_COUNT_MAX);
		FUZZ_ASSERT(r.p[i].failed <= REPORT_COUNT_MAX);
		check_printable(r.p[i].type);
		for (j = 0; j < r.p[i].nf; j++) {
			FUZZ_ASSERT(r.p[i].f[j].count <= REPORT_COUNT_MAX);
			check_printable(r.p[i].f[j].result);
			check_printable(r.p[i].f[j].mx);
			check_printable(r.p[i].f[j].ip);
		}
		nf += r.p[i].nf;
	}
	FUZZ_ASSERT(nf <= REPORT_MAX_FAILURES);
	report_clear(&r);
	FUZZ_ASSERT(r.id == NULL && r.np == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = NULL, err[256];
	size_t	 olen = 0;
	int	 rc;

	check_one((const char *)data, size);
	if (!gz_is_gzip(data, size))
		return 0;
	rc = gz_inflate(data, size, FUZZ_GZ_MAX, &out, &olen, err,
	    sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1 || rc == -2);
	if (rc != 0) {
		FUZZ_ASSERT(out == NULL);
		return 0;
	}
	FUZZ_ASSERT(olen <= FUZZ_GZ_MAX && out[olen] == '\0');
	check_one(out, olen);
	free(out);
	return 0;
}
