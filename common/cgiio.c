#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cgiio.h"
#include "file.h"

int
cgiio_write(int fd, const void *p, size_t len)
{
	return file_write_all(fd, p, len);
}

void
cgiio_drain(int fd, const char *content_length)
{
	struct pollfd	 pfd;
	char		 buf[8192];
	long long	 deadline, left;
	size_t		 want = 0;
	ssize_t		 n;
	const char	*c;

	if (content_length == NULL || *content_length == '\0')
		return;
	for (c = content_length; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return;
		want = want * 10 + (size_t)(*c - '0');
		if (want > CGIIO_DRAIN_MAX) {
			want = CGIIO_DRAIN_MAX;
			break;
		}
	}
	deadline = clock_ms() + CGIIO_DRAIN_MS;
	while (want > 0 && (left = deadline - clock_ms()) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(fd, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		want -= (size_t)n;
	}
}
