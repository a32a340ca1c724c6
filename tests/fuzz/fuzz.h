/*
 * fuzz.h: shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * A harness defines LLVMFuzzerTestOneInput() (and, when it needs set-up,
 * LLVMFuzzerInitialize()).  It is linked either with libFuzzer (run.sh) or
 * with replay.c, a plain main() that feeds it the files of a corpus
 * (fuzzreplay.sh, in make check).  A broken property is reported with
 * FUZZ_ASSERT(), which prints the condition and aborts: libFuzzer then
 * saves the input, and replay fails.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property broken: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * Like FUZZ_ASSERT(), with a formatted detail line first.  cond is
 * evaluated once, so it may call the function under test.
 */
#define FUZZ_ASSERTF(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n%s:%d: property broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif /* FUZZ_H */
