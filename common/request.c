#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "conf.h"
#include "host.h"
#include "mlog.h"
#include "override.h"
#include "policy.h"
#include "buf.h"
#include "request.h"
#include "resolve.h"
#include "response.h"
#include "server.h"

/* Used when even the error answer cannot be built. */
static const char	request_fatal[] = "Status: 500 Internal Server Error\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "Content-Length: 15\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "\r\n"
    "internal error\n";
/* Its length without the body, for HEAD. */
#define REQUEST_FATAL_HEAD	(sizeof(request_fatal) - 1 - \
	    (sizeof("internal error\n") - 1))

void
request_from_vars(struct request *req,
    const char *(*get)(const char *, void *), void *arg)
{
	req->method = get("REQUEST_METHOD", arg);
	req->host = get("HTTP_HOST", arg);
	req->server_name = get("SERVER_NAME", arg);
	req->request_uri = get("REQUEST_URI", arg);
	req->script_name = get("SCRIPT_NAME", arg);
	req->path_info = get("PATH_INFO", arg);
	req->conf_path = get("MTA_STS_CONF", arg);
}

const char *
request_respond(struct server *srv, const struct request *req,
    struct buf *out, size_t *len)
{
	struct response	 resp;
	int		 rc;

	buf_reset(out);
	if (srv == NULL) {
		mlog_warnx("out of memory");
		*len = request_is_head(req) ? REQUEST_FATAL_HEAD :
		    sizeof(request_fatal) - 1;
		return request_fatal;
	}
	response_init(&resp);
	request_handle(srv, req, &resp);
	rc = response_serialize(&resp, request_is_head(req), out);
	response_free(&resp);
	if (rc == -1) {
		mlog_warnx("cannot build the response (out of memory)");
		*len = request_is_head(req) ? REQUEST_FATAL_HEAD :
		    sizeof(request_fatal) - 1;
		return request_fatal;
	}
	*len = out->len;
	return out->data;
}

int
request_is_head(const struct request *req)
{
	return req->method != NULL && strcmp(req->method, "HEAD") == 0;
}

int
request_path_ok(const struct request *req)
{
	const char	*q;
	size_t		 len, slen;

	if (req->request_uri != NULL) {
		q = strchr(req->request_uri, '?');
		len = q != NULL ? (size_t)(q - req->request_uri) :
		    strlen(req->request_uri);
		return len == strlen(REQUEST_PATH) &&
		    memcmp(req->request_uri, REQUEST_PATH, len) == 0;
	}
	if (req->script_name == NULL)
		return 0;
	slen = strlen(req->script_name);
	if (slen > strlen(REQUEST_PATH) ||
	    memcmp(req->script_name, REQUEST_PATH, slen) != 0)
		return 0;
	if (req->path_info == NULL)
		return slen == strlen(REQUEST_PATH);
	return strcmp(req->path_info, &REQUEST_PATH[slen]) == 0;
}

/* Serve a policy from a local override file. */
static void
request_override(const char *host, const char *domain, const char *path,
    struct response *resp)
{
	struct policy	 p;
	char		 err[1024];

	policy_init(&p);
	if (override_load(path, &p, err, sizeof(err)) == -1) {
		mlog_warnx("%s: %s: invalid override, not served: %s", host,
		    domain, err);
		response_text(resp, 503, "the policy override for %s is "
		    "invalid; see the server log", domain);
		return;
	}
	response_policy(resp, &p);
	policy_clear(&p);
}

/*
 * A remembered outcome may answer this request only when it was made
 * under the same rules: the same opt-in check, and DNSSEC-secure unless
 * the domain allows insecure answers.
 */
static int
entry_fits(const struct cache_entry *e, const struct conf_policy *pol,
    int optin)
{
	return e->optin == optin &&
	    (e->secure || pol->dnssec == CONF_DNSSEC_ALLOW_INSECURE);
}

/*
 * Answer from a DNS outcome, with today's mode and max_age, unless an MX
 * host falls outside the domain's mx_allow list: then nothing is published
 * (a defence for zones without DNSSEC against a forged MX set).
 */
static void
answer_entry(struct response *resp, const struct cache_entry *e,
    const struct conf_policy *pol, const char *host, const char *domain)
{
	struct policy	 p;
	size_t		 i;

	if (e->rc != RESOLVE_OK) {
		response_text(resp, 404, "%s", e->msg != NULL ? e->msg :
		    "no MTA-STS policy");
		return;
	}
	for (i = 0; i < e->pol.nmx; i++)
		if (!conf_mx_allowed(pol, e->pol.mx[i])) {
			mlog_warnx("%s: %s: MX host %s is not in mx_allow; "
			    "policy withheld", host, domain, e->pol.mx[i]);
			response_text(resp, 503, "MX host %s of %s is not "
			    "allowed by this server's mx_allow list",
			    e->pol.mx[i], domain);
			return;
		}
	p = e->pol;		/* borrows the mx array; not freed here */
	p.mode = pol->mode;
	p.max_age = pol->max_age;
	response_policy(resp, &p);
}

/* Remember a fresh outcome in memory and, when configured, on disk. */
static void
remember(struct server *srv, const struct conf *conf, const char *domain,
    const struct cache_entry *e)
{
	struct cache	*cache;
	char		 why[512];

	if ((cache = server_cache(srv)) != NULL)
		(void)cache_put(cache, domain, e, e->stored);
	if (conf->cache_dir != NULL &&
	    cache_write(conf->cache_dir, domain, e, why, sizeof(why)) == -1)
		mlog_warnx("%s: cache not written: %s", domain, why);
}

/*
 * Serve a policy built from the DNS: from the cache while the answers'
 * TTL lasts, else from a new lookup; when that fails temporarily, from a
 * cached policy no older than stale_max.
 */
static void
request_dns(struct server *srv, const struct conf *conf, const char *host,
    const char *domain, const struct conf_policy *pol, int optin,
    struct response *resp)
{
	struct resolve_outcome	 out;
	struct cache_entry	 disk, fresh;
	const struct cache_entry *have = NULL, *e;
	struct cache		*cache;
	struct dns		*dns;
	int64_t			 now;
	uint32_t		 ttl;
	char			 err[1024];

	now = (int64_t)time(NULL);
	cache_entry_init(&disk);
	cache_entry_init(&fresh);
	cache = server_cache(srv);
	if (cache != NULL && (e = cache_get(cache, domain)) != NULL &&
	    entry_fits(e, pol, optin))
		have = e;
	else if (conf->cache_dir != NULL) {
		if (cache_read(conf->cache_dir, domain, &disk, err,
		    sizeof(err)) == 0) {
			if (entry_fits(&disk, pol, optin))
				have = &disk;
		} else if (err[0] != '\0')
			mlog_warnx("%s: cache entry ignored: %s", domain, err);
	}
	if (have != NULL && now < have->expires) {
		answer_entry(resp, have, pol, host, domain);
		if (have == &disk && cache != NULL)
			(void)cache_put(cache, domain, &disk, now);
		goto out;
	}

	if ((dns = server_dns(srv, err, sizeof(err))) == NULL) {
		mlog_warnx("%s: %s: resolver: %s", host, domain, err);
		response_text(resp, 500, "server configuration error; see "
		    "the server log");
		goto out;
	}
	resolve_policy(dns, domain, pol, optin, RESOLVE_TIMEOUT_MS,
	    &fresh.pol, &out);
	if (out.rc == RESOLVE_OK || out.rc == RESOLVE_NOPOLICY) {
		fresh.rc = out.rc;
		fresh.secure = out.secure;
		fresh.optin = optin;
		fresh.stored = now;
		ttl = out.ttl < conf->cache_max_ttl ? out.ttl :
		    (uint32_t)conf->cache_max_ttl;
		fresh.expires = now + ttl;
		if (out.rc == RESOLVE_NOPOLICY &&
		    cache_entry_set_msg(&fresh, out.msg) == -1) {
			response_text(resp, 503, "out of memory");
			goto out;
		}
		if (out.rc == RESOLVE_NOPOLICY)
			mlog_info("%s: %s", host, out.log);
		answer_entry(resp, &fresh, pol, host, domain);
		/* After the answer: remember() may replace *have. */
		remember(srv, conf, domain, &fresh);
		goto out;
	}
	if (out.tempfail && have != NULL && have->rc == RESOLVE_OK &&
	    now - have->stored <= (int64_t)conf->stale_max) {
		mlog_warnx("%s: %s; serving the policy looked up %lld s ago "
		    "(stale_max %lu)", host, out.log,
		    (long long)(now - have->stored), conf->stale_max);
		answer_entry(resp, have, pol, host, domain);
		goto out;
	}
	mlog_warnx("%s: %s", host, out.log);
	response_text(resp, 503, "%s", out.msg);
 out:
	cache_entry_clear(&fresh);
	cache_entry_clear(&disk);
}

void
request_handle(struct server *srv, const struct request *req,
    struct response *resp)
{
	const struct conf	*conf;
	const struct conf_domain *d = NULL;
	const struct conf_policy *pol;
	const char		*hosthdr;
	char			 domain[HOST_NAME_SIZE];
	char			 host[HOST_NAME_SIZE + 8];
	char			 err[1024];

	hosthdr = req->host != NULL ? req->host : req->server_name;
	switch (host_policy_domain(hosthdr, domain, sizeof(domain))) {
	case HOST_OK:
		break;
	case HOST_OTHER:
		response_text(resp, 404, "not an MTA-STS policy host");
		return;
	default:
		response_text(resp, 400, "invalid Host header");
		return;
	}
	(void)snprintf(host, sizeof(host), "mta-sts.%s", domain);

	if ((conf = server_conf(srv, req->conf_path, domain, err,
	    sizeof(err))) == NULL) {
		mlog_warnx("configuration error, nothing served: %s", err);
		response_text(resp, 500, "server configuration error; see "
		    "the server log");
		return;
	}
	if (conf->nlisted > 0 &&
	    (d = conf_domain_find(conf, domain)) == NULL) {
		response_text(resp, 404, "no MTA-STS policy is served for %s",
		    domain);
		return;
	}
	if (!request_path_ok(req)) {
		response_text(resp, 404, "not found; the policy is at "
		    "%s", REQUEST_PATH);
		return;
	}
	if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)) {
		response_text(resp, 405, "method not allowed; use GET or HEAD");
		return;
	}

	pol = conf_policy_for(conf, d);
	if (pol->override != NULL)
		request_override(host, domain, pol->override, resp);
	else
		request_dns(srv, conf, host, domain, pol, d == NULL, resp);
}
