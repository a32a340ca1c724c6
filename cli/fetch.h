/*
 * fetch: a minimal HTTPS GET client for mta-sts-id(8): fetch a policy the
 * way a sending MTA does (RFC 8461 section 3.3) and nothing more.  This is
 * the only file that includes OpenSSL; no OpenSSL type leaves it, and the
 * servers never link it.
 *
 *	TLS 1.2 or newer, SNI, the certificate verified against the system's
 *	default CA store (or a CA file) and for the URL's host name
 *	(X509_VERIFY_PARAM_set1_host(), no partial wildcards);
 *	HTTP/1.1 with "Connection: close"; Content-Length, chunked, or a body
 *	that ends with a clean TLS close; no redirects (a 3xx is reported,
 *	never followed); bodies up to FETCH_BODY_MAX bytes; one deadline for
 *	the whole exchange and a shorter one per connection attempt.
 *
 * curl-style connect-to rules ("HOST1:PORT1:HOST2:PORT2") make the client
 * connect somewhere else while SNI, certificate check and Host header stay
 * those of the URL, for tests and for private set-ups.
 */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "host.h"

#define FETCH_BODY_MAX		65536	/* policy size limit */
#define FETCH_HEAD_MAX		16384	/* status line and header fields */
#define FETCH_RAW_MAX		(4 * (FETCH_BODY_MAX + FETCH_HEAD_MAX))
#define FETCH_TIMEOUT_MS	10000	/* the whole fetch */
#define FETCH_CONNECT_TIMEOUT_MS 5000	/* one connection attempt */
#define FETCH_PORT		"443"
#define FETCH_SMTP_PORT		"25"
#define FETCH_PORT_SIZE		6
#define FETCH_CONNECT_TO_MAX	16
#define FETCH_ERRBODY_MAX	1024	/* kept of a non-200 answer's body */
#define FETCH_CHAIN_MAX		10	/* certificates kept of a chain */
#define FETCH_DER_MAX		16384	/* one certificate, DER */

/* One --connect-to rule; empty strings mean "any" (1) or "unchanged" (2). */
struct fetch_connect_to {
	char	 host1[HOST_NAME_SIZE];		/* lower case */
	char	 port1[FETCH_PORT_SIZE];
	char	 host2[HOST_NAME_SIZE];		/* name or address, no [] */
	char	 port2[FETCH_PORT_SIZE];
};

struct fetch_opts {
	const char			*ca_file;	/* NULL: system store */
	const struct fetch_connect_to	*connect_to;	/* first match wins */
	size_t				 nconnect_to;
	int				 timeout_ms;	/* 0: default */
	int				 connect_timeout_ms;	/* 0: default */
	/*
	 * Numeric addresses to connect to in place of a name lookup of
	 * the host (when no --connect-to rule names another host), so
	 * that a caller may use its own validated, time-bounded lookups.
	 */
	const char *const		*addrs;
	size_t				 naddrs;
};

/* Why fetch_get() or fetch_starttls() returned -1. */
enum fetch_fail {
	FETCH_FAIL_NONE,
	FETCH_FAIL_TIMEOUT,	/* the deadline passed */
	FETCH_FAIL_NAME,	/* the name has no address */
	FETCH_FAIL_NAME_TEMP,	/* the name lookup failed temporarily */
	FETCH_FAIL_OTHER,	/* connection, TLS, certificate, protocol */
	FETCH_FAIL__MAX
};

struct fetch_result {
	int		 status;	/* HTTP status; 0 when none was read */
	char		 reason[64];	/* its reason phrase, made printable */
	char		 location[256];	/* Location of a 3xx, made printable */
	struct buf	 body;		/* status 200: the body (up to
					   FETCH_BODY_MAX); other statuses:
					   its first FETCH_ERRBODY_MAX bytes */
	char		 content_type[128];	/* Content-Type, printable, or "" */
	char		 peer[128];	/* "ADDR port N" connected to, or "" */
	int64_t		 not_after;	/* the verified peer certificate's
					   notAfter, UTC epoch seconds; 0
					   when no certificate was verified */
	char		 tls_version[16];	/* "TLSv1.3"; fetch_starttls() */
	char		 err[768];	/* why fetch_get() returned -1 */
	enum fetch_fail	 fail;		/* and the kind of failure */
	/*
	 * fetch_starttls(): the certificates the server sent (DER, leaf
	 * first, at most FETCH_CHAIN_MAX), kept whenever the handshake
	 * completed, even when the certificate was not accepted.
	 */
	unsigned char	*chain[FETCH_CHAIN_MAX];
	size_t		 chain_len[FETCH_CHAIN_MAX];
	size_t		 nchain;
};

enum fetch_parse_rc {
	FETCH_PARSE_DONE,	/* status (and for 200 the body) complete */
	FETCH_PARSE_MORE,	/* need more bytes */
	FETCH_PARSE_ERROR,	/* res->err says why */
	FETCH_PARSE__MAX
};

/* Empty result (allocates nothing); release with fetch_result_clear(). */
void	fetch_result_init(struct fetch_result *res);
void	fetch_result_clear(struct fetch_result *res);

/*
 * Parse one --connect-to argument "HOST1:PORT1:HOST2:PORT2" (IPv6
 * addresses in brackets; any field may be empty).  Returns 0, or -1 with
 * err set.
 */
int	fetch_connect_to_parse(const char *spec, struct fetch_connect_to *ct,
	    char *err, size_t errlen);

/*
 * Where to connect for host (lower case) on port FETCH_PORT under opts:
 * the first matching rule, else host itself.  *chost and *cport point
 * into opts' rules or at host / FETCH_PORT.
 */
void	fetch_connect_target(const struct fetch_opts *opts, const char *host,
	    const char **chost, const char **cport);

/* The same for host on port (e.g. FETCH_SMTP_PORT). */
void	fetch_connect_target_port(const struct fetch_opts *opts,
	    const char *host, const char *port, const char **chost,
	    const char **cport);

/*
 * Parse the len bytes of an HTTP/1.x response received so far; eof is 1
 * when the peer closed the connection cleanly after them.  1xx responses
 * are skipped.  For status 200 the body is decoded into res->body (reset
 * first); for 4xx and 5xx the first FETCH_ERRBODY_MAX bytes of the body
 * are kept there (a malformed one is no error); other statuses end with
 * the header fields.
 * Content-Length and Transfer-Encoding: chunked must be well-formed, both
 * together, other transfer codings and a Content-Encoding are errors.
 */
enum fetch_parse_rc fetch_response_parse(const char *raw, size_t len, int eof,
	    struct fetch_result *res);

/*
 * GET https://host<path> under opts.  Returns 0 when a complete response
 * was received (any status: check res->status), or -1 with res->err set
 * (name lookup, connection, TLS handshake or certificate, timeout, a
 * malformed or oversized response).  res must be fetch_result_init()ed.
 */
int	fetch_get(const char *host, const char *path,
	    const struct fetch_opts *opts, struct fetch_result *res);

/*
 * SMTP STARTTLS on host's port 25 (after --connect-to rules) as an
 * MTA-STS sender does it (RFC 8461 section 4.2): greeting, EHLO, the
 * STARTTLS keyword, then TLS 1.2 or newer with SNI and the certificate
 * verified for host (no partial wildcards), then QUIT.  Returns 0 with
 * res->tls_version, res->not_after and res->peer set, or -1 with res->err
 * set.  res must be fetch_result_init()ed; no body is read.
 */
int	fetch_starttls(const char *host, const struct fetch_opts *opts,
	    struct fetch_result *res);

/*
 * DANE (RFC 6698 section 2.1, RFC 7671): the certificate association
 * data of res->chain[depth] for selector (0 the whole certificate, 1 its
 * SubjectPublicKeyInfo) and matching type (0 the DER itself, 1 SHA2-256,
 * 2 SHA2-512) into out.  Returns its length, or -1 (bad depth, selector
 * or matching type, undecodable certificate, outsize too small).
 */
int	fetch_chain_data(const struct fetch_result *res, size_t depth,
	    int selector, int mtype, unsigned char *out, size_t outsize);

/*
 * DANE-TA (RFC 7671 section 5.2, RFC 7672 section 3.1.2): 0 when the
 * chain in res, from the leaf up to the trust anchor res->chain[depth]
 * (depth >= 1), verifies at time now and the leaf names host (no partial
 * wildcards).  With spki (a DER SubjectPublicKeyInfo) the anchor is that
 * key instead, and it must have signed the last certificate of the
 * chain; depth is then ignored.  Returns 0, or -1 with why set.
 */
int	fetch_chain_verify(const struct fetch_result *res, size_t depth,
	    const unsigned char *spki, size_t spkilen, const char *host,
	    int64_t now, char *why, size_t whylen);

#endif /* FETCH_H */
