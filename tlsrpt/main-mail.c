/*
 * mta-sts-tlsrpt-mail: the mail intake of TLS-RPT reports (RFC 8460
 * section 5.3).  Reads one message on standard input, as an MTA's pipe
 * delivery runs it (Postfix pipe(8) or an alias "|command", procmail,
 * Sieve "pipe"), stores every report attached to it and exits with a
 * sysexits(3) code the MTA understands:
 *
 *	0	EX_OK		every report found was stored (or was before)
 *	64	EX_USAGE	bad command line
 *	65	EX_DATAERR	no report in the message, or only invalid ones
 *			(the MTA bounces: retrying cannot help)
 *	75	EX_TEMPFAIL	a report could not be stored now (disk, lock,
 *			permissions, configuration): the MTA keeps the
 *			message and tries again, so no report is lost
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "intake.h"
#include "mime.h"
#include "mlog.h"
#include "xmalloc.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_DATAERR	65
#define EX_TEMPFAIL	75

/* A message holds a report base64-encoded (4/3) plus headers. */
#define MAIL_OVERHEAD	(1024 * 1024)

static void __attribute__((noreturn))
usage(void)
{
	(void)fputs("usage: mta-sts-tlsrpt-mail [-c FILE]\n", stderr);
	exit(EX_USAGE);
}

/*
 * Read all of standard input, at most max bytes, into *msg (caller must
 * free).  Returns 0, 1 when there was more than max, or -1 (read error).
 */
static int
read_all(size_t max, char **msg, size_t *len)
{
	char	*p, *np;
	size_t	 cap = 0, off = 0;
	ssize_t	 n;

	*msg = NULL;
	*len = 0;
	p = NULL;
	for (;;) {
		if (off == cap) {
			if (cap > max)
				break;
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((np = xrealloc(p, cap + 1)) == NULL) {
				free(p);
				return -1;
			}
			p = np;
		}
		if ((n = read(STDIN_FILENO, p + off, cap - off)) == -1) {
			if (errno == EINTR)
				continue;
			free(p);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off > max) {
		free(p);
		return 1;
	}
	if (p == NULL && (p = xmalloc(1)) == NULL)
		return -1;
	p[off] = '\0';
	*msg = p;
	*len = off;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct conf		*conf = NULL;
	struct mime_part	*parts = NULL;
	const char		*path = NULL;
	char			 err[1024], msg[INTAKE_MSG_SIZE], *text = NULL;
	size_t			 len, max, n = 0, i, ok = 0, tmp = 0;
	int			 ch, rc;

	mlog_init("mta-sts-tlsrpt-mail", getenv("MTA_STS_DEBUG") != NULL);
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (geteuid() == 0) {
		mlog_warnx("refusing to run as root: have the MTA run it as "
		    "the user that owns report_dir");
		return EX_TEMPFAIL;
	}
	if (path == NULL && (path = getenv("MTA_STS_CONF")) == NULL)
		path = conf_default_path();
	if (conf_load(path, &conf, err, sizeof(err)) == -1) {
		mlog_warnx("configuration: %s", err);
		return EX_TEMPFAIL;
	}
	max = conf->report_max_size / 3 * 4 + conf->report_max_size / 38 +
	    MAIL_OVERHEAD;
	switch (read_all(max, &text, &len)) {
	case 0:
		break;
	case 1:
		mlog_warnx("rejected: the message is larger than %zu bytes "
		    "(report_max_size %lu, base64-encoded, plus headers)", max,
		    conf->report_max_size);
		rc = EX_DATAERR;
		goto out;
	default:
		mlog_warn("reading the message");
		rc = EX_TEMPFAIL;
		goto out;
	}
	mime_init();
	if (mime_reports(text, len, conf->report_max_size, &parts, &n, err,
	    sizeof(err)) == -1) {
		mlog_warnx("rejected: %s", err);
		rc = strcmp(err, "out of memory") == 0 ? EX_TEMPFAIL :
		    EX_DATAERR;
		goto done;
	}
	if (n == 0) {
		mlog_warnx("rejected: no TLS-RPT report in the message (no "
		    "application/tlsrpt+gzip or +json part, no .json.gz, "
		    ".json or .gz attachment)");
		rc = EX_DATAERR;
		goto done;
	}
	for (i = 0; i < n; i++) {
		switch (intake_submit(conf, parts[i].data, parts[i].len, msg,
		    sizeof(msg))) {
		case INTAKE_STORED:
		case INTAKE_DUPLICATE:
			mlog_info("%s", msg);
			ok++;
			break;
		case INTAKE_TEMPFAIL:
			mlog_warnx("%s: %s", parts[i].label, msg);
			tmp++;
			break;
		default:
			mlog_warnx("rejected %s: %s", parts[i].label, msg);
			break;
		}
	}
	rc = tmp > 0 ? EX_TEMPFAIL : ok > 0 ? EX_OK : EX_DATAERR;
 done:
	mime_parts_free(parts, n);
	mime_done();
 out:
	free(text);
	conf_free(conf);
	return rc;
}
