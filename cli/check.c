#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "clock.h"
#include "dns.h"
#include "fetch.h"
#include "host.h"
#include "idstate.h"
#include "policy.h"
#include "rdata.h"
#include "ststxt.h"
#include "summary.h"
#include "xmalloc.h"

#define CHECK_PATH	"/.well-known/mta-sts.txt"
#define CHECK_TXT_SIZE	4096	/* one joined TXT record */
#define CHECK_DAY	86400
#define CHECK_THREADS	8	/* workers of one run, this thread included */
#define CHECK_DNS_TIMEOUT_MS 10000	/* one batch of lookups, at most */

static const char *const check_sev_names[CHECK__MAX] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};
static const char *const check_format_names[CHECK_FORMAT__MAX] = {
	"text", "json"
};

void
check_report_init(struct check_report *r, const char *domain)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->domain, sizeof(r->domain), "%s", domain);
}

void
check_report_clear(struct check_report *r)
{
	free(r->f);
	memset(r, 0, sizeof(*r));
}

const char *
check_sev_name(enum check_sev s)
{
	if ((unsigned)s >= CHECK__MAX)
		return NULL;
	return check_sev_names[s];
}

int
check_format_parse(const char *s, enum check_format *f)
{
	size_t	 i;

	for (i = 0; i < CHECK_FORMAT__MAX; i++)
		if (strcmp(s, check_format_names[i]) == 0) {
			*f = (enum check_format)i;
			return 0;
		}
	return -1;
}

/* Rank for check_worse(): OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3. */
static int
check_rank(enum check_sev s)
{
	switch (s) {
	case CHECK_CRITICAL:
		return 3;
	case CHECK_WARNING:
		return 2;
	case CHECK_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

enum check_sev
check_worse(enum check_sev a, enum check_sev b)
{
	return check_rank(a) >= check_rank(b) ? a : b;
}

void
check_add(struct check_report *r, enum check_sev sev, const char *name,
    const char *fmt, ...)
{
	struct check_finding	*f, *nf;
	va_list			 ap;
	size_t			 ncap;
	char			*c;

	r->status = check_worse(r->status, sev);
	if (r->n >= CHECK_FINDINGS_MAX)
		return;
	if (r->n == r->cap) {
		ncap = r->cap == 0 ? 16 : r->cap * 2;
		if ((nf = xreallocarray(r->f, ncap, sizeof(*nf))) == NULL)
			return;
		r->f = nf;
		r->cap = ncap;
	}
	f = &r->f[r->n++];
	f->sev = sev;
	(void)snprintf(f->name, sizeof(f->name), "%s", name);
	va_start(ap, fmt);
	(void)vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	for (c = f->msg; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
}

int
check_mx_match(const char *pattern, const char *host)
{
	const char	*dot;

	if (strncmp(pattern, "*.", 2) != 0)
		return strcmp(pattern, host) == 0;
	if ((dot = strchr(host, '.')) == NULL || dot == host)
		return 0;
	return strcmp(dot + 1, pattern + 2) == 0;
}

static int
check_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split a "v=...; k=v; ..." TLSRPT record (RFC 8460 section 3: fields
 * separated by *WSP ";" *WSP, an optional trailing
 * separator) into at most nmax fields.  Returns the number of fields, or
 * -1 for an empty field, a field without "=", or too many fields.
 */
static int
check_fields(const char *rec, const char **name, size_t *nlen,
    const char **val, size_t *vlen, size_t nmax)
{
	const char	*p = rec, *end, *eq, *e;
	size_t		 n = 0;

	for (;;) {
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		e = end;
		while (e > p && check_wsp(e[-1]))
			e--;
		while (p < e && check_wsp(*p))
			p++;
		if (p == e) {
			/* Only a trailing separator may leave nothing. */
			if (*end == '\0' && n > 0)
				return (int)n;
			return -1;
		}
		if (n >= nmax || (eq = memchr(p, '=', (size_t)(e - p))) ==
		    NULL || eq == p)
			return -1;
		name[n] = p;
		nlen[n] = (size_t)(eq - p);
		val[n] = eq + 1;
		vlen[n] = (size_t)(e - eq - 1);
		n++;
		if (*end == '\0')
			return (int)n;
		p = end + 1;
	}
}

static int
check_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

#define CHECK_FIELDS_MAX	32

void
check_sts_txt(const char *name, char *const *txt, size_t n, char *id,
    size_t idsize, struct check_report *r)
{
	char		 why[256];
	size_t		 i, nsts = 0, nother, sts = 0;
	enum ststxt_rc	 rc;

	id[0] = '\0';
	for (i = 0; i < n; i++)
		if (ststxt_parse(txt[i], strlen(txt[i]), NULL, 0) !=
		    STSTXT_NOT_STS)
			nsts++;
	nother = n - nsts;
	rc = ststxt_select(txt, n, id, idsize, &sts, why, sizeof(why));
	if (rc == STSTXT_NOT_STS) {
		if (n == 0)
			check_add(r, CHECK_CRITICAL, "txt", "%s: no TXT record; "
			    "senders do not look for a policy", name);
		else
			check_add(r, CHECK_CRITICAL, "txt", "%s: no record "
			    "begins with \"v=STSv1;\" (found \"%.80s\"); "
			    "senders do not look for a policy", name, txt[0]);
		return;
	}
	if (nsts > 1) {
		check_add(r, CHECK_CRITICAL, "txt", "%s: %zu records begin "
		    "with \"v=STSv1;\"; senders treat that as no policy",
		    name, nsts);
		return;
	}
	if (nother > 0)
		check_add(r, CHECK_CRITICAL, "txt", "%s: %zu other TXT "
		    "record%s next to the STS record; strict senders reject "
		    "the name, remove %s", name, nother, nother > 1 ? "s" : "",
		    nother > 1 ? "them" : "it");
	if (rc != STSTXT_OK) {
		check_add(r, CHECK_CRITICAL, "txt", "%s: \"%.120s\": %s",
		    name, txt[sts], why);
		return;
	}
	if (nother == 0)
		check_add(r, CHECK_OK, "txt", "%s: \"%.120s\"", name,
		    txt[sts]);
}

/* 1 when one rua URI (RFC 8460 section 3) looks usable. */
static int
check_rua_uri(const char *u, size_t len)
{
	if (len > 7 && strncmp(u, "mailto:", 7) == 0 &&
	    memchr(u + 7, '@', len - 7) != NULL)
		return 1;
	if (len > 8 && strncmp(u, "https://", 8) == 0)
		return 1;
	return 0;
}

void
check_tlsrpt_txt(const char *name, char *const *txt, size_t n,
    struct check_report *r)
{
	const char	*fn[CHECK_FIELDS_MAX], *fv[CHECK_FIELDS_MAX];
	size_t		 fnl[CHECK_FIELDS_MAX], fvl[CHECK_FIELDS_MAX];
	const char	*u, *comma, *end;
	size_t		 i, nrpt = 0, rpt = 0, nrua = 0, ruai = 0;
	int		 nf;

	for (i = 0; i < n; i++)
		if (strncmp(txt[i], "v=TLSRPTv1;", 11) == 0) {
			nrpt++;
			rpt = i;
		}
	if (nrpt == 0) {
		check_add(r, CHECK_WARNING, "tlsrpt", "%s: no \"v=TLSRPTv1;\" "
		    "record; senders cannot report TLS failures to you "
		    "(RFC 8460)", name);
		return;
	}
	if (nrpt > 1) {
		check_add(r, CHECK_WARNING, "tlsrpt", "%s: %zu \"v=TLSRPTv1;\" "
		    "records; senders send no reports", name, nrpt);
		return;
	}
	nf = check_fields(txt[rpt], fn, fnl, fv, fvl, CHECK_FIELDS_MAX);
	for (i = 1; nf > 1 && i < (size_t)nf; i++)
		if (check_is(fn[i], fnl[i], "rua")) {
			nrua++;
			ruai = i;
		}
	if (nf < 2 || nrua != 1) {
		check_add(r, CHECK_WARNING, "tlsrpt", "%s: \"%.120s\": %s",
		    name, txt[rpt], nf < 2 ? "malformed record (want "
		    "\"v=TLSRPTv1; rua=mailto:...\")" : nrua == 0 ?
		    "no rua field" : "more than one rua field");
		return;
	}
	u = fv[ruai];
	end = u + fvl[ruai];
	while (u < end) {
		if ((comma = memchr(u, ',', (size_t)(end - u))) == NULL)
			comma = end;
		while (u < comma && check_wsp(*u))
			u++;
		if (!check_rua_uri(u, (size_t)(comma - u))) {
			check_add(r, CHECK_WARNING, "tlsrpt", "%s: rua URI "
			    "\"%.*s\" is neither mailto: nor https:", name,
			    (int)(comma - u > 80 ? 80 : comma - u), u);
			return;
		}
		u = comma + (comma < end);
	}
	if (fvl[ruai] == 0) {
		check_add(r, CHECK_WARNING, "tlsrpt", "%s: empty rua", name);
		return;
	}
	check_add(r, CHECK_OK, "tlsrpt", "%s: \"%.120s\"", name, txt[rpt]);
}

void
check_policy_mx(const struct policy *p, char *const *mx, size_t nmx,
    struct check_report *r)
{
	size_t		 i, j, bad = 0, unused = 0;
	const char	*dot;

	for (i = 0; i < nmx; i++) {
		for (j = 0; j < p->nmx; j++)
			if (check_mx_match(p->mx[j], mx[i]))
				break;
		if (j < p->nmx)
			continue;
		bad++;
		/* A wildcard one level too high is the classic mistake. */
		for (j = 0; j < p->nmx; j++) {
			if (strncmp(p->mx[j], "*.", 2) != 0)
				continue;
			dot = strstr(mx[i], p->mx[j] + 1);
			if (dot != NULL && dot > mx[i] &&
			    strcmp(dot, p->mx[j] + 1) == 0)
				break;
		}
		if (j < p->nmx)
			check_add(r, CHECK_CRITICAL, "mx", "MX %s is not "
			    "covered: \"%s\" matches exactly one label in "
			    "place of \"*\", not %s; senders in enforce mode "
			    "will not deliver to it", mx[i], p->mx[j], mx[i]);
		else
			check_add(r, CHECK_CRITICAL, "mx", "MX %s is not "
			    "covered by any mx pattern of the policy; senders "
			    "in enforce mode will not deliver to it", mx[i]);
	}
	for (j = 0; j < p->nmx; j++) {
		for (i = 0; i < nmx; i++)
			if (check_mx_match(p->mx[j], mx[i]))
				break;
		if (i == nmx) {
			unused++;
			check_add(r, CHECK_WARNING, "mx", "policy pattern "
			    "\"%s\" matches no MX host", p->mx[j]);
		}
	}
	if (bad == 0 && unused == 0)
		check_add(r, CHECK_OK, "mx", "%zu MX host%s covered by %zu "
		    "pattern%s", nmx, nmx == 1 ? "" : "s", p->nmx,
		    p->nmx == 1 ? "" : "s");
}

void
check_policy_settings(const struct policy *p, struct check_report *r)
{
	if (p->mode == POLICY_MODE_NONE)
		check_add(r, CHECK_WARNING, "mode", "mode none: senders drop "
		    "the policy; publish mode testing or enforce, or remove "
		    "MTA-STS once max_age (%lu s) has passed", p->max_age);
	else
		check_add(r, CHECK_OK, "mode", "mode %s",
		    policy_mode_name(p->mode));
	if (p->mode == POLICY_MODE_ENFORCE && p->max_age < CHECK_MAX_AGE_MIN)
		check_add(r, CHECK_WARNING, "max_age", "max_age %lu with mode "
		    "enforce is under one week (%d); a longer max_age "
		    "protects senders between visits", p->max_age,
		    CHECK_MAX_AGE_MIN);
	else
		check_add(r, CHECK_OK, "max_age", "max_age %lu", p->max_age);
}

void
check_cert_expiry(const char *host, int64_t not_after, int64_t now,
    struct check_report *r)
{
	int64_t		 left;
	long long	 days;

	if (not_after == 0) {
		check_add(r, CHECK_UNKNOWN, "cert", "%s: expiry date of the "
		    "certificate unknown", host);
		return;
	}
	left = not_after - now;
	days = (long long)(left / CHECK_DAY);
	if (left < (int64_t)CHECK_CERT_CRIT_DAYS * CHECK_DAY)
		check_add(r, CHECK_CRITICAL, "cert", "%s: certificate expires "
		    "in %lld day%s (under %d); renew it", host, days,
		    days == 1 ? "" : "s", CHECK_CERT_CRIT_DAYS);
	else if (left < (int64_t)CHECK_CERT_WARN_DAYS * CHECK_DAY)
		check_add(r, CHECK_WARNING, "cert", "%s: certificate expires "
		    "in %lld days (under %d); renew it", host, days,
		    CHECK_CERT_WARN_DAYS);
	else
		check_add(r, CHECK_OK, "cert", "%s: certificate valid for "
		    "%lld more days", host, days);
}

void
check_state(const struct idstate *st, const char *dns_id,
    const struct policy *served, struct check_report *r)
{
	struct buf	 diff;

	if (st == NULL) {
		check_add(r, CHECK_WARNING, "id", "no mta-sts-id state for the "
		    "domain; run mta-sts-id so that ids follow policy "
		    "changes");
		return;
	}
	if (served != NULL && !policy_equal(served, &st->pol)) {
		buf_init(&diff, CHECK_MSG_SIZE);
		if (idstate_policy_diff(&st->pol, served, &diff) == -1)
			buf_reset(&diff);
		check_add(r, CHECK_CRITICAL, "id", "id must be bumped: run "
		    "mta-sts-id (the served policy differs from the one of "
		    "id %s: %s)", st->id, diff.data != NULL ? diff.data :
		    "changed");
		buf_free(&diff);
		return;
	}
	if (st->published == IDSTATE_PUB_PENDING &&
	    strcmp(dns_id, st->id) != 0) {
		check_add(r, CHECK_WARNING, "id", "id %s was issued but never "
		    "published (the publish hook failed, or the DNS did not "
		    "show it in time; the DNS has %s%s); run mta-sts-id to try "
		    "again", st->id, dns_id[0] != '\0' ? "id " : "no valid "
		    "record", dns_id);
		return;
	}
	if (dns_id[0] != '\0' && strcmp(dns_id, st->id) != 0) {
		check_add(r, CHECK_CRITICAL, "id", "the DNS publishes id %s, "
		    "the state holds id %s: publish the record mta-sts-id "
		    "prints", dns_id, st->id);
		return;
	}
	/* Say exactly which comparisons were made. */
	if (dns_id[0] != '\0' && served != NULL)
		check_add(r, CHECK_OK, "id", "id %s matches the state and the "
		    "served policy", st->id);
	else if (dns_id[0] != '\0')
		check_add(r, CHECK_OK, "id", "id %s matches the state; the "
		    "served policy was not compared (it could not be fetched)",
		    st->id);
	else if (served != NULL)
		check_add(r, CHECK_OK, "id", "the served policy is the one of "
		    "id %s in the state; the DNS id was not compared (no valid "
		    "TXT record)", st->id);
	else
		check_add(r, CHECK_UNKNOWN, "id", "id %s of the state was "
		    "compared with nothing: neither the DNS id nor the served "
		    "policy is known", st->id);
}

/* Join the TXT rdata of res into a new array; NULL on no memory. */
static char **
check_txt_list(const struct dns_result *res, size_t *n, int *bad)
{
	char	**v, buf[CHECK_TXT_SIZE];
	size_t	  i;

	*n = 0;
	*bad = 0;
	if ((v = xcalloc(res->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < res->n; i++) {
		if (rdata_txt_join(res->data[i], res->len[i], buf,
		    sizeof(buf)) == -1) {
			(*bad)++;
			continue;
		}
		if ((v[*n] = xstrdup(buf)) == NULL)
			break;
		(*n)++;
	}
	return v;
}

static void
check_free_list(char **v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --- the concurrent run ------------------------------------------------- */

/* One MX host, looked up and probed once for every domain naming it. */
struct check_host {
	char			 name[HOST_NAME_SIZE];
	char			 tlsaname[HOST_NAME_SIZE + 16];
	struct dns_query	 q[3];		/* A, AAAA, TLSA */
	size_t			 nq;		/* 2 when no TLSA name fits */
	int			 ran;		/* its job ran */
	int			 dns_cut;	/* lookups ended by the deadline */
	int			 redirected;	/* a --connect-to rule */
	int			 probed;	/* fetch_starttls() was called */
	int			 probe_rc;
	int			 probe_cut;	/* ended by the deadline */
	struct fetch_result	 probe;
};

/* One domain of the run; its report is written after every job ended. */
struct check_dom {
	struct check_report	*r;
	char			 txtname[HOST_NAME_SIZE + 16];
	char			 rptname[HOST_NAME_SIZE + 16];
	char			 host[HOST_NAME_SIZE + 16];
	struct dns_query	 q[5];	/* TXT, MX, TLS-RPT, host A, AAAA */
	int			 ran;		/* the domain job ran */
	int			 dns_cut;
	int			 pran;		/* the policy job ran */
	int			 pdns_cut;	/* its lookups: the deadline */
	int			 redirected;	/* policy host: --connect-to */
	char			**mx;		/* live MX hosts, sorted */
	size_t			 nmx;
	size_t			 nbadmx, nnullmx;
	size_t			*hosts;		/* run->host index of mx[i] */
	int			 fetched, fetch_rc, fetch_cut;
	struct fetch_result	 fetch;
};

enum check_job_kind {
	CHECK_JOB_DOMAIN,
	CHECK_JOB_POLICY,
	CHECK_JOB_HOST,
	CHECK_JOB__MAX
};

struct check_job {
	enum check_job_kind	 kind;
	size_t			 i;
};

/*
 * The shared state of check_run(): a FIFO of jobs that workers take
 * under mu; a job runs unlocked and touches only its own domain or host.
 * host[] grows as domains find MX hosts; the hosts themselves never move.
 */
struct check_run {
	const struct check_env	*env;
	long long		 deadline;	/* on clock_ms()'s clock */
	int			 timeout_s;	/* for messages */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* a job was queued or ended */
	struct check_job	*jobs;
	size_t			 head, tail, jobcap;
	size_t			 busy;		/* jobs running */
	struct check_dom	*dom;
	size_t			 ndom;
	struct check_host	**host;
	size_t			 nhost, hostcap;
};

/*
 * Milliseconds for an operation whose own limit is limit_ms: that, or
 * what is left until the deadline when less (*bydeadline set then).
 */
static int
check_budget(const struct check_run *run, int limit_ms, int *bydeadline)
{
	long long	 left = run->deadline - clock_ms();

	*bydeadline = 0;
	if (left >= limit_ms)
		return limit_ms;
	*bydeadline = 1;
	return left < 1 ? 1 : (int)left;
}

/* Queue a job; with run->mu held.  Returns 0 or -1 (no memory). */
static int
check_enqueue(struct check_run *run, enum check_job_kind kind, size_t i)
{
	struct check_job	*nj;
	size_t			 ncap;

	if (run->tail == run->jobcap) {
		ncap = run->jobcap == 0 ? 16 : run->jobcap * 2;
		if ((nj = xreallocarray(run->jobs, ncap, sizeof(*nj))) == NULL)
			return -1;
		run->jobs = nj;
		run->jobcap = ncap;
	}
	run->jobs[run->tail].kind = kind;
	run->jobs[run->tail++].i = i;
	(void)pthread_cond_broadcast(&run->cv);
	return 0;
}

/*
 * Numeric addresses from the A and AAAA answers a and aaaa into
 * buf[max]; ptr[] points at them.  Returns how many.
 */
static size_t
check_addrs(const struct dns_result *a, const struct dns_result *aaaa,
    char (*buf)[INET6_ADDRSTRLEN], const char **ptr, size_t max)
{
	const struct dns_result	*res[2] = { a, aaaa };
	size_t			 i, k, n = 0;

	for (k = 0; k < 2; k++) {
		if (res[k]->rc != DNS_OK)
			continue;
		for (i = 0; i < res[k]->n && n < max; i++) {
			if (res[k]->len[i] != (k == 0 ? 4u : 16u) ||
			    inet_ntop(k == 0 ? AF_INET : AF_INET6,
			    res[k]->data[i], buf[n], INET6_ADDRSTRLEN) == NULL)
				continue;
			ptr[n] = buf[n];
			n++;
		}
	}
	return n;
}

static int
check_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The live MX hosts of res (DNS_OK) into a new sorted list without
 * duplicates; for DNS_NODATA the domain itself (RFC 5321 section 5.1).
 * *bad and *null count malformed and Null MX records.
 */
static char **
check_mx_names(const struct dns_result *res, const char *domain, size_t *n,
    size_t *bad, size_t *null)
{
	char		**v, name[RDATA_NAME_SIZE];
	uint16_t	  pref;
	size_t		  i, j;

	*n = *bad = *null = 0;
	if ((v = xcalloc(res->n + 1, sizeof(*v))) == NULL)
		return NULL;
	if (res->rc != DNS_OK) {
		if ((v[0] = xstrdup(domain)) != NULL)
			*n = 1;
		return v;
	}
	for (i = 0; i < res->n; i++) {
		if (rdata_mx_parse(res->data[i], res->len[i], &pref, name,
		    sizeof(name)) == -1 || (name[0] != '\0' &&
		    !host_valid(name, strlen(name)))) {
			(*bad)++;
			continue;
		}
		if (name[0] == '\0') {
			(*null)++;
			continue;
		}
		for (j = 0; j < *n; j++)
			if (strcmp(v[j], name) == 0)
				break;
		if (j == *n && (v[*n] = xstrdup(name)) != NULL)
			(*n)++;
	}
	/* The DNS gives them in any order; the report does not. */
	qsort(v, *n, sizeof(*v), check_strcmp);
	return v;
}

/* Find or add the host name; with run->mu held.  Returns its index. */
static int
check_host_add(struct check_run *run, const char *name, size_t *idx)
{
	struct check_host	**nh, *h;
	size_t			  i, ncap;

	for (i = 0; i < run->nhost; i++)
		if (strcmp(run->host[i]->name, name) == 0) {
			*idx = i;
			return 0;
		}
	if (run->nhost == run->hostcap) {
		ncap = run->hostcap == 0 ? 16 : run->hostcap * 2;
		if ((nh = xreallocarray(run->host, ncap, sizeof(*nh))) == NULL)
			return -1;
		run->host = nh;
		run->hostcap = ncap;
	}
	if ((h = xcalloc(1, sizeof(*h))) == NULL)
		return -1;
	(void)snprintf(h->name, sizeof(h->name), "%s", name);
	fetch_result_init(&h->probe);
	for (i = 0; i < 3; i++)
		h->q[i].res.rc = DNS_TEMPFAIL;
	run->host[run->nhost] = h;
	if (check_enqueue(run, CHECK_JOB_HOST, run->nhost) == -1) {
		fetch_result_clear(&h->probe);
		free(h);
		return -1;
	}
	*idx = run->nhost++;
	return 0;
}

/* A domain's job: its lookups in one batch; MX hosts to host jobs. */
static void
check_job_domain(struct check_run *run, struct check_dom *d)
{
	size_t	 i;
	int	 bydl, budget;

	budget = check_budget(run, CHECK_DNS_TIMEOUT_MS, &bydl);
	dns_run(run->env->dns, d->q, 3, budget);
	d->dns_cut = bydl && clock_ms() >= run->deadline;
	d->ran = 1;

	if (d->q[1].res.rc == DNS_OK || d->q[1].res.rc == DNS_NODATA)
		d->mx = check_mx_names(&d->q[1].res, d->r->domain, &d->nmx,
		    &d->nbadmx, &d->nnullmx);
	if (d->mx != NULL && d->nmx > 0 &&
	    (d->hosts = xcalloc(d->nmx, sizeof(*d->hosts))) != NULL) {
		(void)pthread_mutex_lock(&run->mu);
		for (i = 0; i < d->nmx; i++)
			if (check_host_add(run, d->mx[i], &d->hosts[i]) == -1)
				d->hosts[i] = SIZE_MAX;
		(void)pthread_mutex_unlock(&run->mu);
	}
}

/*
 * A domain's policy job, beside its domain job: the policy host's
 * addresses (unless --connect-to sends it elsewhere), then the fetch.
 */
static void
check_job_policy(struct check_run *run, struct check_dom *d)
{
	const struct check_env	*env = run->env;
	struct fetch_opts	 o;
	const char		*chost, *cport, *ap[16];
	char			 addr[16][INET6_ADDRSTRLEN];
	size_t			 n;
	int			 bydl, budget;

	d->pran = 1;
	if (!host_valid(d->host, strlen(d->host)))
		return;
	fetch_connect_target(env->fopts, d->host, &chost, &cport);
	d->redirected = chost != d->host;
	memset(&o, 0, sizeof(o));
	if (env->fopts != NULL)
		o = *env->fopts;
	if (!d->redirected) {
		budget = check_budget(run, CHECK_DNS_TIMEOUT_MS, &bydl);
		dns_run(env->dns, &d->q[3], 2, budget);
		d->pdns_cut = bydl && clock_ms() >= run->deadline;
		if ((n = check_addrs(&d->q[3].res, &d->q[4].res, addr, ap,
		    16)) == 0)
			return;		/* the report says why */
		o.addrs = ap;
		o.naddrs = n;
	}
	o.timeout_ms = check_budget(run, o.timeout_ms > 0 ? o.timeout_ms :
	    FETCH_TIMEOUT_MS, &bydl);
	d->fetched = 1;
	d->fetch_rc = fetch_get(d->host, CHECK_PATH, &o, &d->fetch);
	d->fetch_cut = d->fetch_rc == -1 && bydl &&
	    d->fetch.fail == FETCH_FAIL_TIMEOUT;
}

/* A host's job: its address and TLSA lookups, then the STARTTLS probe. */
static void
check_job_host(struct check_run *run, struct check_host *h)
{
	const struct check_env	*env = run->env;
	struct fetch_opts	 o;
	const char		*chost, *cport, *ap[16];
	char			 addr[16][INET6_ADDRSTRLEN];
	size_t			 n;
	int			 bydl, budget;

	h->q[0].name = h->name;
	h->q[0].type = DNS_TYPE_A;
	h->q[1].name = h->name;
	h->q[1].type = DNS_TYPE_AAAA;
	h->nq = 2;
	/* RFC 7672 section 2.2.3: TLSA at _25._tcp.<MX host>. */
	if (snprintf(h->tlsaname, sizeof(h->tlsaname), "_25._tcp.%s",
	    h->name) < HOST_NAME_SIZE) {
		h->q[2].name = h->tlsaname;
		h->q[2].type = DNS_TYPE_TLSA;
		h->nq = 3;
	}
	budget = check_budget(run, CHECK_DNS_TIMEOUT_MS, &bydl);
	dns_run(env->dns, h->q, h->nq, budget);
	h->dns_cut = bydl && clock_ms() >= run->deadline;
	h->ran = 1;
	fetch_connect_target_port(env->fopts, h->name, FETCH_SMTP_PORT,
	    &chost, &cport);
	h->redirected = chost != h->name;
	if (!env->smtp || h->dns_cut)
		return;

	memset(&o, 0, sizeof(o));
	if (env->fopts != NULL)
		o = *env->fopts;
	if (!h->redirected) {
		if ((n = check_addrs(&h->q[0].res, &h->q[1].res, addr, ap,
		    16)) == 0)
			return;
		o.addrs = ap;
		o.naddrs = n;
	}
	o.timeout_ms = check_budget(run, o.timeout_ms > 0 ? o.timeout_ms :
	    FETCH_TIMEOUT_MS, &bydl);
	h->probed = 1;
	h->probe_rc = fetch_starttls(h->name, &o, &h->probe);
	h->probe_cut = h->probe_rc == -1 && bydl &&
	    h->probe.fail == FETCH_FAIL_TIMEOUT;
}

/*
 * A worker: take jobs until none is queued and none runs (a running job
 * may still queue more).  Jobs still queued at the deadline are dropped
 * unrun; their reports say so.
 */
static void *
check_worker(void *arg)
{
	struct check_run	*run = arg;
	struct check_host	*h = NULL;
	struct check_job	 job;

	(void)pthread_mutex_lock(&run->mu);
	for (;;) {
		while (run->head == run->tail && run->busy > 0)
			(void)pthread_cond_wait(&run->cv, &run->mu);
		if (run->head == run->tail)
			break;
		job = run->jobs[run->head++];
		if (clock_ms() >= run->deadline)
			continue;
		if (job.kind == CHECK_JOB_HOST)
			h = run->host[job.i];
		run->busy++;
		(void)pthread_mutex_unlock(&run->mu);
		if (job.kind == CHECK_JOB_DOMAIN)
			check_job_domain(run, &run->dom[job.i]);
		else if (job.kind == CHECK_JOB_POLICY)
			check_job_policy(run, &run->dom[job.i]);
		else
			check_job_host(run, h);
		(void)pthread_mutex_lock(&run->mu);
		run->busy--;
		(void)pthread_cond_broadcast(&run->cv);
	}
	(void)pthread_cond_broadcast(&run->cv);
	(void)pthread_mutex_unlock(&run->mu);
	return NULL;
}

/* --- findings from the results ------------------------------------------ */

/* " (cut off by the N s deadline)" or "" */
static const char *
check_cutnote(const struct check_run *run, int cut, char *buf, size_t len)
{
	if (!cut)
		return "";
	(void)snprintf(buf, len, " (cut off by the %d s deadline)",
	    run->timeout_s);
	return buf;
}

/*
 * Turn a DNS outcome other than DNS_OK into a finding.  Returns 1 when it
 * was handled (nothing more to check), 0 for DNS_OK.
 */
static int
check_dns_fail(const struct check_run *run, const struct dns_result *res,
    int cut, const char *name, const char *check, enum check_sev absent,
    const char *absent_msg, struct check_report *r)
{
	char	 note[64];

	switch (res->rc) {
	case DNS_OK:
		return 0;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		check_add(r, absent, check, "%s: %s (%s)", name, absent_msg,
		    dns_rc_name(res->rc));
		return 1;
	case DNS_BOGUS:
		check_add(r, CHECK_CRITICAL, check, "%s: DNSSEC validation "
		    "failed: %s", name, res->why);
		return 1;
	default:
		check_add(r, CHECK_UNKNOWN, check, "%s: lookup failed: %s%s",
		    name, res->why[0] != '\0' ? res->why : "temporary failure",
		    check_cutnote(run, cut, note, sizeof(note)));
		return 1;
	}
}

/*
 * The outcome of a host's A and AAAA lookups when they gave no address:
 * a finding of severity none_sev when the name has none, UNKNOWN when a
 * lookup failed, CRITICAL when one is bogus.
 */
static void
check_noaddr(const struct check_run *run, const struct dns_result *a,
    const struct dns_result *aaaa, int cut, const char *host,
    const char *check, enum check_sev none_sev, const char *none_msg,
    struct check_report *r)
{
	const struct dns_result	*bad;
	char			 note[64];

	if (a->rc == DNS_BOGUS || aaaa->rc == DNS_BOGUS) {
		bad = a->rc == DNS_BOGUS ? a : aaaa;
		check_add(r, CHECK_CRITICAL, check, "%s: DNSSEC validation of "
		    "its address failed: %s", host, bad->why);
	} else if (a->rc == DNS_TEMPFAIL || aaaa->rc == DNS_TEMPFAIL) {
		bad = a->rc == DNS_TEMPFAIL ? a : aaaa;
		check_add(r, CHECK_UNKNOWN, check, "%s: address lookup failed: "
		    "%s%s", host, bad->why[0] != '\0' ? bad->why :
		    "temporary failure", check_cutnote(run, cut, note,
		    sizeof(note)));
	} else
		check_add(r, none_sev, check, "%s: no A or AAAA record (%s); "
		    "%s", host, dns_rc_name(a->rc), none_msg);
}

/* The first line of an error answer's text, or "". */
static void
check_body_line(const struct fetch_result *res, char *out, size_t len)
{
	size_t	 n;

	out[0] = '\0';
	if (res->body.data == NULL || res->body.len == 0 ||
	    strncasecmp(res->content_type, "text/plain", 10) != 0)
		return;
	n = strcspn(res->body.data, "\r\n");
	if (n > res->body.len)
		n = res->body.len;
	if (n >= len)
		n = len - 1;
	memcpy(out, res->body.data, n);
	out[n] = '\0';
}

/*
 * The policy check from the fetch result: strictly parse the policy
 * into served.  Returns 1 when served holds the policy.
 */
static int
check_report_fetch(const struct check_run *run, const struct check_dom *d,
    struct policy *served, struct check_report *r)
{
	const struct fetch_result	*res = &d->fetch;
	const char			*host = d->host;
	char				 err[256], line[200], note[64];
	size_t				 len;
	int				 ok = 0;

	if (!d->pran) {
		check_add(r, CHECK_UNKNOWN, "policy", "https://%s%s: not "
		    "fetched: the %d s deadline passed before its turn", host,
		    CHECK_PATH, run->timeout_s);
		return 0;
	}
	if (!d->fetched) {
		check_noaddr(run, &d->q[3].res, &d->q[4].res, d->pdns_cut, host,
		    "policy", CHECK_CRITICAL, "senders cannot fetch the policy",
		    r);
		return 0;
	}
	if (d->fetch_rc == -1) {
		check_add(r, d->fetch_cut || res->fail == FETCH_FAIL_NAME_TEMP ?
		    CHECK_UNKNOWN : CHECK_CRITICAL, "policy", "https://%s%s: "
		    "%s%s", host, CHECK_PATH, res->err, check_cutnote(run,
		    d->fetch_cut, note, sizeof(note)));
		goto out;
	}
	if (res->status >= 300 && res->status < 400) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: %d %s, "
		    "a redirect to \"%s\", which senders do not follow", host,
		    CHECK_PATH, res->status, res->reason, res->location);
		goto out;
	}
	if (res->status != 200) {
		check_body_line(res, line, sizeof(line));
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: %d %s, "
		    "not the policy%s%s%s", host, CHECK_PATH, res->status,
		    res->reason, line[0] != '\0' ? ": \"" : "", line,
		    line[0] != '\0' ? "\"" : "");
		goto out;
	}
	len = strlen(res->content_type);
	if (strncasecmp(res->content_type, "text/plain", 10) != 0 ||
	    (len > 10 && res->content_type[10] != ';' &&
	    res->content_type[10] != ' ')) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: "
		    "Content-Type \"%s\", senders want text/plain", host,
		    CHECK_PATH, res->content_type);
		goto out;
	}
	if (policy_parse(res->body.data != NULL ? res->body.data : "",
	    res->body.len, served, &len, err, sizeof(err)) == -1) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: invalid "
		    "policy, line %zu: %s", host, CHECK_PATH, len, err);
		goto out;
	}
	check_add(r, CHECK_OK, "policy", "https://%s%s: mode %s, %zu mx, "
	    "max_age %lu (%zu bytes)", host, CHECK_PATH,
	    policy_mode_name(served->mode), served->nmx, served->max_age,
	    res->body.len);
	ok = 1;
 out:
	/* Only a verified certificate has a notAfter here. */
	if (res->not_after != 0)
		check_cert_expiry(host, res->not_after, run->env->now, r);
	return ok;
}

/* The starttls finding of host h; fail is the severity of a failure. */
static void
check_report_starttls(const struct check_run *run, const struct check_host *h,
    enum check_sev fail, struct check_report *r)
{
	const struct fetch_result	*res = &h->probe;
	int64_t				 left;
	char				 note[64];

	if (!h->probed && (h->redirected || h->dns_cut)) {
		check_add(r, CHECK_UNKNOWN, "starttls", "%s: not probed: its "
		    "lookups took until the %d s deadline", h->name,
		    run->timeout_s);
		return;
	}
	if (!h->probed) {
		check_noaddr(run, &h->q[0].res, &h->q[1].res, h->dns_cut,
		    h->name, "starttls", fail, "senders cannot connect to it",
		    r);
		return;
	}
	if (h->probe_rc == -1) {
		check_add(r, h->probe_cut || res->fail == FETCH_FAIL_NAME_TEMP ?
		    CHECK_UNKNOWN : fail, "starttls", "%s: %s%s", h->name,
		    res->err, check_cutnote(run, h->probe_cut, note,
		    sizeof(note)));
		return;
	}
	left = res->not_after - run->env->now;
	if (res->not_after != 0 &&
	    left < (int64_t)CHECK_CERT_WARN_DAYS * CHECK_DAY)
		check_add(r, left < (int64_t)CHECK_CERT_CRIT_DAYS * CHECK_DAY ?
		    CHECK_CRITICAL : CHECK_WARNING, "starttls", "%s: %s, "
		    "certificate expires in %lld days; renew it", h->name,
		    res->tls_version, (long long)(left / CHECK_DAY));
	else
		check_add(r, CHECK_OK, "starttls", "%s: STARTTLS, %s, "
		    "certificate verified (%s)", h->name, res->tls_version,
		    res->peer);
}

/* --- dane ------------------------------------------------------------------- */

struct check_tlsa {
	int			 usage, selector, mtype;
	const unsigned char	*data;
	size_t			 len;
	int			 usable;
	int			 match;
};

/* Records in a fixed order: the DNS gives them in any. */
static int
check_tlsa_cmp(const void *a, const void *b)
{
	const struct check_tlsa	*x = a, *y = b;
	int			 c;

	if (x->usage != y->usage)
		return x->usage - y->usage;
	if (x->selector != y->selector)
		return x->selector - y->selector;
	if (x->mtype != y->mtype)
		return x->mtype - y->mtype;
	if ((c = memcmp(x->data, y->data, x->len < y->len ? x->len :
	    y->len)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* "3 1 1 0a1b2c3d..." for record t into out. */
static void
check_tlsa_str(const struct check_tlsa *t, char *out, size_t len)
{
	size_t	 i, o;
	int	 n;

	n = snprintf(out, len, "%d %d %d ", t->usage, t->selector, t->mtype);
	if (n < 0 || (size_t)n >= len)
		return;
	o = (size_t)n;
	for (i = 0; i < t->len && i < 4 && o + 3 < len; i++, o += 2)
		(void)snprintf(out + o, len - o, "%02x", t->data[i]);
	if (t->len > 4 && o + 4 < len)
		(void)snprintf(out + o, len - o, "...");
}

/* Append the records of t[] with flag on (match == want) to b. */
static void
check_tlsa_list(const struct check_tlsa *t, size_t n, int want, struct buf *b)
{
	char	 s[64];
	size_t	 i, k = 0;

	for (i = 0; i < n; i++) {
		if (!t[i].usable || t[i].match != want)
			continue;
		check_tlsa_str(&t[i], s, sizeof(s));
		(void)buf_printf(b, "%s%s", k++ > 0 ? ", " : "", s);
	}
}

int
check_dane_tlsa(const char *host, unsigned char *const *rd,
    const size_t *rdlen, size_t n, const struct fetch_result *peer,
    int64_t now, struct check_report *r)
{
	struct check_tlsa	 t[CHECK_TLSA_MAX];
	struct buf		 b1, b2;
	unsigned char		*cd = NULL;
	char			 why[200], tawhy[320], key[2 * 32 + 1];
	size_t			 i, j, nt = 0, nusable = 0, nmatch = 0, bad = 0;
	int			 len, have2 = 0, have3 = 0, usable = 0;

	tawhy[0] = '\0';
	buf_init(&b1, CHECK_MSG_SIZE);
	buf_init(&b2, CHECK_MSG_SIZE);
	for (i = 0; i < n && nt < CHECK_TLSA_MAX; i++) {
		if (rdlen[i] < 4) {
			bad++;
			continue;
		}
		t[nt].usage = rd[i][0];
		t[nt].selector = rd[i][1];
		t[nt].mtype = rd[i][2];
		t[nt].data = rd[i] + 3;
		t[nt].len = rdlen[i] - 3;
		t[nt].match = 0;
		/* RFC 7672 section 3.1: usages 2 and 3 only. */
		t[nt].usable = (t[nt].usage == 2 || t[nt].usage == 3) &&
		    (t[nt].selector == 0 || t[nt].selector == 1) &&
		    (t[nt].mtype == 0 || (t[nt].mtype == 1 &&
		    t[nt].len == 32) || (t[nt].mtype == 2 && t[nt].len == 64));
		nt++;
	}
	qsort(t, nt, sizeof(t[0]), check_tlsa_cmp);
	/*
	 * RFC 7671 section 9: a sender uses, for each usage and selector,
	 * only the records of the strongest matching type present.
	 */
	for (i = 0; i < nt; i++)
		for (j = 0; j < nt; j++)
			if (t[i].usable && t[j].usable &&
			    t[i].usage == t[j].usage &&
			    t[i].selector == t[j].selector &&
			    t[j].mtype > t[i].mtype)
				t[i].usable = 0;
	for (i = 0; i < nt; i++)
		nusable += t[i].usable;
	if (nusable == 0) {
		check_add(r, CHECK_WARNING, "dane", "%s: none of the %zu TLSA "
		    "record%s is usable for SMTP (usage 2 or 3, selector 0 or "
		    "1, matching type 0, 1 or 2, RFC 7672 section 3.1): DANE "
		    "senders use TLS without authenticating %s", host, nt + bad,
		    nt + bad == 1 ? "" : "s", host);
		goto out;
	}
	usable = 1;
	check_tlsa_list(t, nt, 0, &b1);
	if (peer == NULL) {
		check_add(r, CHECK_OK, "dane", "%s: %zu usable TLSA record%s "
		    "(%s), DNSSEC-validated; not matched against the server "
		    "(--no-smtp)", host, nusable, nusable == 1 ? "" : "s",
		    b1.data != NULL ? b1.data : "");
		goto out;
	}
	if ((cd = xmalloc(FETCH_DER_MAX)) == NULL) {
		check_add(r, CHECK_UNKNOWN, "dane", "%s: out of memory", host);
		goto out;
	}
	for (i = 0; i < nt; i++) {
		if (!t[i].usable)
			continue;
		if (t[i].usage == 3) {
			/* DANE-EE: the leaf only; no name or date checks. */
			len = fetch_chain_data(peer, 0, t[i].selector,
			    t[i].mtype, cd, FETCH_DER_MAX);
			t[i].match = len >= 0 && (size_t)len == t[i].len &&
			    memcmp(cd, t[i].data, t[i].len) == 0;
		} else {
			/* DANE-TA: an issuer, and a valid chain up to it. */
			for (j = 1; j < peer->nchain && !t[i].match; j++) {
				len = fetch_chain_data(peer, j, t[i].selector,
				    t[i].mtype, cd, FETCH_DER_MAX);
				if (len < 0 || (size_t)len != t[i].len ||
				    memcmp(cd, t[i].data, t[i].len) != 0)
					continue;
				if (fetch_chain_verify(peer, j, NULL, 0, host,
				    now, why, sizeof(why)) == 0)
					t[i].match = 1;
				else
					(void)snprintf(tawhy, sizeof(tawhy),
					    "; certificate %zu of the chain "
					    "matches a usage 2 record, but the "
					    "chain does not verify up to it: "
					    "%s", j, why);
			}
			/* A bare key as anchor (RFC 7671 section 5.2.3). */
			if (!t[i].match && t[i].selector == 1 &&
			    t[i].mtype == 0 && fetch_chain_verify(peer, 0,
			    t[i].data, t[i].len, host, now, why,
			    sizeof(why)) == 0)
				t[i].match = 1;
		}
		if (t[i].match) {
			nmatch++;
			have2 |= t[i].usage == 2;
			have3 |= t[i].usage == 3;
		}
	}
	buf_reset(&b1);
	check_tlsa_list(t, nt, 1, &b1);
	check_tlsa_list(t, nt, 0, &b2);
	if (nmatch == 0) {
		key[0] = '\0';
		if (fetch_chain_data(peer, 0, 1, 1, cd, 32) == 32)
			for (i = 0; i < 32; i++)
				(void)snprintf(key + 2 * i, 3, "%02x", cd[i]);
		check_add(r, CHECK_CRITICAL, "dane", "%s: no TLSA record (%s) "
		    "matches the certificate chain the server presented%s; "
		    "DANE senders will not deliver to it (its key: 3 1 1 %s)",
		    host, b2.data != NULL ? b2.data : "", tawhy, key);
	} else if (nmatch < nusable)
		check_add(r, CHECK_OK, "dane", "%s: the server's chain matches "
		    "%s; %zu other record%s (%s) for a next key or "
		    "certificate: a rollover is prepared", host, b1.data,
		    nusable - nmatch, nusable - nmatch == 1 ? "" : "s",
		    b2.data != NULL ? b2.data : "");
	else if (have2 && have3)
		check_add(r, CHECK_OK, "dane", "%s: the server's chain matches "
		    "%s, its own key and an issuer: either may change alone",
		    host, b1.data);
	else
		check_add(r, CHECK_WARNING, "dane", "%s: a rollover would break "
		    "DANE: the server's chain matches %s, and no record is "
		    "there for a next %s; publish one a TTL before changing "
		    "it", host, b1.data, have2 ? "issuer" : "key or "
		    "certificate");
 out:
	free(cd);
	buf_free(&b1);
	buf_free(&b2);
	return usable;
}

/* 1 when every address RRset of h that exists validated as secure. */
static int
check_addr_secure(const struct check_host *h)
{
	return (h->q[0].res.rc == DNS_OK || h->q[1].res.rc == DNS_OK) &&
	    (h->q[0].res.rc != DNS_OK || h->q[0].res.secure) &&
	    (h->q[1].res.rc != DNS_OK || h->q[1].res.secure);
}

/*
 * The dane findings of one host; returns 1 when DANE senders use TLSA
 * records for it, 0 when it has none, -1 when that is not known.
 */
static int
check_report_dane_host(const struct check_run *run, const struct check_dom *d,
    const struct check_host *h, struct check_report *r)
{
	const struct dns_result	*tlsa = &h->q[2].res;
	const struct fetch_result *peer = NULL;
	char			 note[64];

	if (h->nq < 3 || tlsa->rc == DNS_NXDOMAIN || tlsa->rc == DNS_NODATA)
		return 0;
	if (tlsa->rc == DNS_BOGUS) {
		check_add(r, CHECK_CRITICAL, "dane", "%s: DNSSEC validation "
		    "failed: %s; DANE senders will not deliver to %s",
		    h->tlsaname, tlsa->why, h->name);
		return -1;
	}
	if (tlsa->rc != DNS_OK) {
		check_add(r, CHECK_UNKNOWN, "dane", "%s: lookup failed: %s%s",
		    h->tlsaname, tlsa->why[0] != '\0' ? tlsa->why :
		    "temporary failure", check_cutnote(run, h->dns_cut, note,
		    sizeof(note)));
		return -1;
	}
	if (!tlsa->secure) {
		check_add(r, CHECK_WARNING, "dane", "%s: TLSA records in an "
		    "unsigned zone (insecure); DANE senders ignore them",
		    h->tlsaname);
		return 0;
	}
	/* RFC 7672 sections 2.2.1 and 2.2.2. */
	if (!d->q[1].res.secure) {
		check_add(r, CHECK_WARNING, "dane", "%s: TLSA records ignored: "
		    "the MX records of %s are not DNSSEC-signed, so DANE "
		    "senders do not look for them", h->tlsaname, d->r->domain);
		return 0;
	}
	if (!check_addr_secure(h)) {
		check_add(r, h->q[0].res.rc == DNS_TEMPFAIL ||
		    h->q[1].res.rc == DNS_TEMPFAIL ? CHECK_UNKNOWN :
		    CHECK_WARNING, "dane", "%s: TLSA records ignored: the "
		    "address records of %s are not DNSSEC-validated (A %s, "
		    "AAAA %s)", h->tlsaname, h->name,
		    dns_rc_name(h->q[0].res.rc), dns_rc_name(h->q[1].res.rc));
		return 0;
	}
	if (run->env->smtp) {
		if (h->probed && h->probe.nchain > 0)
			peer = &h->probe;
		else {
			/* Connected and refused: a delivery failure. */
			check_add(r, h->probed && !h->probe_cut &&
			    h->probe.peer[0] != '\0' &&
			    h->probe.fail == FETCH_FAIL_OTHER ?
			    CHECK_CRITICAL : CHECK_UNKNOWN, "dane", "%s: TLSA "
			    "records not matched, the STARTTLS probe saw no "
			    "certificate: %s%s", h->name, h->probed ?
			    h->probe.err : h->dns_cut ? "not probed, its "
			    "lookups took until the deadline" :
			    "no address to connect to", check_cutnote(run,
			    h->probe_cut, note, sizeof(note)));
			return 1;
		}
	}
	return check_dane_tlsa(h->name, tlsa->data, tlsa->len, tlsa->n, peer,
	    run->env->now, r) ? 1 : 0;
}

/* 1 when h's lookups ran and found no TLSA record. */
static int
check_host_no_tlsa(const struct check_host *h)
{
	return h->ran && (h->nq < 3 || h->q[2].res.rc == DNS_NXDOMAIN ||
	    h->q[2].res.rc == DNS_NODATA);
}

/*
 * The dane check of a domain, and a note when the MX hosts DANE covers
 * are not those the MTA-STS policy served covers.
 */
static void
check_report_dane(const struct check_run *run, const struct check_dom *d,
    const struct policy *served, struct check_report *r)
{
	const struct check_host	*h;
	struct buf		 only_sts, only_dane;
	size_t			 i, j, none = 0, in_dane = 0;
	int			 u, cov;

	if (d->hosts == NULL)
		return;
	for (i = 0; i < d->nmx; i++)
		if (d->hosts[i] != SIZE_MAX &&
		    check_host_no_tlsa(run->host[d->hosts[i]]))
			none++;
	if (none == d->nmx) {
		check_add(r, CHECK_OK, "dane", "DANE not in use: no TLSA "
		    "records for the %zu MX host%s", d->nmx,
		    d->nmx == 1 ? "" : "s");
		return;
	}
	buf_init(&only_sts, CHECK_MSG_SIZE);
	buf_init(&only_dane, CHECK_MSG_SIZE);
	for (i = 0; i < d->nmx; i++) {
		if (d->hosts[i] == SIZE_MAX) {
			check_add(r, CHECK_UNKNOWN, "dane", "%s: not checked: "
			    "out of memory", d->mx[i]);
			continue;
		}
		h = run->host[d->hosts[i]];
		if (!h->ran) {
			check_add(r, CHECK_UNKNOWN, "dane", "%s: not checked: "
			    "the %d s deadline passed before its turn",
			    h->name, run->timeout_s);
			continue;
		}
		if (check_host_no_tlsa(h)) {
			check_add(r, CHECK_OK, "dane", "%s: no TLSA records; "
			    "DANE not in use for it", h->name);
			u = 0;
		} else
			u = check_report_dane_host(run, d, h, r);
		if (u == -1 || served == NULL ||
		    served->mode == POLICY_MODE_NONE)
			continue;
		in_dane += (size_t)u;
		for (cov = 0, j = 0; j < served->nmx && !cov; j++)
			cov = check_mx_match(served->mx[j], h->name);
		if (cov && !u)
			(void)buf_printf(&only_sts, "%s%s",
			    only_sts.len > 0 ? ", " : "", h->name);
		else if (!cov && u)
			(void)buf_printf(&only_dane, "%s%s",
			    only_dane.len > 0 ? ", " : "", h->name);
	}
	if (in_dane > 0 && (only_sts.len > 0 || only_dane.len > 0))
		check_add(r, CHECK_OK, "dane", "note: MTA-STS and DANE "
		    "disagree on the MX set: %s%s%s%s%s (RFC 8461 section 2: "
		    "DANE senders apply DANE where TLSA records exist)",
		    only_sts.len > 0 ? "only MTA-STS covers " : "",
		    only_sts.len > 0 ? only_sts.data : "",
		    only_sts.len > 0 && only_dane.len > 0 ? "; " : "",
		    only_dane.len > 0 ? "only DANE covers " : "",
		    only_dane.len > 0 ? only_dane.data : "");
	buf_free(&only_sts);
	buf_free(&only_dane);
}

/* --- one domain's report, and the run --------------------------------------- */

/* Every finding of domain d, in a fixed order, from its jobs' results. */
static void
check_report_domain(const struct check_run *run, const struct check_dom *d)
{
	const struct check_env	*env = run->env;
	struct check_report	*r = d->r;
	struct idstate		 st;
	struct policy		 served;
	enum idstate_load_rc	 lrc;
	enum check_sev		 fail;
	char			 id[IDSTATE_ID_SIZE], err[1024];
	char			**txt = NULL;
	size_t			 ntxt = 0, i;
	int			 have = 0, bad;

	if (!d->ran) {
		check_add(r, CHECK_UNKNOWN, "check", "not checked: the %d s "
		    "deadline passed before its turn", run->timeout_s);
		return;
	}
	idstate_init(&st);
	policy_init(&served);
	id[0] = '\0';

	/* txt */
	if (!check_dns_fail(run, &d->q[0].res, d->dns_cut, d->txtname, "txt",
	    CHECK_CRITICAL, "no TXT record; senders do not look for a policy",
	    r)) {
		txt = check_txt_list(&d->q[0].res, &ntxt, &bad);
		if (bad > 0)
			check_add(r, CHECK_CRITICAL, "txt", "%s: %d malformed "
			    "TXT record%s", d->txtname, bad, bad > 1 ? "s" : "");
		check_sts_txt(d->txtname, txt != NULL ? txt :
		    (char *[]){ NULL }, ntxt, id, sizeof(id), r);
		check_free_list(txt, ntxt);
	}

	/* policy and cert */
	if (!host_valid(d->host, strlen(d->host)))
		check_add(r, CHECK_CRITICAL, "policy", "%s is too long for a "
		    "host name", d->host);
	else
		have = check_report_fetch(run, d, &served, r);

	/* id */
	lrc = idstate_load(env->state_dir, r->domain, &st, err, sizeof(err));
	if (lrc == IDSTATE_LOAD_ERROR)
		check_add(r, CHECK_UNKNOWN, "id", "%s", err);
	else
		check_state(lrc == IDSTATE_LOAD_OK ? &st : NULL, id,
		    have ? &served : NULL, r);

	/* mx */
	if (d->q[1].res.rc == DNS_BOGUS || d->q[1].res.rc == DNS_TEMPFAIL)
		(void)check_dns_fail(run, &d->q[1].res, d->dns_cut,
		    r->domain, "mx", CHECK_OK, "", r);
	else if (d->q[1].res.rc == DNS_NXDOMAIN)
		check_add(r, CHECK_CRITICAL, "mx", "%s: the domain does not "
		    "exist", r->domain);
	else {
		if (!d->q[1].res.secure)
			check_add(r, CHECK_WARNING, "mx", "%s: the MX records "
			    "are not DNSSEC-signed (insecure): a forged MX set "
			    "cannot be told from the real one", r->domain);
		if (d->nbadmx > 0)
			check_add(r, CHECK_CRITICAL, "mx", "%s: %zu malformed "
			    "MX record%s", r->domain, d->nbadmx,
			    d->nbadmx == 1 ? "" : "s");
		if (d->nnullmx > 0)
			check_add(r, CHECK_WARNING, "mx", "%s: Null MX (RFC "
			    "7505): the domain takes no mail, MTA-STS has no "
			    "use", r->domain);
		if (d->mx == NULL)
			check_add(r, CHECK_UNKNOWN, "mx", "%s: out of memory",
			    r->domain);
		else if (have && served.mode != POLICY_MODE_NONE)
			check_policy_mx(&served, d->mx, d->nmx, r);
	}

	/* mode, max_age */
	if (have)
		check_policy_settings(&served, r);

	/* tlsrpt */
	if (!check_dns_fail(run, &d->q[2].res, d->dns_cut, d->rptname,
	    "tlsrpt", CHECK_WARNING, "no TLS-RPT record; senders cannot "
	    "report TLS failures to you (RFC 8460)", r)) {
		txt = check_txt_list(&d->q[2].res, &ntxt, &bad);
		check_tlsrpt_txt(d->rptname, txt != NULL ? txt :
		    (char *[]){ NULL }, ntxt, r);
		check_free_list(txt, ntxt);
	}

	/* reports */
	if (env->conf != NULL)
		summary_check(env->conf, r->domain, env->report_days, env->now,
		    have ? &served : NULL, lrc == IDSTATE_LOAD_OK ? &st : NULL,
		    r);

	/* starttls */
	fail = have && served.mode != POLICY_MODE_ENFORCE ? CHECK_WARNING :
	    CHECK_CRITICAL;
	for (i = 0; env->smtp && d->hosts != NULL && i < d->nmx; i++) {
		if (d->hosts[i] == SIZE_MAX)
			check_add(r, CHECK_UNKNOWN, "starttls", "%s: not "
			    "checked: out of memory", d->mx[i]);
		else if (!run->host[d->hosts[i]]->ran)
			check_add(r, CHECK_UNKNOWN, "starttls", "%s: not "
			    "checked: the %d s deadline passed before its turn",
			    d->mx[i], run->timeout_s);
		else
			check_report_starttls(run, run->host[d->hosts[i]],
			    fail, r);
	}

	/* dane */
	check_report_dane(run, d, have ? &served : NULL, r);

	policy_clear(&served);
	idstate_clear(&st);
}

void
check_run(const struct check_env *env, struct check_report *r, size_t n)
{
	struct check_run	 run;
	struct check_dom	*d;
	pthread_t		 tid[CHECK_THREADS];
	size_t			 i, k, nt = 0;
	int			 timeout_ms;

	memset(&run, 0, sizeof(run));
	run.env = env;
	timeout_ms = env->timeout_ms > 0 ? env->timeout_ms :
	    CHECK_TIMEOUT_S * 1000;
	run.timeout_s = (timeout_ms + 999) / 1000;
	run.deadline = clock_ms() + timeout_ms;
	run.ndom = n;
	if (n == 0)
		return;
	if ((run.dom = xcalloc(n, sizeof(*run.dom))) == NULL ||
	    pthread_mutex_init(&run.mu, NULL) != 0) {
		free(run.dom);
		for (i = 0; i < n; i++)
			check_add(&r[i], CHECK_UNKNOWN, "check", "not checked: "
			    "out of memory");
		return;
	}
	(void)pthread_cond_init(&run.cv, NULL);
	for (i = 0; i < n; i++) {
		d = &run.dom[i];
		d->r = &r[i];
		(void)snprintf(d->txtname, sizeof(d->txtname), "_mta-sts.%s",
		    r[i].domain);
		(void)snprintf(d->rptname, sizeof(d->rptname), "_smtp._tls.%s",
		    r[i].domain);
		(void)snprintf(d->host, sizeof(d->host), "mta-sts.%s",
		    r[i].domain);
		d->q[0].name = d->txtname;
		d->q[0].type = DNS_TYPE_TXT;
		d->q[1].name = r[i].domain;
		d->q[1].type = DNS_TYPE_MX;
		d->q[2].name = d->rptname;
		d->q[2].type = DNS_TYPE_TXT;
		d->q[3].name = d->host;
		d->q[3].type = DNS_TYPE_A;
		d->q[4].name = d->host;
		d->q[4].type = DNS_TYPE_AAAA;
		for (k = 0; k < 5; k++)
			d->q[k].res.rc = DNS_TEMPFAIL;
		fetch_result_init(&d->fetch);
		(void)check_enqueue(&run, CHECK_JOB_DOMAIN, i);
		(void)check_enqueue(&run, CHECK_JOB_POLICY, i);
	}

	/* Workers for the jobs; this thread is one of them. */
	for (nt = 0; nt < CHECK_THREADS - 1 && nt < 5 * n; nt++)
		if (pthread_create(&tid[nt], NULL, check_worker, &run) != 0)
			break;
	(void)check_worker(&run);
	for (i = 0; i < nt; i++)
		(void)pthread_join(tid[i], NULL);

	for (i = 0; i < n; i++)
		check_report_domain(&run, &run.dom[i]);

	for (i = 0; i < n; i++) {
		d = &run.dom[i];
		for (k = 0; k < 5; k++)
			dns_result_clear(&d->q[k].res);
		check_free_list(d->mx, d->nmx);
		free(d->hosts);
		fetch_result_clear(&d->fetch);
	}
	for (i = 0; i < run.nhost; i++) {
		for (k = 0; k < 3; k++)
			dns_result_clear(&run.host[i]->q[k].res);
		fetch_result_clear(&run.host[i]->probe);
		free(run.host[i]);
	}
	free(run.host);
	free(run.jobs);
	free(run.dom);
	(void)pthread_cond_destroy(&run.cv);
	(void)pthread_mutex_destroy(&run.mu);
}

void
check_domain(const struct check_env *env, const char *domain,
    struct check_report *r)
{
	(void)domain;	/* r->domain, from check_report_init() */
	check_run(env, r, 1);
}

int
check_render(const struct check_report *r, size_t n, enum check_format f,
    struct buf *out)
{
	enum check_sev	 all = CHECK_OK;
	size_t		 i, j, cnt[CHECK__MAX];

	for (i = 0; i < n; i++)
		all = check_worse(all, r[i].status);
	if (f == CHECK_FORMAT_JSON && buf_printf(out,
	    "{\"status\":\"%s\",\"domains\":[", check_sev_name(all)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memset(cnt, 0, sizeof(cnt));
		for (j = 0; j < r[i].n; j++)
			cnt[r[i].f[j].sev]++;
		if (f == CHECK_FORMAT_TEXT) {
			if (buf_printf(out, "%s: %s (%zu critical, %zu warning, "
			    "%zu unknown)\n", r[i].domain,
			    check_sev_name(r[i].status), cnt[CHECK_CRITICAL],
			    cnt[CHECK_WARNING], cnt[CHECK_UNKNOWN]) == -1)
				return -1;
			for (j = 0; j < r[i].n; j++)
				if (buf_printf(out, "  %s %s: %s\n",
				    check_sev_name(r[i].f[j].sev),
				    r[i].f[j].name, r[i].f[j].msg) == -1)
					return -1;
			continue;
		}
		if (buf_printf(out, "%s{\"domain\":", i > 0 ? "," : "") == -1 ||
		    buf_json_str(out, r[i].domain) == -1 ||
		    buf_printf(out, ",\"status\":\"%s\",\"findings\":[",
		    check_sev_name(r[i].status)) == -1)
			return -1;
		for (j = 0; j < r[i].n; j++)
			if (buf_printf(out, "%s{\"check\":", j > 0 ? "," : "") ==
			    -1 || buf_json_str(out, r[i].f[j].name) == -1 ||
			    buf_printf(out, ",\"severity\":\"%s\",\"message\":",
			    check_sev_name(r[i].f[j].sev)) == -1 ||
			    buf_json_str(out, r[i].f[j].msg) == -1 ||
			    buf_puts(out, "}") == -1)
				return -1;
		if (buf_puts(out, "]}") == -1)
			return -1;
	}
	if (f == CHECK_FORMAT_JSON && buf_puts(out, "]}\n") == -1)
		return -1;
	return 0;
}
