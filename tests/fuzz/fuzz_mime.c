/*
 * fuzz_mime: finding the report parts of a mail (tlsrpt/mime.c, GMime)
 * in arbitrary bytes, as mta-sts-tlsrpt-mail does with its standard input.
 *
 * Properties (mime.h): 0 or -1 with a NUL-terminated reason; at most
 * MIME_PARTS_MAX parts, each at most max + 1 bytes, NUL-terminated, with
 * a NUL-terminated label; mime_parts_free() frees everything (ASan's leak
 * check in the replay).
 */
#include <stdint.h>
#include <string.h>

#include "mime.h"
#include "fuzz.h"

#define FUZZ_MIME_MAX	65536

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mime_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_part	*parts = NULL;
	char			 err[256];
	size_t			 n = 12345, i;
	int			 rc;

	memset(err, 'x', sizeof(err));
	rc = mime_reports((const char *)data, size, FUZZ_MIME_MAX, &parts, &n,
	    err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(parts == NULL && n == 0);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	FUZZ_ASSERT(n <= MIME_PARTS_MAX);
	FUZZ_ASSERT(n == 0 || parts != NULL);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(parts[i].len <= FUZZ_MIME_MAX + 1);
		FUZZ_ASSERT(parts[i].data[parts[i].len] == '\0');
		FUZZ_ASSERT(memchr(parts[i].label, '\0',
		    sizeof(parts[i].label)) != NULL);
	}
	mime_parts_free(parts, n);
	return 0;
}
