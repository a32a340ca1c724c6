#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errf.h"
#include "file.h"
#include "xmalloc.h"

#define FILE_PATH_MAX		4096
#define FILE_CREATE_TRIES	8

/* Makes temporary names unique between the threads of one process. */
static atomic_ulong	file_seq;

/* strerror(3) is not thread-safe; the GNU strerror_r() is. */
#define FILE_STRERROR(e)	strerror_r((e), (char[128]){ 0 }, 128)

enum file_rc
file_read(const char *path, size_t max, unsigned int flags, char **text,
    size_t *len, struct stat *stp, char *err, size_t errlen)
{
	struct stat	 st;
	enum file_rc	 rc = FILE_ERROR;
	char		*buf = NULL, *nbuf;
	size_t		 cap, ncap, got = 0, limit;
	ssize_t		 n;
	int		 fd, oflags, saved;

	*text = NULL;
	*len = 0;
	if (max >= SIZE_MAX / 2) {
		errf(err, errlen, "%s: %s", path, FILE_STRERROR(EINVAL));
		return FILE_ERROR;
	}
	limit = max + 1;
	/* O_NONBLOCK: opening a FIFO must not hang; fstat() refuses it. */
	oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	if (flags & FILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) == -1) {
		saved = errno;
		errf(err, errlen, "%s: %s", path, FILE_STRERROR(saved));
		errno = saved;
		return saved == ENOENT ? FILE_NONE : FILE_ERROR;
	}
	if (fstat(fd, &st) == -1) {
		errf(err, errlen, "%s: %s", path, FILE_STRERROR(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		errno = EINVAL;
		goto out;
	}
	if ((flags & FILE_OWNED) && st.st_uid != geteuid()) {
		errf(err, errlen, "%s: owned by uid %lu, not by uid %lu",
		    path, (unsigned long)st.st_uid, (unsigned long)geteuid());
		errno = EPERM;
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > max) {
		rc = FILE_TOOBIG;
		errf(err, errlen, "%s: file larger than %zu bytes", path,
		    max);
		errno = EFBIG;
		goto out;
	}

	/*
	 * Room for one byte more than fstat() said, so that a file that
	 * grew is noticed; files that do not know their size (/proc) grow
	 * the buffer up to limit.
	 */
	cap = (size_t)st.st_size + 1;
	if ((buf = xmalloc(cap + 1)) == NULL) {
		errf(err, errlen, "%s: %s", path, FILE_STRERROR(ENOMEM));
		errno = ENOMEM;
		goto out;
	}
	for (;;) {
		if (got == cap) {
			if (cap >= limit)
				break;
			ncap = cap < limit / 2 ? cap * 2 : limit;
			if ((nbuf = xrealloc(buf, ncap + 1)) == NULL) {
				errf(err, errlen, "%s: %s", path,
				    FILE_STRERROR(ENOMEM));
				errno = ENOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + got, cap - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errf(err, errlen, "%s: read: %s", path,
			    FILE_STRERROR(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		rc = FILE_TOOBIG;
		errf(err, errlen, "%s: file larger than %zu bytes", path,
		    max);
		errno = EFBIG;
		goto out;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	buf = NULL;
	if (stp != NULL)
		*stp = st;
	rc = FILE_OK;
 out:
	saved = errno;
	free(buf);
	(void)close(fd);
	errno = saved;
	return rc;
}

int
file_create(const char *dir, const char *name, mode_t mode, char *err,
    size_t errlen)
{
	char	 path[FILE_PATH_MAX];
	int	 fd, n;

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		errf(err, errlen, "%s/%s: not a file name", dir, name);
		errno = EINVAL;
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errf(err, errlen, "%s: path too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, mode)) == -1) {
		n = errno;
		errf(err, errlen, "%s: %s", path, FILE_STRERROR(n));
		errno = n;
		return -1;
	}
	return fd;
}

int
file_write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	size_t		 off;
	ssize_t		 n;

	for (off = 0; off < len; off += (size_t)n) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}

int
file_sync_dir(const char *dir, char *err, size_t errlen)
{
	int	 fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		errf(err, errlen, "%s: fsync of the directory: %s", dir,
		    FILE_STRERROR(saved));
		if (fd != -1)
			(void)close(fd);
		errno = saved;
		return -1;
	}
	(void)close(fd);
	return 0;
}

/* A fresh temporary name: FILE_TMP_PREFIX "<pid>.<seq>.<random>". */
static void
file_tmpname(char *name, size_t len)
{
	struct timespec	 ts;
	uint64_t	 r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* No entropy yet: the sequence number keeps it unique. */
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_sec * 1000000000ULL +
		    (uint64_t)ts.tv_nsec;
	}
	(void)snprintf(name, len, "%s%ld.%lu.%016llx", FILE_TMP_PREFIX,
	    (long)getpid(), atomic_fetch_add(&file_seq, 1),
	    (unsigned long long)r);
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char *err, size_t errlen)
{
	char		 dir[FILE_PATH_MAX], tmp[FILE_PATH_MAX], name[64];
	const char	*slash;
	size_t		 dlen;
	int		 fd = -1, n, tries;

	/* The directory part of path: where the temporary file goes. */
	if ((slash = strrchr(path, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		if (dlen >= sizeof(dir)) {
			errf(err, errlen, "%s: path too long", path);
			return -1;
		}
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (slash != NULL && slash[1] == '\0') {
		errf(err, errlen, "%s: not a file name", path);
		return -1;
	}
	for (tries = 0; ; tries++) {
		file_tmpname(name, sizeof(name));
		if ((fd = file_create(dir, name, mode, err, errlen)) != -1)
			break;
		/* Another writer's file, or anyone's link: a new name. */
		if (errno != EEXIST || tries + 1 >= FILE_CREATE_TRIES)
			return -1;
	}
	n = snprintf(tmp, sizeof(tmp), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();	/* file_create() checked the same length */
	if (file_write_all(fd, data, len) == -1) {
		errf(err, errlen, "%s: write: %s", tmp,
		    FILE_STRERROR(errno));
		goto unlink;
	}
	if (fsync(fd) == -1) {
		errf(err, errlen, "%s: fsync: %s", tmp,
		    FILE_STRERROR(errno));
		goto unlink;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		errf(err, errlen, "%s: close: %s", tmp,
		    FILE_STRERROR(errno));
		goto unlink;
	}
	if (rename(tmp, path) == -1) {
		errf(err, errlen, "rename %s to %s: %s", tmp, path,
		    FILE_STRERROR(errno));
		goto unlink;
	}
	/* Make the rename itself durable. */
	return file_sync_dir(dir, err, errlen);
 unlink:
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	return -1;
}

int
file_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}
