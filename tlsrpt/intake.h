/*
 * intake: one submitted TLS-RPT report (the body of an HTTPS POST, or one
 * attachment of a mail) from bytes to a stored file.  Used by both intake
 * programs, mta-sts-tlsrpt.cgi and mta-sts-tlsrpt-mail.
 *
 * The bytes are gzip (told by the magic number, whatever the label said)
 * or JSON.  At most conf->report_max_size bytes are accepted before and
 * after decompression; then report_parse() validates, store_put() stores.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>

struct conf;

#define INTAKE_MSG_SIZE		512

enum intake_rc {
	INTAKE_STORED,		/* stored now */
	INTAKE_DUPLICATE,	/* already stored: success for the sender */
	INTAKE_TOO_LARGE,	/* over report_max_size, before or after gunzip */
	INTAKE_INVALID,		/* not gzip/JSON, or not a TLS-RPT report */
	INTAKE_TEMPFAIL,	/* could not store now: try again later */
	INTAKE__MAX
};

/*
 * Take the len bytes at data as one report.  msg gets one printable line
 * for the log and the sender: on success "stored ID from ORG (FILE)" or
 * "duplicate ...", else the reason.
 */
enum intake_rc intake_submit(const struct conf *conf, const void *data,
	    size_t len, char *msg, size_t msglen);

#endif /* INTAKE_H */
