/*
 * replay: run a libFuzzer harness without libFuzzer.
 *
 *	replay PATH...
 *
 * Feeds every regular file named, and every regular file directly inside
 * every directory named (in name order), to LLVMFuzzerTestOneInput(), after
 * LLVMFuzzerInitialize() when the harness has one.  Before each input its
 * name goes to standard error, so the last such line names the input that
 * crashed.  On success prints "replayed N inputs" on standard output and
 * exits 0; a broken property aborts (the harness's FUZZ_ASSERT()), a
 * sanitizer report exits non-zero, and an unreadable path exits 2.
 *
 * Built with any C compiler (tests/integration/fuzzreplay.sh), once per
 * harness, so that make check replays the seed corpora and the saved
 * crash inputs in tests/fuzz/corpus/.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Optional in a harness: a weak reference is NULL when it is absent. */
#pragma weak LLVMFuzzerInitialize

static unsigned long	 ninputs;

static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*data, *copy;
	size_t		 len = 0, cap = 4096, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((data = malloc(cap)) == NULL) {
		fclose(f);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	while ((n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			if ((data = realloc(data, cap)) == NULL) {
				fclose(f);
				fprintf(stderr, "replay: out of memory\n");
				return -1;
			}
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, as libFuzzer passes it: overreads show. */
	if ((copy = malloc(len ? len : 1)) == NULL) {
		free(data);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	memcpy(copy, data, len);
	free(data);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	(void)LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	ninputs++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn, path[4096];
	size_t		 n = 0, i;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (nn[n] = strdup(de->d_name)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			closedir(d);
			exit(2);
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			fprintf(stderr, "replay: %s/%s: name too long\n", dir,
			    names[i]);
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(path) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	int		 i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: replay PATH...\n");
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 2;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i]) == -1)
				rc = 2;
		} else if (replay_file(argv[i]) == -1)
			rc = 2;
	}
	printf("replayed %lu inputs\n", ninputs);
	return rc;
}
