/*
 * log: one line per event on standard error (the web server's error log).
 *
 * Lines look like "mta-sts.fcgi[1234]: mta-sts.example.com: example.com:
 * reason".  Front ends may redirect the lines elsewhere with
 * log_set_writer() (the FastCGI front end sends them on the request's
 * FCGI_STDERR stream).  common/ never exits: fatal() and fatalx() are for the
 * programs' start-up code only.
 */
#ifndef LOG_H
#define LOG_H

/* Set the program name shown in every line and whether debug lines print. */
void	log_init(const char *progname, int debug);

/*
 * Send finished lines (without newline) to fn instead of stderr; fn NULL
 * restores stderr.  arg is passed through unchanged.
 */
void	log_set_writer(void (*fn)(const char *line, void *arg), void *arg);

/* Like log_warnx() with ": strerror(errno)" appended. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* LOG_H */
