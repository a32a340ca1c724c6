#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "dns.h"
#include "fetch.h"
#include "host.h"
#include "idstate.h"
#include "policy.h"
#include "rdata.h"
#include "summary.h"
#include "xmalloc.h"

#define CHECK_PATH	"/.well-known/mta-sts.txt"
#define CHECK_TXT_SIZE	4096	/* one joined TXT record */
#define CHECK_DAY	86400

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
 * Split a "v=...; k=v; ..." record (RFC 8461 section 3.1, RFC 8460
 * section 3: fields separated by *WSP ";" *WSP, an optional trailing
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

/* 1 when every byte is in ranges the RFC allows for a field value. */
static int
check_value_ok(const char *v, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ';' || v[i] == '=')
			return 0;
	return 1;
}

#define CHECK_FIELDS_MAX	32

void
check_sts_txt(const char *name, char *const *txt, size_t n, char *id,
    size_t idsize, struct check_report *r)
{
	const char	*fn[CHECK_FIELDS_MAX], *fv[CHECK_FIELDS_MAX];
	size_t		 fnl[CHECK_FIELDS_MAX], fvl[CHECK_FIELDS_MAX];
	size_t		 i, j, nsts = 0, nother = 0, sts = 0, nid;
	int		 nf;
	const char	*idv = NULL;
	size_t		 idl = 0;

	id[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strncmp(txt[i], "v=STSv1;", 8) == 0) {
			nsts++;
			sts = i;
		} else
			nother++;
	}
	if (nsts == 0) {
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
	nf = check_fields(txt[sts], fn, fnl, fv, fvl, CHECK_FIELDS_MAX);
	if (nf < 2) {
		check_add(r, CHECK_CRITICAL, "txt", "%s: \"%.120s\": malformed "
		    "record (want \"v=STSv1; id=...\")", name, txt[sts]);
		return;
	}
	for (i = 1, nid = 0; i < (size_t)nf; i++) {
		if (check_is(fn[i], fnl[i], "id")) {
			nid++;
			idv = fv[i];
			idl = fvl[i];
			continue;
		}
		/* Extension fields: 1*32 ALPHA / DIGIT / "_" / "-" / "." */
		for (j = 0; j < fnl[i]; j++)
			if (!((fn[i][j] >= 'a' && fn[i][j] <= 'z') ||
			    (fn[i][j] >= 'A' && fn[i][j] <= 'Z') ||
			    (fn[i][j] >= '0' && fn[i][j] <= '9') ||
			    strchr("_-.", fn[i][j]) != NULL))
				break;
		if (j < fnl[i] || fnl[i] > 32 || !check_value_ok(fv[i],
		    fvl[i])) {
			check_add(r, CHECK_CRITICAL, "txt", "%s: \"%.120s\": "
			    "malformed field \"%.*s\"", name, txt[sts],
			    (int)(fnl[i] > 40 ? 40 : fnl[i]), fn[i]);
			return;
		}
	}
	if (nid != 1) {
		check_add(r, CHECK_CRITICAL, "txt", "%s: \"%.120s\": %s id "
		    "field", name, txt[sts], nid == 0 ? "no" : "more than one");
		return;
	}
	for (j = 0; j < idl; j++)
		if (!((idv[j] >= 'a' && idv[j] <= 'z') ||
		    (idv[j] >= 'A' && idv[j] <= 'Z') ||
		    (idv[j] >= '0' && idv[j] <= '9')))
			break;
	if (idl == 0 || idl > 32 || j < idl) {
		check_add(r, CHECK_CRITICAL, "txt", "%s: invalid id \"%.*s\" "
		    "(want 1 to 32 letters and digits)", name,
		    (int)(idl > 64 ? 64 : idl), idv);
		return;
	}
	if (idsize > idl) {
		memcpy(id, idv, idl);
		id[idl] = '\0';
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
	if (dns_id[0] == '\0')
		return;		/* the txt check said why */
	if (strcmp(dns_id, st->id) != 0) {
		check_add(r, CHECK_CRITICAL, "id", "the DNS publishes id %s, "
		    "the state holds id %s: publish the record mta-sts-id "
		    "prints", dns_id, st->id);
		return;
	}
	check_add(r, CHECK_OK, "id", "id %s matches the state%s", st->id,
	    served != NULL ? " and the served policy" : "");
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

/*
 * Turn a DNS outcome other than DNS_OK into a finding.  Returns 1 when it
 * was handled (nothing more to check), 0 for DNS_OK.
 */
static int
check_dns_fail(const struct dns_result *res, const char *name,
    const char *check, enum check_sev absent, const char *absent_msg,
    struct check_report *r)
{
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
		check_add(r, CHECK_UNKNOWN, check, "%s: lookup failed: %s",
		    name, res->why[0] != '\0' ? res->why : "temporary failure");
		return 1;
	}
}

/*
 * The policy check: fetch and strictly parse the policy into served.
 * Returns 1 when served holds the policy.
 */
static int
check_fetch(const struct check_env *env, const char *host,
    struct policy *served, struct check_report *r)
{
	struct fetch_result	 res;
	char			 err[256];
	size_t			 line;
	int			 ok = 0;

	fetch_result_init(&res);
	if (fetch_get(host, CHECK_PATH, env->fopts, &res) == -1) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: %s",
		    host, CHECK_PATH, res.err);
		goto out;
	}
	if (res.status >= 300 && res.status < 400) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: %d %s, "
		    "a redirect to \"%s\", which senders do not follow", host,
		    CHECK_PATH, res.status, res.reason, res.location);
		goto out;
	}
	if (res.status != 200) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: %d %s, "
		    "not the policy", host, CHECK_PATH, res.status,
		    res.reason);
		goto out;
	}
	if (strncasecmp(res.content_type, "text/plain", 10) != 0 ||
	    (res.content_type[10] != '\0' && res.content_type[10] != ';' &&
	    res.content_type[10] != ' ')) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: "
		    "Content-Type \"%s\", senders want text/plain", host,
		    CHECK_PATH, res.content_type);
		goto out;
	}
	if (policy_parse(res.body.data != NULL ? res.body.data : "",
	    res.body.len, served, &line, err, sizeof(err)) == -1) {
		check_add(r, CHECK_CRITICAL, "policy", "https://%s%s: invalid "
		    "policy, line %zu: %s", host, CHECK_PATH, line, err);
		goto out;
	}
	check_add(r, CHECK_OK, "policy", "https://%s%s: mode %s, %zu mx, "
	    "max_age %lu (%zu bytes)", host, CHECK_PATH,
	    policy_mode_name(served->mode), served->nmx, served->max_age,
	    res.body.len);
	ok = 1;
 out:
	/* Only a verified certificate has a notAfter here. */
	if (res.not_after != 0)
		check_cert_expiry(host, res.not_after, env->now, r);
	fetch_result_clear(&res);
	return ok;
}

/* The starttls check of every MX host. */
static void
check_smtp(const struct check_env *env, char *const *mx, size_t nmx,
    const struct policy *served, struct check_report *r)
{
	struct fetch_result	 res;
	enum check_sev		 fail;
	int64_t			 left;
	size_t			 i;

	fail = served != NULL && served->mode != POLICY_MODE_ENFORCE ?
	    CHECK_WARNING : CHECK_CRITICAL;
	fetch_result_init(&res);
	for (i = 0; i < nmx; i++) {
		if (fetch_starttls(mx[i], env->fopts, &res) == -1) {
			check_add(r, fail, "starttls", "%s: %s", mx[i],
			    res.err);
			continue;
		}
		left = res.not_after - env->now;
		if (res.not_after != 0 &&
		    left < (int64_t)CHECK_CERT_WARN_DAYS * CHECK_DAY)
			check_add(r, left < (int64_t)CHECK_CERT_CRIT_DAYS *
			    CHECK_DAY ? CHECK_CRITICAL : CHECK_WARNING,
			    "starttls", "%s: %s, certificate expires in %lld "
			    "days; renew it", mx[i], res.tls_version,
			    (long long)(left / CHECK_DAY));
		else
			check_add(r, CHECK_OK, "starttls", "%s: STARTTLS, %s, "
			    "certificate verified (%s)", mx[i],
			    res.tls_version, res.peer);
	}
	fetch_result_clear(&res);
}

static int
check_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The live MX hosts of res (DNS_OK) into a new list; implicit MX too. */
static char **
check_mx_list(const struct dns_result *res, const char *domain, size_t *n,
    struct check_report *r)
{
	char		**v, name[RDATA_NAME_SIZE];
	uint16_t	  pref;
	size_t		  i, j;

	*n = 0;
	if ((v = xcalloc(res->n + 1, sizeof(*v))) == NULL)
		return NULL;
	if (res->rc != DNS_OK) {
		/* RFC 5321 section 5.1: the domain itself is the MX. */
		if ((v[0] = xstrdup(domain)) != NULL)
			*n = 1;
		return v;
	}
	for (i = 0; i < res->n; i++) {
		if (rdata_mx_parse(res->data[i], res->len[i], &pref, name,
		    sizeof(name)) == -1 || (name[0] != '\0' &&
		    !host_valid(name, strlen(name)))) {
			check_add(r, CHECK_CRITICAL, "mx", "%s: malformed MX "
			    "record", domain);
			continue;
		}
		if (name[0] == '\0') {
			check_add(r, CHECK_WARNING, "mx", "%s: Null MX (RFC "
			    "7505): the domain takes no mail, MTA-STS has no "
			    "use", domain);
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

void
check_domain(const struct check_env *env, const char *domain,
    struct check_report *r)
{
	struct dns_query	 q[3];
	struct idstate		 st;
	struct policy		 served;
	enum idstate_load_rc	 lrc;
	char			 txtname[HOST_NAME_SIZE + 16];
	char			 rptname[HOST_NAME_SIZE + 16];
	char			 host[HOST_NAME_SIZE + 16];
	char			 id[IDSTATE_ID_SIZE], err[1024];
	char			**txt = NULL, **mx = NULL;
	size_t			 ntxt = 0, nmx = 0, i;
	int			 have = 0, bad;

	idstate_init(&st);
	policy_init(&served);
	memset(q, 0, sizeof(q));
	id[0] = '\0';
	(void)snprintf(txtname, sizeof(txtname), "_mta-sts.%s", domain);
	(void)snprintf(rptname, sizeof(rptname), "_smtp._tls.%s", domain);
	(void)snprintf(host, sizeof(host), "mta-sts.%s", domain);
	q[0].name = txtname;
	q[0].type = DNS_TYPE_TXT;
	q[1].name = domain;
	q[1].type = DNS_TYPE_MX;
	q[2].name = rptname;
	q[2].type = DNS_TYPE_TXT;
	dns_run(env->dns, q, 3, env->timeout_ms);

	/* txt */
	if (!check_dns_fail(&q[0].res, txtname, "txt", CHECK_CRITICAL,
	    "no TXT record; senders do not look for a policy", r)) {
		txt = check_txt_list(&q[0].res, &ntxt, &bad);
		if (bad > 0)
			check_add(r, CHECK_CRITICAL, "txt", "%s: %d malformed "
			    "TXT record%s", txtname, bad, bad > 1 ? "s" : "");
		check_sts_txt(txtname, txt != NULL ? txt : (char *[]){ NULL },
		    ntxt, id, sizeof(id), r);
	}

	/* policy and cert */
	if (!host_valid(host, strlen(host)))
		check_add(r, CHECK_CRITICAL, "policy", "%s is too long for a "
		    "host name", host);
	else
		have = check_fetch(env, host, &served, r);

	/* id */
	lrc = idstate_load(env->state_dir, domain, &st, err, sizeof(err));
	if (lrc == IDSTATE_LOAD_ERROR)
		check_add(r, CHECK_UNKNOWN, "id", "%s", err);
	else
		check_state(lrc == IDSTATE_LOAD_OK ? &st : NULL, id,
		    have ? &served : NULL, r);

	/* mx */
	if (q[1].res.rc == DNS_BOGUS || q[1].res.rc == DNS_TEMPFAIL)
		(void)check_dns_fail(&q[1].res, domain, "mx", CHECK_OK, "", r);
	else if (q[1].res.rc == DNS_NXDOMAIN)
		check_add(r, CHECK_CRITICAL, "mx", "%s: the domain does not "
		    "exist", domain);
	else {
		if (!q[1].res.secure)
			check_add(r, CHECK_WARNING, "mx", "%s: the MX records "
			    "are not DNSSEC-signed (insecure): a forged MX set "
			    "cannot be told from the real one",
			    domain);
		mx = check_mx_list(&q[1].res, domain, &nmx, r);
		if (have && served.mode != POLICY_MODE_NONE && mx != NULL)
			check_policy_mx(&served, mx, nmx, r);
	}

	/* mode, max_age */
	if (have)
		check_policy_settings(&served, r);

	/* tlsrpt */
	if (!check_dns_fail(&q[2].res, rptname, "tlsrpt", CHECK_WARNING,
	    "no TLS-RPT record; senders cannot report TLS failures to you "
	    "(RFC 8460)", r)) {
		check_free_list(txt, ntxt);
		txt = check_txt_list(&q[2].res, &ntxt, &bad);
		check_tlsrpt_txt(rptname, txt != NULL ? txt :
		    (char *[]){ NULL }, ntxt, r);
	}

	/* reports */
	if (env->conf != NULL)
		summary_check(env->conf, domain, env->report_days, env->now,
		    have ? &served : NULL, lrc == IDSTATE_LOAD_OK ? &st : NULL,
		    r);

	/* starttls */
	if (env->smtp && mx != NULL)
		check_smtp(env, mx, nmx, have ? &served : NULL, r);

	check_free_list(txt, ntxt);
	check_free_list(mx, nmx);
	for (i = 0; i < 3; i++)
		dns_result_clear(&q[i].res);
	policy_clear(&served);
	idstate_clear(&st);
}

/* Append s to out as a JSON string. */
static int
check_json_str(struct buf *out, const char *s)
{
	if (buf_puts(out, "\"") == -1)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			if (buf_printf(out, "\\%c", *s) == -1)
				return -1;
		} else if ((unsigned char)*s < 0x20) {
			if (buf_printf(out, "\\u%04x", (unsigned char)*s) == -1)
				return -1;
		} else if (buf_add(out, s, 1) == -1)
			return -1;
	}
	return buf_puts(out, "\"");
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
		    check_json_str(out, r[i].domain) == -1 ||
		    buf_printf(out, ",\"status\":\"%s\",\"findings\":[",
		    check_sev_name(r[i].status)) == -1)
			return -1;
		for (j = 0; j < r[i].n; j++)
			if (buf_printf(out, "%s{\"check\":", j > 0 ? "," : "") ==
			    -1 || check_json_str(out, r[i].f[j].name) == -1 ||
			    buf_printf(out, ",\"severity\":\"%s\",\"message\":",
			    check_sev_name(r[i].f[j].sev)) == -1 ||
			    check_json_str(out, r[i].f[j].msg) == -1 ||
			    buf_puts(out, "}") == -1)
				return -1;
		if (buf_puts(out, "]}") == -1)
			return -1;
	}
	if (f == CHECK_FORMAT_JSON && buf_puts(out, "]}\n") == -1)
		return -1;
	return 0;
}
