/*
 * t_file: the file module (common/file.c) on real files in a mkdtemp()
 * directory that is removed at the end: bounded reads (size cap, growing
 * files, symbolic links, owners, FIFOs, allocation failures), safe
 * creation, and atomic writes (short writes, existing files at the
 * temporary name, symbolic links, long names, several threads at once).
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"
#include "test.h"

static char	dir[] = "/tmp/t_file.XXXXXX";

static void
mkpath(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		abort();
}

static void
put(const char *name, const char *data, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*f;

	mkpath(path, sizeof(path), name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len ||
	    fclose(f) != 0)
		abort();
}

/* The content of dir/name, or "(none)", into buf. */
static const char *
content(const char *name, char *buf, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*f;
	size_t	 n;

	mkpath(path, sizeof(path), name);
	if ((f = fopen(path, "r")) == NULL)
		return "(none)";
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* How many names in dir start with prefix. */
static int
count(const char *prefix)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dp);
	return n;
}

static void
test_read(void)
{
	struct stat	 st;
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		 err[PATH_MAX + 64];
	char		*text;
	size_t		 len;
	enum file_rc	 rc;

	put("ten", "0123\0" "56789", 10);
	mkpath(path, sizeof(path), "ten");
	rc = file_read(path, 10, 0, &text, &len, &st, err, sizeof(err));
	t_inteq(rc, FILE_OK, "read: a file of exactly max bytes");
	t_ok(rc == FILE_OK && len == 10 && memcmp(text, "0123\0" "56789",
	    10) == 0 && text[10] == '\0', "read: every byte, NUL inside "
	    "kept, NUL after");
	t_ok(rc == FILE_OK && st.st_size == 10 && S_ISREG(st.st_mode),
	    "read: the fstat() result");
	free(text);

	rc = file_read(path, 9, 0, &text, &len, NULL, err, sizeof(err));
	t_inteq(rc, FILE_TOOBIG, "read: oversize: one byte over max");
	(void)snprintf(want, sizeof(want), "%s: file larger than 9 bytes",
	    path);
	t_streq(err, want, "read: oversize: message");
	t_ok(text == NULL && len == 0, "read: oversize: nothing returned");

	put("empty", "", 0);
	mkpath(path, sizeof(path), "empty");
	rc = file_read(path, 10, 0, &text, &len, NULL, err, sizeof(err));
	t_ok(rc == FILE_OK && len == 0 && text != NULL && text[0] == '\0',
	    "read: empty file");
	free(text);
	(void)unlink(path);

	mkpath(path, sizeof(path), "missing");
	rc = file_read(path, 10, 0, &text, &len, NULL, err, sizeof(err));
	t_inteq(rc, FILE_NONE, "read: missing file");
	(void)snprintf(want, sizeof(want), "%s: No such file or directory",
	    path);
	t_streq(err, want, "read: missing file: message");

	/* A file whose size fstat() does not know: read to the cap. */
	rc = file_read("/proc/self/status", 16, 0, &text, &len, NULL, err,
	    sizeof(err));
	t_inteq(rc, FILE_TOOBIG, "read: growing (/proc) file past max");
	rc = file_read("/proc/self/status", 1 << 20, 0, &text, &len, NULL,
	    err, sizeof(err));
	t_ok(rc == FILE_OK && len > 16 && strlen(text) == len &&
	    strncmp(text, "Name:", 5) == 0, "read: /proc file within max");
	free(text);

	rc = file_read(dir, 10, 0, &text, &len, NULL, err, sizeof(err));
	(void)snprintf(want, sizeof(want), "%s: not a regular file", dir);
	t_ok(rc == FILE_ERROR && errno == EINVAL, "read: directory refused");
	t_streq(err, want, "read: directory: message");

	mkpath(path, sizeof(path), "fifo");
	if (mkfifo(path, 0600) == -1)
		abort();
	rc = file_read(path, 10, 0, &text, &len, NULL, err, sizeof(err));
	t_inteq(rc, FILE_ERROR, "read: FIFO refused without blocking");
	(void)unlink(path);

	/* err may be NULL or tiny. */
	mkpath(path, sizeof(path), "missing");
	t_inteq(file_read(path, 10, 0, &text, &len, NULL, NULL, 0), FILE_NONE,
	    "read: NULL err");
	rc = file_read(path, 10, 0, &text, &len, NULL, err, 5);
	t_ok(rc == FILE_NONE && strlen(err) == 4, "read: message cut to "
	    "errlen");
}

static void
test_read_symlink(void)
{
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		 err[PATH_MAX + 64];
	char		*text;
	size_t		 len;
	enum file_rc	 rc;

	put("target", "hello", 5);
	mkpath(path, sizeof(path), "link");
	if (symlink("target", path) == -1)
		abort();
	rc = file_read(path, 10, FILE_NOFOLLOW, &text, &len, NULL, err,
	    sizeof(err));
	t_inteq(rc, FILE_ERROR, "read: symbolic link refused with "
	    "FILE_NOFOLLOW");
	(void)snprintf(want, sizeof(want), "%s: %s", path, strerror(ELOOP));
	t_streq(err, want, "read: symbolic link: message");
	rc = file_read(path, 10, 0, &text, &len, NULL, err, sizeof(err));
	t_ok(rc == FILE_OK && len == 5 && memcmp(text, "hello", 5) == 0,
	    "read: symbolic link followed without FILE_NOFOLLOW");
	free(text);
	(void)unlink(path);
	mkpath(path, sizeof(path), "target");
	(void)unlink(path);
}

static void
test_read_owner(void)
{
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		 err[PATH_MAX + 64];
	char		*text;
	size_t		 len;
	uid_t		 other;
	enum file_rc	 rc;

	put("mine", "x", 1);
	mkpath(path, sizeof(path), "mine");
	rc = file_read(path, 10, FILE_OWNED, &text, &len, NULL, err,
	    sizeof(err));
	t_inteq(rc, FILE_OK, "read: own file with FILE_OWNED");
	free(text);
	/* As root, give the file away; otherwise use one of root's. */
	if (geteuid() == 0) {
		other = 65534;
		if (chown(path, other, (gid_t)-1) == -1)
			abort();
	} else {
		other = 0;
		(void)snprintf(path, sizeof(path), "/etc/passwd");
	}
	rc = file_read(path, 1 << 20, FILE_OWNED, &text, &len, NULL, err,
	    sizeof(err));
	t_ok(rc == FILE_ERROR && errno == EPERM, "read: foreign owner refused "
	    "with FILE_OWNED");
	(void)snprintf(want, sizeof(want), "%s: owned by uid %lu, not by "
	    "uid %lu", path, (unsigned long)other, (unsigned long)geteuid());
	t_streq(err, want, "read: foreign owner: message");
	rc = file_read(path, 1 << 20, 0, &text, &len, NULL, err, sizeof(err));
	t_inteq(rc, FILE_OK, "read: foreign owner accepted without "
	    "FILE_OWNED");
	free(text);
	mkpath(path, sizeof(path), "mine");
	(void)unlink(path);
}

/* Every allocation failing in turn: FILE_ERROR with ENOMEM, no leak. */
static void
test_read_nomem(void)
{
	char		 path[PATH_MAX], err[PATH_MAX + 64];
	char		*text;
	size_t		 len;
	long		 n;
	enum file_rc	 rc = FILE_ERROR;
	int		 bad = 0;

	mkpath(path, sizeof(path), "ten");
	for (n = 0; n < 100; n++) {
		xmalloc_fail_after(n);
		rc = file_read("/proc/self/status", 1 << 20, 0, &text, &len,
		    NULL, err, sizeof(err));
		xmalloc_fail_after(-1);
		if (rc == FILE_OK)
			break;
		if (rc != FILE_ERROR || errno != ENOMEM || text != NULL ||
		    strstr(err, ": Cannot allocate memory") == NULL)
			bad++;
	}
	t_ok(rc == FILE_OK && bad == 0 && n >= 2, "read: allocation failure "
	    "at each of %ld allocations", n);
	free(text);
	(void)unlink(path);
}

static void
test_create(void)
{
	struct stat	 st;
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		 err[PATH_MAX + 64];
	int		 fd;

	fd = file_create(dir, "new", 0600, err, sizeof(err));
	t_ok(fd >= 0, "create: a new file");
	mkpath(path, sizeof(path), "new");
	t_ok(fd >= 0 && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "create: with the mode asked for");
	t_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "create: "
	    "close-on-exec");
	if (fd >= 0)
		(void)close(fd);

	fd = file_create(dir, "new", 0600, err, sizeof(err));
	t_ok(fd == -1 && errno == EEXIST, "create: existing file refused");
	(void)snprintf(want, sizeof(want), "%s: %s", path, strerror(EEXIST));
	t_streq(err, want, "create: existing file: message");
	(void)unlink(path);

	/* A link planted at the name, pointing where we must not write. */
	mkpath(path, sizeof(path), "planted");
	if (symlink("victim", path) == -1)
		abort();
	fd = file_create(dir, "planted", 0600, err, sizeof(err));
	t_ok(fd == -1 && errno == EEXIST, "create: symbolic link at the name "
	    "refused");
	t_inteq(count("victim"), 0, "create: the link's target not created");
	(void)unlink(path);

	t_inteq(file_create(dir, "a/b", 0600, err, sizeof(err)), -1,
	    "create: name with a slash refused");
	t_inteq(file_create(dir, "..", 0600, err, sizeof(err)), -1,
	    "create: \"..\" refused");
	t_inteq(file_create(dir, "", 0600, err, sizeof(err)), -1,
	    "create: empty name refused");
}

static void
test_write(void)
{
	struct stat	 st;
	char		 path[PATH_MAX], name[NAME_MAX + 1], err[PATH_MAX + 64];
	char		 buf[256];
	mode_t		 old;
	int		 rc;

	mkpath(path, sizeof(path), "state");
	old = umask(022);
	rc = file_write_atomic(path, "one\n", 4, 0644, err, sizeof(err));
	t_inteq(rc, 0, "write: new file");
	t_streq(content("state", buf, sizeof(buf)), "one\n", "write: content");
	t_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "write: mode 0644");
	rc = file_write_atomic(path, "two\n", 4, 0644, err, sizeof(err));
	t_ok(rc == 0 && strcmp(content("state", buf, sizeof(buf)), "two\n")
	    == 0, "write: replaced");
	t_inteq(count(FILE_TMP_PREFIX), 0, "write: no temporary file left");

	/* Files at temporary names (a crashed run's, anyone's) untouched. */
	put(".tmp.1.0.0000000000000000", "stale", 5);
	rc = file_write_atomic(path, "three\n", 6, 0644, err, sizeof(err));
	t_ok(rc == 0 && strcmp(content("state", buf, sizeof(buf)), "three\n")
	    == 0, "write: with a stale temporary file present");
	t_streq(content(".tmp.1.0.0000000000000000", buf, sizeof(buf)),
	    "stale", "write: the stale temporary file untouched");
	mkpath(path, sizeof(path), ".tmp.1.0.0000000000000000");
	(void)unlink(path);

	/* A symbolic link as the target is replaced, never written through. */
	put("victim", "precious", 8);
	mkpath(path, sizeof(path), "link");
	if (symlink("victim", path) == -1)
		abort();
	rc = file_write_atomic(path, "new", 3, 0644, err, sizeof(err));
	t_inteq(rc, 0, "write: over a symbolic link");
	t_streq(content("victim", buf, sizeof(buf)), "precious",
	    "write: symbolic link target untouched");
	t_ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "write: the link "
	    "replaced by a regular file");
	(void)unlink(path);
	mkpath(path, sizeof(path), "victim");
	(void)unlink(path);

	/* A name of NAME_MAX bytes: the temporary name does not grow it. */
	memset(name, 'a', NAME_MAX);
	name[NAME_MAX] = '\0';
	mkpath(path, sizeof(path), name);
	rc = file_write_atomic(path, "long", 4, 0644, err, sizeof(err));
	if (!t_inteq(rc, 0, "write: target name of %d bytes", NAME_MAX))
		t_show("err", err, strlen(err));
	(void)unlink(path);

	/* A directory at the target: rename fails, nothing left behind. */
	mkpath(path, sizeof(path), "adir");
	if (mkdir(path, 0755) == -1)
		abort();
	rc = file_write_atomic(path, "x", 1, 0644, err, sizeof(err));
	t_ok(rc == -1 && strncmp(err, "rename ", 7) == 0 &&
	    strstr(err, strerror(EISDIR)) != NULL, "write: over a directory: "
	    "rename error");
	t_inteq(count(FILE_TMP_PREFIX), 0, "write: failed rename leaves no "
	    "temporary file");
	(void)rmdir(path);

	mkpath(path, sizeof(path), "no/such/file");
	rc = file_write_atomic(path, "x", 1, 0644, err, sizeof(err));
	t_ok(rc == -1 && strstr(err, strerror(ENOENT)) != NULL,
	    "write: missing directory: error");
	t_inteq(file_write_atomic("", "x", 1, 0644, err, sizeof(err)), -1,
	    "write: empty path refused");
	(void)umask(old);
	mkpath(path, sizeof(path), "state");
	(void)unlink(path);
}

/* A write cut short by RLIMIT_FSIZE: an error, the old file kept. */
static void
test_short_write(void)
{
	struct rlimit	 saved, small;
	char		 path[PATH_MAX], err[PATH_MAX + 64], buf[256];
	char		 big[1000];
	void		 (*oldsig)(int);
	int		 rc;

	put("kept", "old", 3);
	mkpath(path, sizeof(path), "kept");
	memset(big, 'x', sizeof(big));
	if (getrlimit(RLIMIT_FSIZE, &saved) == -1)
		abort();
	small = saved;
	small.rlim_cur = 100;	/* the first write stops at 100 bytes */
	oldsig = signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &small) == -1)
		abort();
	rc = file_write_atomic(path, big, sizeof(big), 0644, err,
	    sizeof(err));
	if (setrlimit(RLIMIT_FSIZE, &saved) == -1)
		abort();
	(void)signal(SIGXFSZ, oldsig);
	t_inteq(rc, -1, "write: short write then EFBIG: error");
	t_ok(strstr(err, "/" FILE_TMP_PREFIX) != NULL &&
	    strstr(err, ": write: File too large") != NULL,
	    "write: short write: \"tmp: write: reason\"");
	t_streq(content("kept", buf, sizeof(buf)), "old",
	    "write: short write: the old file kept");
	t_inteq(count(FILE_TMP_PREFIX), 0, "write: short write: temporary "
	    "file removed");
	(void)unlink(path);
}

/*
 * file_write_all() through a pipe while a timer interrupts the blocked
 * writes (no SA_RESTART): writes return short or fail with EINTR, and
 * every byte must still arrive, in order.
 */
#define PIPE_BYTES	(4 * 1024 * 1024)

static void
on_alarm(int sig)
{
	(void)sig;
}

static void *
drain(void *arg)
{
	int		*fds = arg;
	unsigned char	 buf[4096];
	size_t		 total = 0, i;
	ssize_t		 n;
	int		 ok = 1;

	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			ok = 0;
			break;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != (unsigned char)((total + i) % 251))
				ok = 0;
		total += (size_t)n;
	}
	return (void *)(ok && total == PIPE_BYTES ? (intptr_t)1 : 0);
}

static void
test_write_all(void)
{
	struct sigaction	 sa, oldsa;
	struct itimerval	 it, oldit;
	pthread_t		 th;
	unsigned char		*data;
	void			*res;
	size_t			 i;
	int			 fds[2], rc;

	if ((data = malloc(PIPE_BYTES)) == NULL || pipe(fds) == -1)
		abort();
	for (i = 0; i < PIPE_BYTES; i++)
		data[i] = (unsigned char)(i % 251);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	if (sigaction(SIGALRM, &sa, &oldsa) == -1 ||
	    pthread_create(&th, NULL, drain, fds) != 0)
		abort();
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_usec = 200;
	it.it_value.tv_usec = 200;
	(void)setitimer(ITIMER_REAL, &it, &oldit);
	rc = file_write_all(fds[1], data, PIPE_BYTES);
	(void)setitimer(ITIMER_REAL, &oldit, NULL);
	(void)close(fds[1]);
	(void)pthread_join(th, &res);
	(void)close(fds[0]);
	(void)sigaction(SIGALRM, &oldsa, NULL);
	t_inteq(rc, 0, "write_all: interrupted and short writes: success");
	t_ok(res != NULL, "write_all: every byte arrived, in order");
	free(data);
}

/* Several threads replacing the same file and their own files at once. */
#define THREADS		4
#define ROUNDS		50

static void *
writer(void *arg)
{
	char		 path[PATH_MAX], own[PATH_MAX], err[PATH_MAX + 64];
	char		 data[32];
	intptr_t	 t = (intptr_t)arg, bad = 0;
	int		 i, n;

	mkpath(path, sizeof(path), "shared");
	(void)snprintf(own, sizeof(own), "%s/own%d", dir, (int)t);
	for (i = 0; i < ROUNDS; i++) {
		n = snprintf(data, sizeof(data), "thread %d round %02d\n",
		    (int)t, i);
		if (file_write_atomic(path, data, (size_t)n, 0644, err,
		    sizeof(err)) == -1 ||
		    file_write_atomic(own, data, (size_t)n, 0644, err,
		    sizeof(err)) == -1)
			bad++;
	}
	return (void *)bad;
}

static void
test_threads(void)
{
	pthread_t	 th[THREADS];
	char		 buf[256], name[16], want[32];
	void		*res;
	intptr_t	 i, bad = 0;
	unsigned int	 t, r;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, writer, (void *)i) != 0)
			abort();
	for (i = 0; i < THREADS; i++) {
		(void)pthread_join(th[i], &res);
		bad += (intptr_t)res;
	}
	t_inteq(bad, 0, "threads: %d x %d atomic writes succeed", THREADS,
	    ROUNDS);
	t_inteq(count(FILE_TMP_PREFIX), 0, "threads: no temporary file left");
	t_ok(sscanf(content("shared", buf, sizeof(buf)), "thread %u round %u",
	    &t, &r) == 2 && t < THREADS && r == ROUNDS - 1,
	    "threads: the shared file holds one whole last write");
	for (i = 0; i < THREADS; i++) {
		(void)snprintf(name, sizeof(name), "own%d", (int)i);
		(void)snprintf(want, sizeof(want), "thread %d round %02d\n",
		    (int)i, ROUNDS - 1);
		t_streq(content(name, buf, sizeof(buf)), want,
		    "threads: thread %d's own file", (int)i);
		mkpath(buf, sizeof(buf), name);
		(void)unlink(buf);
	}
	mkpath(buf, sizeof(buf), "shared");
	(void)unlink(buf);
}

int
main(void)
{
	t_suite = "file";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_read();
	test_read_symlink();
	test_read_owner();
	test_read_nomem();
	test_create();
	test_write();
	test_short_write();
	test_write_all();
	test_threads();
	t_inteq(count(""), 2, "cleanup: only . and .. left");
	(void)rmdir(dir);
	return t_done();
}
