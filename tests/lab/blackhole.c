/*
 * blackhole.c - a dead authoritative server for the DNS lab.
 *
 * usage: blackhole ADDR PORT
 *
 * Binds a UDP socket and a listening TCP socket on ADDR:PORT and then
 * never reads, accepts or writes anything.  A resolver sending queries
 * there sees timeouts, not ICMP port-unreachable or a TCP reset, which
 * is what an unreachable nameserver on the Internet usually looks like
 * (a closed port would be "refused" at once and make the failure fast
 * and unrealistic).  Holding the port also keeps anything else from
 * answering on it by accident.
 *
 * Exits 0 on SIGTERM or SIGINT, 1 if a socket cannot be set up, 2 on a
 * usage error.  It prints nothing except error messages.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Parse a decimal port number 1..65535; returns 0 on error. */
static unsigned short parse_port(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return 0;
	return (unsigned short)v;
}

/* Create a socket of TYPE bound to SA; for TCP also listen().  Returns
 * the descriptor or -1 after printing why. */
static int bound_socket(int type, const struct sockaddr_in *sa)
{
	const char *what = type == SOCK_STREAM ? "tcp" : "udp";
	int fd, on = 1;

	fd = socket(AF_INET, type, 0);
	if (fd < 0) {
		fprintf(stderr, "blackhole: %s socket: %m\n", what);
		return -1;
	}
	/* TCP: allow an immediate restart on the same port while old
	 * connections linger in TIME_WAIT. */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
		fprintf(stderr, "blackhole: %s SO_REUSEADDR: %m\n", what);
		close(fd);
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) < 0) {
		fprintf(stderr, "blackhole: %s bind: %m\n", what);
		close(fd);
		return -1;
	}
	/* The kernel completes handshakes into the backlog on its own; we
	 * never accept(), so a client's query just sits there unanswered. */
	if (type == SOCK_STREAM && listen(fd, 16) < 0) {
		fprintf(stderr, "blackhole: %s listen: %m\n", what);
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct sigaction act;
	sigset_t block, old;
	int ufd, tfd;

	if (argc != 3) {
		fprintf(stderr, "usage: blackhole ADDR PORT\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(parse_port(argv[2]));
	if (sa.sin_port == 0 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: blackhole ADDR PORT (IPv4 address, port 1-65535)\n");
		return 2;
	}

	/* Block the signals until we are ready to wait for them, so a
	 * SIGTERM that arrives early is not lost between the check and
	 * sigsuspend(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(&act, 0, sizeof act);
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);

	ufd = bound_socket(SOCK_DGRAM, &sa);
	if (ufd < 0)
		return 1;
	tfd = bound_socket(SOCK_STREAM, &sa);
	if (tfd < 0)
		return 1;

	while (!stop)
		sigsuspend(&old);

	close(tfd);
	close(ufd);
	return 0;
}
