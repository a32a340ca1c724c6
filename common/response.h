/*
 * response: the status, headers and body of one answer, and their CGI
 * serialisation.
 *
 * Every answer is plain text: Content-Type "text/plain; charset=us-ascii",
 * an exact Content-Length, "X-Content-Type-Options: nosniff".  A 200
 * carries "Cache-Control: max-age=RESPONSE_CACHE_MAX_AGE" (small, RFC 8461
 * section 8.2); errors carry "Cache-Control: no-store"; a 503 carries
 * "Retry-After: RESPONSE_RETRY_AFTER"; a 405 carries "Allow: GET, HEAD".
 * There is never a Location header.  The body is complete before any byte
 * is written, so a failure can still change the status.
 */
#ifndef RESPONSE_H
#define RESPONSE_H

#include "buf.h"

#include "policy.h"

#define RESPONSE_CACHE_MAX_AGE	60
#define RESPONSE_RETRY_AFTER	300	/* RFC 8461 section 3.3 back-off */
#define RESPONSE_MAX_BODY	(POLICY_MAX_SIZE + 1024)
#define RESPONSE_MAX_SIZE	(RESPONSE_MAX_BODY + 1024)

struct response {
	int		 status;
	struct buf	 body;
};

/* An empty 500 response; allocates nothing.  Free with response_free(). */
void	 response_init(struct response *r);
void	 response_free(struct response *r);

/*
 * Make r an error (or any non-policy) answer: status and a one-line body,
 * the formatted text followed by a newline.  If the body cannot be built,
 * the answer becomes a 500 with a fixed body.
 */
void	 response_text(struct response *r, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Make r a 200 carrying the canonical rendering of p (500 on failure). */
void	 response_policy(struct response *r, const struct policy *p);

/*
 * Append the CGI response (Status line, headers, blank line, then the
 * body unless head is set) to out.  Header lines end in CRLF.  Returns 0 or
 * -1 (out is then unusable: reset it).
 */
int	 response_serialize(const struct response *r, int head,
	    struct buf *out);

/* "OK", "Not Found", ...; "Unknown" for codes we never send. */
const char *response_reason(int status);

#endif /* RESPONSE_H */
