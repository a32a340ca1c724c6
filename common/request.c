#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lookup.h"
#include "host.h"
#include "mlog.h"
#include "buf.h"
#include "request.h"
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
	req->query_string = get("QUERY_STRING", arg);
	req->ask = get("MTA_STS_ASK", arg);
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

/* Turn a lookup outcome into the answer. */
static void
request_answer(const struct lookup_result *res, struct response *resp)
{
	if (res->rc == LOOKUP_POLICY)
		response_policy(resp, &res->pol);
	else
		response_text(resp, lookup_status[res->rc], "%s", res->msg);
}

/*
 * The policy domain of name (a Host header, or the ask endpoint's domain
 * parameter) into domain and "mta-sts.<domain>" into host, and the lookup
 * context of the configuration, held.  NULL when resp is already the
 * answer: not an MTA-STS host (notours), garbage (400 badmsg), or a broken
 * configuration (500).
 */
static struct lookup *
request_start(struct server *srv, const struct request *req,
    const char *name, int notours, const char *badmsg,
    char domain[HOST_NAME_SIZE], char host[HOST_NAME_SIZE + 8],
    struct response *resp)
{
	struct lookup	*lk;
	char		 err[1024];

	switch (host_policy_domain(name, domain, HOST_NAME_SIZE)) {
	case HOST_OK:
		break;
	case HOST_OTHER:
		response_text(resp, notours, "not an MTA-STS policy host");
		return NULL;
	default:
		response_text(resp, 400, "%s", badmsg);
		return NULL;
	}
	(void)snprintf(host, HOST_NAME_SIZE + 8, "mta-sts.%s", domain);
	if ((lk = server_lookup(srv, req->conf_path, domain, err,
	    sizeof(err))) == NULL) {
		mlog_warnx("configuration error, nothing served: %s", err);
		response_text(resp, 500, "server configuration error; see "
		    "the server log");
	}
	return lk;
}

/*
 * Caddy's on-demand TLS asks "may I get a certificate for NAME?" with
 * ?domain=NAME.  Yes (200) only when a policy would be served for the host
 * NAME, found the same way, with the same caches and limits, as for a
 * policy request; 403 when not; 503 while the DNS fails.
 */
static void
request_ask(struct server *srv, const struct request *req,
    struct response *resp)
{
	struct lookup_result	 res;
	struct lookup		*lk;
	const char		*q, *v, *end;
	char			 name[HOST_NAME_SIZE + 16];
	char			 domain[HOST_NAME_SIZE];
	char			 host[HOST_NAME_SIZE + 8];
	size_t			 len;

	if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)) {
		response_text(resp, 405, "method not allowed; use GET or HEAD");
		return;
	}
	v = NULL;
	for (q = req->query_string; q != NULL && *q != '\0'; q = end) {
		end = q + strcspn(q, "&");
		if (strncmp(q, "domain=", 7) == 0) {
			v = q + 7;
			break;
		}
		if (*end == '&')
			end++;
	}
	if (v == NULL || (len = strcspn(v, "&")) == 0 ||
	    len >= sizeof(name)) {
		response_text(resp, 400, "expected ?domain=mta-sts.<domain>");
		return;
	}
	memcpy(name, v, len);
	name[len] = '\0';
	if ((lk = request_start(srv, req, name, 403,
	    "invalid domain parameter", domain, host, resp)) == NULL)
		return;
	lookup_policy(lk, host, domain, &res);
	if (res.rc == LOOKUP_POLICY)
		response_text(resp, 200, "yes");
	else if (lookup_status[res.rc] == 404 ||
	    res.rc == LOOKUP_MX_NOT_ALLOWED ||
	    res.rc == LOOKUP_OVERRIDE_INVALID)
		response_text(resp, 403, "%s", res.msg);
	else
		response_text(resp, lookup_status[res.rc], "%s", res.msg);
	lookup_result_clear(&res);
	lookup_release(lk);
}

void
request_handle(struct server *srv, const struct request *req,
    struct response *resp)
{
	struct lookup_result	 res;
	struct lookup		*lk;
	const char		*hosthdr;
	char			 domain[HOST_NAME_SIZE];
	char			 host[HOST_NAME_SIZE + 8];

	if (req->ask != NULL && *req->ask != '\0' &&
	    strcmp(req->ask, "0") != 0) {
		request_ask(srv, req, resp);
		return;
	}
	hosthdr = req->host != NULL ? req->host : req->server_name;
	if ((lk = request_start(srv, req, hosthdr, 404, "invalid Host header",
	    domain, host, resp)) == NULL)
		return;
	if (!lookup_served(lk, domain))
		response_text(resp, 404, "no MTA-STS policy is served for %s",
		    domain);
	else if (!request_path_ok(req))
		response_text(resp, 404, "not found; the policy is at "
		    "%s", REQUEST_PATH);
	else if (req->method == NULL || (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0))
		response_text(resp, 405, "method not allowed; use GET or HEAD");
	else {
		lookup_policy(lk, host, domain, &res);
		request_answer(&res, resp);
		lookup_result_clear(&res);
	}
	lookup_release(lk);
}
