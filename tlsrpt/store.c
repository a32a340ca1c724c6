/*
 * store: see store.h.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "report.h"
#include "store.h"
#include "xmalloc.h"

#define STORE_EPOCH_DIGITS	11
#define STORE_SUFFIX		".json"
#define STORE_LOCK		".lock"
#define STORE_TMP_PREFIX	".tmp-"
#define STORE_NAME_SIZE		256

/* One stored file, for the bounds and for store_scan(). */
struct store_ent {
	char		 name[STORE_NAME_SIZE];
	uint64_t	 size;
};

int
store_dir(const struct conf *conf, char *buf, size_t size)
{
	int	 n;

	if (conf->report_dir != NULL)
		n = snprintf(buf, size, "%s", conf->report_dir);
	else
		n = snprintf(buf, size, "%s/tlsrpt", conf->state_dir);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int
store_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	    c == '=' || c == '@' || c == '-';
}

int
store_name(const struct report *r, char *buf, size_t size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 enc[STORE_ID_MAX + 1];
	const unsigned char	*id = (const unsigned char *)r->id;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	size_t			 i, n = 0, idlen = strlen(r->id);
	int			 cut = 0, w;

	for (i = 0; i < idlen; i++) {
		if (store_safe(id[i]) && !(i == 0 && id[i] == '.')) {
			if (n + 1 > STORE_ID_MAX - 17) {
				cut = 1;
				break;
			}
			enc[n++] = (char)id[i];
		} else {
			if (n + 3 > STORE_ID_MAX - 17) {
				cut = 1;
				break;
			}
			enc[n++] = '%';
			enc[n++] = hex[id[i] >> 4];
			enc[n++] = hex[id[i] & 15];
		}
	}
	enc[n] = '\0';
	if (cut) {
		for (i = 0; i < idlen; i++) {
			h ^= id[i];
			h *= 0x100000001b3ULL;
		}
		w = snprintf(buf, size, "%0*lld-%s~%016llx%s",
		    STORE_EPOCH_DIGITS, (long long)r->end, enc,
		    (unsigned long long)h, STORE_SUFFIX);
	} else
		w = snprintf(buf, size, "%0*lld-%s%s", STORE_EPOCH_DIGITS,
		    (long long)r->end, enc, STORE_SUFFIX);
	return w < 0 || (size_t)w >= size || r->end < 0 ? -1 : 0;
}

/*
 * 1 when name is a stored report's: 11 digits, '-', an ID, ".json".
 * *epoch gets the digits.
 */
static int
store_is_report(const char *name, int64_t *epoch)
{
	size_t	 len = strlen(name), i;
	int64_t	 e = 0;

	if (len < STORE_EPOCH_DIGITS + 2 + sizeof(STORE_SUFFIX) - 1 ||
	    len >= STORE_NAME_SIZE || name[STORE_EPOCH_DIGITS] != '-' ||
	    strcmp(name + len - (sizeof(STORE_SUFFIX) - 1), STORE_SUFFIX) != 0)
		return 0;
	for (i = 0; i < STORE_EPOCH_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		e = e * 10 + (name[i] - '0');
	}
	*epoch = e;
	return 1;
}

static int
store_ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_ent *)a)->name,
	    ((const struct store_ent *)b)->name);
}

/*
 * The stored reports of the directory open at dfd into *ents (caller must
 * free), sorted by name, with their sizes.  With withsize 0 sizes are not
 * looked up.  Leftover temporary files are removed when clean is set (the
 * caller holds the lock).  Returns the count, or -1 with err set.
 */
static ssize_t
store_list(int dfd, int clean, int withsize, struct store_ent **ents,
    char *err, size_t errlen)
{
	struct store_ent	*v = NULL, *nv;
	struct dirent		*de;
	struct stat		 sb;
	DIR			*d;
	size_t			 n = 0, cap = 0;
	int64_t			 e;
	int			 fd;

	*ents = NULL;
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		(void)snprintf(err, errlen, "report directory: %s",
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (clean && strncmp(de->d_name, STORE_TMP_PREFIX,
		    sizeof(STORE_TMP_PREFIX) - 1) == 0) {
			(void)unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (!store_is_report(de->d_name, &e))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((nv = xreallocarray(v, cap, sizeof(*v))) == NULL) {
				(void)snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = nv;
		}
		memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
		v[n].size = 0;
		if (withsize) {
			if (fstatat(dfd, de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == -1)
				continue;	/* removed meanwhile */
			v[n].size = (uint64_t)sb.st_size;
		}
		n++;
	}
	if (errno != 0) {
		(void)snprintf(err, errlen, "reading the report directory: %s",
		    strerror(errno));
		goto fail;
	}
	(void)closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), store_ent_cmp);
	*ents = v;
	return (ssize_t)n;
 fail:
	(void)closedir(d);
	free(v);
	return -1;
}

/* Open (creating it when missing) the report directory for writing. */
static int
store_open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 dfd;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		(void)snprintf(err, errlen, "report directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "report directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (fstat(dfd, &sb) == -1 || sb.st_uid != geteuid() ||
	    (sb.st_mode & S_IWOTH) != 0) {
		(void)snprintf(err, errlen, "report directory %s: must be "
		    "owned by uid %lu (the running user) and not writable by "
		    "others", dir, (unsigned long)geteuid());
		(void)close(dfd);
		return -1;
	}
	return dfd;
}

/* Write len bytes to a new file name in dfd: temporary file, fsync, rename. */
static int
store_write(int dfd, const char *name, const char *data, size_t len,
    char *err, size_t errlen)
{
	char	 tmp[64];
	ssize_t	 w;
	size_t	 off = 0;
	int	 fd;

	(void)snprintf(tmp, sizeof(tmp), "%s%ld", STORE_TMP_PREFIX,
	    (long)getpid());
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1) {
		(void)snprintf(err, errlen, "creating %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) == -1)
		goto fail;
	(void)fsync(dfd);
	return 0;
 fail:
	(void)snprintf(err, errlen, "writing %s: %s", name, strerror(errno));
	if (fd != -1)
		(void)close(fd);
	(void)unlinkat(dfd, tmp, 0);
	return -1;
}

/* 1 when stored name a and b hold the same report-id (same ID part). */
static int
store_same_id(const char *a, const char *b)
{
	return strcmp(a + STORE_EPOCH_DIGITS, b + STORE_EPOCH_DIGITS) == 0;
}

enum store_rc
store_put(const struct conf *conf, const struct report *r, const char *json,
    size_t len, char *err, size_t errlen)
{
	struct store_ent	*v = NULL, *nv;
	char			 dir[STORE_PATH_SIZE], name[STORE_NAME_SIZE];
	enum store_rc		 rc = STORE_TEMPFAIL;
	uint64_t		 bytes = 0;
	ssize_t			 n;
	size_t			 i, count;
	int			 dfd = -1, lfd = -1;

	if (store_dir(conf, dir, sizeof(dir)) == -1) {
		(void)snprintf(err, errlen, "report directory name too long");
		return STORE_TEMPFAIL;
	}
	if (store_name(r, name, sizeof(name)) == -1) {
		(void)snprintf(err, errlen, "no file name for this report");
		return STORE_REJECT;
	}
	if (len > conf->report_max_bytes) {
		(void)snprintf(err, errlen, "report of %zu bytes is larger "
		    "than report_max_bytes (%lu)", len, conf->report_max_bytes);
		return STORE_REJECT;
	}
	if ((dfd = store_open_dir(dir, err, errlen)) == -1)
		return STORE_TEMPFAIL;
	if ((lfd = openat(dfd, STORE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1 || flock(lfd, LOCK_EX) == -1) {
		(void)snprintf(err, errlen, "%s/%s: %s", dir, STORE_LOCK,
		    strerror(errno));
		goto out;
	}
	if ((n = store_list(dfd, 1, 1, &v, err, errlen)) == -1)
		goto out;
	for (i = 0; i < (size_t)n; i++)
		if (store_same_id(v[i].name, name)) {
			(void)snprintf(err, errlen, "%s", v[i].name);
			rc = STORE_DUPLICATE;
			goto out;
		}
	if (store_write(dfd, name, json, len, err, errlen) == -1)
		goto out;
	(void)snprintf(err, errlen, "%s", name);
	rc = STORE_OK;

	/* The bounds, counting the new file; oldest (first) removed first. */
	if ((nv = xreallocarray(v, (size_t)n + 1, sizeof(*v))) == NULL)
		goto out;	/* stored; the bounds hold at the next put */
	v = nv;
	memcpy(v[n].name, name, sizeof(name));
	v[n].size = len;
	count = (size_t)n + 1;
	qsort(v, count, sizeof(*v), store_ent_cmp);
	for (i = 0; i < count; i++)
		bytes += v[i].size;
	for (i = 0; i < count && (count - i > conf->report_max_count ||
	    bytes > conf->report_max_bytes); i++) {
		if (unlinkat(dfd, v[i].name, 0) == -1 && errno != ENOENT)
			continue;
		bytes -= v[i].size;
		if (strcmp(v[i].name, name) == 0)
			(void)snprintf(err, errlen, "%s (removed at once: older "
			    "than every report kept at the bounds)", name);
	}
	(void)fsync(dfd);
 out:
	free(v);
	if (lfd != -1)
		(void)close(lfd);	/* releases the lock */
	(void)close(dfd);
	return rc;
}

int
store_scan(const struct conf *conf, int64_t since,
    int (*fn)(const struct report *, void *), void *arg, size_t *bad,
    char *err, size_t errlen)
{
	struct store_ent	*v = NULL;
	struct report		 r;
	struct stat		 sb;
	char			 dir[STORE_PATH_SIZE], perr[256], *text = NULL;
	ssize_t			 n, got;
	size_t			 i, off;
	int64_t			 e;
	int			 dfd, fd, rc = -1;

	*bad = 0;
	report_init(&r);
	if (store_dir(conf, dir, sizeof(dir)) == -1) {
		(void)snprintf(err, errlen, "report directory name too long");
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "report directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((n = store_list(dfd, 0, 0, &v, err, errlen)) == -1)
		goto out;
	if ((text = xmalloc(conf->report_max_size + 1)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)n; i++) {
		if (!store_is_report(v[i].name, &e) || e < since)
			continue;
		if ((fd = openat(dfd, v[i].name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC)) == -1) {
			if (errno != ENOENT)	/* evicted meanwhile */
				(*bad)++;
			continue;
		}
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (uint64_t)sb.st_size > conf->report_max_size) {
			(void)close(fd);
			(*bad)++;
			continue;
		}
		off = 0;
		while (off < (size_t)sb.st_size && (got = read(fd, text + off,
		    (size_t)sb.st_size - off)) > 0)
			off += (size_t)got;
		(void)close(fd);
		if (off != (size_t)sb.st_size || report_parse(text, off, &r,
		    perr, sizeof(perr)) == -1) {
			(*bad)++;
			continue;
		}
		if (fn(&r, arg) == -1) {
			(void)snprintf(err, errlen, "out of memory");
			goto out;
		}
		report_clear(&r);
	}
	rc = 0;
 out:
	report_clear(&r);
	free(text);
	free(v);
	(void)close(dfd);
	return rc;
}
