#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <pthread.h>
#include <stddef.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "file.h"
#include "hash.h"
#include "host.h"
#include "xmalloc.h"

#define CACHE_MAGIC	"mta-sts-cgi-cache 2"
/* Longest file name for "domain.cache" (NAME_MAX is 255). */
#define CACHE_NAME_MAX	255
/* Accounted per allocation on top of its size (malloc's own overhead). */
#define CACHE_ALLOC_COST	16
/* Entries looked at for worthless ones per put that needs room. */
#define CACHE_SWEEP_STEP	32

/*
 * A node is in the hash table and on its class's LRU list while linked;
 * holders (cache_get) keep it alive after it is unlinked.
 */
struct cache_node {
	struct cache_node	*hnext;		/* hash chain */
	struct cache_node	*prev, *next;	/* LRU: head is newest */
	char			*domain;
	struct cache_entry	 e;
	size_t			 cost;
	unsigned int		 refs;		/* table + holders */
	enum cache_class	 cls;
};

struct cache_lru {
	struct cache_node	*head, *tail;
	size_t			 bytes;
};

struct cache {
	pthread_mutex_t		  mu;
	struct cache_node	**bucket;
	size_t			  nbucket;	/* a power of two */
	size_t			  count;
	size_t			  max_bytes;
	struct cache_lru	  lru[CACHE__CLASSES];
	unsigned int		  refs;		/* cache_hold() */
};

void
cache_entry_init(struct cache_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->rc = RESOLVE_UNAVAILABLE;
	policy_init(&e->pol);
}

void
cache_entry_clear(struct cache_entry *e)
{
	policy_clear(&e->pol);
	free(e->msg);
	free(e->fail_msg);
	cache_entry_init(e);
}

static int
cache_strset(char **dst, const char *msg)
{
	char	*m = NULL;

	if (msg != NULL && (m = xstrdup(msg)) == NULL)
		return -1;
	free(*dst);
	*dst = m;
	return 0;
}

int
cache_entry_set_msg(struct cache_entry *e, const char *msg)
{
	return cache_strset(&e->msg, msg);
}

int
cache_entry_set_fail(struct cache_entry *e, const char *msg)
{
	return cache_strset(&e->fail_msg, msg);
}

int
cache_entry_copy(struct cache_entry *dst, const struct cache_entry *src)
{
	size_t	 i;

	cache_entry_clear(dst);
	dst->rc = src->rc;
	dst->secure = src->secure;
	dst->optin = src->optin;
	dst->stored = src->stored;
	dst->expires = src->expires;
	dst->retry_at = src->retry_at;
	dst->tempfail = src->tempfail;
	dst->keep_until = src->keep_until;
	dst->pol.mode = src->pol.mode;
	dst->pol.max_age = src->pol.max_age;
	if (cache_entry_set_msg(dst, src->msg) == -1 ||
	    cache_entry_set_fail(dst, src->fail_msg) == -1) {
		cache_entry_clear(dst);
		return -1;
	}
	for (i = 0; i < src->pol.nmx; i++)
		if (policy_add_mx(&dst->pol, src->pol.mx[i],
		    strlen(src->pol.mx[i])) == -1) {
			cache_entry_clear(dst);
			return -1;
		}
	return 0;
}

/* FNV-1a: short keys, no adversary can choose many colliding domains
 * cheaply enough to matter next to the DNS lookups each one costs. */
static uint64_t
cache_hash(const char *s)
{
	return hash_fnv1a(s);
}

/* What a stored entry costs, approximately, in bytes. */
static size_t
cache_cost(const char *domain, const struct cache_entry *e)
{
	size_t	 n, i;

	n = sizeof(struct cache_node) + strlen(domain) + 1 +
	    2 * CACHE_ALLOC_COST;
	if (e->msg != NULL)
		n += strlen(e->msg) + 1 + CACHE_ALLOC_COST;
	if (e->fail_msg != NULL)
		n += strlen(e->fail_msg) + 1 + CACHE_ALLOC_COST;
	if (e->pol.nmx > 0)
		n += e->pol.nmx * sizeof(char *) + CACHE_ALLOC_COST;
	for (i = 0; i < e->pol.nmx; i++)
		n += strlen(e->pol.mx[i]) + 1 + CACHE_ALLOC_COST;
	return n;
}

/* The most bytes class cls may hold. */
static size_t
cache_share(const struct cache *c, enum cache_class cls)
{
	return cls == CACHE_JUNK ? c->max_bytes / 8 :
	    c->max_bytes - c->max_bytes / 8;
}

struct cache *
cache_new(size_t max_bytes)
{
	struct cache	*c;

	if ((c = xcalloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->max_bytes = max_bytes;
	c->refs = 1;
	c->nbucket = 64;
	if ((c->bucket = xcalloc(c->nbucket, sizeof(*c->bucket))) == NULL) {
		free(c);
		return NULL;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->bucket);
		free(c);
		return NULL;
	}
	return c;
}

static void
cache_node_free(struct cache_node *n)
{
	cache_entry_clear(&n->e);
	free(n->domain);
	free(n);
}

void
cache_free(struct cache *c)
{
	struct cache_node	*n, *next;
	size_t			 i;
	unsigned int		 left;

	if (c == NULL)
		return;
	(void)pthread_mutex_lock(&c->mu);
	left = --c->refs;
	(void)pthread_mutex_unlock(&c->mu);
	if (left > 0)
		return;
	for (i = 0; i < c->nbucket; i++)
		for (n = c->bucket[i]; n != NULL; n = next) {
			next = n->hnext;
			cache_node_free(n);
		}
	free(c->bucket);
	(void)pthread_mutex_destroy(&c->mu);
	free(c);
}

struct cache *
cache_hold(struct cache *c)
{
	(void)pthread_mutex_lock(&c->mu);
	c->refs++;
	(void)pthread_mutex_unlock(&c->mu);
	return c;
}

size_t
cache_count(struct cache *c)
{
	size_t	 n;

	(void)pthread_mutex_lock(&c->mu);
	n = c->count;
	(void)pthread_mutex_unlock(&c->mu);
	return n;
}

size_t
cache_bytes(struct cache *c)
{
	size_t	 n = 0, i;

	(void)pthread_mutex_lock(&c->mu);
	for (i = 0; i < CACHE__CLASSES; i++)
		n += c->lru[i].bytes;
	n += c->nbucket * sizeof(*c->bucket);
	(void)pthread_mutex_unlock(&c->mu);
	return n;
}

/* Under mu. */
static struct cache_node **
cache_slot(const struct cache *c, const char *domain)
{
	struct cache_node	**np;

	for (np = &c->bucket[cache_hash(domain) & (c->nbucket - 1)];
	    *np != NULL; np = &(*np)->hnext)
		if (strcmp((*np)->domain, domain) == 0)
			break;
	return np;
}

static void
lru_unlink(struct cache_lru *l, struct cache_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

static void
lru_push(struct cache_lru *l, struct cache_node *n)
{
	n->prev = NULL;
	n->next = l->head;
	if (l->head != NULL)
		l->head->prev = n;
	l->head = n;
	if (l->tail == NULL)
		l->tail = n;
}

/* Drop the table's reference to n (under mu). */
static void
cache_remove(struct cache *c, struct cache_node *n)
{
	struct cache_node	**np;

	for (np = &c->bucket[cache_hash(n->domain) & (c->nbucket - 1)];
	    *np != NULL; np = &(*np)->hnext)
		if (*np == n) {
			*np = n->hnext;
			break;
		}
	lru_unlink(&c->lru[n->cls], n);
	c->lru[n->cls].bytes -= n->cost;
	c->count--;
	if (--n->refs == 0)
		cache_node_free(n);
}

const struct cache_entry *
cache_get(struct cache *c, const char *domain)
{
	struct cache_node	*n;

	(void)pthread_mutex_lock(&c->mu);
	if ((n = *cache_slot(c, domain)) != NULL) {
		lru_unlink(&c->lru[n->cls], n);
		lru_push(&c->lru[n->cls], n);
		n->refs++;
	}
	(void)pthread_mutex_unlock(&c->mu);
	return n != NULL ? &n->e : NULL;
}

void
cache_release(struct cache *c, const struct cache_entry *e)
{
	struct cache_node	*n;

	if (e == NULL)
		return;
	n = (struct cache_node *)(void *)((char *)(uintptr_t)e -
	    offsetof(struct cache_node, e));
	(void)pthread_mutex_lock(&c->mu);
	if (--n->refs == 0)
		cache_node_free(n);
	(void)pthread_mutex_unlock(&c->mu);
}

/* Double the bucket array; on failure the table just stays slower. */
static void
cache_grow(struct cache *c)
{
	struct cache_node	**nb, *n, *next;
	size_t			  i, nn = c->nbucket * 2, h;

	if ((nb = xcalloc(nn, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < c->nbucket; i++)
		for (n = c->bucket[i]; n != NULL; n = next) {
			next = n->hnext;
			h = cache_hash(n->domain) & (nn - 1);
			n->hnext = nb[h];
			nb[h] = n;
		}
	free(c->bucket);
	c->bucket = nb;
	c->nbucket = nn;
}

/*
 * Make room for need more bytes in class cls (under mu): worthless entries
 * of the class first (from its old end, CACHE_SWEEP_STEP at most), then
 * the least recently used ones.  Listed domains may also take the room of
 * opted-in policies.  Returns 0, or -1 when the class cannot hold it.
 */
static int
cache_make_room(struct cache *c, enum cache_class cls, size_t need,
    int64_t now)
{
	struct cache_lru	*l;
	struct cache_node	*n, *prev;
	size_t			 share = cache_share(c, cls), step;

	if (need > share)
		return -1;
	l = &c->lru[cls];
	for (n = l->tail, step = 0; n != NULL && step < CACHE_SWEEP_STEP &&
	    c->lru[cls].bytes + (cls == CACHE_LISTED ?
	    c->lru[CACHE_POLICY].bytes : 0) + need > share;
	    n = prev, step++) {
		prev = n->prev;
		if (n->e.keep_until <= now)
			cache_remove(c, n);
	}
	for (;;) {
		if (cls == CACHE_LISTED) {
			if (l->bytes + c->lru[CACHE_POLICY].bytes + need <=
			    share)
				return 0;
			if (c->lru[CACHE_POLICY].tail != NULL) {
				cache_remove(c, c->lru[CACHE_POLICY].tail);
				continue;
			}
		} else if (cls == CACHE_POLICY) {
			if (l->bytes + c->lru[CACHE_LISTED].bytes + need <=
			    share)
				return 0;
		} else if (l->bytes + need <= share)
			return 0;
		if (l->tail == NULL)
			return -1;
		cache_remove(c, l->tail);
	}
}

int
cache_put(struct cache *c, const char *domain, const struct cache_entry *e,
    enum cache_class cls, int64_t now)
{
	struct cache_node	*n, **np;
	size_t			 h;

	if ((n = xcalloc(1, sizeof(*n))) == NULL)
		return -1;
	cache_entry_init(&n->e);
	if ((n->domain = xstrdup(domain)) == NULL ||
	    cache_entry_copy(&n->e, e) == -1) {
		cache_node_free(n);
		return -1;
	}
	n->cls = cls;
	n->cost = cache_cost(domain, e);
	n->refs = 1;

	(void)pthread_mutex_lock(&c->mu);
	if (*(np = cache_slot(c, domain)) != NULL)
		cache_remove(c, *np);
	if (cache_make_room(c, cls, n->cost, now) == -1) {
		(void)pthread_mutex_unlock(&c->mu);
		cache_node_free(n);
		return -1;
	}
	h = cache_hash(domain) & (c->nbucket - 1);
	n->hnext = c->bucket[h];
	c->bucket[h] = n;
	lru_push(&c->lru[cls], n);
	c->lru[cls].bytes += n->cost;
	if (++c->count > c->nbucket)
		cache_grow(c);
	(void)pthread_mutex_unlock(&c->mu);
	return 0;
}

/*
 * dir's file name for domain: "domain.cache", or "=<hash>.cache" when that
 * would pass NAME_MAX ('=' never occurs in a hostname, and the file names
 * its domain inside, so a hash collision is only a miss).  -1 when the
 * path does not fit.
 */
static int
cache_path(char *path, size_t len, const char *dir, const char *domain)
{
	int	 n;

	if (strlen(domain) + sizeof(".cache") - 1 <= CACHE_NAME_MAX)
		n = snprintf(path, len, "%s/%s.cache", dir, domain);
	else
		n = snprintf(path, len, "%s/=%016" PRIx64 ".cache", dir,
		    cache_hash(domain));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Parse a decimal int64 that is the whole of s. */
static int
cache_int(const char *s, int64_t *v)
{
	int64_t	 n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return 0;
}

static const char *const cache_rc_names[RESOLVE__MAX] = {
	"ok",		/* RESOLVE_OK */
	"nopolicy",	/* RESOLVE_NOPOLICY */
	"unavailable",	/* RESOLVE_UNAVAILABLE */
};

/* A one-line message of ours (no newline, not too long). */
static int
cache_msg_ok(const char *val)
{
	return strlen(val) < RESOLVE_MSG_SIZE && strchr(val, '\n') == NULL;
}

/*
 * Parse a cache file.  Every line is "key value" in a fixed order; the
 * file must end with "end\n".  Returns 0 or -1 (why set).
 */
static int
cache_parse(char *text, size_t len, const char *domain, struct cache_entry *e,
    char *why, size_t whylen)
{
	char	*line, *next = text, *val;
	int64_t	 n;
	int	 state = 0, done = 0, i;

	if (memchr(text, '\0', len) != NULL || len == 0 ||
	    text[len - 1] != '\n') {
		(void)snprintf(why, whylen, "truncated or binary");
		return -1;
	}
	for (line = text; line < text + len && !done; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (state == 0) {
			if (strcmp(line, CACHE_MAGIC) != 0)
				goto bad;
			state = 1;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			done = 1;
			break;
		}
		if ((val = strchr(line, ' ')) == NULL)
			goto bad;
		*val++ = '\0';
		if (state == 1 && strcmp(line, "domain") == 0) {
			if (strcmp(val, domain) != 0)
				goto bad;
			state = 2;
		} else if (state == 2 && strcmp(line, "optin") == 0 &&
		    (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)) {
			e->optin = val[0] == '1';
			state = 3;
		} else if (state == 3 && strcmp(line, "rc") == 0) {
			for (i = 0; i < RESOLVE__MAX; i++)
				if (strcmp(val, cache_rc_names[i]) == 0)
					break;
			if (i == RESOLVE__MAX)
				goto bad;
			e->rc = (enum resolve_rc)i;
			state = 4;
		} else if (state == 4 && strcmp(line, "secure") == 0 &&
		    (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)) {
			e->secure = val[0] == '1';
			state = 5;
		} else if (state == 5 && strcmp(line, "stored") == 0 &&
		    cache_int(val, &n) == 0) {
			e->stored = n;
			state = 6;
		} else if (state == 6 && strcmp(line, "expires") == 0 &&
		    cache_int(val, &n) == 0 && n >= e->stored) {
			e->expires = n;
			state = 7;
		} else if (state == 7 && strcmp(line, "retry") == 0 &&
		    cache_int(val, &n) == 0) {
			e->retry_at = n;
			state = 8;
		} else if (state == 8 && strcmp(line, "tempfail") == 0 &&
		    (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)) {
			e->tempfail = val[0] == '1';
			state = 9;
		} else if (state == 9 && strcmp(line, "mx") == 0 &&
		    e->rc == RESOLVE_OK) {
			if (policy_add_mx(&e->pol, val, strlen(val)) == -1)
				goto bad;
		} else if (state == 9 && strcmp(line, "msg") == 0 &&
		    e->rc == RESOLVE_NOPOLICY) {
			if (!cache_msg_ok(val) ||
			    cache_entry_set_msg(e, val) == -1)
				goto bad;
			state = 10;
		} else if ((state == 9 || state == 10) &&
		    strcmp(line, "fail") == 0 && e->retry_at != 0) {
			if (!cache_msg_ok(val) ||
			    cache_entry_set_fail(e, val) == -1)
				goto bad;
			state = 11;
		} else
			goto bad;
	}
	if (!done || next != text + len ||
	    (e->rc == RESOLVE_OK && e->pol.nmx == 0) ||
	    (e->rc == RESOLVE_NOPOLICY && e->msg == NULL) ||
	    (e->retry_at != 0 && e->fail_msg == NULL) ||
	    (e->rc == RESOLVE_UNAVAILABLE && e->retry_at == 0))
		goto bad;
	policy_normalize(&e->pol);
	return 0;
 bad:
	cache_entry_clear(e);
	(void)snprintf(why, whylen, "corrupt");
	return -1;
}

int
cache_read(const char *dir, const char *domain, struct cache_entry *e,
    char *why, size_t whylen)
{
	struct stat	 st;
	char		 path[4096], *text = NULL;
	size_t		 len = 0;
	int		 rc = -1;

	why[0] = '\0';
	if (!host_valid(domain, strlen(domain)) ||
	    cache_path(path, sizeof(path), dir, domain) == -1) {
		(void)snprintf(why, whylen, "unusable name");
		return -1;
	}
	switch (file_read(path, CACHE_FILE_MAX, FILE_NOFOLLOW | FILE_OWNED,
	    &text, &len, &st, why, whylen)) {
	case FILE_OK:
		break;
	case FILE_NONE:
		why[0] = '\0';		/* a plain miss */
		return -1;
	default:
		return -1;		/* why says which */
	}
	if (cache_parse(text, len, domain, e, why, whylen) == -1) {
		(void)snprintf(why, whylen, "%s: corrupt", path);
		goto out;
	}
	rc = 0;
 out:
	free(text);
	return rc;
}

/* Render e as a cache file into b.  Returns 0 or -1. */
static int
cache_render(struct buf *b, const char *domain, const struct cache_entry *e)
{
	size_t	 i;

	if ((unsigned int)e->rc >= RESOLVE__MAX ||
	    (e->rc == RESOLVE_NOPOLICY && (e->msg == NULL ||
	    !cache_msg_ok(e->msg))) ||
	    (e->retry_at != 0 && (e->fail_msg == NULL ||
	    !cache_msg_ok(e->fail_msg))) ||
	    (e->rc == RESOLVE_UNAVAILABLE && e->retry_at == 0))
		return -1;
	if (buf_printf(b, "%s\ndomain %s\noptin %d\nrc %s\nsecure %d\n"
	    "stored %" PRId64 "\nexpires %" PRId64 "\nretry %" PRId64 "\n"
	    "tempfail %d\n", CACHE_MAGIC, domain, e->optin ? 1 : 0,
	    cache_rc_names[e->rc], e->secure ? 1 : 0, e->stored, e->expires,
	    e->retry_at, e->tempfail ? 1 : 0) == -1)
		return -1;
	for (i = 0; e->rc == RESOLVE_OK && i < e->pol.nmx; i++)
		if (buf_printf(b, "mx %s\n", e->pol.mx[i]) == -1)
			return -1;
	if (e->rc == RESOLVE_NOPOLICY &&
	    buf_printf(b, "msg %s\n", e->msg) == -1)
		return -1;
	if (e->retry_at != 0 && buf_printf(b, "fail %s\n", e->fail_msg) == -1)
		return -1;
	return buf_puts(b, "end\n");
}

int
cache_write(const char *dir, const char *domain, const struct cache_entry *e,
    char *why, size_t whylen)
{
	struct stat	 st;
	struct buf	 b;
	char		 path[4096];
	int		 rc = -1, isnew;

	buf_init(&b, CACHE_FILE_MAX);
	if (!host_valid(domain, strlen(domain)) ||
	    cache_path(path, sizeof(path), dir, domain) == -1) {
		(void)snprintf(why, whylen, "unusable name");
		goto out;
	}
	if (cache_render(&b, domain, e) == -1) {
		(void)snprintf(why, whylen, "entry too large, malformed, "
		    "or out of memory");
		goto out;
	}
	isnew = lstat(path, &st) == -1;
	if (file_write_atomic(path, b.data, b.len, 0644, why, whylen) == -1)
		goto out;
	rc = isnew;
 out:
	buf_free(&b);
	return rc;
}

/* A file name of ours: "*.cache" (not hidden) or ".tmp.*". */
static int
cache_name_kind(const char *name)
{
	size_t	 len = strlen(name);

	if (strncmp(name, FILE_TMP_PREFIX, strlen(FILE_TMP_PREFIX)) == 0)
		return 2;
	if (name[0] != '.' && len > 6 &&
	    strcmp(name + len - 6, ".cache") == 0)
		return 1;
	return 0;
}

struct cache_file {
	int64_t	 mtime;
	char	*name;
};

static int
cache_file_cmp(const void *a, const void *b)
{
	const struct cache_file	*x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

int
cache_sweep(const char *dir, size_t max_files, int64_t horizon, int64_t now,
    char *why, size_t whylen)
{
	struct cache_file	*files = NULL, *nf;
	struct dirent		*de;
	struct stat		 st;
	DIR			*d;
	size_t			 nfiles = 0, cap = 0, i, keep;
	int			 removed = 0, kind, dfd, rc = -1;

	if ((d = opendir(dir)) == NULL) {
		(void)snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if ((kind = cache_name_kind(de->d_name)) == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if ((kind == 2 && st.st_mtime + 3600 < now) ||
		    (kind == 1 && st.st_mtime + horizon < now)) {
			if (unlinkat(dfd, de->d_name, 0) == 0)
				removed++;
			continue;
		}
		if (kind == 2)
			continue;
		if (nfiles == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((nf = xreallocarray(files, cap,
			    sizeof(*files))) == NULL)
				goto nomem;
			files = nf;
		}
		if ((files[nfiles].name = xstrdup(de->d_name)) == NULL)
			goto nomem;
		files[nfiles++].mtime = (int64_t)st.st_mtime;
	}
	if (nfiles > max_files) {
		/* Down to 7/8 of the bound, so that sweeps stay rare. */
		keep = max_files - max_files / 8;
		qsort(files, nfiles, sizeof(*files), cache_file_cmp);
		for (i = 0; i < nfiles - keep; i++)
			if (unlinkat(dfd, files[i].name, 0) == 0)
				removed++;
	}
	rc = removed;
	goto out;
 nomem:
	(void)snprintf(why, whylen, "out of memory");
 out:
	for (i = 0; i < nfiles; i++)
		free(files[i].name);
	free(files);
	(void)closedir(d);
	return rc;
}
