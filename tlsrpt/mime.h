/*
 * mime: the TLS-RPT reports attached to one RFC 5322 message (RFC 8460
 * section 5.3), the only file that includes GMime.
 *
 * A part is a report when its Content-Type is application/tlsrpt+gzip
 * or application/tlsrpt+json, or its file name ends in ".json.gz",
 * ".json" or ".gz" (any case), as Google's and Microsoft's reports are
 * named.  Nested multiparts are searched; attached messages are not.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

#define MIME_PARTS_MAX		16

struct mime_part {
	char	*data;		/* decoded body; owned */
	size_t	 len;
	char	 label[160];	/* "type/subtype name" for messages */
};

/* Set GMime up once per process; mime_done() at exit. */
void	mime_init(void);
void	mime_done(void);

/*
 * Parse the len bytes of message msg and return its report parts, at most
 * MIME_PARTS_MAX, in message order, in *parts (caller must free with
 * mime_parts_free()), their count in *n.  A part longer than max decoded
 * bytes is returned cut to max + 1 bytes (so the caller can tell).
 * Returns 0 (*n may be 0), or -1 with err set when msg cannot be parsed
 * as a message or memory runs out.
 */
int	mime_reports(const char *msg, size_t len, size_t max,
	    struct mime_part **parts, size_t *n, char *err, size_t errlen);

/* NULL-safe. */
void	mime_parts_free(struct mime_part *parts, size_t n);

#endif /* MIME_H */
