#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "clock.h"
#include "errf.h"
#include "fetch.h"
#include "host.h"
#include "num.h"
#include "xmalloc.h"

#define FETCH_USER_AGENT	"mta-sts-id/1"

void
fetch_result_init(struct fetch_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, FETCH_BODY_MAX);
}

void
fetch_result_clear(struct fetch_result *res)
{
	size_t	 i;

	for (i = 0; i < res->nchain; i++)
		free(res->chain[i]);
	buf_free(&res->body);
	fetch_result_init(res);
}

static void __attribute__((format(printf, 2, 3)))
fetch_err(struct fetch_result *res, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verrf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
}

/* Copy len bytes of untrusted text, control and non-ASCII bytes as '?'. */
static void
fetch_printable(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t	 i;

	if (dstlen == 0)
		return;
	for (i = 0; i < len && i < dstlen - 1; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	dst[i] = '\0';
}

/* --- connect-to rules ---------------------------------------------------- */

/* A port: empty, or 1..65535 without leading zeros. */
static int
fetch_port_ok(const char *s, size_t len)
{
	uint16_t	 port;

	if (len == 0)
		return 1;
	return num_port(s, len, NUM_CANONICAL, &port) == 0;
}

/*
 * Take one host field from *p: "[v6]" (brackets removed, *bracketed set)
 * or the text up to the next ':'.  Returns 0, or -1 for a "[" without "]".
 */
static int
fetch_field_host(const char **p, const char **start, size_t *len,
    int *bracketed)
{
	const char	*s = *p, *e;

	*bracketed = 0;
	if (*s == '[') {
		if ((e = strchr(s, ']')) == NULL)
			return -1;
		*start = s + 1;
		*len = (size_t)(e - s - 1);
		*p = e + 1;
		*bracketed = 1;
		return 0;
	}
	*start = s;
	*len = strcspn(s, ":");
	*p = s + *len;
	return 0;
}

int
fetch_connect_to_parse(const char *spec, struct fetch_connect_to *ct,
    char *err, size_t errlen)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*p = spec, *s;
	char		 tmp[HOST_NAME_SIZE];
	size_t		 n;
	int		 br;

	memset(ct, 0, sizeof(*ct));
	/* HOST1: a host name (the URL's host is always one) or empty. */
	if (fetch_field_host(&p, &s, &n, &br) == -1 || br || *p != ':' ||
	    n >= sizeof(ct->host1) || (n > 0 && !host_valid(s, n)))
		goto bad;
	memcpy(ct->host1, s, n);
	ct->host1[n] = '\0';
	host_lower(ct->host1);
	p++;
	/* PORT1 */
	n = strcspn(p, ":");
	if (p[n] != ':' || !fetch_port_ok(p, n))
		goto bad;
	memcpy(ct->port1, p, n);
	ct->port1[n] = '\0';
	p += n + 1;
	/* HOST2: a host name, an IPv4 address or a bracketed IPv6 one. */
	if (fetch_field_host(&p, &s, &n, &br) == -1 || *p != ':' ||
	    n >= sizeof(ct->host2))
		goto bad;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (br ? inet_pton(AF_INET6, tmp, &a6) != 1 :
	    (n > 0 && !host_valid(tmp, n) && inet_pton(AF_INET, tmp, &a4) != 1))
		goto bad;
	memcpy(ct->host2, tmp, n + 1);
	p++;
	/* PORT2: the rest. */
	n = strlen(p);
	if (strchr(p, ':') != NULL || !fetch_port_ok(p, n))
		goto bad;
	memcpy(ct->port2, p, n + 1);
	return 0;
 bad:
	(void)snprintf(err, errlen, "invalid --connect-to \"%.300s\": want "
	    "HOST1:PORT1:HOST2:PORT2 (any part may be empty; IPv6 addresses "
	    "in brackets)", spec);
	memset(ct, 0, sizeof(*ct));
	return -1;
}

void
fetch_connect_target(const struct fetch_opts *opts, const char *host,
    const char **chost, const char **cport)
{
	fetch_connect_target_port(opts, host, FETCH_PORT, chost, cport);
}

void
fetch_connect_target_port(const struct fetch_opts *opts, const char *host,
    const char *port, const char **chost, const char **cport)
{
	const struct fetch_connect_to	*ct;
	size_t				 i;

	*chost = host;
	*cport = port;
	for (i = 0; opts != NULL && i < opts->nconnect_to; i++) {
		ct = &opts->connect_to[i];
		if (ct->host1[0] != '\0' && strcasecmp(ct->host1, host) != 0)
			continue;
		if (ct->port1[0] != '\0' && strcmp(ct->port1, port) != 0)
			continue;
		if (ct->host2[0] != '\0')
			*chost = ct->host2;
		if (ct->port2[0] != '\0')
			*cport = ct->port2;
		return;
	}
}

/* --- the response parser -------------------------------------------------- */

/*
 * One line ending in LF from raw[*pos..len), without the LF and one CR
 * before it.  Returns 1 and advances *pos, or 0 when no LF came yet.
 */
static int
fetch_line(const char *raw, size_t len, size_t *pos, const char **line,
    size_t *llen)
{
	const char	*nl;

	if ((nl = memchr(raw + *pos, '\n', len - *pos)) == NULL)
		return 0;
	*line = raw + *pos;
	*llen = (size_t)(nl - *line);
	if (*llen > 0 && (*line)[*llen - 1] == '\r')
		(*llen)--;
	*pos = (size_t)(nl - raw) + 1;
	return 1;
}

static int
fetch_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Case-insensitive match of the len bytes at s with the string name. */
static int
fetch_is(const char *s, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(s, name, len) == 0;
}

/* State of one fetch_response_parse() pass over the header fields. */
struct fetch_head {
	int		 status;
	int		 chunked;
	int		 have_length;
	unsigned long	 length;
	int		 encoded;
};

/*
 * Parse a status line and header fields from raw[*pos..].  Returns DONE
 * with *pos at the body, MORE, or ERROR.
 */
static enum fetch_parse_rc
fetch_head_parse(const char *raw, size_t len, size_t *pos, int eof,
    struct fetch_head *h, struct fetch_result *res)
{
	const char	*line, *colon, *v;
	size_t		 start = *pos, llen, vlen, i;
	unsigned long	 n;
	uint64_t	 u;

	memset(h, 0, sizeof(*h));
	if (!fetch_line(raw, len, pos, &line, &llen))
		goto more;
	/* "HTTP/1.x SSS[ reason]" */
	if (llen < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
	    line[9] < '1' || line[9] > '5' || line[10] < '0' ||
	    line[10] > '9' || line[11] < '0' || line[11] > '9' ||
	    (llen > 12 && line[12] != ' ')) {
		fetch_err(res, "not an HTTP/1.x response");
		return FETCH_PARSE_ERROR;
	}
	h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
	    (line[11] - '0');
	res->status = h->status;
	if (llen > 13)
		fetch_printable(res->reason, sizeof(res->reason), line + 13,
		    llen - 13);
	else
		res->reason[0] = '\0';
	res->location[0] = '\0';
	res->content_type[0] = '\0';

	for (;;) {
		if (!fetch_line(raw, len, pos, &line, &llen))
			goto more;
		if (llen == 0)
			break;
		if (memchr(line, '\0', llen) != NULL ||
		    memchr(line, '\r', llen) != NULL) {
			fetch_err(res, "NUL or CR in a header field");
			return FETCH_PARSE_ERROR;
		}
		if ((colon = memchr(line, ':', llen)) == NULL ||
		    colon == line) {
			fetch_err(res, "malformed header field");
			return FETCH_PARSE_ERROR;
		}
		for (i = 0; line + i < colon; i++)
			if (!fetch_tchar((unsigned char)line[i])) {
				fetch_err(res, "malformed header field name");
				return FETCH_PARSE_ERROR;
			}
		v = colon + 1;
		vlen = llen - (size_t)(v - line);
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (fetch_is(line, (size_t)(colon - line), "Content-Length")) {
			if (vlen > 10 || num_parse(v, vlen, 0, UINT64_MAX, 0,
			    &u) == -1) {
				fetch_err(res, "invalid Content-Length");
				return FETCH_PARSE_ERROR;
			}
			n = (unsigned long)u;
			if (h->have_length && h->length != n) {
				fetch_err(res, "conflicting Content-Length "
				    "fields");
				return FETCH_PARSE_ERROR;
			}
			h->have_length = 1;
			h->length = n;
		} else if (fetch_is(line, (size_t)(colon - line),
		    "Transfer-Encoding")) {
			if (!fetch_is(v, vlen, "chunked") || h->chunked) {
				fetch_err(res, "unsupported Transfer-Encoding");
				return FETCH_PARSE_ERROR;
			}
			h->chunked = 1;
		} else if (fetch_is(line, (size_t)(colon - line),
		    "Content-Encoding")) {
			if (!fetch_is(v, vlen, "identity"))
				h->encoded = 1;
		} else if (fetch_is(line, (size_t)(colon - line), "Location"))
			fetch_printable(res->location, sizeof(res->location),
			    v, vlen);
		else if (fetch_is(line, (size_t)(colon - line),
		    "Content-Type"))
			fetch_printable(res->content_type,
			    sizeof(res->content_type), v, vlen);
		if (*pos - start > FETCH_HEAD_MAX)
			break;
	}
	if (*pos - start > FETCH_HEAD_MAX) {
		fetch_err(res, "header fields larger than %d bytes",
		    FETCH_HEAD_MAX);
		return FETCH_PARSE_ERROR;
	}
	return FETCH_PARSE_DONE;
 more:
	if (len - start > FETCH_HEAD_MAX) {
		fetch_err(res, "header fields larger than %d bytes",
		    FETCH_HEAD_MAX);
		return FETCH_PARSE_ERROR;
	}
	if (eof) {
		fetch_err(res, "connection closed in the response header");
		return FETCH_PARSE_ERROR;
	}
	return FETCH_PARSE_MORE;
}

/* Decode a chunked body from raw[pos..] into res->body. */
static enum fetch_parse_rc
fetch_chunked(const char *raw, size_t len, size_t pos, int eof,
    struct fetch_result *res)
{
	const char	*line;
	size_t		 llen, i, size, trailers = 0;
	int		 digits, c;

	for (;;) {
		if (!fetch_line(raw, len, &pos, &line, &llen))
			goto more;
		for (size = 0, i = 0, digits = 0; i < llen; i++, digits++) {
			c = (unsigned char)line[i];
			if (c >= '0' && c <= '9')
				c -= '0';
			else if (c >= 'a' && c <= 'f')
				c -= 'a' - 10;
			else if (c >= 'A' && c <= 'F')
				c -= 'A' - 10;
			else
				break;
			if (digits >= 8) {
				fetch_err(res, "body larger than %d bytes",
				    FETCH_BODY_MAX);
				return FETCH_PARSE_ERROR;
			}
			size = size * 16 + (size_t)c;
		}
		/* Only chunk extensions (";...") or blanks may follow. */
		if (digits == 0 || (i < llen && line[i] != ';' &&
		    line[i] != ' ' && line[i] != '\t')) {
			fetch_err(res, "malformed chunk size");
			return FETCH_PARSE_ERROR;
		}
		if (size > FETCH_BODY_MAX - res->body.len) {
			fetch_err(res, "body larger than %d bytes",
			    FETCH_BODY_MAX);
			return FETCH_PARSE_ERROR;
		}
		if (size == 0)
			break;
		if (len - pos < size + 1)
			goto more;
		if (buf_add(&res->body, raw + pos, size) == -1) {
			fetch_err(res, "out of memory");
			return FETCH_PARSE_ERROR;
		}
		pos += size;
		/* The CRLF (or LF) after the data. */
		if (raw[pos] == '\r') {
			if (len - pos < 2)
				goto more;
			pos++;
		}
		if (raw[pos] != '\n') {
			fetch_err(res, "malformed chunk");
			return FETCH_PARSE_ERROR;
		}
		pos++;
	}
	/* Trailer fields, up to an empty line; ignored. */
	for (;;) {
		if (!fetch_line(raw, len, &pos, &line, &llen))
			goto more;
		if (llen == 0)
			return FETCH_PARSE_DONE;
		if ((trailers += llen) > FETCH_HEAD_MAX) {
			fetch_err(res, "trailer fields larger than %d bytes",
			    FETCH_HEAD_MAX);
			return FETCH_PARSE_ERROR;
		}
	}
 more:
	if (eof) {
		fetch_err(res, "connection closed in a chunked body");
		return FETCH_PARSE_ERROR;
	}
	return FETCH_PARSE_MORE;
}

/*
 * Keep the start of a 4xx or 5xx answer's body, where servers say why.
 * Never an error: a body that is malformed, encoded or cut short is kept
 * as far as it goes, or not at all; without Content-Length or chunked
 * framing, only the bytes that came with the header are kept.
 */
static enum fetch_parse_rc
fetch_errbody(const char *raw, size_t len, size_t pos, int eof,
    const struct fetch_head *h, struct fetch_result *res)
{
	enum fetch_parse_rc	 rc;
	size_t			 n = FETCH_ERRBODY_MAX;

	if (h->status < 400 || h->encoded)
		return FETCH_PARSE_DONE;
	if (h->chunked) {
		if ((rc = fetch_chunked(raw, len, pos, eof, res)) ==
		    FETCH_PARSE_MORE)
			return rc;
		if (rc == FETCH_PARSE_ERROR) {
			buf_reset(&res->body);
			res->err[0] = '\0';
		}
		return FETCH_PARSE_DONE;
	}
	if (h->have_length && h->length < n)
		n = h->length;
	if (h->have_length && len - pos < n && !eof)
		return FETCH_PARSE_MORE;
	if (n > len - pos)
		n = len - pos;
	(void)buf_add(&res->body, raw + pos, n);
	return FETCH_PARSE_DONE;
}

enum fetch_parse_rc
fetch_response_parse(const char *raw, size_t len, int eof,
    struct fetch_result *res)
{
	struct fetch_head	 h;
	enum fetch_parse_rc	 rc;
	size_t			 pos = 0;

	buf_reset(&res->body);
	res->status = 0;
	res->reason[0] = res->location[0] = '\0';
	res->err[0] = '\0';
	for (;;) {
		if ((rc = fetch_head_parse(raw, len, &pos, eof, &h,
		    res)) != FETCH_PARSE_DONE)
			return rc;
		if (h.status == 101) {
			fetch_err(res, "unexpected 101 Switching Protocols");
			return FETCH_PARSE_ERROR;
		}
		/* Interim responses (100 Continue, 103 Early Hints). */
		if (h.status >= 200)
			break;
	}
	if (h.status != 200)
		return fetch_errbody(raw, len, pos, eof, &h, res);
	if (h.chunked && h.have_length) {
		fetch_err(res, "both Content-Length and Transfer-Encoding");
		return FETCH_PARSE_ERROR;
	}
	if (h.encoded) {
		fetch_err(res, "unexpected Content-Encoding");
		return FETCH_PARSE_ERROR;
	}
	if (h.chunked)
		return fetch_chunked(raw, len, pos, eof, res);
	if (h.have_length) {
		if (h.length > FETCH_BODY_MAX) {
			fetch_err(res, "body larger than %d bytes",
			    FETCH_BODY_MAX);
			return FETCH_PARSE_ERROR;
		}
		if (len - pos < h.length) {
			if (eof) {
				fetch_err(res, "connection closed after %zu "
				    "of %lu body bytes", len - pos, h.length);
				return FETCH_PARSE_ERROR;
			}
			return FETCH_PARSE_MORE;
		}
		if (len - pos > h.length) {
			fetch_err(res, "data after the body");
			return FETCH_PARSE_ERROR;
		}
		if (buf_add(&res->body, raw + pos, h.length) == -1) {
			fetch_err(res, "out of memory");
			return FETCH_PARSE_ERROR;
		}
		return FETCH_PARSE_DONE;
	}
	/* No length: the body ends with the connection. */
	if (len - pos > FETCH_BODY_MAX) {
		fetch_err(res, "body larger than %d bytes", FETCH_BODY_MAX);
		return FETCH_PARSE_ERROR;
	}
	if (!eof)
		return FETCH_PARSE_MORE;
	if (buf_add(&res->body, raw + pos, len - pos) == -1) {
		fetch_err(res, "out of memory");
		return FETCH_PARSE_ERROR;
	}
	return FETCH_PARSE_DONE;
}

/* --- connection and TLS --------------------------------------------------- */

/*
 * Wait until fd is readable (events POLLIN) or writable (POLLOUT), at the
 * latest until deadline.  Returns 0, or -1 (timeout or poll error; errno
 * ETIMEDOUT for the former).
 */
static int
fetch_wait(int fd, short events, long long deadline)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 n;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n > 0)
			return 0;
	}
}

/* Connect to one address, non-blocking; returns the socket or -1. */
static int
fetch_connect_one(const struct addrinfo *ai, long long deadline)
{
	socklen_t	 sl;
	int		 fd, soerr, flags;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1)
		return -1;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	if (fetch_wait(fd, POLLOUT, deadline) == -1)
		goto fail;
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;
 fail:
	soerr = errno;
	(void)close(fd);
	errno = soerr;
	return -1;
}

/* "ADDR port N" for ai. */
static void
fetch_peer_name(const struct addrinfo *ai, char *dst, size_t len)
{
	char	 h[INET6_ADDRSTRLEN + 16], s[8];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof(h), s,
	    sizeof(s), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		(void)snprintf(dst, len, "?");
	else
		(void)snprintf(dst, len, "%s port %s", h, s);
}

/*
 * Connect to the first address of chost:cport that answers: of
 * opts->addrs when the host was not redirected (chost == host) and the
 * caller gave them, else of getaddrinfo(chost).  Returns the socket, or
 * -1 with res->err and res->fail set.
 */
static int
fetch_connect(const char *host, const char *chost, const char *cport,
    const struct fetch_opts *opts, int per_try_ms, long long deadline,
    struct fetch_result *res)
{
	struct addrinfo	 hints, *ais, *ai;
	long long	 try_deadline;
	const char	*name;
	char		 peer[128];
	size_t		 i, n;
	int		 fd = -1, gai, given;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	given = chost == host && opts != NULL && opts->addrs != NULL;
	if (given)
		hints.ai_flags |= AI_NUMERICHOST;
	n = given ? opts->naddrs : 1;
	fetch_err(res, "%s: no address to connect to", host);
	res->fail = FETCH_FAIL_NAME;
	for (i = 0; i < n && fd == -1; i++) {
		name = given ? opts->addrs[i] : chost;
		if ((gai = getaddrinfo(name, cport, &hints, &ais)) != 0) {
			if (given)
				continue;
			fetch_err(res, "%s: %s", chost, gai_strerror(gai));
			res->fail = gai == EAI_NONAME || gai == EAI_NODATA ?
			    FETCH_FAIL_NAME : gai == EAI_AGAIN ||
			    gai == EAI_FAIL ? FETCH_FAIL_NAME_TEMP :
			    FETCH_FAIL_OTHER;
			return -1;
		}
		for (ai = ais; ai != NULL; ai = ai->ai_next) {
			try_deadline = clock_ms() + per_try_ms;
			if (try_deadline > deadline)
				try_deadline = deadline;
			fetch_peer_name(ai, peer, sizeof(peer));
			if ((fd = fetch_connect_one(ai, try_deadline)) != -1) {
				(void)snprintf(res->peer, sizeof(res->peer),
				    "%s", peer);
				res->fail = FETCH_FAIL_NONE;
				break;
			}
			fetch_err(res, "connect to %s: %s", peer,
			    errno == ETIMEDOUT ? "timed out" : strerror(errno));
			res->fail = errno == ETIMEDOUT ? FETCH_FAIL_TIMEOUT :
			    FETCH_FAIL_OTHER;
			if (clock_ms() >= deadline)
				break;
		}
		freeaddrinfo(ais);
		if (clock_ms() >= deadline)
			break;
	}
	return fd;
}

/* The first OpenSSL error in the queue as text, or fallback. */
static const char *
fetch_ssl_error(char *dst, size_t len, const char *fallback)
{
	unsigned long	 e;

	if ((e = ERR_get_error()) == 0) {
		(void)snprintf(dst, len, "%s", fallback);
		return dst;
	}
	ERR_error_string_n(e, dst, len);
	return dst;
}

/*
 * Drive one non-blocking SSL operation: op() returns > 0 on success.
 * Returns its result, 0 for a clean close (SSL_ERROR_ZERO_RETURN), or -1
 * with *sslerr the SSL_get_error() value (SSL_ERROR_SYSCALL with errno
 * ETIMEDOUT for the deadline).
 */
static int
fetch_ssl_io(SSL *ssl, int fd, long long deadline,
    int (*op)(SSL *, void *, int), void *buf, int len, int *sslerr)
{
	int	 n, e;

	for (;;) {
		ERR_clear_error();
		if ((n = op(ssl, buf, len)) > 0)
			return n;
		e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (fetch_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline) == -1) {
				*sslerr = SSL_ERROR_SYSCALL;
				return -1;
			}
			continue;
		}
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		*sslerr = e;
		if (e == SSL_ERROR_SYSCALL && errno == 0)
			errno = ECONNRESET;
		return -1;
	}
}

static int
fetch_op_connect(SSL *ssl, void *buf, int len)
{
	(void)buf;
	(void)len;
	return SSL_connect(ssl);
}

static int
fetch_op_write(SSL *ssl, void *buf, int len)
{
	return SSL_write(ssl, buf, len);
}

static int
fetch_op_read(SSL *ssl, void *buf, int len)
{
	return SSL_read(ssl, buf, len);
}

/* Describe a failed SSL operation what ("TLS handshake", ...) in res. */
static void
fetch_ssl_fail(struct fetch_result *res, const char *host, const char *what,
    int sslerr)
{
	char	 why[256];

	if (sslerr == SSL_ERROR_SYSCALL && errno == ETIMEDOUT) {
		fetch_err(res, "%s with %s (%s): timed out", what, host,
		    res->peer);
		res->fail = FETCH_FAIL_TIMEOUT;
	} else if (sslerr == SSL_ERROR_SYSCALL)
		fetch_err(res, "%s with %s (%s): %s", what, host, res->peer,
		    fetch_ssl_error(why, sizeof(why), strerror(errno)));
	else
		fetch_err(res, "%s with %s (%s): %s", what, host, res->peer,
		    fetch_ssl_error(why, sizeof(why), "TLS error"));
}

/*
 * The verified peer certificate's notAfter as UTC epoch seconds, or 0
 * when there is none or it cannot be converted.
 */
static int64_t
fetch_peer_not_after(SSL *ssl)
{
	const ASN1_TIME	*t;
	struct tm	 tm;
	X509		*cert;
	int64_t		 v = 0;

	if ((cert = SSL_get_peer_certificate(ssl)) == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((t = X509_get0_notAfter(cert)) != NULL &&
	    ASN1_TIME_to_tm(t, &tm) == 1)
		v = (int64_t)timegm(&tm);
	X509_free(cert);
	return v;
}

/*
 * Let the handshake finish whatever the verification says, so that the
 * chain can be kept for DANE; fetch_tls_open() then fails on the result.
 */
static int
fetch_verify_later(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

/* Keep DER copies of the certificates the peer sent, leaf first. */
static void
fetch_keep_chain(SSL *ssl, struct fetch_result *res)
{
	STACK_OF(X509)	*sk;
	unsigned char	*p;
	int		 i, len;

	if ((sk = SSL_get_peer_cert_chain(ssl)) == NULL)
		return;
	for (i = 0; i < sk_X509_num(sk) && res->nchain < FETCH_CHAIN_MAX;
	    i++) {
		if ((len = i2d_X509(sk_X509_value(sk, i), NULL)) <= 0 ||
		    len > FETCH_DER_MAX ||
		    (res->chain[res->nchain] = malloc((size_t)len)) == NULL)
			break;
		p = res->chain[res->nchain];
		(void)i2d_X509(sk_X509_value(sk, i), &p);
		res->chain_len[res->nchain++] = (size_t)len;
	}
}

/*
 * The TLS client of both fetches, on the connected fd: TLS 1.2 or newer,
 * SNI host, the certificate verified for host against opts' CA file or the
 * system store.  Returns the established SSL, or NULL with res->err set.
 * With keep, the peer's chain goes to res->chain once the handshake is
 * done, also when the certificate is then refused.  *ctxp receives the
 * SSL_CTX (or NULL); the caller frees both either way.
 */
static SSL *
fetch_tls_open(int fd, const char *host, const struct fetch_opts *opts,
    long long deadline, int keep, struct fetch_result *res, SSL_CTX **ctxp)
{
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	X509_VERIFY_PARAM	*param;
	long			 verr;
	char			 why[sizeof(res->err)];
	int			 sslerr = 0;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		fetch_err(res, "TLS set-up: %s",
		    fetch_ssl_error(why, sizeof(why), "out of memory"));
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, keep ? fetch_verify_later :
	    NULL);
	if (opts != NULL && opts->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, opts->ca_file,
		    NULL) != 1) {
			fetch_err(res, "CA file %s: %s", opts->ca_file,
			    fetch_ssl_error(why, sizeof(why),
			    "cannot load it"));
			goto out;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		fetch_err(res, "system CA store: %s",
		    fetch_ssl_error(why, sizeof(why), "cannot load it"));
		goto out;
	}
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, host) != 1) {
		fetch_err(res, "TLS set-up: %s",
		    fetch_ssl_error(why, sizeof(why), "out of memory"));
		goto out;
	}
	param = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(param, host, 0) != 1) {
		fetch_err(res, "TLS set-up: %s",
		    fetch_ssl_error(why, sizeof(why), "cannot set host name"));
		goto out;
	}
	if (fetch_ssl_io(ssl, fd, deadline, fetch_op_connect, NULL, 0,
	    &sslerr) <= 0) {
		if ((verr = SSL_get_verify_result(ssl)) != X509_V_OK)
			fetch_err(res, "certificate of %s (%s) not accepted: "
			    "%s", host, res->peer,
			    X509_verify_cert_error_string(verr));
		else
			fetch_ssl_fail(res, host, "TLS handshake", sslerr);
		goto out;
	}
	if (keep)
		fetch_keep_chain(ssl, res);
	if ((verr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		fetch_err(res, "certificate of %s (%s) not accepted: %s", host,
		    res->peer, X509_verify_cert_error_string(verr));
		goto out;
	}
	res->not_after = fetch_peer_not_after(ssl);
	*ctxp = ctx;
	return ssl;
 out:
	*ctxp = ctx;
	SSL_free(ssl);
	return NULL;
}

int
fetch_get(const char *host, const char *path, const struct fetch_opts *opts,
    struct fetch_result *res)
{
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	struct buf		 req, raw;
	enum fetch_parse_rc	 prc = FETCH_PARSE_MORE;
	const char		*chost, *cport;
	long long		 deadline;
	char			 chunk[16384], why[sizeof(res->err)];
	size_t			 off;
	int			 fd = -1, rc = -1, n, sslerr = 0, per_try;

	buf_init(&req, 4096);
	buf_init(&raw, FETCH_RAW_MAX);
	fetch_result_clear(res);
	deadline = clock_ms() + (opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : FETCH_TIMEOUT_MS);
	per_try = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : FETCH_CONNECT_TIMEOUT_MS;

	if (!host_valid(host, strlen(host)) || path[0] != '/' ||
	    strpbrk(path, " \r\n") != NULL) {
		fetch_err(res, "invalid URL https://%.256s%.256s", host, path);
		goto out;
	}
	if (buf_printf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: %s\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	    path, host, FETCH_USER_AGENT) == -1) {
		fetch_err(res, "request too long or out of memory");
		goto out;
	}

	fetch_connect_target(opts, host, &chost, &cport);
	if ((fd = fetch_connect(host, chost, cport, opts, per_try, deadline,
	    res)) == -1)
		goto out;

	if ((ssl = fetch_tls_open(fd, host, opts, deadline, 0, res,
	    &ctx)) == NULL)
		goto out;

	for (off = 0; off < req.len; off += (size_t)n)
		if ((n = fetch_ssl_io(ssl, fd, deadline, fetch_op_write,
		    req.data + off, (int)(req.len - off), &sslerr)) <= 0) {
			fetch_ssl_fail(res, host, "sending the request",
			    sslerr);
			goto out;
		}

	while (prc == FETCH_PARSE_MORE) {
		n = fetch_ssl_io(ssl, fd, deadline, fetch_op_read, chunk,
		    (int)sizeof(chunk), &sslerr);
		if (n < 0) {
			fetch_ssl_fail(res, host, "reading the response",
			    sslerr);
			goto out;
		}
		if (n > 0 && buf_add(&raw, chunk, (size_t)n) == -1) {
			fetch_err(res, "response from %s larger than %d bytes",
			    host, FETCH_RAW_MAX);
			goto out;
		}
		prc = fetch_response_parse(raw.data != NULL ? raw.data : "",
		    raw.len, n == 0, res);
	}
	if (prc == FETCH_PARSE_ERROR) {
		/* Keep the parser's reason, naming the server. */
		memcpy(why, res->err, sizeof(why));
		fetch_err(res, "response from %s (%s): %.500s", host,
		    res->peer, why);
		goto out;
	}
	/* Closing politely is a courtesy; the answer is complete. */
	ERR_clear_error();
	(void)SSL_shutdown(ssl);
	rc = 0;
 out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		(void)close(fd);
	buf_free(&req);
	buf_free(&raw);
	ERR_clear_error();
	if (rc == -1) {
		buf_reset(&res->body);
		res->status = 0;
		if (res->fail == FETCH_FAIL_NONE)
			res->fail = FETCH_FAIL_OTHER;
	}
	return rc;
}

/* --- SMTP STARTTLS ----------------------------------------------------- */

#define FETCH_SMTP_LINE_MAX	4096

/*
 * Read one SMTP reply (RFC 5321 section 4.2: "NNN-text" lines, then
 * "NNN text") in plain text from fd into reply (NUL-terminated, LF
 * separated, truncated to len - 1).  Returns the code, or -1 with res->err
 * set.  The server sends nothing unasked after a reply, so reading past
 * its end cannot happen.
 */
static int
fetch_smtp_reply(int fd, long long deadline, char *reply, size_t len,
    const char *host, struct fetch_result *res)
{
	char		 line[FETCH_SMTP_LINE_MAX];
	size_t		 ll = 0, rl = 0;
	ssize_t		 n;
	char		 c;

	reply[0] = '\0';
	for (;;) {
		if (fetch_wait(fd, POLLIN, deadline) == -1) {
			fetch_err(res, "SMTP with %s (%s): %s", host,
			    res->peer, errno == ETIMEDOUT ? "timed out" :
			    strerror(errno));
			if (errno == ETIMEDOUT)
				res->fail = FETCH_FAIL_TIMEOUT;
			return -1;
		}
		if ((n = read(fd, &c, 1)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fetch_err(res, "SMTP with %s (%s): %s", host,
			    res->peer, strerror(errno));
			return -1;
		}
		if (n == 0) {
			fetch_err(res, "SMTP with %s (%s): connection closed",
			    host, res->peer);
			return -1;
		}
		if (c != '\n') {
			if (ll < sizeof(line) - 1)
				line[ll++] = c;
			continue;
		}
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		line[ll] = '\0';
		if (rl + ll + 2 < len) {
			memcpy(reply + rl, line, ll);
			rl += ll;
			reply[rl++] = '\n';
			reply[rl] = '\0';
		}
		if (ll < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (ll > 3 && line[3] != ' ' &&
		    line[3] != '-')) {
			fetch_err(res, "SMTP with %s (%s): malformed reply "
			    "\"%.80s\"", host, res->peer, line);
			return -1;
		}
		if (ll == 3 || line[3] == ' ')
			return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			    (line[2] - '0');
		ll = 0;
	}
}

/* Send s in plain text; returns 0 or -1 with res->err set. */
static int
fetch_smtp_send(int fd, long long deadline, const char *s,
    const char *host, struct fetch_result *res)
{
	size_t	 off = 0, len = strlen(s);
	ssize_t	 n = 0;

	while (off < len) {
		if (fetch_wait(fd, POLLOUT, deadline) == -1 ||
		    ((n = write(fd, s + off, len - off)) == -1 &&
		    errno != EINTR && errno != EAGAIN)) {
			fetch_err(res, "SMTP with %s (%s): %s", host,
			    res->peer, errno == ETIMEDOUT ? "timed out" :
			    strerror(errno));
			if (errno == ETIMEDOUT)
				res->fail = FETCH_FAIL_TIMEOUT;
			return -1;
		}
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

/* 1 when an EHLO reply announces the STARTTLS keyword. */
static int
fetch_smtp_has_starttls(const char *reply)
{
	const char	*l, *nl;
	size_t		 len;

	for (l = reply; *l != '\0'; l = nl + 1) {
		if ((nl = strchr(l, '\n')) == NULL)
			nl = l + strlen(l);
		len = (size_t)(nl - l);
		/* "250-STARTTLS" or "250 STARTTLS", any case */
		if (len >= 12 && strncasecmp(l + 4, "STARTTLS", 8) == 0 &&
		    (len == 12 || l[12] == ' '))
			return 1;
		if (*nl == '\0')
			break;
	}
	return 0;
}

int
fetch_starttls(const char *host, const struct fetch_opts *opts,
    struct fetch_result *res)
{
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	const char		*chost, *cport;
	long long		 deadline;
	char			 reply[FETCH_SMTP_LINE_MAX];
	int			 fd = -1, rc = -1, code, sslerr = 0;

	fetch_result_clear(res);
	deadline = clock_ms() + (opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : FETCH_TIMEOUT_MS);
	if (!host_valid(host, strlen(host))) {
		fetch_err(res, "invalid host name %.256s", host);
		goto out;
	}
	fetch_connect_target_port(opts, host, FETCH_SMTP_PORT, &chost,
	    &cport);
	if ((fd = fetch_connect(host, chost, cport, opts, opts != NULL &&
	    opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms :
	    FETCH_CONNECT_TIMEOUT_MS, deadline, res)) == -1)
		goto out;
	if ((code = fetch_smtp_reply(fd, deadline, reply, sizeof(reply),
	    host, res)) == -1)
		goto out;
	if (code != 220) {
		fetch_err(res, "SMTP with %s (%s): greeting %d", host,
		    res->peer, code);
		goto out;
	}
	if (fetch_smtp_send(fd, deadline, "EHLO localhost\r\n", host,
	    res) == -1 || (code = fetch_smtp_reply(fd, deadline, reply,
	    sizeof(reply), host, res)) == -1)
		goto out;
	if (code != 250) {
		fetch_err(res, "SMTP with %s (%s): EHLO answered %d", host,
		    res->peer, code);
		goto out;
	}
	if (!fetch_smtp_has_starttls(reply)) {
		fetch_err(res, "SMTP with %s (%s): STARTTLS not offered",
		    host, res->peer);
		goto out;
	}
	if (fetch_smtp_send(fd, deadline, "STARTTLS\r\n", host, res) == -1 ||
	    (code = fetch_smtp_reply(fd, deadline, reply, sizeof(reply),
	    host, res)) == -1)
		goto out;
	if (code != 220) {
		fetch_err(res, "SMTP with %s (%s): STARTTLS answered %d",
		    host, res->peer, code);
		goto out;
	}

	if ((ssl = fetch_tls_open(fd, host, opts, deadline, 1, res,
	    &ctx)) == NULL)
		goto out;
	(void)snprintf(res->tls_version, sizeof(res->tls_version), "%s",
	    SSL_get_version(ssl));
	/* Politeness only: the check is done. */
	(void)fetch_ssl_io(ssl, fd, deadline, fetch_op_write, "QUIT\r\n", 6,
	    &sslerr);
	ERR_clear_error();
	(void)SSL_shutdown(ssl);
	rc = 0;
 out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		(void)close(fd);
	ERR_clear_error();
	if (rc == -1 && res->fail == FETCH_FAIL_NONE)
		res->fail = FETCH_FAIL_OTHER;
	return rc;
}

/* --- DANE ------------------------------------------------------------------ */

/* Decode res->chain[depth]; NULL when it cannot be. */
static X509 *
fetch_chain_cert(const struct fetch_result *res, size_t depth)
{
	const unsigned char	*p;

	if (depth >= res->nchain)
		return NULL;
	p = res->chain[depth];
	return d2i_X509(NULL, &p, (long)res->chain_len[depth]);
}

int
fetch_chain_data(const struct fetch_result *res, size_t depth, int selector,
    int mtype, unsigned char *out, size_t outsize)
{
	X509		*x = NULL;
	unsigned char	*der = NULL;
	unsigned int	 mdlen;
	int		 len = -1, n;

	if ((selector != 0 && selector != 1) || mtype < 0 || mtype > 2 ||
	    (x = fetch_chain_cert(res, depth)) == NULL)
		goto out;
	n = selector == 0 ? i2d_X509(x, &der) :
	    i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (n <= 0)
		goto out;
	if (mtype == 0) {
		if ((size_t)n <= outsize) {
			memcpy(out, der, (size_t)n);
			len = n;
		}
		goto out;
	}
	if (outsize < (mtype == 1 ? 32u : 64u) ||
	    EVP_Digest(der, (size_t)n, out, &mdlen, mtype == 1 ? EVP_sha256() :
	    EVP_sha512(), NULL) != 1)
		goto out;
	len = (int)mdlen;
 out:
	OPENSSL_free(der);
	X509_free(x);
	ERR_clear_error();
	return len;
}

int
fetch_chain_verify(const struct fetch_result *res, size_t depth,
    const unsigned char *spki, size_t spkilen, const char *host, int64_t now,
    char *why, size_t whylen)
{
	X509			*certs[FETCH_CHAIN_MAX];
	STACK_OF(X509)		*untrusted = NULL;
	X509_STORE		*store = NULL;
	X509_STORE_CTX		*ctx = NULL;
	X509_VERIFY_PARAM	*param;
	EVP_PKEY		*key = NULL;
	const unsigned char	*p;
	size_t			 i, n = 0;
	int			 rc = -1;

	(void)snprintf(why, whylen, "cannot verify the chain");
	for (n = 0; n < res->nchain; n++)
		if ((certs[n] = fetch_chain_cert(res, n)) == NULL) {
			(void)snprintf(why, whylen, "certificate %zu of the "
			    "chain cannot be decoded", n);
			goto out;
		}
	if (spki != NULL) {
		/* The anchor is a key: it must have signed the top. */
		p = spki;
		if (n == 0 || (key = d2i_PUBKEY(NULL, &p, (long)spkilen)) ==
		    NULL) {
			(void)snprintf(why, whylen, "the record's key cannot "
			    "be decoded");
			goto out;
		}
		if (X509_verify(certs[n - 1], key) != 1) {
			(void)snprintf(why, whylen, "the record's key did not "
			    "sign the last certificate of the chain");
			goto out;
		}
		depth = n - 1;
	} else if (depth == 0 || depth >= n)
		goto out;
	if ((untrusted = sk_X509_new_null()) == NULL ||
	    (store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, certs[depth]) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL)
		goto out;
	for (i = 1; i < depth; i++)
		if (sk_X509_push(untrusted, certs[i]) <= 0)
			goto out;
	if (X509_STORE_CTX_init(ctx, store, certs[0], untrusted) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, (time_t)now);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(param, host, 0) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		(void)snprintf(why, whylen, "%s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	rc = 0;
 out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	EVP_PKEY_free(key);
	for (i = 0; i < n; i++)
		X509_free(certs[i]);
	ERR_clear_error();
	return rc;
}
