#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "host.h"
#include "policy.h"
#include "rdata.h"
#include "resolve.h"
#include "ststxt.h"
#include "xmalloc.h"


static void __attribute__((format(printf, 3, 4)))
outcome_set(struct resolve_outcome *out, enum resolve_rc rc,
    const char *fmt, ...)
{
	va_list	 ap;

	out->rc = rc;
	va_start(ap, fmt);
	(void)vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
outcome_log(struct resolve_outcome *out, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(out->log, sizeof(out->log), fmt, ap);
	va_end(ap);
}

static void
note_ttl(struct resolve_outcome *out, const struct dns_result *r)
{
	if (r->ttl < out->ttl)
		out->ttl = r->ttl;
	if (!r->secure)
		out->secure = 0;
}

/*
 * The failures every lookup shares: bogus and temporary failure (503), and
 * an insecure answer when the domain requires DNSSEC (503 with the fix).
 * Returns 1 when out was set and the caller must stop.
 */
static int
check_common(const char *domain, const char *what,
    const struct dns_result *r, const struct conf_policy *pol,
    struct resolve_outcome *out)
{
	switch (r->rc) {
	case DNS_BOGUS:
		outcome_set(out, RESOLVE_UNAVAILABLE, "DNSSEC validation "
		    "failed for %s; the policy cannot be trusted", what);
		outcome_log(out, "%s: %s: DNSSEC bogus: %s", domain, what,
		    r->why);
		return 1;
	case DNS_TEMPFAIL:
		out->tempfail = 1;
		outcome_set(out, RESOLVE_UNAVAILABLE, "DNS lookup of %s "
		    "failed temporarily; try again later", what);
		outcome_log(out, "%s: %s: temporary DNS failure: %s", domain,
		    what, r->why);
		return 1;
	default:
		break;
	}
	if (!r->secure && pol->dnssec == CONF_DNSSEC_REQUIRE) {
		outcome_set(out, RESOLVE_UNAVAILABLE, "%s is not DNSSEC-signed "
		    "(insecure) and this server requires DNSSEC: sign the "
		    "zone, set \"dnssec: allow-insecure\" for %s, or serve an "
		    "override file", what, domain);
		outcome_log(out, "%s: %s: insecure answer refused "
		    "(dnssec: require)", domain, what);
		return 1;
	}
	return 0;
}

/*
 * The opt-in rule of RFC 8461 section 3.1 over the TXT records in r:
 * records not beginning with "v=STSv1" are discarded, exactly one must
 * remain and it must be valid.  Returns ststxt_select()'s verdict, why
 * set unless STSTXT_OK.
 */
static enum ststxt_rc
txt_opted_in(const struct dns_result *r, char *why, size_t whylen)
{
	char		**txt;
	char		  id[STSTXT_ID_SIZE];
	enum ststxt_rc	  rc = STSTXT_INVALID;
	size_t		  i, n = 0;

	/* The joined text of a record is shorter than its rdata. */
	if ((txt = xcalloc(r->n + 1, sizeof(*txt))) == NULL)
		goto nomem;
	for (n = 0; n < r->n; n++) {
		if ((txt[n] = xmalloc(r->len[n] + 1)) == NULL)
			goto nomem;
		if (rdata_txt_join(r->data[n], r->len[n], txt[n],
		    r->len[n] + 1) < 0)
			txt[n][0] = '\0';	/* malformed: not an STS record */
	}
	rc = ststxt_select(txt, n, id, sizeof(id), NULL, why, whylen);
	goto out;
 nomem:
	(void)snprintf(why, whylen, "out of memory");
 out:
	for (i = 0; txt != NULL && i < n; i++)
		free(txt[i]);
	free(txt);
	return rc;
}

/* Turn the MX rdata into mx lines.  Returns 0 or 1 (out set). */
static int
mx_to_policy(const char *domain, const char *what,
    const struct dns_result *r, struct policy *p,
    struct resolve_outcome *out)
{
	char		 name[RDATA_NAME_SIZE];
	uint16_t	 pref;
	size_t		 i;
	int		 nullmx = 0;

	for (i = 0; i < r->n; i++) {
		if (rdata_mx_parse(r->data[i], r->len[i], &pref, name,
		    sizeof(name)) == -1) {
			outcome_set(out, RESOLVE_UNAVAILABLE, "the MX records "
			    "of %s are malformed", domain);
			outcome_log(out, "%s: %s: malformed MX rdata "
			    "(%zu bytes)", domain, what, r->len[i]);
			return 1;
		}
		if (name[0] == '\0') {
			nullmx++;
			continue;
		}
		if (!host_valid(name, strlen(name))) {
			outcome_set(out, RESOLVE_UNAVAILABLE, "MX host \"%s\" "
			    "of %s is not a valid hostname", name, domain);
			outcome_log(out, "%s: %s: MX host \"%s\" is not a "
			    "valid hostname", domain, what, name);
			return 1;
		}
		if (policy_add_mx(p, name, strlen(name)) == -1) {
			outcome_set(out, RESOLVE_UNAVAILABLE, "cannot build "
			    "the policy for %s", domain);
			outcome_log(out, "%s: %s: cannot add MX host \"%s\" "
			    "(too many hosts or out of memory)", domain, what,
			    name);
			return 1;
		}
	}
	if (nullmx > 0 && p->nmx == 0) {
		outcome_set(out, RESOLVE_NOPOLICY, "%s accepts no mail "
		    "(Null MX, RFC 7505)", domain);
		outcome_log(out, "%s: Null MX: no policy", domain);
		return 1;
	}
	if (nullmx > 0) {
		/* RFC 7505 section 3: a Null MX must stand alone. */
		outcome_set(out, RESOLVE_UNAVAILABLE, "%s mixes a Null MX with "
		    "other MX records; fix the zone", domain);
		outcome_log(out, "%s: %s: Null MX mixed with other MX records",
		    domain, what);
		return 1;
	}
	return 0;
}

void
resolve_policy(struct dns *dns, const char *domain,
    const struct conf_policy *pol, int optin, int timeout_ms,
    struct policy *p, struct resolve_outcome *out)
{
	struct dns_query	 q[2];
	char			 txtname[HOST_NAME_SIZE + 16];
	char			 what[HOST_NAME_SIZE + 32];
	char			 why[256];
	long long		 start;
	size_t			 nq, i;
	int			 left, haveaddr;

	memset(out, 0, sizeof(*out));
	out->ttl = UINT32_MAX;
	out->secure = 1;
	memset(q, 0, sizeof(q));
	start = clock_ms();

	/* The MX set, and the opt-in TXT record in the same round trip. */
	(void)snprintf(what, sizeof(what), "%s MX", domain);
	q[0].name = domain;
	q[0].type = DNS_TYPE_MX;
	nq = 1;
	if (optin) {
		(void)snprintf(txtname, sizeof(txtname), "_mta-sts.%s", domain);
		q[1].name = txtname;
		q[1].type = DNS_TYPE_TXT;
		nq = 2;
	}
	dns_run(dns, q, nq, timeout_ms);

	if (optin) {
		switch (q[1].res.rc) {
		case DNS_NXDOMAIN:
		case DNS_NODATA:
			outcome_set(out, RESOLVE_NOPOLICY, "%s has not opted "
			    "in: no v=STSv1 TXT record at %s", domain, txtname);
			outcome_log(out, "%s: not opted in (%s TXT: %s)",
			    domain, txtname, dns_rc_name(q[1].res.rc));
			goto out;
		case DNS_BOGUS:
		case DNS_TEMPFAIL:
			(void)snprintf(what, sizeof(what), "%s TXT", txtname);
			(void)check_common(domain, what, &q[1].res, pol, out);
			goto out;
		default:
			break;
		}
		/*
		 * The opt-in record is consent to publish a policy, so it
		 * must be as trustworthy as the MX set: an insecure one is
		 * refused under "dnssec: require" like an insecure MX.
		 */
		(void)snprintf(what, sizeof(what), "%s TXT", txtname);
		if (check_common(domain, what, &q[1].res, pol, out))
			goto out;
		(void)snprintf(what, sizeof(what), "%s MX", domain);
		switch (txt_opted_in(&q[1].res, why, sizeof(why))) {
		case STSTXT_OK:
			break;
		case STSTXT_NOT_STS:
			outcome_set(out, RESOLVE_NOPOLICY, "%s has not opted "
			    "in: no v=STSv1 TXT record at %s", domain, txtname);
			outcome_log(out, "%s: not opted in (%s has no v=STSv1 "
			    "record)", domain, txtname);
			goto out;
		default:
			outcome_set(out, RESOLVE_NOPOLICY, "%s has not opted "
			    "in: the v=STSv1 TXT record at %s is not valid "
			    "(%s)", domain, txtname, why);
			outcome_log(out, "%s: not opted in (%s: %s)", domain,
			    txtname, why);
			goto out;
		}
		note_ttl(out, &q[1].res);
	}

	if (q[0].res.rc == DNS_NXDOMAIN) {
		note_ttl(out, &q[0].res);
		outcome_set(out, RESOLVE_NOPOLICY, "%s does not exist in the "
		    "DNS", domain);
		outcome_log(out, "%s: NXDOMAIN", domain);
		goto out;
	}
	if (check_common(domain, what, &q[0].res, pol, out))
		goto out;
	note_ttl(out, &q[0].res);
	if (q[0].res.rc == DNS_OK) {
		if (mx_to_policy(domain, what, &q[0].res, p, out))
			goto out;
		goto done;
	}

	/* No MX: RFC 5321 section 5.1 implicit MX, if there is an address. */
	for (i = 0; i < nq; i++)
		dns_result_clear(&q[i].res);
	q[0].name = domain;
	q[0].type = DNS_TYPE_A;
	q[1].name = domain;
	q[1].type = DNS_TYPE_AAAA;
	nq = 2;
	left = timeout_ms - (int)(clock_ms() - start);
	dns_run(dns, q, nq, left > 0 ? left : 0);
	haveaddr = 0;
	for (i = 0; i < 2; i++) {
		(void)snprintf(what, sizeof(what), "%s %s", domain,
		    i == 0 ? "A" : "AAAA");
		if (q[i].res.rc == DNS_NXDOMAIN || q[i].res.rc == DNS_NODATA)
			continue;
		if (check_common(domain, what, &q[i].res, pol, out))
			goto out;
		note_ttl(out, &q[i].res);
		haveaddr = 1;
	}
	if (!haveaddr) {
		outcome_set(out, RESOLVE_NOPOLICY, "%s has no MX and no address "
		    "records: it receives no mail", domain);
		outcome_log(out, "%s: no MX, no A, no AAAA: no policy", domain);
		goto out;
	}
	if (policy_add_mx(p, domain, strlen(domain)) == -1) {
		outcome_set(out, RESOLVE_UNAVAILABLE, "cannot build the policy "
		    "for %s", domain);
		outcome_log(out, "%s: cannot add implicit MX", domain);
		goto out;
	}

 done:
	policy_normalize(p);
	p->mode = pol->mode;
	p->max_age = pol->max_age;
	if (policy_rendered_size(p) > POLICY_MAX_SIZE) {
		outcome_set(out, RESOLVE_UNAVAILABLE, "the MX set of %s makes a "
		    "policy larger than %d bytes", domain, POLICY_MAX_SIZE);
		outcome_log(out, "%s: %zu MX hosts: policy larger than %d "
		    "bytes, not served", domain, p->nmx, POLICY_MAX_SIZE);
		goto out;
	}
	out->rc = RESOLVE_OK;
 out:
	for (i = 0; i < nq; i++)
		dns_result_clear(&q[i].res);
	if (out->rc != RESOLVE_OK)
		policy_clear(p);
	/*
	 * "No policy" built from a negative answer carries no TTL of its
	 * own (libunbound reports 0 without an answer record): remember it
	 * for RESOLVE_NEG_TTL, so a flood of requests for names that do not
	 * exist does not reach the resolver each time.
	 */
	if (out->rc == RESOLVE_NOPOLICY &&
	    (out->ttl == UINT32_MAX || out->ttl == 0))
		out->ttl = RESOLVE_NEG_TTL;
	if (out->ttl == UINT32_MAX)
		out->ttl = 0;
}
