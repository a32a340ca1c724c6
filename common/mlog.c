#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlog.h"

static const char	*log_progname = "mta-sts";
static int		 log_debugging;
/* Per thread: each FastCGI worker thread logs to its own request. */
static __thread void	(*log_writer)(const char *, void *);
static __thread void	*log_writer_arg;

void
mlog_init(const char *progname, int debug)
{
	const char	*p;

	if (progname != NULL) {
		p = strrchr(progname, '/');
		log_progname = p != NULL ? p + 1 : progname;
	}
	log_debugging = debug;
}

void
mlog_set_writer(void (*fn)(const char *, void *), void *arg)
{
	log_writer = fn;
	log_writer_arg = arg;
}

/*
 * Format one line; control characters (from untrusted input such as a Host
 * header) are replaced so that one event is always one line.
 */
static void __attribute__((format(printf, 1, 0)))
log_vline(const char *fmt, va_list ap, int errnum)
{
	char	 msg[1024], line[1200];
	size_t	 i;
	int	 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		(void)snprintf(msg, sizeof(msg), "(log format error)");
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] == 0x7f)
			msg[i] = '?';
	if (errnum != 0)
		n = snprintf(line, sizeof(line), "%s[%ld]: %s: %s",
		    log_progname, (long)getpid(), msg, strerror(errnum));
	else
		n = snprintf(line, sizeof(line), "%s[%ld]: %s",
		    log_progname, (long)getpid(), msg);
	if (n < 0)
		return;
	/* A truncated line is still worth logging. */
	if (log_writer != NULL)
		log_writer(line, log_writer_arg);
	else {
		(void)fprintf(stderr, "%s\n", line);
		(void)fflush(stderr);
	}
}

void
mlog_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vline(fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
mlog_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, 0);
	va_end(ap);
}

void
mlog_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, 0);
	va_end(ap);
}

void
mlog_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_debugging)
		return;
	va_start(ap, fmt);
	log_vline(fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vline(fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, 0);
	va_end(ap);
	exit(1);
}
