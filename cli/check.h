/*
 * check: audit a live MTA-STS deployment the way a strict sender sees it,
 * for mta-sts-id --check (monitoring plugins: Nagios, Icinga, Zabbix).
 *
 * For one domain, check_domain() looks at, in this order:
 *
 *	txt	the _mta-sts TXT RRset: exactly one STS record, valid by
 *		the grammar of RFC 8461 section 3.1 (ststxt: an id of 1
 *		to 32 letters and digits), no other record at that name
 *		(CNAMEs are followed by the resolver)
 *	policy	the policy file fetched over HTTPS as a sender does (SNI,
 *		certificate verified for mta-sts.<domain>, 200 without a
 *		redirect, text/plain, size limit, strict syntax)
 *	cert	the policy host's certificate: WARNING when it expires in
 *		less than CHECK_CERT_WARN_DAYS days, CRITICAL in less than
 *		CHECK_CERT_CRIT_DAYS
 *	id	the DNS id equals the id state_dir holds, and the served
 *		policy equals the policy recorded for that id (otherwise
 *		"id must be bumped: run mta-sts-id")
 *	mx	the live MX set (DNSSEC-validated; insecure is a WARNING)
 *		against the served policy's mx patterns (RFC 8461 section
 *		4.1): every MX covered, every pattern used
 *	mode, max_age	mode none left in place, a max_age under a week
 *		with enforce
 *	tlsrpt	one valid "v=TLSRPTv1;" record with rua at _smtp._tls
 *		(RFC 8460); WARNING when absent or invalid
 *	reports	the TLS-RPT reports stored for the domain (tlsrpt/
 *		summary.h); only with env->conf and when its report_dir
 *		exists
 *	starttls	each live MX host on port 25: STARTTLS offered, TLS
 *		1.2 or newer, a certificate valid for the MX name and not
 *		about to expire (CRITICAL with mode enforce or an unknown
 *		policy, WARNING with testing or none); only with env->smtp
 *	dane	each MX host's DNSSEC-validated _25._tcp TLSA RRset (RFC
 *		7672): absent, insecure, bogus, usable; with env->smtp
 *		matched against the chain the STARTTLS probe saw (usages 2
 *		and 3, RFC 6698/7671 selectors and matching types), with a
 *		WARNING when no record is there for a next key; a note
 *		when DANE and the MTA-STS policy cover other MX hosts
 *
 * check_run() checks many domains at once, within one deadline: each
 * domain's lookups (one batch), each distinct MX host's lookups and
 * STARTTLS probe, and each policy fetch are jobs that a few threads run
 * concurrently.  Lookups and fetches get the time left until the
 * deadline; what it cuts off, or what could not start before it, is
 * UNKNOWN and says so.  Findings are written after every job ended, in
 * a fixed order.
 *
 * Every check adds findings (an OK one when it passes) to a report; the
 * report's status is the worst severity, ordered CRITICAL > WARNING >
 * UNKNOWN > OK (UNKNOWN: the check could not be made, e.g. a DNS
 * timeout).  This module uses fetch (OpenSSL) and dns (libunbound), so it
 * is linked only into mta-sts-id; it never writes to stdout.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

struct buf;
struct conf;
struct dns;
struct fetch_opts;
struct fetch_result;
struct idstate;
struct policy;

/* Values are the monitoring-plugin exit codes. */
enum check_sev {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3,
	CHECK__MAX
};

enum check_format {
	CHECK_FORMAT_TEXT,
	CHECK_FORMAT_JSON,
	CHECK_FORMAT__MAX
};

#define CHECK_CERT_WARN_DAYS	14
#define CHECK_CERT_CRIT_DAYS	3
#define CHECK_MAX_AGE_MIN	604800	/* one week, with mode enforce */
#define CHECK_NAME_SIZE		16
#define CHECK_MSG_SIZE		768
#define CHECK_FINDINGS_MAX	256	/* per domain; more are dropped */
#define CHECK_OUT_MAX		(1024 * 1024)
#define CHECK_TIMEOUT_S		8	/* default deadline of a run */
#define CHECK_TIMEOUT_MAX_S	600
#define CHECK_TLSA_MAX		32	/* TLSA records looked at per host */

struct check_finding {
	enum check_sev	 sev;
	char		 name[CHECK_NAME_SIZE];	/* "txt", "mx", ... */
	char		 msg[CHECK_MSG_SIZE];	/* one line, printable */
};

struct check_report {
	char			 domain[HOST_NAME_SIZE];
	enum check_sev		 status;	/* the worst finding */
	struct check_finding	*f;		/* owned */
	size_t			 n;
	size_t			 cap;
};

struct check_env {
	struct dns		*dns;		/* borrowed */
	const char		*state_dir;	/* borrowed */
	const struct fetch_opts	*fopts;		/* borrowed; NULL: defaults */
	int64_t			 now;		/* UTC epoch seconds */
	int			 timeout_ms;	/* the whole run; 0: default */
	int			 smtp;		/* 1: starttls, DANE matching */
	const struct conf	*conf;		/* borrowed; NULL: no reports */
	int			 report_days;	/* the reports check's window */
};

/* An empty report for domain (status OK); free with check_report_clear(). */
void	check_report_init(struct check_report *r, const char *domain);
void	check_report_clear(struct check_report *r);

/*
 * Add one finding; the message is cut to CHECK_MSG_SIZE - 1 bytes and
 * bytes outside printable ASCII become '?'.  Raises r->status when sev is
 * worse.  Without memory the finding is dropped but the status is still
 * raised.
 */
void	check_add(struct check_report *r, enum check_sev sev,
	    const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* The worse of a and b in the order CRITICAL > WARNING > UNKNOWN > OK. */
enum check_sev check_worse(enum check_sev a, enum check_sev b);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN"; NULL when out of range. */
const char *check_sev_name(enum check_sev s);

/* "text" or "json".  Returns 0 or -1. */
int	check_format_parse(const char *s, enum check_format *f);

/*
 * RFC 8461 section 4.1: 1 when host (lower case) matches pattern: equal,
 * or pattern is "*.rest" and host is one label followed by ".rest".
 */
int	check_mx_match(const char *pattern, const char *host);

/*
 * The txt check on the n joined TXT records txt[] found at name.  On OK
 * the record's id is copied to id (idsize >= 33), else id is "".
 */
void	check_sts_txt(const char *name, char *const *txt, size_t n,
	    char *id, size_t idsize, struct check_report *r);

/* The tlsrpt check on the n joined TXT records at name (may be 0). */
void	check_tlsrpt_txt(const char *name, char *const *txt, size_t n,
	    struct check_report *r);

/*
 * The mx check: the live MX hosts mx[] (lower case, no trailing dot)
 * against policy p's patterns.
 */
void	check_policy_mx(const struct policy *p, char *const *mx, size_t nmx,
	    struct check_report *r);

/* The mode and max_age checks of policy p. */
void	check_policy_settings(const struct policy *p, struct check_report *r);

/* The cert check: not_after (0: unknown) against now. */
void	check_cert_expiry(const char *host, int64_t not_after, int64_t now,
	    struct check_report *r);

/*
 * The id check: st is the state for the domain (NULL: none), dns_id the
 * id published in DNS ("" when unknown), served the policy being served
 * (NULL when it could not be fetched).
 */
void	check_state(const struct idstate *st, const char *dns_id,
	    const struct policy *served, struct check_report *r);

/*
 * DANE for the MX host host: the n TLSA rdata rd[] (lengths rdlen[]),
 * DNSSEC-validated, against the chain peer holds (NULL: the DNS part
 * only).  Adds the dane findings; returns 1 when a sender has usable
 * records for host, else 0.
 */
int	check_dane_tlsa(const char *host, unsigned char *const *rd,
	    const size_t *rdlen, size_t n, const struct fetch_result *peer,
	    int64_t now, struct check_report *r);

/*
 * Run every check for the n domains whose reports r[] were
 * check_report_init()ed with their names (lower case, valid hostnames),
 * concurrently and within env->timeout_ms in all.  env->dns must allow
 * dns_run() from several threads.
 */
void	check_run(const struct check_env *env, struct check_report *r,
	    size_t n);

/* check_run() for one report, r (initialised for domain). */
void	check_domain(const struct check_env *env, const char *domain,
	    struct check_report *r);

/*
 * Append the n reports to out in format f.  Text: for each domain the
 * summary line "DOMAIN: STATUS (C critical, W warning, U unknown)", then
 * one line "  SEVERITY CHECK: MESSAGE" per finding.  JSON: one object
 * {"status":S,"domains":[{"domain":D,"status":S,"findings":[{"check":C,
 * "severity":S,"message":M}...]}...]} and a newline.  Returns 0 or -1
 * (out full or no memory).
 */
int	check_render(const struct check_report *r, size_t n,
	    enum check_format f, struct buf *out);

#endif /* CHECK_H */
