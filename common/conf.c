#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "errf.h"
#include "file.h"
#include "confindex.h"
#include "host.h"
#include "mlog.h"
#include "nameset.h"
#include "num.h"
#include "policy.h"
#include "xmalloc.h"

/* The order of this enum is the order of conf_keys[]. */
enum conf_key {
	CONF_KEY_MODE,
	CONF_KEY_MAX_AGE,
	CONF_KEY_DNSSEC,
	CONF_KEY_RESOLVER,
	CONF_KEY_TRUST_ANCHOR,
	CONF_KEY_UNBOUND_CONF,
	CONF_KEY_CACHE_DIR,
	CONF_KEY_STATE_DIR,
	CONF_KEY_CACHE_MAX_TTL,
	CONF_KEY_STALE_MAX,
	CONF_KEY_FAIL_TTL,
	CONF_KEY_THREADS,
	CONF_KEY_MAX_LOOKUPS,
	CONF_KEY_CACHE_SIZE,
	CONF_KEY_CACHE_DIR_MAX,
	CONF_KEY_DOMAIN,
	CONF_KEY_OVERRIDE,
	CONF_KEY_MX_ALLOW,
	CONF_KEY_REPORT_DIR,
	CONF_KEY_REPORT_MAX_COUNT,
	CONF_KEY_REPORT_MAX_BYTES,
	CONF_KEY_REPORT_MAX_SIZE,
	CONF_KEY_REPORT_CRITICAL,
	CONF_KEY_REPORT_GRACE,
	CONF_KEY_PUBLISH_HOOK,
	CONF_KEY_PUBLISH_WAIT,
	CONF_KEY_NSUPDATE_SERVER,
	CONF_KEY_NSUPDATE_ZONE,
	CONF_KEY_NSUPDATE_KEY,
	CONF_KEY_REFRESH,
	CONF_KEY_DOMAINS_FILE,
	CONF_KEY__MAX
};

const char *const conf_keys[CONF_KEY__MAX + 1] = {
	"mode",
	"max_age",
	"dnssec",
	"resolver",
	"trust_anchor",
	"unbound_conf",
	"cache_dir",
	"state_dir",
	"cache_max_ttl",
	"stale_max",
	"fail_ttl",
	"threads",
	"max_lookups",
	"cache_size",
	"cache_dir_max",
	"domain",
	"override",
	"mx_allow",
	"report_dir",
	"report_max_count",
	"report_max_bytes",
	"report_max_size",
	"report_critical",
	"report_grace",
	"publish_hook",
	"publish_wait",
	"nsupdate_server",
	"nsupdate_zone",
	"nsupdate_key",
	"refresh",
	"domains_file",
	NULL
};

enum conf_scope {
	CONF_SCOPE_BOTH,	/* global default and per domain */
	CONF_SCOPE_GLOBAL,	/* before the first "domain:" line only */
	CONF_SCOPE_DOMAIN,	/* inside a domain section only */
	CONF_SCOPE_SECTION,	/* "domain:" itself: starts a section */
	CONF_SCOPE__MAX
};

static const enum conf_scope conf_key_scope[CONF_KEY__MAX] = {
	CONF_SCOPE_BOTH,	/* mode */
	CONF_SCOPE_BOTH,	/* max_age */
	CONF_SCOPE_BOTH,	/* dnssec */
	CONF_SCOPE_GLOBAL,	/* resolver */
	CONF_SCOPE_GLOBAL,	/* trust_anchor */
	CONF_SCOPE_GLOBAL,	/* unbound_conf */
	CONF_SCOPE_GLOBAL,	/* cache_dir */
	CONF_SCOPE_GLOBAL,	/* state_dir */
	CONF_SCOPE_GLOBAL,	/* cache_max_ttl */
	CONF_SCOPE_GLOBAL,	/* stale_max */
	CONF_SCOPE_GLOBAL,	/* fail_ttl */
	CONF_SCOPE_GLOBAL,	/* threads */
	CONF_SCOPE_GLOBAL,	/* max_lookups */
	CONF_SCOPE_GLOBAL,	/* cache_size */
	CONF_SCOPE_GLOBAL,	/* cache_dir_max */
	CONF_SCOPE_SECTION,	/* domain */
	CONF_SCOPE_DOMAIN,	/* override */
	CONF_SCOPE_DOMAIN,	/* mx_allow */
	CONF_SCOPE_GLOBAL,	/* report_dir */
	CONF_SCOPE_GLOBAL,	/* report_max_count */
	CONF_SCOPE_GLOBAL,	/* report_max_bytes */
	CONF_SCOPE_GLOBAL,	/* report_max_size */
	CONF_SCOPE_GLOBAL,	/* report_critical */
	CONF_SCOPE_GLOBAL,	/* report_grace */
	CONF_SCOPE_GLOBAL,	/* publish_hook */
	CONF_SCOPE_GLOBAL,	/* publish_wait */
	CONF_SCOPE_GLOBAL,	/* nsupdate_server */
	CONF_SCOPE_GLOBAL,	/* nsupdate_zone */
	CONF_SCOPE_GLOBAL,	/* nsupdate_key */
	CONF_SCOPE_GLOBAL,	/* refresh */
	CONF_SCOPE_GLOBAL,	/* domains_file */
};

static const char *const conf_dnssec_names[CONF_DNSSEC__MAX] = {
	"require",		/* CONF_DNSSEC_REQUIRE */
	"allow-insecure",	/* CONF_DNSSEC_ALLOW_INSECURE */
};

/* Quoted text in error messages is cut to this many bytes. */
#define CONF_QUOTE_MAX		64
#define CONF_QUOTE_SIZE		(CONF_QUOTE_MAX + sizeof("..."))

/* conf_parse_text() flags. */
#define CONF_PARSE_NO_DFILE	0x01	/* leave domains_file unread */

/* In the listing's numbers: a name from domains_file (else its line). */
#define CONF_LINE_DFILE		0x80000000U

/* The state of one conf_parse() run. */
struct conf_parser {
	const char	*name;		/* for messages */
	const char	*slash;		/* last '/' in name, or NULL */
	unsigned int	 line;		/* current line, 1-based */
	struct conf	*conf;
	size_t		 domcap;	/* allocated conf->domains */
	size_t		 pos;		/* offset of the current line */
	/* The current section: its name, and its entry in conf->domains. */
	char		 sname[HOST_NAME_SIZE];
	size_t		 soff;		/* offset of its "domain:" line */
	unsigned int	 sline;
	long		 sidx;		/* -1: no settings of its own yet */
	int		 flags;		/* CONF_PARSE_* */
	/* Line where each key was set: globally, in the current section. */
	unsigned int	 gline[CONF_KEY__MAX];
	unsigned int	 dline[CONF_KEY__MAX];
	char		*err;
	size_t		 errlen;
};

/*
 * Write "name:line: message" (or "name: message" when line is 0) to the
 * caller's error buffer.  A message cut short by a small buffer is still
 * a useful message, so truncation is accepted here on purpose.
 */
static void __attribute__((format(printf, 2, 3)))
conf_err(struct conf_parser *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->err == NULL || p->errlen == 0)
		return;
	if (p->line > 0)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0) {
		p->err[0] = '\0';
		return;
	}
	if ((size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* s, NUL-terminated, safe to quote in a message (errf_quote()). */
static const char *
conf_quote(char dst[CONF_QUOTE_SIZE], const char *s)
{
	return errf_quote(dst, CONF_QUOTE_SIZE, s, strlen(s));
}

static int
conf_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
conf_rtrim(char *s)
{
	size_t	 len = strlen(s);

	while (len > 0 && conf_blank(s[len - 1]))
		s[--len] = '\0';
}

struct conf *
conf_new(void)
{
	struct conf	*conf;

	if ((conf = xcalloc(1, sizeof(*conf))) == NULL)
		return NULL;
	conf->path = NULL;
	conf->global.mode = POLICY_MODE_TESTING;
	conf->global.max_age = 604800;
	conf->global.dnssec = CONF_DNSSEC_REQUIRE;
	conf->global.override = NULL;
	conf->resolver = CONF_RESOLVER_RECURSIVE;
	conf->nforwarders = 0;
	conf->trust_anchor = NULL;
	conf->unbound_conf = NULL;
	conf->cache_dir = NULL;
	conf->cache_max_ttl = CONF_CACHE_MAX_TTL_DEFAULT;
	conf->stale_max = CONF_STALE_MAX_DEFAULT;
	conf->fail_ttl = CONF_FAIL_TTL_DEFAULT;
	conf->threads = CONF_THREADS_DEFAULT;
	conf->max_lookups = CONF_MAX_LOOKUPS_DEFAULT;
	conf->cache_size = CONF_CACHE_SIZE_DEFAULT;
	conf->cache_dir_max = CONF_CACHE_DIR_MAX_DEFAULT;
	conf->domains = NULL;
	conf->ndomains = 0;
	conf->report_dir = NULL;
	conf->report_max_count = CONF_REPORT_MAX_COUNT_DEFAULT;
	conf->report_max_bytes = CONF_REPORT_MAX_BYTES_DEFAULT;
	conf->report_max_size = CONF_REPORT_MAX_SIZE_DEFAULT;
	conf->report_critical = CONF_REPORT_CRITICAL_DEFAULT;
	conf->report_grace = CONF_REPORT_GRACE_DEFAULT;
	conf->publish_hook = NULL;
	conf->publish_wait = CONF_PUBLISH_WAIT_DEFAULT;
	conf->refresh = CONF_REFRESH_DEFAULT;
	if ((conf->state_dir = xstrdup(CONF_STATE_DIR)) == NULL) {
		free(conf);
		return NULL;
	}
	return conf;
}

void
conf_free(struct conf *conf)
{
	size_t	 i;

	if (conf == NULL)
		return;
	free(conf->path);
	for (i = 0; i < conf->nforwarders; i++)
		free(conf->forwarders[i]);
	free(conf->trust_anchor);
	free(conf->unbound_conf);
	free(conf->cache_dir);
	free(conf->state_dir);
	free(conf->report_dir);
	free(conf->publish_hook);
	free(conf->nsupdate_server);
	free(conf->nsupdate_zone);
	free(conf->nsupdate_key);
	for (i = 0; i < conf->ndomains; i++) {
		free(conf->domains[i].override);
		free(conf->domains[i].mx_allow);
	}
	free(conf->domains);
	free(conf->domains_file);
	nameset_free(conf->listed);
	free(conf);
}

/*
 * Store the path value in *dst (replacing what was there): absolute paths
 * as given, relative ones joined to the directory of the configuration
 * file.  Returns 0 or -1 (no memory).
 */
static int
conf_set_path(struct conf_parser *p, const char *val, char **dst)
{
	char	*path;
	size_t	 dirlen, vlen;

	vlen = strlen(val);
	if (val[0] == '/' || p->slash == NULL) {
		path = xstrdup(val);
	} else {
		dirlen = (size_t)(p->slash - p->name);
		if ((path = xmalloc(dirlen + 1 + vlen + 1)) != NULL) {
			memcpy(path, p->name, dirlen);
			path[dirlen] = '/';
			memcpy(path + dirlen + 1, val, vlen + 1);
		}
	}
	if (path == NULL) {
		conf_err(p, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = path;
	return 0;
}

/* Parse a forwarder port: 1..5 decimal digits, 1..65535. */
static int
conf_port_ok(const char *s)
{
	uint16_t	 port;
	size_t		 len = strlen(s);

	return len <= 5 && num_port(s, len, 0, &port) == 0;
}

/* One forwarder "ADDR" or "ADDR@PORT".  Returns 0, or -1 with err set. */
static int
conf_forwarder(struct conf_parser *p, const char *tok)
{
	struct conf	*conf = p->conf;
	char		 addr[INET6_ADDRSTRLEN], q1[CONF_QUOTE_SIZE];
	char		 q2[CONF_QUOTE_SIZE];
	struct in_addr	 in4;
	struct in6_addr	 in6;
	const char	*at;
	size_t		 alen;

	if ((at = strchr(tok, '@')) != NULL)
		alen = (size_t)(at - tok);
	else
		alen = strlen(tok);
	if (alen == 0 || alen >= sizeof(addr))
		goto badaddr;
	memcpy(addr, tok, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &in4) != 1 &&
	    inet_pton(AF_INET6, addr, &in6) != 1)
		goto badaddr;
	if (at != NULL && !conf_port_ok(at + 1)) {
		conf_err(p, "invalid resolver port \"%s\" in \"%s\" "
		    "(expected 1..65535)", conf_quote(q1, at + 1),
		    conf_quote(q2, tok));
		return -1;
	}
	/* conf_resolver() counted already; this keeps the array safe. */
	if (conf->nforwarders >= CONF_MAX_FORWARDERS) {
		conf_err(p, "too many resolver addresses (at most %d)",
		    CONF_MAX_FORWARDERS);
		return -1;
	}
	if ((conf->forwarders[conf->nforwarders] = xstrdup(tok)) == NULL) {
		conf_err(p, "out of memory");
		return -1;
	}
	conf->nforwarders++;
	return 0;

 badaddr:
	conf_err(p, "invalid resolver address \"%s\" (expected recursive, "
	    "system or ADDR[@PORT] forwarders)", conf_quote(q1, tok));
	return -1;
}

/*
 * "recursive", "system", or blank-separated forwarders.  val is modified.
 * Returns 0, or -1 with err set.
 */
static int
conf_resolver(struct conf_parser *p, char *val)
{
	struct conf	*conf = p->conf;
	char		*toks[CONF_MAX_FORWARDERS], *tok, *save = NULL;
	const char	*word = NULL;
	size_t		 ntok = 0, i;

	for (tok = strtok_r(val, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "recursive") == 0 ||
		    strcmp(tok, "system") == 0)
			word = tok;
		if (ntok < CONF_MAX_FORWARDERS)
			toks[ntok] = tok;
		ntok++;
	}
	if (word != NULL) {
		if (ntok > 1) {
			conf_err(p, "\"%s\" cannot be combined with other "
			    "resolver values", word);
			return -1;
		}
		if (strcmp(word, "recursive") == 0)
			conf->resolver = CONF_RESOLVER_RECURSIVE;
		else
			conf->resolver = CONF_RESOLVER_SYSTEM;
		return 0;
	}
	if (ntok > CONF_MAX_FORWARDERS) {
		conf_err(p, "too many resolver addresses (%zu, at most %d)",
		    ntok, CONF_MAX_FORWARDERS);
		return -1;
	}
	for (i = 0; i < ntok; i++)
		if (conf_forwarder(p, toks[i]) == -1)
			return -1;
	conf->resolver = CONF_RESOLVER_FORWARD;
	return 0;
}

/*
 * nsupdate_server "ADDR" or "ADDR@PORT", stored as nsupdate(1)'s "ADDR
 * [PORT]".  Returns 0, or -1 with err set.
 */
static int
conf_nsupdate_server(struct conf_parser *p, const char *val)
{
	struct conf	*conf = p->conf;
	char		 addr[INET6_ADDRSTRLEN], q[CONF_QUOTE_SIZE];
	char		 out[INET6_ADDRSTRLEN + 8];
	struct in_addr	 in4;
	struct in6_addr	 in6;
	const char	*at;
	size_t		 alen;

	alen = (at = strchr(val, '@')) != NULL ? (size_t)(at - val) :
	    strlen(val);
	if (alen > 0 && alen < sizeof(addr)) {
		memcpy(addr, val, alen);
		addr[alen] = '\0';
	}
	if (alen == 0 || alen >= sizeof(addr) ||
	    (inet_pton(AF_INET, addr, &in4) != 1 &&
	    inet_pton(AF_INET6, addr, &in6) != 1) ||
	    (at != NULL && !conf_port_ok(at + 1))) {
		conf_err(p, "invalid nsupdate_server \"%s\" (expected an IP "
		    "address, optionally @PORT 1..65535)", conf_quote(q, val));
		return -1;
	}
	(void)snprintf(out, sizeof(out), "%s%s%s", addr, at != NULL ? " " :
	    "", at != NULL ? at + 1 : "");
	free(conf->nsupdate_server);
	if ((conf->nsupdate_server = xstrdup(out)) == NULL) {
		conf_err(p, "out of memory");
		return -1;
	}
	return 0;
}

/* nsupdate_zone: a hostname, stored lower case with no trailing dot. */
static int
conf_nsupdate_zone(struct conf_parser *p, const char *val)
{
	struct conf	*conf = p->conf;
	char		 q[CONF_QUOTE_SIZE];
	size_t		 len = strlen(val);

	if (len > 1 && val[len - 1] == '.')
		len--;
	if (len == 0 || len >= HOST_NAME_SIZE || !host_valid(val, len)) {
		conf_err(p, "invalid nsupdate_zone \"%s\" (expected a domain "
		    "name)", conf_quote(q, val));
		return -1;
	}
	free(conf->nsupdate_zone);
	if ((conf->nsupdate_zone = xstrdup(val)) == NULL) {
		conf_err(p, "out of memory");
		return -1;
	}
	conf->nsupdate_zone[len] = '\0';
	host_lower(conf->nsupdate_zone);
	return 0;
}

/*
 * A domain name as a listing gives it (len bytes): lower-cased into name
 * without its one optional trailing dot.  Returns its length, or -1 when
 * it is not a valid hostname.
 */
static int
conf_name(const char *val, size_t len, char name[HOST_NAME_SIZE + 1])
{
	/* One trailing dot is allowed on top of the longest name. */
	if (len > HOST_NAME_MAX_LEN + 1)
		return -1;
	memcpy(name, val, len);
	name[len] = '\0';
	host_lower(name);
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	if (len > HOST_NAME_MAX_LEN || !host_valid(name, len))
		return -1;
	return (int)len;
}

/* The section before this line ends here: note its length in the file. */
static void
conf_section_end(struct conf_parser *p)
{
	struct conf	*conf = p->conf;

	if (p->sidx >= 0)
		conf->domains[p->sidx].len = p->pos - conf->domains[p->sidx].off;
	p->sidx = -1;
}

/*
 * Add name (len bytes) to the listing.  line: where it is listed, with
 * CONF_LINE_DFILE for domains_file.  Returns 1 when added, 0 when it was
 * there already (*first: the line of that listing), -1 when out of memory
 * (err set).
 */
static int
conf_list(struct conf_parser *p, const char *name, size_t len,
    uint32_t line, uint32_t *first)
{
	struct nameset_val	*v;
	int			 rc;

	if (p->conf->listed == NULL &&
	    (p->conf->listed = nameset_new()) == NULL)
		rc = -1;
	else
		rc = nameset_add(p->conf->listed, name, len, &v);
	if (rc == -1) {
		conf_err(p, "out of memory");
		return -1;
	}
	if (rc == 0)
		*first = v->a;
	else
		v->a = line;
	return rc;
}

/* "domain: NAME": start a new section.  Returns 0, or -1 with err set. */
static int
conf_domain_start(struct conf_parser *p, const char *val)
{
	char		 name[HOST_NAME_SIZE + 1];	/* + dot */
	char		 q[CONF_QUOTE_SIZE];
	uint32_t	 first;
	int		 len, rc;

	if ((len = conf_name(val, strlen(val), name)) == -1) {
		conf_err(p, "invalid domain name \"%s\"", conf_quote(q, val));
		return -1;
	}
	conf_section_end(p);
	if ((rc = conf_list(p, name, (size_t)len, p->line, &first)) == -1)
		return -1;
	if (rc == 0) {
		conf_err(p, "duplicate domain \"%s\" (first on line %u)",
		    name, first);
		return -1;
	}
	memcpy(p->sname, name, (size_t)len + 1);
	p->soff = p->pos;
	p->sline = p->line;
	memset(p->dline, 0, sizeof(p->dline));
	return 0;
}

/*
 * The current section's own entry in conf->domains, made when its first
 * setting is met: a section with none is a name in the listing only.
 * Returns NULL when out of memory (err set).
 */
static struct conf_domain *
conf_section(struct conf_parser *p)
{
	struct conf		*conf = p->conf;
	struct conf_domain	*d;
	struct nameset_val	*v;
	size_t			 ncap;

	if (p->sidx >= 0)
		return &conf->domains[p->sidx];
	if (conf->ndomains == p->domcap) {
		ncap = p->domcap ? p->domcap * 2 : 16;
		d = xreallocarray(conf->domains, ncap, sizeof(*d));
		if (d == NULL) {
			conf_err(p, "out of memory");
			return NULL;
		}
		conf->domains = d;
		p->domcap = ncap;
	}
	/* Present (conf_domain_start() listed it): nothing is allocated. */
	if (nameset_add(conf->listed, p->sname, strlen(p->sname), &v) != 0) {
		conf_err(p, "internal error: section not listed");
		return NULL;
	}
	if (conf->ndomains >= UINT32_MAX) {
		conf_err(p, "too many domain sections");
		return NULL;
	}
	v->b = (uint32_t)conf->ndomains + 1;
	p->sidx = (long)conf->ndomains;
	d = &conf->domains[conf->ndomains++];
	memset(d, 0, sizeof(*d));
	memcpy(d->name, p->sname, sizeof(d->name));
	/* Globals are final here: they may not follow a "domain:" line. */
	d->pol = conf->global;
	d->pol.override = NULL;
	d->pol.mx_allow = NULL;
	d->line = p->sline;
	d->off = p->soff;
	return d;
}

/* One "key: value" pair.  Returns 0, or -1 with err set. */
/*
 * mx_allow: blank-separated hostnames or "*.suffix" patterns, stored
 * lower-case without trailing dots, separated by single spaces.
 */
static int
conf_mx_allow(struct conf_parser *p, const char *val, char **dst)
{
	struct buf	 b;
	const char	*t, *e;
	char		 tok[HOST_NAME_SIZE + 2], q[CONF_QUOTE_SIZE];
	size_t		 len;

	buf_init(&b, CONF_MAX_LINE);
	for (t = val; *t != '\0'; t = e) {
		while (conf_blank(*t))
			t++;
		if (*t == '\0')
			break;
		for (e = t; *e != '\0' && !conf_blank(*e); e++)
			;
		len = (size_t)(e - t);
		if (len > 0 && t[len - 1] == '.')
			len--;
		if (len >= sizeof(tok) || !host_valid_pattern(t, len)) {
			(void)snprintf(tok, sizeof(tok), "%.*s",
			    (int)(e - t < (int)sizeof(tok) - 1 ? e - t :
			    (int)sizeof(tok) - 1), t);
			conf_err(p, "invalid mx_allow pattern \"%s\" (expected "
			    "hostnames or *.domain patterns)",
			    conf_quote(q, tok));
			buf_free(&b);
			return -1;
		}
		memcpy(tok, t, len);
		tok[len] = '\0';
		host_lower(tok);
		if ((b.len > 0 && buf_puts(&b, " ") == -1) ||
		    buf_puts(&b, tok) == -1) {
			conf_err(p, "out of memory");
			buf_free(&b);
			return -1;
		}
	}
	free(*dst);
	*dst = b.data;
	return 0;
}

int
conf_mx_allowed(const struct conf_policy *pol, const char *host)
{
	const char	*t, *e;
	size_t		 len, hlen = strlen(host);

	if (pol->mx_allow == NULL)
		return 1;
	for (t = pol->mx_allow; *t != '\0'; t = *e != '\0' ? e + 1 : e) {
		e = strchr(t, ' ');
		if (e == NULL)
			e = t + strlen(t);
		len = (size_t)(e - t);
		if (len > 2 && t[0] == '*' && t[1] == '.') {
			/* "*.d" allows any name below d, at any depth. */
			if (hlen > len - 1 &&
			    memcmp(host + hlen - (len - 1), t + 1, len - 1) == 0)
				return 1;
		} else if (hlen == len && memcmp(host, t, len) == 0)
			return 1;
	}
	return 0;
}

/* A number of seconds, 0..max, for the key named key. */
static int
conf_seconds(struct conf_parser *p, const char *key, const char *val,
    unsigned long max, unsigned long *dst)
{
	char		 q[CONF_QUOTE_SIZE];
	uint64_t	 n;
	size_t		 len = strlen(val);

	if (len > 10 || num_parse(val, len, 0, max, 0, &n) == -1) {
		conf_err(p, "invalid %s \"%s\" (expected 0..%lu seconds)", key,
		    conf_quote(q, val), max);
		return -1;
	}
	*dst = (unsigned long)n;
	return 0;
}

/*
 * refresh: "off" (0), or a duration N[s|m|h|d] of CONF_REFRESH_MIN to
 * CONF_REFRESH_MAX seconds.
 */
static int
conf_refresh(struct conf_parser *p, const char *val)
{
	static const struct {
		char		 c;
		unsigned long	 mul;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char		 q[CONF_QUOTE_SIZE];
	uint64_t	 n;
	size_t		 len = strlen(val), i;
	unsigned long	 mul = 1;

	if (strcmp(val, "off") == 0) {
		p->conf->refresh = 0;
		return 0;
	}
	for (i = 0; len > 1 && i < sizeof(units) / sizeof(units[0]); i++)
		if (val[len - 1] == units[i].c) {
			mul = units[i].mul;
			len--;
			break;
		}
	if (len > 10 || num_parse(val, len, 1, CONF_REFRESH_MAX, 0, &n) == -1 ||
	    n * mul < CONF_REFRESH_MIN || n * mul > CONF_REFRESH_MAX) {
		conf_err(p, "invalid refresh \"%s\" (expected off, or %lu "
		    "seconds to %lu days, for example 24h)", conf_quote(q, val),
		    CONF_REFRESH_MIN, CONF_REFRESH_MAX / 86400);
		return -1;
	}
	p->conf->refresh = (unsigned long)(n * mul);
	return 0;
}

/* A count, min..max, for the key named key. */
static int
conf_count(struct conf_parser *p, const char *key, const char *val,
    unsigned long min, unsigned long max, unsigned long *dst)
{
	char		 q[CONF_QUOTE_SIZE];
	uint64_t	 n;
	size_t		 len = strlen(val);

	if (len > 10 || num_parse(val, len, min, max, 0, &n) == -1) {
		conf_err(p, "invalid %s \"%s\" (expected %lu..%lu)", key,
		    conf_quote(q, val), min, max);
		return -1;
	}
	*dst = (unsigned long)n;
	return 0;
}

/* A size in bytes with an optional K or M suffix (powers of 1024). */
static int
conf_size(struct conf_parser *p, const char *key, const char *val,
    unsigned long min, unsigned long max, unsigned long *dst)
{
	char		 q[CONF_QUOTE_SIZE];
	uint64_t	 n = 0;
	unsigned long	 unit = 1;
	size_t		 digits = strspn(val, "0123456789");
	const char	*suffix = val + digits;
	int		 bad;

	if (strcmp(suffix, "K") == 0 || strcmp(suffix, "k") == 0)
		unit = 1024;
	else if (strcmp(suffix, "M") == 0 || strcmp(suffix, "m") == 0)
		unit = 1024 * 1024;
	bad = (*suffix != '\0' && unit == 1) || digits > 10 ||
	    num_parse(val, digits, 0, max / unit, 0, &n) == -1 ||
	    n * unit < min;
	if (bad) {
		conf_err(p, "invalid %s \"%s\" (expected %luK..%luM bytes, "
		    "for example 16M)", key, conf_quote(q, val), min / 1024,
		    max / (1024 * 1024));
		return -1;
	}
	*dst = (unsigned long)n * unit;
	return 0;
}

/*
 * The TLS-RPT keys (tlsrpt/, mta-sts-tlsrpt(8)): a directory, sizes in
 * bytes (K and M suffixes allowed), a count, a percentage, seconds.
 * Returns 0, or -1 with err set.
 */
static int
conf_report(struct conf_parser *p, enum conf_key k, const char *val)
{
	struct conf	*conf = p->conf;
	char		 q[CONF_QUOTE_SIZE];

	switch (k) {
	case CONF_KEY_REPORT_DIR:
		return conf_set_path(p, val, &conf->report_dir);
	case CONF_KEY_REPORT_MAX_COUNT:
		return conf_count(p, conf_keys[k], val, 1,
		    CONF_REPORT_MAX_COUNT_MAX, &conf->report_max_count);
	case CONF_KEY_REPORT_MAX_BYTES:
		return conf_size(p, conf_keys[k], val, 1024,
		    CONF_REPORT_MAX_BYTES_MAX, &conf->report_max_bytes);
	case CONF_KEY_REPORT_MAX_SIZE:
		return conf_size(p, conf_keys[k], val, 1024,
		    CONF_REPORT_MAX_SIZE_MAX, &conf->report_max_size);
	case CONF_KEY_REPORT_CRITICAL:
		return conf_count(p, conf_keys[k], val, 0, 100,
		    &conf->report_critical);
	case CONF_KEY_REPORT_GRACE:
		return conf_seconds(p, conf_keys[k], val, POLICY_MAX_AGE_MAX,
		    &conf->report_grace);
	default:
		break;
	}
	conf_err(p, "internal error: key \"%s\"", conf_quote(q, conf_keys[k]));
	return -1;
}

static int
conf_set(struct conf_parser *p, enum conf_key k, char *val)
{
	struct conf		*conf = p->conf;
	struct conf_domain	*d = NULL;
	struct conf_policy	*pol = &conf->global;
	char			 q[CONF_QUOTE_SIZE];
	unsigned int		 i;

	if (p->gline[CONF_KEY_DOMAIN] != 0 && k != CONF_KEY_DOMAIN) {
		if ((d = conf_section(p)) == NULL)
			return -1;
		pol = &d->pol;
	}

	switch (k) {
	case CONF_KEY_MODE:
		if (policy_mode_parse(val, &pol->mode) == -1) {
			conf_err(p, "invalid mode \"%s\" (expected enforce, "
			    "testing or none)", conf_quote(q, val));
			return -1;
		}
		return 0;
	case CONF_KEY_MAX_AGE:
		if (policy_max_age_parse(val, strlen(val), &pol->max_age) ==
		    -1) {
			conf_err(p, "invalid max_age \"%s\" (expected 0..%lu)",
			    conf_quote(q, val), POLICY_MAX_AGE_MAX);
			return -1;
		}
		return 0;
	case CONF_KEY_DNSSEC:
		for (i = 0; i < CONF_DNSSEC__MAX; i++)
			if (strcmp(val, conf_dnssec_names[i]) == 0) {
				pol->dnssec = (enum conf_dnssec)i;
				return 0;
			}
		conf_err(p, "invalid dnssec \"%s\" (expected require or "
		    "allow-insecure)", conf_quote(q, val));
		return -1;
	case CONF_KEY_RESOLVER:
		return conf_resolver(p, val);
	case CONF_KEY_TRUST_ANCHOR:
		return conf_set_path(p, val, &conf->trust_anchor);
	case CONF_KEY_UNBOUND_CONF:
		return conf_set_path(p, val, &conf->unbound_conf);
	case CONF_KEY_CACHE_DIR:
		return conf_set_path(p, val, &conf->cache_dir);
	case CONF_KEY_STATE_DIR:
		return conf_set_path(p, val, &conf->state_dir);
	case CONF_KEY_CACHE_MAX_TTL:
		return conf_seconds(p, "cache_max_ttl", val,
		    CONF_CACHE_MAX_TTL_MAX, &conf->cache_max_ttl);
	case CONF_KEY_STALE_MAX:
		return conf_seconds(p, "stale_max", val, POLICY_MAX_AGE_MAX,
		    &conf->stale_max);
	case CONF_KEY_FAIL_TTL:
		return conf_count(p, "fail_ttl", val, 1, CONF_FAIL_TTL_MAX,
		    &conf->fail_ttl);
	case CONF_KEY_THREADS:
		return conf_count(p, "threads", val, 1, CONF_THREADS_MAX,
		    &conf->threads);
	case CONF_KEY_MAX_LOOKUPS:
		return conf_count(p, "max_lookups", val, 1, CONF_THREADS_MAX,
		    &conf->max_lookups);
	case CONF_KEY_CACHE_SIZE:
		return conf_size(p, "cache_size", val, CONF_CACHE_SIZE_MIN,
		    CONF_CACHE_SIZE_MAX, &conf->cache_size);
	case CONF_KEY_CACHE_DIR_MAX:
		return conf_count(p, "cache_dir_max", val, 1,
		    CONF_CACHE_DIR_MAX_MAX, &conf->cache_dir_max);
	case CONF_KEY_DOMAIN:
		return conf_domain_start(p, val);
	case CONF_KEY_OVERRIDE:
		/* The scope check guarantees a section. */
		return conf_set_path(p, val, &d->override);
	case CONF_KEY_MX_ALLOW:
		return conf_mx_allow(p, val, &d->mx_allow);
	case CONF_KEY_REPORT_DIR:
	case CONF_KEY_REPORT_MAX_COUNT:
	case CONF_KEY_REPORT_MAX_BYTES:
	case CONF_KEY_REPORT_MAX_SIZE:
	case CONF_KEY_REPORT_CRITICAL:
	case CONF_KEY_REPORT_GRACE:
		return conf_report(p, k, val);
	case CONF_KEY_PUBLISH_HOOK:
		return conf_set_path(p, val, &conf->publish_hook);
	case CONF_KEY_PUBLISH_WAIT:
		return conf_seconds(p, conf_keys[k], val,
		    CONF_PUBLISH_WAIT_MAX, &conf->publish_wait);
	case CONF_KEY_NSUPDATE_SERVER:
		return conf_nsupdate_server(p, val);
	case CONF_KEY_NSUPDATE_ZONE:
		return conf_nsupdate_zone(p, val);
	case CONF_KEY_NSUPDATE_KEY:
		return conf_set_path(p, val, &conf->nsupdate_key);
	case CONF_KEY_REFRESH:
		return conf_refresh(p, val);
	case CONF_KEY_DOMAINS_FILE:
		return conf_set_path(p, val, &conf->domains_file);
	case CONF_KEY__MAX:
		break;
	}
	conf_err(p, "internal error: key %d", (int)k);
	return -1;
}

/*
 * Check the len bytes of a line without its line end: not too long, no
 * NUL, stray carriage return or other control character but tab.
 * Returns 0, or -1 with err set.
 */
static int
conf_chars(struct conf_parser *p, const char *s, size_t len)
{
	size_t	 i;

	if (len > CONF_MAX_LINE) {
		conf_err(p, "line too long (more than %d bytes)",
		    CONF_MAX_LINE);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\0') {
			conf_err(p, "NUL byte");
			return -1;
		}
		if (ch == '\r') {
			conf_err(p, "carriage return not followed by a "
			    "line feed");
			return -1;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			conf_err(p, "control character 0x%02x", ch);
			return -1;
		}
	}
	return 0;
}

/*
 * One line of len bytes without its line end.  Returns 0, or -1 with err
 * set.
 */
static int
conf_line(struct conf_parser *p, const char *s, size_t len)
{
	char		 line[CONF_MAX_LINE + 1], q[CONF_QUOTE_SIZE];
	char		*key, *val, *colon, *c;
	unsigned int	*seen;
	size_t		 klen;
	int		 k;

	if (conf_chars(p, s, len) == -1)
		return -1;
	memcpy(line, s, len);
	line[len] = '\0';

	for (key = line; conf_blank(*key); key++)
		;
	if (*key == '\0' || *key == '#')
		return 0;
	for (c = key + 1; *c != '\0'; c++)
		if (*c == '#' && conf_blank(c[-1])) {
			*c = '\0';
			break;
		}
	conf_rtrim(key);

	if ((colon = strchr(key, ':')) == NULL) {
		conf_err(p, "expected \"key: value\"");
		return -1;
	}
	*colon = '\0';
	val = colon + 1;
	klen = strlen(key);
	conf_rtrim(key);
	if (key[0] == '\0' || strpbrk(key, " \t") != NULL) {
		conf_err(p, "expected \"key: value\"");
		return -1;
	}
	if (strlen(key) != klen) {
		conf_err(p, "space before ':' after \"%s\"",
		    conf_quote(q, key));
		return -1;
	}
	for (k = 0; k < CONF_KEY__MAX; k++)
		if (strcmp(key, conf_keys[k]) == 0)
			break;
	if (k == CONF_KEY__MAX) {
		conf_err(p, "unknown key \"%s\"", conf_quote(q, key));
		return -1;
	}
	while (conf_blank(*val))
		val++;
	if (*val == '\0') {
		conf_err(p, "missing value for \"%s\"", conf_keys[k]);
		return -1;
	}

	switch (conf_key_scope[k]) {
	case CONF_SCOPE_GLOBAL:
		if (p->gline[CONF_KEY_DOMAIN] != 0) {
			conf_err(p, "\"%s\" is a global setting; move it "
			    "before the first \"domain:\" line", conf_keys[k]);
			return -1;
		}
		break;
	case CONF_SCOPE_DOMAIN:
		if (p->gline[CONF_KEY_DOMAIN] == 0) {
			conf_err(p, "\"%s\" is only allowed in a domain "
			    "section", conf_keys[k]);
			return -1;
		}
		break;
	case CONF_SCOPE_BOTH:
	case CONF_SCOPE_SECTION:
	case CONF_SCOPE__MAX:
		break;
	}

	if (k == CONF_KEY_DOMAIN) {
		/* Duplicate domains are found by sorting, see conf_dups(). */
		if (conf_set(p, CONF_KEY_DOMAIN, val) == -1)
			return -1;
		p->gline[CONF_KEY_DOMAIN] = p->line;
		return 0;
	}
	seen = p->gline[CONF_KEY_DOMAIN] != 0 ? &p->dline[k] : &p->gline[k];
	if (*seen != 0) {
		conf_err(p, "duplicate key \"%s\" (first set on line %u)",
		    conf_keys[k], *seen);
		return -1;
	}
	if (conf_set(p, (enum conf_key)k, val) == -1)
		return -1;
	*seen = p->line;
	return 0;
}

/*
 * If the line is a "domain:" line, return 1 and set *same to whether its
 * name equals want (compared as conf_domain_start() would store it).
 * Only used on text that parsed cleanly before.
 */
static int
conf_domain_line(const char *s, size_t len, const char *want, int *same)
{
	size_t	 i = 0, j, wlen;

	while (i < len && conf_blank(s[i]))
		i++;
	if (len - i < 7 || memcmp(s + i, "domain:", 7) != 0)
		return 0;
	i += 7;
	while (i < len && conf_blank(s[i]))
		i++;
	for (j = i; j < len && !conf_blank(s[j]) && s[j] != '#' &&
	    s[j] != '\r'; j++)
		;
	if (j > i && s[j - 1] == '.')
		j--;
	wlen = strlen(want);
	*same = j - i == wlen && strncasecmp(s + i, want, wlen) == 0;
	return 1;
}

/*
 * The size bound of the configuration file and of domains_file:
 * CONF_MAX_SIZE_DEFAULT, or MTA_STS_CONF_MAX_SIZE from the environment
 * (bytes, or with a K, M or G suffix).  Returns 0, or -1 with err set.
 */
static int
conf_max_size(struct conf_parser *p, size_t *max)
{
	const char	*env = getenv("MTA_STS_CONF_MAX_SIZE");
	char		 q[CONF_QUOTE_SIZE];
	uint64_t	 n = 0, unit = 1;
	size_t		 digits;
	const char	*sfx;
	unsigned int	 line = p->line;

	*max = CONF_MAX_SIZE_DEFAULT;
	if (env == NULL || *env == '\0')
		return 0;
	digits = strspn(env, "0123456789");
	sfx = env + digits;
	if (strcasecmp(sfx, "K") == 0)
		unit = 1024;
	else if (strcasecmp(sfx, "M") == 0)
		unit = 1024 * 1024;
	else if (strcasecmp(sfx, "G") == 0)
		unit = 1024 * 1024 * 1024;
	if ((*sfx != '\0' && unit == 1) || digits == 0 || digits > 13 ||
	    num_parse(env, digits, 1, CONF_MAX_SIZE_MAX / unit, 0, &n) == -1) {
		p->line = 0;
		conf_err(p, "invalid MTA_STS_CONF_MAX_SIZE \"%s\" (expected "
		    "1..%llu bytes, K, M or G: for example 512M)",
		    conf_quote(q, env), (unsigned long long)CONF_MAX_SIZE_MAX);
		p->line = line;
		return -1;
	}
	*max = (size_t)(n * unit);
	return 0;
}

/*
 * Read domains_file: one name per line, blank lines and comments as in
 * the configuration.  A name with a section in the configuration keeps
 * that section's settings; a name twice in the file is an error.  Errors
 * name the file and line.  Returns 0, or -1 with err set.
 */
static int
conf_domains_file(struct conf_parser *p)
{
	struct conf	*conf = p->conf;
	const char	*oname = p->name, *s, *nl, *e;
	char		*text = NULL, name[HOST_NAME_SIZE + 1];
	char		 q[CONF_QUOTE_SIZE];
	size_t		 max, len, pos, slen, i;
	uint32_t	 first;
	int		 rc = -1, nlen, added;

	if (conf_max_size(p, &max) == -1)
		return -1;
	p->name = conf->domains_file;
	p->line = 0;
	switch (file_read(conf->domains_file, max, 0, &text, &len,
	    &conf->domains_file_st, p->err, p->errlen)) {
	case FILE_OK:
		break;
	case FILE_TOOBIG:
		conf_err(p, "file too large (more than %zu bytes)", max);
		goto out;
	default:
		/* "path: reason" from file_read(); say what the file is. */
		if (errno == ENOMEM)
			conf_err(p, "out of memory");
		else if (p->err != NULL && p->errlen > 0) {
			size_t	 el = strlen(p->err);

			(void)snprintf(p->err + el, p->errlen - el,
			    " (domains_file)");
		}
		goto out;
	}
	for (pos = 0; pos < len; pos += slen + (nl != NULL)) {
		p->line++;
		s = text + pos;
		nl = memchr(s, '\n', len - pos);
		slen = nl != NULL ? (size_t)(nl - s) : len - pos;
		e = s + slen;
		if (nl != NULL && e > s && e[-1] == '\r')
			e--;
		if (conf_chars(p, s, (size_t)(e - s)) == -1)
			goto out;
		while (s < e && conf_blank(*s))
			s++;
		for (i = 0; s + i < e; i++)
			if (s[i] == '#' && (i == 0 || conf_blank(s[i - 1])))
				break;
		e = s + i;
		while (e > s && conf_blank(e[-1]))
			e--;
		if (e == s)
			continue;
		if ((size_t)(e - s) > HOST_NAME_MAX_LEN + 1 ||
		    (nlen = conf_name(s, (size_t)(e - s), name)) == -1) {
			conf_err(p, "invalid domain name \"%s\"",
			    errf_quote(q, sizeof(q), s, (size_t)(e - s)));
			goto out;
		}
		if ((added = conf_list(p, name, (size_t)nlen,
		    p->line | CONF_LINE_DFILE, &first)) == -1)
			goto out;
		if (added == 0 && (first & CONF_LINE_DFILE)) {
			conf_err(p, "duplicate domain \"%s\" (first on line "
			    "%u)", name, first & ~CONF_LINE_DFILE);
			goto out;
		}
	}
	rc = 0;
 out:
	free(text);
	p->name = oname;
	p->line = 0;
	return rc;
}

/*
 * The common line of a large listing, "domain: NAME" with nothing else,
 * without conf_line()'s general work: the same outcome, a third of the
 * time.  Returns 1 when the line was taken, 0 when it is not such a line
 * (conf_line() then reads it), -1 with err set.
 */
static int
conf_fast_domain(struct conf_parser *p, const char *s, size_t len)
{
	char	 val[HOST_NAME_MAX_LEN + 2];
	size_t	 i;

	if (len <= 8 || len - 8 > HOST_NAME_MAX_LEN + 1 ||
	    memcmp(s, "domain: ", 8) != 0)
		return 0;
	for (i = 8; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-' || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	memcpy(val, s + 8, len - 8);
	val[len - 8] = '\0';
	if (conf_set(p, CONF_KEY_DOMAIN, val) == -1)
		return -1;
	p->gline[CONF_KEY_DOMAIN] = p->line;
	return 1;
}

/* Parse len bytes of text; flags: CONF_PARSE_*. */
static int
conf_parse_text(const char *name, const char *text, size_t len, int flags,
    struct conf **out, char *err, size_t errlen)
{
	struct conf_parser	 p;
	struct conf		*conf = NULL;
	const char		*s, *nl;
	size_t			 pos, slen, i, max;
	int			 rc = -1, same, fast, crlf;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "(configuration)";
	p.slash = strrchr(p.name, '/');
	p.err = err;
	p.errlen = errlen;
	p.sidx = -1;
	p.flags = flags;

	if (text == NULL && len > 0) {
		conf_err(&p, "no text");
		goto out;
	}
	if (conf_max_size(&p, &max) == -1)
		goto out;
	if (len > max) {
		conf_err(&p, "file too large (more than %zu bytes)", max);
		goto out;
	}
	if ((conf = conf_new()) == NULL ||
	    (conf->path = xstrdup(p.name)) == NULL) {
		conf_err(&p, "out of memory");
		goto out;
	}
	p.conf = conf;
	conf->globlen = len;

	for (pos = 0; pos < len; pos += slen + (nl != NULL)) {
		p.line++;
		p.pos = pos;
		s = text + pos;
		if ((nl = memchr(s, '\n', len - pos)) != NULL)
			slen = (size_t)(nl - s);
		else
			slen = len - pos;
		if (p.gline[CONF_KEY_DOMAIN] == 0 &&
		    conf_domain_line(s, slen, "", &same))
			conf->globlen = pos;
		if (nl != NULL && slen > 0 && s[slen - 1] == '\r')
			slen--, crlf = 1;
		else
			crlf = 0;
		if ((fast = conf_fast_domain(&p, s, slen)) == 0)
			fast = conf_line(&p, s, slen);
		slen += crlf;
		if (fast == -1)
			goto out;
	}
	p.pos = len;
	conf_section_end(&p);
	if (conf->domains_file != NULL && !(flags & CONF_PARSE_NO_DFILE) &&
	    conf_domains_file(&p) == -1)
		goto out;
	/* The array no longer moves: point each policy at its override. */
	for (i = 0; i < conf->ndomains; i++) {
		conf->domains[i].pol.override = conf->domains[i].override;
		conf->domains[i].pol.mx_allow = conf->domains[i].mx_allow;
	}
	nameset_trim(conf->listed);
	conf->nlisted = nameset_count(conf->listed);

	*out = conf;
	conf = NULL;
	rc = 0;
 out:
	conf_free(conf);
	return rc;
}

int
conf_parse(const char *name, const char *text, size_t len,
    struct conf **out, char *err, size_t errlen)
{
	return conf_parse_text(name, text, len, 0, out, err, errlen);
}

/*
 * Read the file at path into *text (*len bytes, caller frees) and its
 * identity into *st.  Returns 0, 1 when the file does not exist, or -1
 * with err set.
 */
static int
conf_read(struct conf_parser *p, const char *path, char **text,
    size_t *len, struct stat *st)
{
	size_t	 max;

	if (conf_max_size(p, &max) == -1)
		return -1;
	/* file_read() writes "path: reason", as conf_err() does. */
	switch (file_read(path, max, 0, text, len, st, p->err, p->errlen)) {
	case FILE_OK:
		return 0;
	case FILE_NONE:
		if (p->err != NULL && p->errlen > 0)
			p->err[0] = '\0';
		return 1;
	case FILE_TOOBIG:
		conf_err(p, "file too large (more than %zu bytes)", max);
		return -1;
	default:
		if (errno == ENOMEM)
			conf_err(p, "out of memory");
		return -1;
	}
}

/* The built-in defaults, remembering path. */
static int
conf_defaults(struct conf_parser *p, const char *path, struct conf **out)
{
	if ((*out = conf_new()) == NULL ||
	    ((*out)->path = xstrdup(path)) == NULL) {
		conf_free(*out);
		*out = NULL;
		conf_err(p, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * conf_load(); when full is not NULL, also the file's identity at the
 * read and whether it was there.
 */
static int
conf_load_st(const char *path, struct conf **out, struct stat *st,
    char *err, size_t errlen)
{
	struct conf_parser	 p;
	char			*text;
	size_t			 len;
	int			 rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.name = path;
	p.err = err;
	p.errlen = errlen;
	if ((rc = conf_read(&p, path, &text, &len, st)) != 0)
		return rc == 1 ? conf_defaults(&p, path, out) : -1;
	rc = conf_parse(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct stat	 st;

	return conf_load_st(path, out, &st, err, errlen);
}

/*
 * Read the global part of the open configuration fd (size bytes): the
 * lines before the first "domain:" line.  Returns its text (*len bytes,
 * NUL after it; caller frees), or NULL on a read error or no memory.
 */
static char *
conf_read_head(int fd, size_t size, size_t *len)
{
	char		*buf = NULL, *nb;
	const char	*s, *nl;
	size_t		 have = 0, cap = 0, scan = 0, want;
	ssize_t		 n;
	int		 same;

	for (;;) {
		/* Whole lines from scan on: is one of them a "domain:"? */
		while (scan < have) {
			s = buf + scan;
			if ((nl = memchr(s, '\n', have - scan)) == NULL &&
			    have < size)
				break;		/* read the rest of it */
			want = nl != NULL ? (size_t)(nl - s) : have - scan;
			if (conf_domain_line(s, want, "", &same)) {
				*len = scan;
				buf[scan] = '\0';
				return buf;
			}
			scan += want + (nl != NULL);
		}
		if (have >= size)
			break;
		want = size - have < 65536 ? size - have : 65536;
		if (have + want + 1 > cap) {
			cap = have + want + 1;
			if ((nb = xrealloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((n = pread(fd, buf + have, want, (off_t)have)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;		/* shrank: the caller checks */
		have += (size_t)n;
	}
	if (buf == NULL && (buf = xmalloc(1)) == NULL)
		return NULL;
	*len = have;
	buf[have] = '\0';
	return buf;
 fail:
	free(buf);
	return NULL;
}

/*
 * The configuration for domain through the index in cache_dir (see
 * conf_load_for()).  Returns 0 with *out set, or -1 when the index cannot
 * answer (then the caller parses the whole file); *dir, when dir is not
 * NULL, then gets a copy of cache_dir when the global part names one.
 */
static int
conf_load_indexed(const char *path, const char *domain, struct conf **out,
    char **dir)
{
	struct confindex_hit	 hit;
	struct conf		*glob = NULL, *conf = NULL;
	struct stat		 st;
	char			*head = NULL, *text = NULL;
	size_t			 hlen, max;
	ssize_t			 n;
	int			 fd, same, rc = -1;
	struct conf_parser	 p;

	memset(&p, 0, sizeof(p));
	p.name = path;
	if (conf_max_size(&p, &max) == -1 ||
	    (fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > max ||
	    (head = conf_read_head(fd, (size_t)st.st_size, &hlen)) == NULL)
		goto out;
	if (conf_parse_text(path, head, hlen, CONF_PARSE_NO_DFILE, &glob,
	    NULL, 0) == -1 || glob->cache_dir == NULL)
		goto out;
	if (dir != NULL)
		*dir = xstrdup(glob->cache_dir);
	if (confindex_find(glob->cache_dir, path, &st, glob->domains_file,
	    hlen, domain, &hit) == -1)
		goto out;
	if (hit.listed && hit.len > 0) {
		/* Its own section: the global part and that section. */
		if (hit.off < hlen || hit.off > (uint64_t)st.st_size ||
		    hit.len > (uint64_t)st.st_size - hit.off ||
		    (text = xmalloc(hlen + (size_t)hit.len + 1)) == NULL)
			goto out;
		memcpy(text, head, hlen);
		n = pread(fd, text + hlen, (size_t)hit.len, (off_t)hit.off);
		if (n != (ssize_t)hit.len)
			goto out;
		text[hlen + (size_t)hit.len] = '\0';
		/* The index must point at that domain's "domain:" line. */
		if (!conf_domain_line(text + hlen, strcspn(text + hlen, "\n"),
		    domain, &same) || !same ||
		    conf_parse_text(path, text, hlen + (size_t)hit.len,
		    CONF_PARSE_NO_DFILE, &conf, NULL, 0) == -1 ||
		    conf->ndomains != 1 ||
		    strcmp(conf->domains[0].name, domain) != 0)
			goto out;
	} else {
		conf = glob;
		glob = NULL;
		if (hit.listed) {
			struct conf_parser	 lp;
			uint32_t		 first;

			memset(&lp, 0, sizeof(lp));
			lp.name = path;
			lp.conf = conf;
			if (conf_list(&lp, domain, strlen(domain), 0,
			    &first) == -1)
				goto out;
		}
	}
	conf->nlisted = hit.nlisted;
	conf->indexed = 1;
	*out = conf;
	conf = NULL;
	rc = 0;
 out:
	conf_free(conf);
	conf_free(glob);
	free(head);
	free(text);
	(void)close(fd);
	return rc;
}

int
conf_load_for(const char *path, const char *domain, struct conf **out,
    char *err, size_t errlen)
{
	struct stat	 st, st2;
	char		 why[1024], *dir = NULL;
	int		 rc, lock = -1;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (domain != NULL &&
	    conf_load_indexed(path, domain, out, &dir) == 0) {
		free(dir);
		return 0;
	}
	/*
	 * One process rebuilds the index; the others wait for it, then use
	 * it, rather than all parse a million names at once.
	 */
	if (dir != NULL && (lock = confindex_lock(dir, path)) != -1 &&
	    conf_load_indexed(path, domain, out, NULL) == 0) {
		confindex_unlock(lock);
		free(dir);
		return 0;
	}
	free(dir);
	memset(&st, 0, sizeof(st));
	if ((rc = conf_load_st(path, out, &st, err, errlen)) == -1 ||
	    (*out)->cache_dir == NULL || st.st_ino == 0)
		goto out;
	/* Index only what was read, and only if it did not change. */
	if (stat(path, &st2) == 0 && file_same(&st, &st2) &&
	    confindex_write((*out)->cache_dir, path, &st, *out, why,
	    sizeof(why)) == -1)
		mlog_warnx("configuration index not written (each request "
		    "parses the whole file): %s", why);
 out:
	confindex_unlock(lock);
	return rc;
}

int
conf_find(const struct conf *conf, const char *name,
    const struct conf_policy **pol)
{
	const struct nameset_val	*v;

	*pol = &conf->global;
	if (conf->listed == NULL ||
	    (v = nameset_find(conf->listed, name)) == NULL)
		return 0;
	if (v->b != 0 && v->b <= conf->ndomains)
		*pol = &conf->domains[v->b - 1].pol;
	return 1;
}

const struct conf_domain *
conf_domain_find(const struct conf *conf, const char *name)
{
	const struct nameset_val	*v;

	if (conf == NULL || name == NULL || conf->listed == NULL ||
	    (v = nameset_find(conf->listed, name)) == NULL ||
	    v->b == 0 || v->b > conf->ndomains)
		return NULL;
	return &conf->domains[v->b - 1];
}

const char *
conf_listed_next(const struct conf *conf, size_t *iter, unsigned int *line)
{
	const struct nameset_val	*v;
	const char			*name;

	if ((name = nameset_next(conf->listed, iter, &v)) != NULL &&
	    line != NULL)
		*line = v->a & ~CONF_LINE_DFILE;
	return name;
}

const struct conf_policy *
conf_policy_for(const struct conf *conf, const struct conf_domain *d)
{
	if (d != NULL)
		return &d->pol;
	return &conf->global;
}

const char *
conf_default_path(void)
{
	return CONF_DEFAULT_PATH;
}
