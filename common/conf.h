/*
 * conf: the configuration file mta-sts.conf(5).
 *
 * Line-oriented "key: value".  Blank lines are ignored; "#" starts a comment
 * when it is the first non-blank character of a line or follows a space or
 * tab.  Keys before the first "domain:" line are global; "domain: NAME"
 * starts a section whose keys apply to that domain only.  Every error is
 * reported as "file:line: reason".
 *
 *	key		where		values
 *	mode		both		enforce | testing | none (testing)
 *	max_age		both		0..31557600 (604800)
 *	dnssec		both		require | allow-insecure (require)
 *	resolver	global		recursive | system | ADDR[@PORT] ...
 *	trust_anchor	global		file (built-in root DS)
 *	unbound_conf	global		file (none)
 *	cache_dir	global		directory (none)
 *	state_dir	global		directory (CONF_STATE_DIR)
 *	cache_max_ttl	global		0..86400 seconds (3600)
 *	stale_max	global		0..31557600 seconds (86400)
 *	fail_ttl	global		1..300 seconds a failed lookup is
 *					remembered (30)
 *	threads		global		1..1024 FastCGI worker threads (16)
 *	max_lookups	global		1..1024 requests waiting for the DNS
 *					at once, per process (8)
 *	cache_size	global		64K..4096M bytes of memory cache (16M)
 *	cache_dir_max	global		1..10000000 files in cache_dir (10000)
 *	domain		-		starts a section; a valid hostname
 *	override	domain		policy file served instead of DNS
 *	mx_allow	domain		hostnames and *.domain patterns the
 *					live MX hosts must match (none)
 *	report_dir	global		TLS-RPT reports (state_dir/tlsrpt)
 *	report_max_count global		1..1000000 reports kept (10000)
 *	report_max_bytes global		1K..1048576M bytes kept (256M)
 *	report_max_size	global		1K..64M bytes, one report (10M)
 *	report_critical	global		0..100 percent failed sessions (5)
 *	report_grace	global		0..31557600 seconds (259200)
 *	publish_hook	global		program mta-sts-id runs to publish
 *					a new id (none)
 *	publish_wait	global		0..3600 seconds to wait for the DNS
 *					to show a published id (60)
 *	nsupdate_server	global		ADDR[@PORT] for nsupdate(1) (none)
 *	nsupdate_zone	global		zone for nsupdate(1) (none)
 *	nsupdate_key	global		TSIG key file, nsupdate -k (none)
 *	refresh		global		off | 60s..366d: mta-sts-id issues
 *					a new id when the id is older (24h)
 *	domains_file	global		file of listed domains, one name per
 *					line, with the global settings (none)
 *
 * Relative paths are taken relative to the directory of the configuration
 * file and stored as given after that join.
 */
#ifndef CONF_H
#define CONF_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "policy.h"

#ifndef CONF_DEFAULT_PATH
#define CONF_DEFAULT_PATH	"/usr/local/etc/mta-sts.conf"
#endif
#ifndef CONF_STATE_DIR
#define CONF_STATE_DIR		"/var/lib/mta-sts"
#endif

#define CONF_MAX_LINE		4096	/* bytes per line, newline excluded */
/*
 * The size bound of the configuration file and of domains_file: a million
 * "domain:" lines are about 28 MB.  MTA_STS_CONF_MAX_SIZE in the
 * environment (bytes, or K, M or G) replaces the default.
 */
#define CONF_MAX_SIZE_DEFAULT	((size_t)128 * 1024 * 1024)
#define CONF_MAX_SIZE_MAX	((unsigned long long)4096 * 1024 * 1024)
#define CONF_MAX_FORWARDERS	16

/*
 * Remembered DNS outcomes are kept until the smallest TTL of the answers
 * expires, but never longer than cache_max_ttl.  When a lookup then fails
 * temporarily, a remembered policy at most stale_max seconds old is served
 * instead of a 503.
 */
#define CONF_CACHE_MAX_TTL_DEFAULT	3600UL
#define CONF_CACHE_MAX_TTL_MAX		86400UL
#define CONF_STALE_MAX_DEFAULT		86400UL
/* A failed lookup is not repeated for fail_ttl seconds (RFC 9520 4.). */
#define CONF_FAIL_TTL_DEFAULT		30UL
#define CONF_FAIL_TTL_MAX		300UL
#define CONF_THREADS_DEFAULT		16UL
#define CONF_THREADS_MAX		1024UL
#define CONF_MAX_LOOKUPS_DEFAULT	8UL
#define CONF_CACHE_SIZE_DEFAULT		(16UL * 1024 * 1024)
#define CONF_CACHE_SIZE_MIN		(64UL * 1024)
#define CONF_CACHE_SIZE_MAX		(4096UL * 1024 * 1024)
#define CONF_CACHE_DIR_MAX_DEFAULT	10000UL
#define CONF_CACHE_DIR_MAX_MAX		10000000UL

/* TLS-RPT report storage and the --check finding (tlsrpt/). */
#define CONF_REPORT_MAX_COUNT_DEFAULT	10000UL
#define CONF_REPORT_MAX_COUNT_MAX	1000000UL
#define CONF_REPORT_MAX_BYTES_DEFAULT	(256UL * 1024 * 1024)
#define CONF_REPORT_MAX_BYTES_MAX	1099511627776UL
#define CONF_REPORT_MAX_SIZE_DEFAULT	(10UL * 1024 * 1024)
#define CONF_REPORT_MAX_SIZE_MAX	(64UL * 1024 * 1024)
#define CONF_REPORT_CRITICAL_DEFAULT	5UL
#define CONF_REPORT_GRACE_DEFAULT	259200UL
#define CONF_PUBLISH_WAIT_DEFAULT	60UL
#define CONF_PUBLISH_WAIT_MAX		3600UL
#define CONF_REFRESH_DEFAULT		86400UL
#define CONF_REFRESH_MIN		60UL
#define CONF_REFRESH_MAX		(366UL * 86400)

enum conf_dnssec {
	CONF_DNSSEC_REQUIRE,
	CONF_DNSSEC_ALLOW_INSECURE,
	CONF_DNSSEC__MAX
};

enum conf_resolver {
	CONF_RESOLVER_RECURSIVE,	/* iterate from the root */
	CONF_RESOLVER_SYSTEM,		/* forward to /etc/resolv.conf */
	CONF_RESOLVER_FORWARD,		/* forward to conf->forwarders */
	CONF_RESOLVER__MAX
};

/* The settings that may be given globally and per domain. */
struct conf_policy {
	enum policy_mode	 mode;
	unsigned long		 max_age;
	enum conf_dnssec	 dnssec;
	const char		*override;	/* NULL: none; points into conf */
	const char		*mx_allow;	/* NULL: any; points into conf */
};

struct conf_domain {
	char			 name[HOST_NAME_SIZE];	/* lower case */
	struct conf_policy	 pol;	/* globals, then this section's keys */
	char			*override;	/* owned; NULL if none */
	char			*mx_allow;	/* owned; NULL if none */
	unsigned int		 line;	/* line of the "domain:" key */
	size_t			 off;	/* the section's bytes in the file */
	size_t			 len;
};

struct nameset;

struct conf {
	char			*path;	/* owned; NULL for built-in defaults */
	struct conf_policy	 global;
	enum conf_resolver	 resolver;
	/* "ADDR" or "ADDR@PORT" as ub_ctx_set_fwd() takes them; owned */
	char			*forwarders[CONF_MAX_FORWARDERS];
	size_t			 nforwarders;
	char			*trust_anchor;	/* owned; NULL: built-in */
	char			*unbound_conf;	/* owned; NULL: none */
	char			*cache_dir;	/* owned; NULL: none */
	char			*state_dir;	/* owned; never NULL */
	unsigned long		 cache_max_ttl;	/* seconds */
	unsigned long		 stale_max;	/* seconds */
	unsigned long		 fail_ttl;	/* seconds */
	unsigned long		 threads;	/* FastCGI worker threads */
	unsigned long		 max_lookups;	/* waiting for DNS, per process */
	unsigned long		 cache_size;	/* bytes of memory cache */
	unsigned long		 cache_dir_max;	/* files in cache_dir */
	/*
	 * Every listed name (conf_find()): "domain:" lines and domains_file.
	 * Only the sections with settings of their own are in domains[], in
	 * the order of the file; a bare "domain:" line costs a name in the
	 * set only.
	 */
	struct nameset		*listed;	/* owned; NULL: none */
	struct conf_domain	*domains;	/* owned */
	size_t			 ndomains;
	/*
	 * Listed names.  After conf_load_for() answered from the index,
	 * listed holds at most the name asked for, and nlisted still counts
	 * them all.  Nonzero means "serve exactly the listed domains".
	 */
	size_t			 nlisted;
	char			*domains_file;	/* owned; NULL: none */
	struct stat		 domains_file_st;	/* as it was read */
	size_t			 globlen;	/* bytes before the first
						   "domain:" line */
	int			 indexed;	/* conf_load_for() used the index */
	/* TLS-RPT (tlsrpt/): NULL report_dir means state_dir/tlsrpt. */
	char			*report_dir;	/* owned */
	unsigned long		 report_max_count;
	unsigned long		 report_max_bytes;
	unsigned long		 report_max_size;	/* one report, bytes */
	unsigned long		 report_critical;	/* percent failed */
	unsigned long		 report_grace;		/* seconds */
	/* mta-sts-id: NULL publish_hook means print only. */
	char			*publish_hook;	/* owned */
	unsigned long		 publish_wait;	/* seconds */
	/* --format nsupdate and the nsupdate hook; NULL: not set. */
	char			*nsupdate_server;	/* "ADDR" or "ADDR PORT" */
	char			*nsupdate_zone;		/* lower case, no dot */
	char			*nsupdate_key;		/* key file path */
	unsigned long		 refresh;	/* seconds; 0: off */
};

/*
 * A configuration holding only the built-in defaults (no domains: TXT
 * opt-in).  Returns NULL when out of memory.  Free with conf_free().
 */
struct conf	*conf_new(void);

/*
 * Parse len bytes of configuration text; name is used in error messages
 * and to resolve relative paths (its directory).  On success returns 0 and
 * *out owns a new configuration.  On error returns -1, *out is NULL and err
 * holds "name:line: reason" (or "name: reason").
 */
int	conf_parse(const char *name, const char *text, size_t len,
	    struct conf **out, char *err, size_t errlen);

/*
 * Read and parse the file at path.  A file that does not exist gives the
 * built-in defaults (conf->path set to path nevertheless) and returns 0.
 * Any other problem (unreadable, not a regular file, too large, syntax)
 * returns -1 with *out NULL and err as for conf_parse().
 */
int	conf_load(const char *path, struct conf **out, char *err,
	    size_t errlen);

/*
 * Like conf_load(), for a process that answers one request for domain.
 * When cache_dir is set, an index of the listing is kept there
 * (confindex.h): with a valid one, only the global part of the file, a
 * few bytes of the index and domain's own section are read, whatever the
 * number of listed domains.  Otherwise the whole file (and domains_file)
 * is parsed and, when that succeeds and the file did not change meanwhile,
 * the index is written.  Either way the result answers conf_find() for
 * domain exactly as a full load would, and nlisted counts every listed
 * name.
 */
int	conf_load_for(const char *path, const char *domain, struct conf **out,
	    char *err, size_t errlen);

/* NULL-safe. */
void	conf_free(struct conf *conf);

/*
 * 1 when name (lower case) is listed, with *pol set to its settings; 0
 * when it is not, with *pol set to the global settings.  O(1).
 */
int	conf_find(const struct conf *conf, const char *name,
	    const struct conf_policy **pol);

/* The section with settings of its own for name (lower case), or NULL. */
const struct conf_domain *conf_domain_find(const struct conf *conf,
	    const char *name);

/*
 * The listed names in the order they were listed: start with *iter = 0;
 * NULL after the last.  line, when not NULL, gets the line that listed
 * the name (in the configuration or in domains_file).
 */
const char	*conf_listed_next(const struct conf *conf, size_t *iter,
		    unsigned int *line);

/*
 * The settings for a domain: its section's when it is listed, the global
 * ones otherwise (an opted-in domain).  Never NULL.
 */
const struct conf_policy *conf_policy_for(const struct conf *conf,
	    const struct conf_domain *d);

/*
 * 1 when host (lower case) may be published for a domain with these
 * settings: no mx_allow list, or host equals one of its names, or ends
 * in ".d" for one of its "*.d" patterns (any depth below d, unlike the
 * one-label wildcards of RFC 8461 policies).
 */
int	conf_mx_allowed(const struct conf_policy *pol, const char *host);

/* The path used when MTA_STS_CONF is not set. */
const char	*conf_default_path(void);

/* NULL-terminated list of every key the parser accepts (for doc tests). */
extern const char *const conf_keys[];

#endif /* CONF_H */
