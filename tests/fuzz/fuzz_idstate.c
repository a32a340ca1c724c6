/*
 * fuzz_idstate: idstate_parse(), the parser of mta-sts-id's state files
 * (cli/idstate.c), on arbitrary bytes: a file anyone with write access to
 * state_dir, or a crash, may leave.
 *
 * Properties (idstate.h): an error leaves the state empty, with a reason
 * and a line number within the input; a parsed state has a valid id, a
 * non-negative issue time and a normalised policy, and "the parser
 * accepts exactly what idstate_render() writes": rendering it gives the
 * input back, byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "idstate.h"
#include "fuzz.h"

#define FUZZ_DOMAIN	"example.com"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idstate	 st;
	struct buf	 out;
	size_t		 errline = 12345, lines = 0, i;
	char		 err[256];
	int		 rc;

	idstate_init(&st);
	buf_init(&out, IDSTATE_FILE_MAX);
	memset(err, 'x', sizeof(err));
	rc = idstate_parse((const char *)data, size, FUZZ_DOMAIN, &st,
	    &errline, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		for (i = 0; i < size; i++)
			if (data[i] == '\n')
				lines++;
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERTF(errline <= lines + 1, "error line %zu of %zu",
		    errline, lines);
		FUZZ_ASSERT(st.id[0] == '\0' && st.issued == 0 &&
		    st.pol.nmx == 0);
	} else {
		FUZZ_ASSERT(idstate_id_valid(st.id));
		FUZZ_ASSERT(st.issued >= 0);
		FUZZ_ASSERT(st.pol.mode == POLICY_MODE_NONE ||
		    st.pol.nmx > 0);
		FUZZ_ASSERT(idstate_render(&st, FUZZ_DOMAIN, &out) == 0);
		FUZZ_ASSERTF(out.len == size && memcmp(out.data, data, size)
		    == 0, "rendered %zu bytes, parsed %zu", out.len, size);
	}
	buf_free(&out);
	idstate_clear(&st);
	return 0;
}
