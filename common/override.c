#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "override.h"
#include "policy.h"
#include "xmalloc.h"

/*
 * Write one error message.  A message longer than errlen is cut short:
 * override_load() fails all the same, and its caller logs what fits.
 */
static void __attribute__((format(printf, 3, 4)))
override_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n < 0)
		err[0] = '\0';
}

int
override_load(const char *path, struct policy *p, char *err, size_t errlen)
{
	struct stat	 st;
	char		*text = NULL, reason[256];
	size_t		 len = 0, errline;
	ssize_t		 n;
	int		 fd = -1, flags, rc = -1;

	/*
	 * O_NONBLOCK keeps open() from hanging on a FIFO until a writer
	 * shows up; fstat() below refuses anything but a regular file.
	 * Symbolic links are followed on purpose: administrators use them.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		override_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		override_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		override_err(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > POLICY_MAX_SIZE) {
		override_err(err, errlen, "%s: file larger than %d bytes",
		    path, POLICY_MAX_SIZE);
		goto out;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		override_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}

	/*
	 * The file may grow after fstat(): read one byte more than allowed
	 * so that a file grown past the limit is refused, not cut short.
	 */
	if ((text = xmalloc(POLICY_MAX_SIZE + 1)) == NULL) {
		override_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	while (len < POLICY_MAX_SIZE + 1) {
		n = read(fd, text + len, POLICY_MAX_SIZE + 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			override_err(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > POLICY_MAX_SIZE) {
		override_err(err, errlen, "%s: file larger than %d bytes",
		    path, POLICY_MAX_SIZE);
		goto out;
	}

	if (policy_parse(text, len, p, &errline, reason,
	    sizeof(reason)) == -1) {
		if (errline != 0)
			override_err(err, errlen, "%s:%zu: %s", path, errline,
			    reason);
		else
			override_err(err, errlen, "%s: %s", path, reason);
		goto out;
	}
	rc = 0;
 out:
	if (rc == -1)
		policy_clear(p);
	free(text);
	if (fd != -1)
		close(fd);
	return rc;
}
