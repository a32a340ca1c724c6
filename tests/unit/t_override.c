/*
 * t_override: loading override files from disk.  Every file lives in a
 * mkdtemp() directory that is removed at the end.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "override.h"
#include "policy.h"
#include "xmalloc.h"
#include "test.h"

static char	 dir[] = "/tmp/t_override.XXXXXX";

#define VALID	"version: STSv1\r\nmode: testing\nmx: MX2.Example.COM.\n" \
	"mx: *.example.net\nmx: mx1.example.com\nmax_age: 86400\n"
#define CANON	"version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\n" \
	"mx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 86400\r\n"
#define INVALID	"version: STSv1\nmode: enforce\nnmx: mx.example.com\n" \
	"max_age: 86400\n"

/* Set path to dir/name; abort on truncation (a bug in the test). */
static void
mkpath(char *path, size_t pathsz, const char *name)
{
	int	 n;

	n = snprintf(path, pathsz, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= pathsz) {
		fprintf(stderr, "path too long: %s/%s\n", dir, name);
		abort();
	}
}

/* Create dir/name holding len bytes of data; abort on failure. */
static void
put_file(const char *name, const char *data, size_t len)
{
	char	 path[256];
	FILE	*fp;

	mkpath(path, sizeof(path), name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

/* A valid policy padded with empty lines to exactly size bytes. */
static void
put_padded(const char *name, size_t size)
{
	static const char	 head[] = "version: STSv1\nmode: none\n"
	    "max_age: 1\n";
	char			*data;

	if ((data = malloc(size)) == NULL)
		abort();
	memcpy(data, head, sizeof(head) - 1);
	memset(data + sizeof(head) - 1, '\n', size - (sizeof(head) - 1));
	put_file(name, data, size);
	free(data);
}

struct load_test {
	const char	*name;
	const char	*file;		/* under dir, or an absolute path */
	int		 rc;
	const char	*want;		/* canonical bytes, or the error
					   after "PATH" */
};

static const struct load_test load_tests[] = {
	{ "valid file", "valid.txt", 0, CANON },
	{ "symbolic link to a valid file", "link.txt", 0, CANON },
	{ "exactly 65536 bytes", "max.txt", 0,
	  "version: STSv1\r\nmode: none\r\nmax_age: 1\r\n" },
	{ "invalid file", "invalid.txt", -1, ":3: unknown key \"nmx\"" },
	{ "error not tied to a line", "nomode.txt", -1,
	  ": missing \"mode\"" },
	{ "empty file", "empty.txt", -1, ": missing \"version\"" },
	{ "missing file", "missing.txt", -1, ": No such file or directory" },
	{ "path through a file", "valid.txt/x", -1, ": Not a directory" },
	{ "directory", "subdir", -1, ": not a regular file" },
	{ "FIFO (must not block)", "fifo", -1, ": not a regular file" },
	{ "dangling symbolic link", "dangling", -1,
	  ": No such file or directory" },
	{ "70000-byte file", "big.txt", -1,
	  ": file larger than 65536 bytes" },
	{ "65537-byte file", "max1.txt", -1,
	  ": file larger than 65536 bytes" },
	{ "null device", "/dev/null", -1, ": not a regular file" },
};

static void
check_load(const struct load_test *t)
{
	struct policy	 p;
	struct buf	 b;
	char		 path[256], want[512], err[512];
	const char	*have;
	int		 n, rc, ok;

	if (t->file[0] == '/')
		n = snprintf(path, sizeof(path), "%s", t->file);
	else
		n = snprintf(path, sizeof(path), "%s/%s", dir, t->file);
	if (n < 0 || (size_t)n >= sizeof(path))
		abort();
	if (t->rc == 0)
		n = snprintf(want, sizeof(want), "%s", t->want);
	else
		n = snprintf(want, sizeof(want), "%s%s", path, t->want);
	if (n < 0 || (size_t)n >= sizeof(want))
		abort();

	policy_init(&p);
	if (policy_add_mx(&p, "stale.example.com", 17) == -1)
		abort();
	buf_init(&b, POLICY_MAX_SIZE);
	err[0] = '\0';
	rc = override_load(path, &p, err, sizeof(err));
	if (rc == 0)
		have = policy_render(&p, &b) == 0 ? b.data : "(render failed)";
	else
		have = err;
	ok = rc == t->rc && strcmp(have, want) == 0 &&
	    (rc == 0 || (p.nmx == 0 && p.mx == NULL));
	if (!t_ok(ok, "load %s", t->name)) {
		printf("    have: rc %d nmx %zu\n    want: rc %d\n", rc, p.nmx,
		    t->rc);
		t_show("have", have, strlen(have));
		t_show("want", want, strlen(want));
	}
	buf_free(&b);
	policy_clear(&p);
}

/* override_load() on a file we may not read (called unprivileged). */
static void
check_unreadable(void *arg)
{
	const char	*path = arg;
	struct policy	 p;
	char		 want[512], err[512] = "";
	int		 rc;

	snprintf(want, sizeof(want), "%s: Permission denied", path);
	policy_init(&p);
	rc = override_load(path, &p, err, sizeof(err));
	if (!t_ok(rc == -1 && strcmp(err, want) == 0, "load unreadable file"))
		t_show("have", err, strlen(err));
	policy_clear(&p);
}

static void
test_unreadable(void)
{
	char	 path[256];

	mkpath(path, sizeof(path), "unreadable.txt");
	if (chmod(path, 0) == -1)
		abort();
	t_unprivileged(check_unreadable, path);
}

/*
 * A file that holds more than fstat() said: /proc/kallsyms reports size 0
 * and yields megabytes, like a file that grows while we read it.
 */
static void
test_grown(void)
{
	static const char	 path[] = "/proc/kallsyms";
	struct policy		 p;
	struct stat		 st;
	char			 chunk[4096], err[512] = "";
	size_t			 n, total = 0;
	FILE			*fp;
	int			 rc;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size != 0 ||
	    (fp = fopen(path, "r")) == NULL) {
		printf("SKIP override: load file grown after fstat (no %s)\n",
		    path);
		return;
	}
	while (total <= POLICY_MAX_SIZE &&
	    (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		total += n;
	fclose(fp);
	if (total <= POLICY_MAX_SIZE) {
		printf("SKIP override: load file grown after fstat (%s too "
		    "small)\n", path);
		return;
	}
	policy_init(&p);
	rc = override_load(path, &p, err, sizeof(err));
	if (!t_ok(rc == -1 && strcmp(err, "/proc/kallsyms: file larger than "
	    "65536 bytes") == 0, "load file grown after fstat"))
		t_show("have", err, strlen(err));
	policy_clear(&p);
}

static void
test_small_err(void)
{
	struct policy	 p;
	char		 path[256], err[8];
	int		 rc;

	mkpath(path, sizeof(path), "invalid.txt");
	policy_init(&p);
	rc = override_load(path, &p, err, sizeof(err));
	t_ok(rc == -1 && strlen(err) == sizeof(err) - 1 &&
	    memcmp(err, path, sizeof(err) - 1) == 0,
	    "load: message cut to errlen, NUL-terminated");
	rc = override_load(path, &p, NULL, 0);
	t_ok(rc == -1 && p.nmx == 0, "load: NULL err allowed");
}

/* Every allocation failing in turn: -1, a message, no leak, no crash. */
static void
test_alloc_failure(void)
{
	struct policy	 p;
	char		 path[256], err[512];
	long		 n;
	int		 rc = -1, bad = 0;

	mkpath(path, sizeof(path), "valid.txt");
	for (n = 0; n < 1000; n++) {
		policy_init(&p);
		err[0] = '\0';
		xmalloc_fail_after(n);
		rc = override_load(path, &p, err, sizeof(err));
		xmalloc_fail_after(-1);
		if (rc == 0)
			break;
		if (strncmp(err, path, strlen(path)) != 0 || p.nmx != 0 ||
		    p.mx != NULL)
			bad++;
		if (n == 0 && strstr(err, ": Cannot allocate memory") == NULL)
			bad++;
	}
	t_ok(rc == 0 && bad == 0 && n >= 2 && p.nmx == 3,
	    "load: allocation failure at each of %ld allocations", n);
	policy_clear(&p);
}

static const char *const created[] = {
	"valid.txt", "link.txt", "max.txt", "max1.txt", "invalid.txt",
	"nomode.txt", "empty.txt", "fifo", "dangling", "big.txt",
	"unreadable.txt",
};

static void
cleanup(void)
{
	char	 path[256];
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < sizeof(created) / sizeof(created[0]); i++) {
		mkpath(path, sizeof(path), created[i]);
		if (unlink(path) == -1)
			bad++;
	}
	mkpath(path, sizeof(path), "subdir");
	if (rmdir(path) == -1 || rmdir(dir) == -1)
		bad++;
	t_ok(bad == 0, "cleanup: test directory removed");
}

int
main(void)
{
	char	 path[256], *big;
	size_t	 i;

	t_suite = "override";
	if (mkdtemp(dir) == NULL || chmod(dir, 0711) == -1) {
		perror("mkdtemp");
		return 1;
	}
	put_file("valid.txt", VALID, sizeof(VALID) - 1);
	put_file("invalid.txt", INVALID, sizeof(INVALID) - 1);
	put_file("nomode.txt", "version: STSv1\nmax_age: 1\n", 26);
	put_file("empty.txt", "", 0);
	put_file("unreadable.txt", VALID, sizeof(VALID) - 1);
	put_padded("max.txt", POLICY_MAX_SIZE);
	put_padded("max1.txt", POLICY_MAX_SIZE + 1);
	if ((big = malloc(70000)) == NULL)
		abort();
	memset(big, 'x', 70000);
	put_file("big.txt", big, 70000);
	free(big);
	mkpath(path, sizeof(path), "link.txt");
	if (symlink("valid.txt", path) == -1)
		abort();
	mkpath(path, sizeof(path), "dangling");
	if (symlink("nowhere.txt", path) == -1)
		abort();
	mkpath(path, sizeof(path), "subdir");
	if (mkdir(path, 0700) == -1)
		abort();
	mkpath(path, sizeof(path), "fifo");
	if (mkfifo(path, 0600) == -1)
		abort();

	for (i = 0; i < sizeof(load_tests) / sizeof(load_tests[0]); i++)
		check_load(&load_tests[i]);
	test_unreadable();
	test_grown();
	test_small_err();
	test_alloc_failure();
	cleanup();
	return t_done();
}
