#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "host.h"
#include "log.h"
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
		log_warnx("out of memory");
		*len = sizeof(request_fatal) - 1;
		return request_fatal;
	}
	response_init(&resp);
	request_handle(srv, req, &resp);
	rc = response_serialize(&resp, request_is_head(req), out);
	response_free(&resp);
	if (rc == -1) {
		log_warnx("cannot build the response (out of memory)");
		*len = sizeof(request_fatal) - 1;
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
	return strcmp(req->path_info, REQUEST_PATH + slen) == 0;
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
		log_warnx("%s: %s: invalid override, not served: %s", host,
		    domain, err);
		response_text(resp, 503, "the policy override for %s is "
		    "invalid; see the server log", domain);
		return;
	}
	response_policy(resp, &p);
	policy_clear(&p);
}

/* Serve a policy built from the DNS. */
static void
request_dns(struct server *srv, const char *host, const char *domain,
    const struct conf_policy *pol, int optin, struct response *resp)
{
	struct resolve_outcome	 out;
	struct policy		 p;
	struct dns		*dns;
	char			 err[1024];

	if ((dns = server_dns(srv, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s: resolver: %s", host, domain, err);
		response_text(resp, 500, "server configuration error; see "
		    "the server log");
		return;
	}
	policy_init(&p);
	resolve_policy(dns, domain, pol, optin, RESOLVE_TIMEOUT_MS, &p, &out);
	switch (out.rc) {
	case RESOLVE_OK:
		response_policy(resp, &p);
		break;
	case RESOLVE_NOPOLICY:
		log_info("%s: %s", host, out.log);
		response_text(resp, 404, "%s", out.msg);
		break;
	default:
		log_warnx("%s: %s", host, out.log);
		response_text(resp, 503, "%s", out.msg);
		break;
	}
	policy_clear(&p);
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

	if ((conf = server_conf(srv, req->conf_path, err,
	    sizeof(err))) == NULL) {
		log_warnx("configuration error, nothing served: %s", err);
		response_text(resp, 500, "server configuration error; see "
		    "the server log");
		return;
	}

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

	if (conf->ndomains > 0 &&
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
		request_dns(srv, host, domain, pol, d == NULL, resp);
}
