/*
 * fuzz_mx: the DNS rdata parsers, rdata_mx_parse() and rdata_txt_join(),
 * on arbitrary bytes (what an authoritative server, or anyone on the path
 * of an insecure answer, can put in an MX or TXT record).
 *
 * Output buffers are heap blocks of exactly the size passed, so that the
 * address sanitizer sees a write one byte too far.  Properties (rdata.h):
 *
 *	MX	on success the preference is the first two bytes, the name
 *		is NUL-terminated inside RDATA_NAME_SIZE, made only of
 *		[a-z0-9-.\] with every "\" starting a 3-digit escape, has no
 *		empty label, and is "" only for the one-byte root name.
 *	TXT	on success the result is the joined length, the text has no
 *		NUL inside and fits the buffer; a buffer that is large enough
 *		for any rdata of this size never changes the outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdata.h"
#include "fuzz.h"

static void
check_mx_name(const char *name, size_t len)
{
	size_t	 i;

	FUZZ_ASSERTF(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-.\\")
	    == len, "MX name \"%s\" has other characters", name);
	FUZZ_ASSERT(len == 0 || (name[0] != '.' && name[len - 1] != '.'));
	for (i = 0; i < len; i++) {
		if (name[i] == '.')
			FUZZ_ASSERTF(name[i + 1] != '.', "empty label in "
			    "\"%s\"", name);
		if (name[i] != '\\')
			continue;
		FUZZ_ASSERTF(i + 3 < len &&
		    name[i + 1] >= '0' && name[i + 1] <= '2' &&
		    name[i + 2] >= '0' && name[i + 2] <= '9' &&
		    name[i + 3] >= '0' && name[i + 3] <= '9' &&
		    (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 +
		    (name[i + 3] - '0') <= 255, "bad escape in \"%s\"", name);
		i += 3;
	}
}

static void
fuzz_mx(const uint8_t *data, size_t size)
{
	char		*name;
	uint16_t	 pref = 0;
	size_t		 len;
	int		 rc;

	if ((name = malloc(RDATA_NAME_SIZE)) == NULL)
		abort();
	memset(name, 'Z', RDATA_NAME_SIZE);
	rc = rdata_mx_parse(data, size, &pref, name, RDATA_NAME_SIZE);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_ASSERT(size >= 3);
		FUZZ_ASSERT(pref == (uint16_t)(data[0] << 8 | data[1]));
		FUZZ_ASSERT(memchr(name, '\0', RDATA_NAME_SIZE) != NULL);
		len = strlen(name);
		FUZZ_ASSERT(len < RDATA_NAME_SIZE);
		/* 255 octets of wire name become at most 4 * 253 + 63. */
		FUZZ_ASSERT(len <= 4 * 255);
		FUZZ_ASSERT((len == 0) == (size == 3));
		check_mx_name(name, len);
	}
	free(name);
}

/* One TXT join into a heap buffer of exactly outsz bytes. */
static int
txt_join(const uint8_t *data, size_t size, size_t outsz, char **outp)
{
	char	*out;
	int	 rc;

	if ((out = malloc(outsz)) == NULL)
		abort();
	memset(out, 'Z', outsz);
	rc = rdata_txt_join(data, size, out, outsz);
	FUZZ_ASSERT(rc >= -1);
	if (rc >= 0) {
		FUZZ_ASSERT((size_t)rc < outsz);
		FUZZ_ASSERT(out[rc] == '\0');
		FUZZ_ASSERT(strlen(out) == (size_t)rc);
		/* Every string's length byte is dropped: rc = size - n. */
		FUZZ_ASSERT((size_t)rc < size);
	}
	*outp = out;
	return rc;
}

static void
fuzz_txt(const uint8_t *data, size_t size)
{
	char	*big, *small;
	size_t	 smallsz;
	int	 rbig, rsmall;

	/* size + 1 bytes always fit the joined text of size bytes. */
	rbig = txt_join(data, size, size + 1, &big);
	if (rbig >= 0) {
		/* The same rdata into a buffer of exactly the needed size. */
		smallsz = (size_t)rbig + 1;
		rsmall = txt_join(data, size, smallsz, &small);
		FUZZ_ASSERT(rsmall == rbig);
		FUZZ_ASSERT(memcmp(small, big, smallsz) == 0);
		free(small);
		/* One byte less must be refused, not truncated. */
		if (smallsz > 1) {
			rsmall = txt_join(data, size, smallsz - 1, &small);
			FUZZ_ASSERT(rsmall == -1);
			free(small);
		}
	}
	free(big);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_mx(data, size);
	fuzz_txt(data, size);
	return 0;
}
