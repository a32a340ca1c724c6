#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "policy.h"
#include "response.h"

static const char	 fallback_body[] = "internal error\n";

void
response_init(struct response *r)
{
	r->status = 500;
	buf_init(&r->body, RESPONSE_MAX_BODY);
}

void
response_free(struct response *r)
{
	buf_free(&r->body);
}

static void
response_fallback(struct response *r)
{
	r->status = 500;
	buf_reset(&r->body);
	/* The buffer's maximum is far above this; only ENOMEM can fail. */
	if (buf_puts(&r->body, fallback_body) == -1)
		buf_free(&r->body);
}

void
response_text(struct response *r, int status, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0) {
		response_fallback(r);
		return;
	}
	buf_reset(&r->body);
	r->status = status;
	if (buf_puts(&r->body, line) == -1 || buf_puts(&r->body, "\n") == -1)
		response_fallback(r);
}

void
response_policy(struct response *r, const struct policy *p)
{
	buf_reset(&r->body);
	r->status = 200;
	if (policy_render(p, &r->body) == -1)
		response_fallback(r);
}

const char *
response_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int
response_serialize(const struct response *r, int head, struct buf *out)
{
	const char	*body = r->body.data != NULL ? r->body.data : "";
	size_t		 len = r->body.data != NULL ? r->body.len : 0;

	if (r->body.data == NULL && r->status == 500) {
		body = fallback_body;
		len = sizeof(fallback_body) - 1;
	}
	if (buf_printf(out, "Status: %d %s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Length: %zu\r\n", r->status, response_reason(r->status),
	    len) == -1)
		return -1;
	if (r->status == 200) {
		if (buf_printf(out, "Cache-Control: max-age=%d\r\n",
		    RESPONSE_CACHE_MAX_AGE) == -1)
			return -1;
	} else if (buf_puts(out, "Cache-Control: no-store\r\n") == -1)
		return -1;
	if (r->status == 503 && buf_printf(out, "Retry-After: %d\r\n",
	    RESPONSE_RETRY_AFTER) == -1)
		return -1;
	if (r->status == 405 && buf_puts(out, "Allow: GET, HEAD\r\n") == -1)
		return -1;
	if (buf_puts(out, "X-Content-Type-Options: nosniff\r\n\r\n") == -1)
		return -1;
	if (!head && buf_add(out, body, len) == -1)
		return -1;
	return 0;
}
