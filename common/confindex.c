#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "confindex.h"
#include "file.h"
#include "hash.h"
#include "nameset.h"
#include "xmalloc.h"

#define CI_MAGIC	"mta-sts-cgi-idx\n"	/* 16 bytes, no NUL */
#define CI_VERSION	1U
#define CI_ORDER	0x01020304U		/* byte order of the writer */
#define CI_PATH_MAX	4096

/* A file's identity, as compared by conf_load_for(). */
struct ci_fileid {
	int64_t		 dev, ino, size;
	int64_t		 mtim_s, mtim_ns, ctim_s, ctim_ns;
};

/*
 * The header.  It is followed by the configuration's path, the path of
 * domains_file, padding to 8 bytes, nsect {offset, length} pairs (64 bits
 * each), the name set's table (cap slots of 8 bytes), padding to 8 bytes and
 * its arena (arenalen bytes), which ends the file.
 */
struct ci_head {
	char		 magic[16];
	uint32_t	 version;
	uint32_t	 order;
	uint64_t	 total;		/* bytes in the file */
	uint64_t	 seed;
	uint64_t	 nlisted;
	uint64_t	 globlen;
	uint64_t	 nsect;
	uint64_t	 cap;
	uint64_t	 arenalen;
	uint64_t	 pathlen;
	uint64_t	 dfilelen;	/* 0: no domains_file */
	struct ci_fileid conf;
	struct ci_fileid dfile;
	uint64_t	 check;		/* FNV-1a of the above (check 0), paths */
};

/* Where the parts after the header begin. */
struct ci_layout {
	size_t		 paths;
	size_t		 sect;
	size_t		 table;
	size_t		 arena;
	size_t		 total;
};

static size_t
ci_pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void
ci_fileid(struct ci_fileid *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = (int64_t)st->st_dev;
	id->ino = (int64_t)st->st_ino;
	id->size = (int64_t)st->st_size;
	id->mtim_s = (int64_t)st->st_mtim.tv_sec;
	id->mtim_ns = (int64_t)st->st_mtim.tv_nsec;
	id->ctim_s = (int64_t)st->st_ctim.tv_sec;
	id->ctim_ns = (int64_t)st->st_ctim.tv_nsec;
}

static uint64_t
ci_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t
ci_check(const struct ci_head *h, const char *paths)
{
	struct ci_head	 c = *h;

	c.check = 0;
	return ci_fnv(ci_fnv(14695981039346656037ULL, &c, sizeof(c)), paths,
	    (size_t)(h->pathlen + h->dfilelen));
}

/*
 * The layout that h describes, checked against size (the file's).
 * Returns 0, or -1 when the lengths do not add up.
 */
static int
ci_layout(const struct ci_head *h, size_t size, struct ci_layout *l)
{
	size_t	 off;

	if (h->pathlen == 0 || h->pathlen > CI_PATH_MAX ||
	    h->dfilelen > CI_PATH_MAX ||
	    (h->cap != 0 && (h->cap & (h->cap - 1)) != 0) ||
	    h->cap > SIZE_MAX / 32 || h->nsect > SIZE_MAX / 32 ||
	    h->arenalen > SIZE_MAX / 2 || h->nlisted > h->cap)
		return -1;
	l->paths = sizeof(*h);
	off = ci_pad8(l->paths + (size_t)h->pathlen + (size_t)h->dfilelen);
	l->sect = off;
	off += (size_t)h->nsect * 16;
	l->table = off;
	off = ci_pad8(off + (size_t)h->cap * sizeof(struct nameset_slot));
	l->arena = off;
	if (off > size || size - off != h->arenalen)
		return -1;
	l->total = size;
	return 0;
}

static int
ci_path(char *buf, size_t len, const char *dir, const char *path)
{
	int	 n;

	n = snprintf(buf, len, "%s/.conf-index.%016llx", dir,
	    (unsigned long long)hash_fnv1a(path));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
confindex_lock(const char *dir, const char *path)
{
	char	 file[4096];
	int	 fd, n;

	n = snprintf(file, sizeof(file), "%s/.conf-index.%016llx.lock", dir,
	    (unsigned long long)hash_fnv1a(path));
	if (n < 0 || (size_t)n >= sizeof(file) ||
	    (fd = open(file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			(void)close(fd);
			return -1;
		}
	return fd;
}

void
confindex_unlock(int fd)
{
	if (fd != -1)
		(void)close(fd);	/* drops the lock */
}

int
confindex_find(const char *dir, const char *path, const struct stat *st,
    const char *dfile, size_t globlen, const char *domain,
    struct confindex_hit *hit)
{
	struct ci_head		 h;
	struct ci_layout	 l;
	struct ci_fileid	 id;
	struct nameset_view	 vw;
	struct nameset_val	 v;
	struct stat		 ist, dst;
	char			 file[4096];
	const unsigned char	*m = MAP_FAILED;
	size_t			 size = 0, dlen;
	uint64_t		 sect[2];
	int			 fd, rc = -1;

	memset(hit, 0, sizeof(*hit));
	if (ci_path(file, sizeof(file), dir, path) == -1 ||
	    (fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &ist) == -1 || !S_ISREG(ist.st_mode) ||
	    ist.st_uid != geteuid() || ist.st_size < (off_t)sizeof(h) ||
	    (uint64_t)ist.st_size > SIZE_MAX / 2)
		goto out;
	size = (size_t)ist.st_size;
	if ((m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	    MAP_FAILED)
		goto out;
	memcpy(&h, m, sizeof(h));
	if (memcmp(h.magic, CI_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != CI_VERSION || h.order != CI_ORDER ||
	    h.total != size || ci_layout(&h, size, &l) == -1 ||
	    h.check != ci_check(&h, (const char *)m + l.paths))
		goto out;
	/* The same configuration file, unchanged, and the same global part. */
	ci_fileid(&id, st);
	if (h.pathlen != strlen(path) ||
	    memcmp(m + l.paths, path, (size_t)h.pathlen) != 0 ||
	    memcmp(&id, &h.conf, sizeof(id)) != 0 || h.globlen != globlen)
		goto out;
	/* The same domains_file, unchanged. */
	dlen = dfile != NULL ? strlen(dfile) : 0;
	if (h.dfilelen != dlen || (dlen > 0 &&
	    memcmp(m + l.paths + h.pathlen, dfile, dlen) != 0))
		goto out;
	if (dlen > 0) {
		if (stat(dfile, &dst) == -1)
			goto out;
		ci_fileid(&id, &dst);
		if (memcmp(&id, &h.dfile, sizeof(id)) != 0)
			goto out;
	}

	vw.table = (const struct nameset_slot *)(const void *)(m + l.table);
	vw.cap = (size_t)h.cap;
	vw.arena = m + l.arena;
	vw.len = (size_t)h.arenalen;
	vw.seed = h.seed;
	hit->nlisted = (size_t)h.nlisted;
	if (nameset_view_find(&vw, domain, &v)) {
		hit->listed = 1;
		if (v.b != 0) {
			if (v.b > h.nsect)
				goto out;
			memcpy(sect, m + l.sect + ((size_t)v.b - 1) * 16,
			    sizeof(sect));
			hit->off = sect[0];
			hit->len = sect[1];
			if (hit->len == 0)
				goto out;
		}
	}
	rc = 0;
 out:
	if (m != MAP_FAILED)
		(void)munmap((void *)(uintptr_t)m, size);
	(void)close(fd);
	if (rc == -1)
		memset(hit, 0, sizeof(*hit));
	return rc;
}

int
confindex_write(const char *dir, const char *path, const struct stat *st,
    const struct conf *conf, char *err, size_t errlen)
{
	struct ci_head		 h;
	struct ci_layout	 l;
	struct nameset_view	 vw;
	char			 file[4096];
	unsigned char		*buf;
	uint64_t		 sect[2];
	size_t			 i, plen, dlen, off;
	int			 rc;

	if (ci_path(file, sizeof(file), dir, path) == -1) {
		(void)snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	plen = strlen(path);
	dlen = conf->domains_file != NULL ? strlen(conf->domains_file) : 0;
	if (plen == 0 || plen > CI_PATH_MAX || dlen > CI_PATH_MAX) {
		(void)snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CI_MAGIC, sizeof(h.magic));
	h.version = CI_VERSION;
	h.order = CI_ORDER;
	if (conf->listed != NULL)
		nameset_view_of(conf->listed, &vw);
	else
		memset(&vw, 0, sizeof(vw));
	h.seed = vw.seed;
	h.nlisted = conf->nlisted;
	h.globlen = conf->globlen;
	h.nsect = conf->ndomains;
	h.cap = vw.cap;
	h.arenalen = vw.len;
	h.pathlen = plen;
	h.dfilelen = dlen;
	ci_fileid(&h.conf, st);
	if (dlen > 0)
		ci_fileid(&h.dfile, &conf->domains_file_st);
	off = ci_pad8(sizeof(h) + plen + dlen) + conf->ndomains * 16;
	off = ci_pad8(off + vw.cap * sizeof(*vw.table)) + vw.len;
	h.total = off;
	if (ci_layout(&h, off, &l) == -1 ||
	    (buf = xcalloc(1, off)) == NULL) {
		(void)snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	memcpy(buf + l.paths, path, plen);
	if (dlen > 0)
		memcpy(buf + l.paths + plen, conf->domains_file, dlen);
	h.check = ci_check(&h, (const char *)buf + l.paths);
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < conf->ndomains; i++) {
		sect[0] = conf->domains[i].off;
		sect[1] = conf->domains[i].len;
		memcpy(buf + l.sect + i * 16, sect, sizeof(sect));
	}
	if (vw.cap > 0)
		memcpy(buf + l.table, vw.table, vw.cap * sizeof(*vw.table));
	if (vw.len > 0)
		memcpy(buf + l.arena, vw.arena, vw.len);
	rc = file_write_atomic(file, buf, off, 0600, err, errlen);
	free(buf);
	return rc;
}
