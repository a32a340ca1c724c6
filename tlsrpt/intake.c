/*
 * intake: see intake.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "gz.h"
#include "intake.h"
#include "report.h"
#include "store.h"

/* The report-id as it may appear in a log line: printable, cut. */
static void
intake_printable(char *dst, size_t size, const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		dst[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = '\0';
}

enum intake_rc
intake_submit(const struct conf *conf, const void *data, size_t len,
    char *msg, size_t msglen)
{
	struct report	 r;
	enum intake_rc	 rc;
	enum store_rc	 src;
	const char	*json = data;
	char		*plain = NULL, err[384], id[96];
	size_t		 jlen = len;
	int		 zrc;

	report_init(&r);
	if (len > conf->report_max_size) {
		(void)snprintf(msg, msglen, "report of %zu bytes is larger "
		    "than report_max_size (%lu)", len, conf->report_max_size);
		return INTAKE_TOO_LARGE;
	}
	if (gz_is_gzip(data, len)) {
		if ((zrc = gz_inflate(data, len, conf->report_max_size, &plain,
		    &jlen, err, sizeof(err))) != 0) {
			(void)snprintf(msg, msglen, "gzip: %s", err);
			return zrc == -2 ? INTAKE_TOO_LARGE : INTAKE_INVALID;
		}
		json = plain;
	}
	if (report_parse(json, jlen, &r, err, sizeof(err)) == -1) {
		(void)snprintf(msg, msglen, "not a TLS-RPT report: %s", err);
		rc = INTAKE_INVALID;
		goto out;
	}
	intake_printable(id, sizeof(id), r.id);
	src = store_put(conf, &r, json, jlen, err, sizeof(err));
	switch (src) {
	case STORE_OK:
		(void)snprintf(msg, msglen, "stored %s from %s (%s)", id,
		    r.org, err);
		rc = INTAKE_STORED;
		break;
	case STORE_DUPLICATE:
		(void)snprintf(msg, msglen, "duplicate %s from %s (%s)", id,
		    r.org, err);
		rc = INTAKE_DUPLICATE;
		break;
	case STORE_REJECT:
		(void)snprintf(msg, msglen, "%s", err);
		rc = INTAKE_TOO_LARGE;
		break;
	default:
		(void)snprintf(msg, msglen, "cannot store %s: %s", id, err);
		rc = INTAKE_TEMPFAIL;
		break;
	}
 out:
	report_clear(&r);
	free(plain);
	return rc;
}
