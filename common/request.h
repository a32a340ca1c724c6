/*
 * request: one HTTP request, as the CGI/FastCGI meta-variables describe it,
 * turned into one response.  No I/O of its own: the configuration and the
 * resolver come from the server module.
 *
 * The order of the checks is fixed, and no DNS query is made before the
 * host is known to be one we serve:
 *
 *	Host (HTTP_HOST, else SERVER_NAME) garbage	400
 *	Host not mta-sts.<domain>			404
 *	configuration broken				500
 *	domains listed and <domain> not among them	404
 *	path not /.well-known/mta-sts.txt		404
 *	method not GET or HEAD				405
 *	the domain's policy (lookup.h)			200, 404, 5xx
 *
 * With MTA_STS_ASK set (by the web server, never by a client) the request
 * is an on-demand TLS permission question instead: GET ?domain=NAME is
 * answered 200 "yes" when a policy would be served for the host NAME,
 * 403 when not, 400 for a missing or garbage NAME, 503 while the DNS
 * fails or a limit is reached.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stddef.h>

struct buf;
struct response;
struct server;

#define REQUEST_PATH	"/.well-known/mta-sts.txt"

/* Every pointer is borrowed and may be NULL (variable not set). */
struct request {
	const char	*method;	/* REQUEST_METHOD */
	const char	*host;		/* HTTP_HOST */
	const char	*server_name;	/* SERVER_NAME */
	const char	*request_uri;	/* REQUEST_URI (not in RFC 3875) */
	const char	*script_name;	/* SCRIPT_NAME */
	const char	*path_info;	/* PATH_INFO */
	const char	*conf_path;	/* MTA_STS_CONF */
	const char	*query_string;	/* QUERY_STRING */
	const char	*ask;		/* MTA_STS_ASK: a permission question */
};

/*
 * Fill req from the meta-variables that get(name, arg) returns (NULL when
 * unset).  The strings stay owned by whatever get() returns them from.
 */
void	request_from_vars(struct request *req,
	    const char *(*get)(const char *name, void *arg), void *arg);

/* Fill resp (response_init()ed by the caller) with the answer to req. */
void	request_handle(struct server *srv, const struct request *req,
	    struct response *resp);

/*
 * Build the whole CGI output for req (headers and body) and return it with
 * its length in *len, for the front end to write as it is.  The bytes live
 * in out (reset first), or in static storage when even the error answer
 * cannot be built (a fixed 500); they stay valid until out changes.  srv
 * NULL (the front end could not create one) also gives the fixed 500.
 */
const char *request_respond(struct server *srv, const struct request *req,
	    struct buf *out, size_t *len);

/* 1 when req is a HEAD request (the answer then has no body). */
int	request_is_head(const struct request *req);

/*
 * 1 when the request path is /.well-known/mta-sts.txt: REQUEST_URI without
 * its query string when set, else SCRIPT_NAME followed by PATH_INFO.
 */
int	request_path_ok(const struct request *req);

#endif /* REQUEST_H */
