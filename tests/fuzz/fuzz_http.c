/*
 * fuzz_http: fetch_response_parse(), mta-sts-id's HTTP/1.x response
 * parser (cli/fetch.c), on arbitrary bytes: what a policy host, or anyone
 * who can answer for it, sends back.
 *
 * Properties (fetch.h):
 *	every result is DONE, MORE or ERROR; ERROR comes with a reason; the
 *	strings of the result are NUL-terminated and printable; a status
 *	read is 100..599; a 200 body is at most FETCH_BODY_MAX bytes, a
 *	4xx or 5xx one at most FETCH_ERRBODY_MAX, any other status has none;
 *	the peer closing the connection (eof) never turns a complete
 *	response into another one: DONE without eof is DONE with eof, with
 *	the same status and body;
 *	a prefix of a complete response is never an error: the parser asks
 *	for more bytes (or is done) instead.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "fuzz.h"

/* Prefixes checked per input: every one for short inputs, else spaced. */
#define FUZZ_PREFIXES	64

static void
check_str(const char *s, size_t size, const char *what)
{
	size_t	 i;

	FUZZ_ASSERTF(memchr(s, '\0', size) != NULL, "%s not terminated", what);
	for (i = 0; s[i] != '\0'; i++)
		FUZZ_ASSERTF(s[i] >= 0x20 && s[i] <= 0x7e, "%s has byte 0x%02x",
		    what, (unsigned char)s[i]);
}

static enum fetch_parse_rc
parse(const uint8_t *data, size_t size, int eof, struct fetch_result *res)
{
	enum fetch_parse_rc	 rc;

	fetch_result_clear(res);
	fetch_result_init(res);
	rc = fetch_response_parse((const char *)data, size, eof, res);
	FUZZ_ASSERT(rc == FETCH_PARSE_DONE || rc == FETCH_PARSE_MORE ||
	    rc == FETCH_PARSE_ERROR);
	check_str(res->reason, sizeof(res->reason), "reason");
	check_str(res->location, sizeof(res->location), "location");
	check_str(res->content_type, sizeof(res->content_type),
	    "content_type");
	FUZZ_ASSERT(memchr(res->err, '\0', sizeof(res->err)) != NULL);
	if (rc == FETCH_PARSE_ERROR)
		FUZZ_ASSERT(res->err[0] != '\0');
	if (res->status != 0)
		FUZZ_ASSERTF(res->status >= 100 && res->status <= 599,
		    "status %d", res->status);
	if (rc == FETCH_PARSE_DONE) {
		FUZZ_ASSERT(res->status >= 100);
		FUZZ_ASSERT(res->body.len <= FETCH_BODY_MAX);
		/* 4xx and 5xx keep the start of their body; others none. */
		if (res->status >= 400)
			FUZZ_ASSERT(res->body.len <= FETCH_ERRBODY_MAX);
		else if (res->status != 200)
			FUZZ_ASSERT(res->body.len == 0);
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_result	 a, b;
	enum fetch_parse_rc	 ra, rb;
	size_t			 k, step;

	fetch_result_init(&a);
	fetch_result_init(&b);
	ra = parse(data, size, 0, &a);
	rb = parse(data, size, 1, &b);
	if (ra == FETCH_PARSE_DONE) {
		FUZZ_ASSERTF(rb == FETCH_PARSE_DONE, "done without eof, %d "
		    "with eof (%s)", (int)rb, b.err);
		FUZZ_ASSERT(a.status == b.status);
		FUZZ_ASSERT(a.body.len == b.body.len && (a.body.len == 0 ||
		    memcmp(a.body.data, b.body.data, a.body.len) == 0));
	}
	if (ra == FETCH_PARSE_DONE || rb == FETCH_PARSE_DONE) {
		step = size / FUZZ_PREFIXES + 1;
		for (k = 0; k < size; k += step) {
			rb = parse(data, k, 0, &b);
			FUZZ_ASSERTF(rb != FETCH_PARSE_ERROR, "prefix of %zu "
			    "of %zu bytes: %s", k, size, b.err);
		}
	}
	fetch_result_clear(&a);
	fetch_result_clear(&b);
	return 0;
}
