/*
 * mlog: one line per event on standard error (the web server's error log).
 *
 * Lines look like "mta-sts.fcgi[1234]: mta-sts.example.com: example.com:
 * reason".  Front ends may redirect the lines elsewhere with
 * mlog_set_writer() (the FastCGI front end sends them on the request's
 * FCGI_STDERR stream).  common/ never exits: fatal() and fatalx() are for the
 * programs' start-up code only.
 */
#ifndef MLOG_H
#define MLOG_H

/* Set the program name shown in every line and whether debug lines print. */
void	mlog_init(const char *progname, int debug);

/*
 * Send the calling thread's finished lines (without newline) to fn instead
 * of stderr; fn NULL restores stderr.  arg is passed through unchanged.
 * Other threads keep their own writer.
 */
void	mlog_set_writer(void (*fn)(const char *line, void *arg), void *arg);

/* Like mlog_warnx() with ": strerror(errno)" appended. */
void	mlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	mlog_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	mlog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	mlog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* MLOG_H */
