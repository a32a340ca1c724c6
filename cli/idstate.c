#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "errf.h"
#include "file.h"
#include "host.h"
#include "idstate.h"
#include "num.h"
#include "policy.h"
#include "xmalloc.h"

#define IDSTATE_PATH_MAX	4096
#define IDSTATE_LOCK_POLL_MS	50

static const char *const idstate_format_names[IDSTATE_FORMAT__MAX] = {
	"zone",		/* IDSTATE_FORMAT_ZONE */
	"value",	/* IDSTATE_FORMAT_VALUE */
	"nsupdate",	/* IDSTATE_FORMAT_NSUPDATE */
	"json",		/* IDSTATE_FORMAT_JSON */
};

void
idstate_init(struct idstate *st)
{
	memset(st, 0, sizeof(*st));
	st->published = IDSTATE_PUB_UNTRACKED;
	policy_init(&st->pol);
}

void
idstate_clear(struct idstate *st)
{
	policy_clear(&st->pol);
	idstate_init(st);
}

int
idstate_id_valid(const char *id)
{
	size_t	 i;

	for (i = 0; id[i] != '\0'; i++)
		if (i >= IDSTATE_ID_MAX || id[i] < '0' || id[i] > '9')
			return 0;
	return i >= IDSTATE_STAMP_LEN;
}

/* YYYYMMDDHHMMSS for now into stamp (IDSTATE_STAMP_LEN + 1 bytes). */
static int
idstate_stamp(int64_t now, char stamp[IDSTATE_STAMP_LEN + 1])
{
	struct tm	 tm;
	time_t		 t;
	int		 n;

	if (now < 0 || (int64_t)(time_t)now != now)
		return -1;
	t = (time_t)now;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
		return -1;
	n = snprintf(stamp, IDSTATE_STAMP_LEN + 1, "%04d%02d%02d%02d%02d%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return n == IDSTATE_STAMP_LEN ? 0 : -1;
}

int
idstate_id_next(int64_t now, const char *prev, char *id, size_t idsize)
{
	char	 stamp[IDSTATE_STAMP_LEN + 1];
	size_t	 len, i;

	if (idsize < IDSTATE_ID_SIZE)
		return -1;
	id[0] = '\0';
	if (idstate_stamp(now, stamp) == -1)
		return -1;
	if (prev == NULL || prev[0] == '\0') {
		memcpy(id, stamp, sizeof(stamp));
		return 0;
	}
	if (!idstate_id_valid(prev))
		return -1;
	len = strlen(prev);

	/* A later second: the new timestamp, as long as prev. */
	if (memcmp(stamp, prev, IDSTATE_STAMP_LEN) > 0) {
		memcpy(id, stamp, IDSTATE_STAMP_LEN);
		memset(id + IDSTATE_STAMP_LEN, '0', len - IDSTATE_STAMP_LEN);
		id[len] = '\0';
		return 0;
	}

	/* Same second or earlier: count on from prev. */
	memcpy(id, prev, len + 1);
	for (i = len; i > IDSTATE_STAMP_LEN; i--) {
		if (id[i - 1] != '9') {
			id[i - 1]++;
			return 0;
		}
		id[i - 1] = '0';
	}
	/* No sequence number yet, or all nines: append one digit. */
	if (len >= IDSTATE_ID_MAX) {
		id[0] = '\0';
		return -1;
	}
	memcpy(id, prev, len);
	id[len] = '1';
	id[len + 1] = '\0';
	return 0;
}

int
idstate_id_greater(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	return strcmp(a, b) > 0 &&
	    (la > lb || (la == lb && memcmp(a, b, la) > 0));
}

enum idstate_why
idstate_decide(const struct idstate *cur, const struct policy *p,
    int64_t now, int rotate, int64_t refresh)
{
	if (cur == NULL)
		return IDSTATE_FIRST;
	if (!policy_equal(&cur->pol, p))
		return IDSTATE_CHANGED;
	if (rotate)
		return IDSTATE_ROTATED;
	if (refresh > 0 && now - cur->issued > refresh)
		return IDSTATE_REFRESH;
	return IDSTATE_UNCHANGED;
}

/* Append ", " before every item but the first. */
static int
idstate_item(struct buf *out, size_t start)
{
	return out->len > start ? buf_puts(out, ", ") : 0;
}

int
idstate_policy_diff(const struct policy *a, const struct policy *b,
    struct buf *out)
{
	size_t	 start = out->len, i, j;
	int	 c, any = 0;

	if (a->mode != b->mode) {
		if (policy_mode_name(a->mode) == NULL ||
		    policy_mode_name(b->mode) == NULL ||
		    buf_printf(out, "mode %s -> %s", policy_mode_name(a->mode),
		    policy_mode_name(b->mode)) == -1)
			return -1;
	}
	if (a->max_age != b->max_age) {
		if (idstate_item(out, start) == -1 ||
		    buf_printf(out, "max_age %lu -> %lu", a->max_age,
		    b->max_age) == -1)
			return -1;
	}
	/* Both lists are sorted: one merge pass for additions... */
	for (i = j = 0; j < b->nmx; ) {
		c = i < a->nmx ? strcmp(a->mx[i], b->mx[j]) : 1;
		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			if ((any++ == 0 ? idstate_item(out, start) :
			    buf_puts(out, " ")) == -1 ||
			    buf_printf(out, "+%s", b->mx[j]) == -1)
				return -1;
		} else
			i++;
		j++;
	}
	/* ...and one for removals. */
	for (i = j = 0; i < a->nmx; ) {
		c = j < b->nmx ? strcmp(a->mx[i], b->mx[j]) : -1;
		if (c > 0) {
			j++;
			continue;
		}
		if (c < 0) {
			if ((any++ == 0 ? idstate_item(out, start) :
			    buf_puts(out, " ")) == -1 ||
			    buf_printf(out, "-%s", a->mx[i]) == -1)
				return -1;
		} else
			j++;
		i++;
	}
	return 0;
}

int
idstate_describe(enum idstate_why why, const struct idstate *cur,
    const struct policy *p, struct buf *out)
{
	size_t	 start;

	switch (why) {
	case IDSTATE_FIRST:
		return buf_puts(out, "first id");
	case IDSTATE_CHANGED:
		if (buf_puts(out, "changed") == -1)
			return -1;
		if (cur == NULL || p == NULL)
			return 0;
		if (buf_puts(out, ": ") == -1)
			return -1;
		start = out->len;
		if (idstate_policy_diff(&cur->pol, p, out) == -1)
			return -1;
		if (out->len == start) {
			/* Equal after all: drop the ": ". */
			out->len -= 2;
			out->data[out->len] = '\0';
		}
		return 0;
	case IDSTATE_ROTATED:
		return buf_puts(out, "rotated");
	case IDSTATE_REFRESH:
		return buf_puts(out, "daily refresh (id older than 24 hours)");
	case IDSTATE_UNCHANGED:
		return buf_puts(out, "unchanged");
	default:
		return -1;
	}
}

const char *
idstate_format_name(enum idstate_format f)
{
	if ((unsigned int)f >= IDSTATE_FORMAT__MAX)
		return NULL;
	return idstate_format_names[f];
}

int
idstate_format_parse(const char *s, enum idstate_format *f)
{
	unsigned int	 i;

	for (i = 0; i < IDSTATE_FORMAT__MAX; i++)
		if (strcmp(s, idstate_format_names[i]) == 0) {
			*f = (enum idstate_format)i;
			return 0;
		}
	return -1;
}

int
idstate_output(enum idstate_format f, const char *domain, const char *id,
    const char *comment, const struct idstate_nsupdate *ns, struct buf *out,
    struct buf *notes)
{
	switch (f) {
	case IDSTATE_FORMAT_ZONE:
		return buf_printf(out, "; %s: %s\n_mta-sts.%s. %d IN TXT "
		    "\"v=STSv1; id=%s\"\n", domain, comment, domain,
		    IDSTATE_TXT_TTL, id);
	case IDSTATE_FORMAT_VALUE:
		if (buf_printf(notes, "; %s: %s\n", domain, comment) == -1)
			return -1;
		return buf_printf(out, "v=STSv1; id=%s\n", id);
	case IDSTATE_FORMAT_NSUPDATE:
		/* One message: the delete and the add are one transaction. */
		if (buf_printf(out, "; %s: %s\n", domain, comment) == -1 ||
		    (ns != NULL && ns->server != NULL &&
		    buf_printf(out, "server %s\n", ns->server) == -1) ||
		    (ns != NULL && ns->zone != NULL &&
		    buf_printf(out, "zone %s.\n", ns->zone) == -1))
			return -1;
		return buf_printf(out, "update delete _mta-sts.%s. TXT\n"
		    "update add _mta-sts.%s. %d TXT \"v=STSv1; id=%s\"\n"
		    "send\n", domain, domain, IDSTATE_TXT_TTL, id);
	default:
		return -1;
	}
}

int
idstate_output_json(const struct idstate *st, const char *domain,
    const char *comment, struct buf *out)
{
	size_t	 i;

	if (policy_mode_name(st->pol.mode) == NULL)
		return -1;
	if (buf_puts(out, "{\"domain\":") == -1 ||
	    buf_json_str(out, domain) == -1 ||
	    buf_printf(out, ",\"name\":\"_mta-sts.%s\",\"ttl\":%d,"
	    "\"value\":\"v=STSv1; id=%s\",\"id\":\"%s\",\"why\":", domain,
	    IDSTATE_TXT_TTL, st->id, st->id) == -1 ||
	    buf_json_str(out, comment) == -1 ||
	    buf_printf(out, ",\"issued\":%" PRId64 ",\"published\":",
	    st->issued) == -1)
		return -1;
	if (st->published >= 0) {
		if (buf_printf(out, "%" PRId64, st->published) == -1)
			return -1;
	} else if (buf_puts(out, st->published == IDSTATE_PUB_PENDING ?
	    "false" : "null") == -1)
		return -1;
	if (buf_printf(out, ",\"policy\":{\"mode\":\"%s\",\"max_age\":%lu,"
	    "\"mx\":[", policy_mode_name(st->pol.mode), st->pol.max_age) == -1)
		return -1;
	for (i = 0; i < st->pol.nmx; i++)
		if ((i > 0 && buf_puts(out, ",") == -1) ||
		    buf_json_str(out, st->pol.mx[i]) == -1)
			return -1;
	return buf_puts(out, "]}}");
}

/* 1 when s is a valid hostname in lower case. */
static int
idstate_domain_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 0;
	return host_valid(s, i);
}

int
idstate_render(const struct idstate *st, const char *domain,
    struct buf *out)
{
	size_t	 i;

	if (!idstate_domain_ok(domain) || !idstate_id_valid(st->id) ||
	    st->issued < 0 || policy_mode_name(st->pol.mode) == NULL ||
	    st->pol.max_age > POLICY_MAX_AGE_MAX)
		return -1;
	if (st->published < IDSTATE_PUB_PENDING)
		return -1;
	if (buf_printf(out, "%s\ndomain %s\nid %s\nissued %" PRId64 "\n",
	    IDSTATE_MAGIC, domain, st->id, st->issued) == -1)
		return -1;
	if (st->published == IDSTATE_PUB_PENDING &&
	    buf_puts(out, "published no\n") == -1)
		return -1;
	if (st->published >= 0 && buf_printf(out, "published %" PRId64 "\n",
	    st->published) == -1)
		return -1;
	if (buf_printf(out, "mode %s\nmax_age %lu\n",
	    policy_mode_name(st->pol.mode), st->pol.max_age) == -1)
		return -1;
	for (i = 0; i < st->pol.nmx; i++)
		if (buf_printf(out, "mx %s\n", st->pol.mx[i]) == -1)
			return -1;
	return buf_puts(out, "end\n");
}

static void __attribute__((format(printf, 5, 6)))
idstate_err(size_t *errline, size_t line, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list	 ap;

	if (errline != NULL)
		*errline = line;
	va_start(ap, fmt);
	verrf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The keys of a state file, in their order; "mx" may repeat. */
enum idstate_key {
	IDSTATE_KEY_DOMAIN,
	IDSTATE_KEY_ID,
	IDSTATE_KEY_ISSUED,
	IDSTATE_KEY_PUBLISHED,	/* optional */
	IDSTATE_KEY_MODE,
	IDSTATE_KEY_MAX_AGE,
	IDSTATE_KEY_MX,
	IDSTATE_KEY__MAX
};

static const char *const idstate_keys[IDSTATE_KEY__MAX] = {
	"domain", "id", "issued", "published", "mode", "max_age", "mx",
};

int
idstate_parse(const char *text, size_t len, const char *domain,
    struct idstate *st, size_t *errline, char *err, size_t errlen)
{
	const char	*line, *nl, *sp, *val;
	char		 key[16], value[HOST_NAME_SIZE + 2];
	size_t		 lineno = 0, llen, klen, vlen;
	uint64_t	 u;
	unsigned int	 want = IDSTATE_KEY_DOMAIN, k;
	int		 done = 0;

	idstate_clear(st);
	if (len > IDSTATE_FILE_MAX) {
		idstate_err(errline, 0, err, errlen, "larger than %d bytes",
		    IDSTATE_FILE_MAX);
		goto bad;
	}
	if (len == 0 || text[len - 1] != '\n') {
		idstate_err(errline, 0, err, errlen, "truncated (no newline "
		    "at the end)");
		goto bad;
	}
	for (line = text; line < text + len; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(text + len - line));
		llen = (size_t)(nl - line);
		if (done) {
			idstate_err(errline, lineno, err, errlen,
			    "text after \"end\"");
			goto bad;
		}
		if (memchr(line, '\0', llen) != NULL ||
		    memchr(line, '\r', llen) != NULL) {
			idstate_err(errline, lineno, err, errlen,
			    "NUL or CR byte");
			goto bad;
		}
		if (lineno == 1) {
			if (llen != strlen(IDSTATE_MAGIC) ||
			    memcmp(line, IDSTATE_MAGIC, llen) != 0) {
				idstate_err(errline, lineno, err, errlen,
				    "not an mta-sts-id state file "
				    "(want \"%s\")", IDSTATE_MAGIC);
				goto bad;
			}
			continue;
		}
		if (llen == 3 && memcmp(line, "end", 3) == 0) {
			if (want < IDSTATE_KEY_MX) {
				idstate_err(errline, lineno, err, errlen,
				    "\"%s\" missing", idstate_keys[want ==
				    IDSTATE_KEY_PUBLISHED ? IDSTATE_KEY_MODE :
				    want]);
				goto bad;
			}
			done = 1;
			continue;
		}
		if ((sp = memchr(line, ' ', llen)) == NULL ||
		    (klen = (size_t)(sp - line)) >= sizeof(key)) {
			idstate_err(errline, lineno, err, errlen,
			    "not \"key value\"");
			goto bad;
		}
		memcpy(key, line, klen);
		key[klen] = '\0';
		val = sp + 1;
		vlen = llen - klen - 1;
		if (vlen == 0 || vlen >= sizeof(value) ||
		    memchr(val, ' ', vlen) != NULL) {
			idstate_err(errline, lineno, err, errlen,
			    "bad value for \"%s\"", key);
			goto bad;
		}
		memcpy(value, val, vlen);
		value[vlen] = '\0';
		for (k = 0; k < IDSTATE_KEY__MAX; k++)
			if (strcmp(key, idstate_keys[k]) == 0)
				break;
		/* "published" is optional: old files have none. */
		if (want == IDSTATE_KEY_PUBLISHED && k == IDSTATE_KEY_MODE)
			want = IDSTATE_KEY_MODE;
		if (k != want) {
			if (k < want || k == IDSTATE_KEY__MAX)
				idstate_err(errline, lineno, err, errlen,
				    "unexpected key \"%s\"", key);
			else
				idstate_err(errline, lineno, err, errlen,
				    "\"%s\" missing", idstate_keys[want]);
			goto bad;
		}
		switch (k) {
		case IDSTATE_KEY_DOMAIN:
			if (strcmp(value, domain) != 0) {
				idstate_err(errline, lineno, err, errlen,
				    "state of another domain");
				goto bad;
			}
			break;
		case IDSTATE_KEY_ID:
			if (!idstate_id_valid(value)) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid id");
				goto bad;
			}
			memcpy(st->id, value, vlen + 1);
			break;
		case IDSTATE_KEY_ISSUED:
			if (num_parse(value, vlen, 0, INT64_MAX,
			    NUM_CANONICAL, &u) == -1) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid issued time");
				goto bad;
			}
			st->issued = (int64_t)u;
			break;
		case IDSTATE_KEY_PUBLISHED:
			if (strcmp(value, "no") == 0)
				st->published = IDSTATE_PUB_PENDING;
			else if (num_parse(value, vlen, 0, INT64_MAX,
			    NUM_CANONICAL, &u) == -1) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid published time (want seconds or "
				    "\"no\")");
				goto bad;
			} else
				st->published = (int64_t)u;
			break;
		case IDSTATE_KEY_MODE:
			if (policy_mode_parse(value, &st->pol.mode) == -1) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid mode");
				goto bad;
			}
			break;
		case IDSTATE_KEY_MAX_AGE:
			if (policy_max_age_parse(value, vlen,
			    &st->pol.max_age) == -1 ||
			    (value[0] == '0' && vlen > 1)) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid max_age");
				goto bad;
			}
			break;
		case IDSTATE_KEY_MX:
			/* Canonical: valid, lower case, strictly sorted. */
			if (policy_add_mx(&st->pol, value, vlen) == -1 ||
			    strcmp(st->pol.mx[st->pol.nmx - 1], value) != 0 ||
			    (st->pol.nmx > 1 &&
			    strcmp(st->pol.mx[st->pol.nmx - 2], value) >= 0)) {
				idstate_err(errline, lineno, err, errlen,
				    "invalid mx (not a lower-case name, or "
				    "out of order)");
				goto bad;
			}
			break;
		default:
			break;
		}
		/* mx repeats; every other key comes once, in order. */
		want = k == IDSTATE_KEY_MX ? IDSTATE_KEY_MX : k + 1;
	}
	if (!done) {
		idstate_err(errline, 0, err, errlen, "\"end\" missing");
		goto bad;
	}
	if (st->pol.nmx == 0 && st->pol.mode != POLICY_MODE_NONE) {
		idstate_err(errline, 0, err, errlen, "no mx line (mode %s)",
		    policy_mode_name(st->pol.mode));
		goto bad;
	}
	return 0;
 bad:
	idstate_clear(st);
	return -1;
}

int
idstate_path(char *path, size_t len, const char *dir, const char *domain)
{
	int	 n;

	if (!idstate_domain_ok(domain))
		return -1;
	n = snprintf(path, len, "%s/%s.state", dir, domain);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

enum idstate_load_rc
idstate_load(const char *dir, const char *domain, struct idstate *st,
    char *err, size_t errlen)
{
	enum idstate_load_rc	 rc = IDSTATE_LOAD_ERROR;
	char			 path[IDSTATE_PATH_MAX], why[256], *text;
	size_t			 len, line;

	idstate_clear(st);
	if (idstate_path(path, sizeof(path), dir, domain) == -1) {
		(void)snprintf(err, errlen, "%s: no usable state file name "
		    "for \"%s\"", dir, domain);
		return IDSTATE_LOAD_ERROR;
	}
	switch (file_read(path, IDSTATE_FILE_MAX, FILE_NOFOLLOW, &text, &len,
	    NULL, err, errlen)) {
	case FILE_OK:
		break;
	case FILE_NONE:
		return IDSTATE_LOAD_NONE;
	default:
		return IDSTATE_LOAD_ERROR;
	}
	if (idstate_parse(text, len, domain, st, &line, why,
	    sizeof(why)) == -1) {
		if (line > 0)
			(void)snprintf(err, errlen, "%s:%zu: corrupt state "
			    "file: %s", path, line, why);
		else
			(void)snprintf(err, errlen, "%s: corrupt state "
			    "file: %s", path, why);
		goto out;
	}
	rc = IDSTATE_LOAD_OK;
 out:
	free(text);
	return rc;
}

int
idstate_save(const char *dir, const char *domain, const struct idstate *st,
    char *err, size_t errlen)
{
	struct buf	 b;
	char		 path[IDSTATE_PATH_MAX];
	int		 rc = -1;

	buf_init(&b, IDSTATE_FILE_MAX);
	if (idstate_path(path, sizeof(path), dir, domain) == -1) {
		(void)snprintf(err, errlen, "%s: no usable state file name "
		    "for \"%s\"", dir, domain);
		goto out;
	}
	if (idstate_render(st, domain, &b) == -1) {
		(void)snprintf(err, errlen, "%s: invalid state or out of "
		    "memory", path);
		goto out;
	}
	rc = file_write_atomic(path, b.data, b.len, 0644, err, errlen);
 out:
	buf_free(&b);
	return rc;
}

int
idstate_lock(const char *dir, int wait_ms, char *err, size_t errlen)
{
	struct timespec	 pause;
	long long	 deadline;
	char		 path[IDSTATE_PATH_MAX];
	int		 fd, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, IDSTATE_LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		(void)snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		(void)snprintf(err, errlen, "state directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	deadline = clock_ms() + (wait_ms > 0 ? wait_ms : 0);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			(void)snprintf(err, errlen, "%s: flock: %s", path,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
		if (clock_ms() >= deadline)
			break;
		pause.tv_sec = 0;
		pause.tv_nsec = IDSTATE_LOCK_POLL_MS * 1000000L;
		(void)nanosleep(&pause, NULL);
	}
	(void)snprintf(err, errlen, "%s: held by another mta-sts-id run",
	    path);
	(void)close(fd);
	return -2;
}

void
idstate_unlock(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}
