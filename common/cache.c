#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "host.h"
#include "xmalloc.h"

#define CACHE_MAGIC	"mta-sts-cgi-cache 1"

struct cache_node {
	struct cache_node	*next;
	char			*domain;
	struct cache_entry	 e;
};

struct cache {
	struct cache_node	**bucket;
	size_t			  nbucket;	/* a power of two */
	size_t			  count;
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
	cache_entry_init(e);
}

int
cache_entry_set_msg(struct cache_entry *e, const char *msg)
{
	char	*m;

	if ((m = xstrdup(msg)) == NULL)
		return -1;
	free(e->msg);
	e->msg = m;
	return 0;
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
	dst->pol.mode = src->pol.mode;
	dst->pol.max_age = src->pol.max_age;
	if (src->msg != NULL && cache_entry_set_msg(dst, src->msg) == -1) {
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
static size_t
cache_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct cache *
cache_new(void)
{
	struct cache	*c;

	if ((c = xcalloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->nbucket = 64;
	if ((c->bucket = xcalloc(c->nbucket, sizeof(*c->bucket))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
cache_free(struct cache *c)
{
	struct cache_node	*n, *next;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbucket; i++)
		for (n = c->bucket[i]; n != NULL; n = next) {
			next = n->next;
			cache_entry_clear(&n->e);
			free(n->domain);
			free(n);
		}
	free(c->bucket);
	free(c);
}

size_t
cache_count(const struct cache *c)
{
	return c->count;
}

static struct cache_node *
cache_find(const struct cache *c, const char *domain)
{
	struct cache_node	*n;

	for (n = c->bucket[cache_hash(domain) & (c->nbucket - 1)]; n != NULL;
	    n = n->next)
		if (strcmp(n->domain, domain) == 0)
			return n;
	return NULL;
}

const struct cache_entry *
cache_get(const struct cache *c, const char *domain)
{
	struct cache_node	*n;

	return (n = cache_find(c, domain)) != NULL ? &n->e : NULL;
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
			next = n->next;
			h = cache_hash(n->domain) & (nn - 1);
			n->next = nb[h];
			nb[h] = n;
		}
	free(c->bucket);
	c->bucket = nb;
	c->nbucket = nn;
}

int
cache_put(struct cache *c, const char *domain, const struct cache_entry *e,
    int64_t now)
{
	struct cache_node	*n;
	struct cache_entry	 copy;
	size_t			 h;

	(void)now;
	cache_entry_init(&copy);
	if (cache_entry_copy(&copy, e) == -1)
		return -1;
	if ((n = cache_find(c, domain)) != NULL) {
		cache_entry_clear(&n->e);
		n->e = copy;
		return 0;
	}
	if (c->count >= CACHE_MAX_ENTRIES)
		goto fail;
	if ((n = xcalloc(1, sizeof(*n))) == NULL)
		goto fail;
	if ((n->domain = xstrdup(domain)) == NULL) {
		free(n);
		goto fail;
	}
	n->e = copy;
	h = cache_hash(domain) & (c->nbucket - 1);
	n->next = c->bucket[h];
	c->bucket[h] = n;
	if (++c->count > c->nbucket)
		cache_grow(c);
	return 0;
 fail:
	cache_entry_clear(&copy);
	return -1;
}

/* dir/domain.cache into path; -1 when it does not fit. */
static int
cache_path(char *path, size_t len, const char *dir, const char *domain,
    const char *prefix, const char *suffix)
{
	int	 n;

	n = snprintf(path, len, "%s/%s%s.cache%s", dir, prefix, domain,
	    suffix);
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

/*
 * Parse a cache file.  Every line is "key value" in a fixed order; the
 * file must end with "end\n".  Returns 0 or -1 (why set).
 */
static int
cache_parse(char *text, size_t len, const char *domain, struct cache_entry *e,
    char *why, size_t whylen)
{
	char	*line, *next, *val;
	int64_t	 n;
	int	 state = 0, done = 0;

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
			if (strcmp(val, "ok") == 0)
				e->rc = RESOLVE_OK;
			else if (strcmp(val, "nopolicy") == 0)
				e->rc = RESOLVE_NOPOLICY;
			else
				goto bad;
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
		} else if (state == 7 && strcmp(line, "mx") == 0 &&
		    e->rc == RESOLVE_OK) {
			if (policy_add_mx(&e->pol, val, strlen(val)) == -1)
				goto bad;
		} else if (state == 7 && strcmp(line, "msg") == 0 &&
		    e->rc == RESOLVE_NOPOLICY) {
			if (strlen(val) >= RESOLVE_MSG_SIZE ||
			    cache_entry_set_msg(e, val) == -1)
				goto bad;
			state = 8;
		} else
			goto bad;
	}
	if (!done || next != text + len ||
	    (e->rc == RESOLVE_OK && (state != 7 || e->pol.nmx == 0)) ||
	    (e->rc == RESOLVE_NOPOLICY && state != 8))
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
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd, rc = -1;

	why[0] = '\0';
	if (!host_valid(domain, strlen(domain)) ||
	    cache_path(path, sizeof(path), dir, domain, "", "") == -1) {
		(void)snprintf(why, whylen, "unusable name");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)) == -1) {
		if (errno != ENOENT)
			(void)snprintf(why, whylen, "%s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_size > CACHE_FILE_MAX) {
		(void)snprintf(why, whylen, "%s: not a cache file of ours",
		    path);
		goto out;
	}
	if ((text = xmalloc((size_t)st.st_size + 1)) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(why, whylen, "%s: read: %s", path,
			    n == 0 ? "short file" : strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	if (cache_parse(text, len, domain, e, why, whylen) == -1) {
		(void)snprintf(why, whylen, "%s: corrupt", path);
		goto out;
	}
	rc = 0;
 out:
	free(text);
	(void)close(fd);
	return rc;
}

int
cache_write(const char *dir, const char *domain, const struct cache_entry *e,
    char *why, size_t whylen)
{
	static unsigned int	 seq;
	struct buf		 b;
	char			 path[4096], tmp[4096], suffix[64];
	size_t			 i, off;
	ssize_t			 n;
	int			 fd = -1, rc = -1;

	buf_init(&b, CACHE_FILE_MAX);
	(void)snprintf(suffix, sizeof(suffix), ".%ld.%u", (long)getpid(),
	    seq++);
	if (!host_valid(domain, strlen(domain)) ||
	    cache_path(path, sizeof(path), dir, domain, "", "") == -1 ||
	    cache_path(tmp, sizeof(tmp), dir, domain, ".tmp.", suffix) == -1) {
		(void)snprintf(why, whylen, "unusable name");
		goto out;
	}
	if (buf_printf(&b, "%s\ndomain %s\noptin %d\nrc %s\nsecure %d\n"
	    "stored %" PRId64 "\nexpires %" PRId64 "\n", CACHE_MAGIC, domain,
	    e->optin ? 1 : 0, e->rc == RESOLVE_OK ? "ok" : "nopolicy",
	    e->secure ? 1 : 0, e->stored, e->expires) == -1)
		goto nomem;
	for (i = 0; e->rc == RESOLVE_OK && i < e->pol.nmx; i++)
		if (buf_printf(&b, "mx %s\n", e->pol.mx[i]) == -1)
			goto nomem;
	if (e->rc != RESOLVE_OK &&
	    (e->msg == NULL || strchr(e->msg, '\n') != NULL ||
	    buf_printf(&b, "msg %s\n", e->msg) == -1))
		goto nomem;
	if (buf_puts(&b, "end\n") == -1)
		goto nomem;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
	    0644)) == -1) {
		(void)snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (off = 0; off < b.len; off += (size_t)n) {
		n = write(fd, b.data + off, b.len - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			(void)snprintf(why, whylen, "%s: write: %s", tmp,
			    strerror(errno));
			goto unlink;
		}
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		(void)snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		(void)snprintf(why, whylen, "rename to %s: %s", path,
		    strerror(errno));
		goto unlink;
	}
	rc = 0;
	goto out;
 nomem:
	(void)snprintf(why, whylen, "entry too large or out of memory");
	goto out;
 unlink:
	(void)unlink(tmp);
 out:
	if (fd != -1)
		(void)close(fd);
	buf_free(&b);
	return rc;
}
