/*
 * garbage.c - a DNS server that answers every query with garbage.
 *
 * usage: garbage ADDR PORT
 *
 * Each UDP query gets one of several broken answers in turn: random
 * bytes, a header that echoes the query id but claims records that are not
 * there, a truncated copy of the query with the QR bit set, and an answer
 * whose id does not match.  TCP connections get random bytes and are
 * closed.  Used by tests/integration/faults.sh to show that a resolver
 * fed garbage makes us answer 503 in time, never a policy.  Exits 0 on
 * SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t	stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Fill p with len pseudo-random bytes. */
static void
noise(unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(random() & 0xff);
}

/* Build broken answer number k for query q (qlen bytes) in out. */
static size_t
broken(unsigned int k, const unsigned char *q, size_t qlen,
    unsigned char *out, size_t outsz)
{
	size_t	 n;

	switch (k % 4) {
	case 0:		/* random bytes of random length */
		n = 1 + (size_t)(random() % 200);
		noise(out, n);
		return n;
	case 1:		/* right id, QR set, 5 answers claimed, none there */
		if (qlen < 12 || outsz < qlen)
			return 0;
		memcpy(out, q, qlen);
		out[2] |= 0x80;
		out[6] = 0;
		out[7] = 5;
		return qlen;
	case 2:		/* the query cut in the middle of the header */
		n = qlen < 7 ? qlen : 7;
		memcpy(out, q, n);
		if (n > 2)
			out[2] |= 0x80;
		return n;
	default:	/* a well-formed reply to another id */
		if (qlen < 12 || outsz < qlen)
			return 0;
		memcpy(out, q, qlen);
		out[0] ^= 0x5a;
		out[2] |= 0x80;
		return qlen;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sa, from;
	struct sigaction	 act;
	struct pollfd		 pfd[2];
	unsigned char		 q[1500], out[1500];
	socklen_t		 flen;
	ssize_t			 n;
	size_t			 m;
	unsigned int		 k = 0;
	int			 u, t, c, on = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: garbage ADDR PORT\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "garbage: bad address\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_term;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	srandom(12345);
	if ((u = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    (t = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(u, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    bind(t, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(t, 16) == -1) {
		perror("garbage");
		return 1;
	}
	pfd[0].fd = u;
	pfd[1].fd = t;
	pfd[0].events = pfd[1].events = POLLIN;
	while (!stop) {
		if (poll(pfd, 2, 1000) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			flen = sizeof(from);
			n = recvfrom(u, q, sizeof(q), 0, (struct sockaddr *)&from,
			    &flen);
			if (n > 0 && (m = broken(k++, q, (size_t)n, out,
			    sizeof(out))) > 0)
				(void)sendto(u, out, m, 0,
				    (struct sockaddr *)&from, flen);
		}
		if (pfd[1].revents & POLLIN && (c = accept(t, NULL, NULL)) != -1) {
			noise(out, 64);
			(void)write(c, out, 64);
			close(c);
		}
	}
	return 0;
}
