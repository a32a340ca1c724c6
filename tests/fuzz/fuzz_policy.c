/*
 * fuzz_policy: policy_parse() on arbitrary bytes, and the render round
 * trip.
 *
 * Properties (policy.h): an error leaves the policy empty with a reason;
 * a parsed policy is normalised (lower case, sorted, no duplicates, valid
 * names), renders within POLICY_MAX_SIZE bytes ("input and rendered
 * output"), and its canonical rendering parses again to an equal policy
 * that renders to the very same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "host.h"
#include "policy.h"
#include "fuzz.h"

static void
check_normalised(const struct policy *p)
{
	size_t	 i, len;

	FUZZ_ASSERT((unsigned int)p->mode < POLICY_MODE__MAX);
	FUZZ_ASSERT(p->max_age <= POLICY_MAX_AGE_MAX);
	FUZZ_ASSERT(p->nmx <= POLICY_MAX_MX);
	FUZZ_ASSERT(p->mode == POLICY_MODE_NONE || p->nmx > 0);
	for (i = 0; i < p->nmx; i++) {
		len = strlen(p->mx[i]);
		FUZZ_ASSERT(host_valid_pattern(p->mx[i], len));
		FUZZ_ASSERTF(strspn(p->mx[i],
		    "abcdefghijklmnopqrstuvwxyz0123456789-.*") == len,
		    "mx \"%s\" not lower case", p->mx[i]);
		if (i > 0)
			FUZZ_ASSERTF(strcmp(p->mx[i - 1], p->mx[i]) < 0,
			    "mx \"%s\", \"%s\" not sorted or duplicated",
			    p->mx[i - 1], p->mx[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy	 p, q;
	struct buf	 r1, r2;
	size_t		 errline = 12345;
	char		 err[256];
	int		 rc;

	policy_init(&p);
	policy_init(&q);
	buf_init(&r1, POLICY_MAX_SIZE);
	buf_init(&r2, POLICY_MAX_SIZE);

	memset(err, 'x', sizeof(err));
	rc = policy_parse((const char *)data, size, &p, &errline, err,
	    sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == -1) {
		FUZZ_ASSERT(p.nmx == 0 && p.mx == NULL);
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERT(errline <= size + 1);
		goto out;
	}
	check_normalised(&p);

	/* Canonical rendering: fits the limit, parses back to p. */
	FUZZ_ASSERTF(policy_render(&p, &r1) == 0,
	    "a parsed policy (%zu input bytes, %zu mx) does not render "
	    "within %d bytes", size, p.nmx, POLICY_MAX_SIZE);
	FUZZ_ASSERT(r1.len > 0 && strlen(r1.data) == r1.len);
	rc = policy_parse(r1.data, r1.len, &q, &errline, err, sizeof(err));
	FUZZ_ASSERTF(rc == 0, "canonical rendering refused: line %zu: %s",
	    errline, err);
	check_normalised(&q);
	FUZZ_ASSERT(policy_equal(&p, &q) && policy_equal(&q, &p));
	FUZZ_ASSERT(policy_render(&q, &r2) == 0);
	FUZZ_ASSERT(r1.len == r2.len && memcmp(r1.data, r2.data, r1.len) == 0);

	/* Normalising again changes nothing. */
	policy_normalize(&p);
	buf_reset(&r2);
	FUZZ_ASSERT(policy_render(&p, &r2) == 0);
	FUZZ_ASSERT(r1.len == r2.len && memcmp(r1.data, r2.data, r1.len) == 0);
 out:
	buf_free(&r1);
	buf_free(&r2);
	policy_clear(&p);
	policy_clear(&q);
	return 0;
}
