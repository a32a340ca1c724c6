/*
 * mta-sts-id: print the _mta-sts TXT record for each domain, issuing a new
 * id when the policy changed, the id is older than a day, or on request,
 * and only once the new policy is being served (see mta-sts-id(8)).
 *
 * This file parses the options, then for each domain:
 *
 *	render_policy()		lookup_policy(), the server's own decision
 *	bump_domain()		lock, state, keep or replace the id, publish
 *				before bump, save (cli/bump.c)
 *	put()			print the block
 *
 * With --check it audits the live deployment instead (check_domain() for
 * each domain, check_render() for the output, cli/check.c) and exits with
 * the monitoring-plugin status of the worst finding.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "bump.h"
#include "check.h"
#include "cli.h"
#include "conf.h"
#include "dns.h"
#include "fetch.h"
#include "host.h"
#include "idstate.h"
#include "lookup.h"
#include "mlog.h"
#include "num.h"
#include "policy.h"
#include "summary.h"
#include "xmalloc.h"

struct run {
	struct conf		*conf;	/* owned by lk once lk exists */
	struct lookup		*lk;	/* created on first use */
	struct dns		*dns;	/* created on first use */
	struct bump		 bump;
	struct fetch_opts	 fopts;
	struct fetch_connect_to	 ct[FETCH_CONNECT_TO_MAX];
	int			 report_days;	/* --days: TLS-RPT window */
	size_t			 njson;		/* --format json: objects out */
};

static int		check_mode;	/* --check: usage errors exit 3 */

static const char	usage_text[] =
    "usage: mta-sts-id [-c FILE] [--format zone|value|nsupdate|json]\n"
    "\t[--rotate] [--no-verify] [--publish-hook PROGRAM | --no-publish]\n"
    "\t[--ca-file FILE] [--connect-to HOST1:PORT1:HOST2:PORT2]\n"
    "\tDOMAIN ... | --all\n";
static const char	check_usage_text[] =
    "usage: mta-sts-id --check [-c FILE] [--format text|json] [--no-smtp]\n"
    "\t[--days N] [--timeout SECONDS] [--ca-file FILE]\n"
    "\t[--connect-to HOST1:PORT1:HOST2:PORT2] DOMAIN ... | --all\n";

/* --help: every form, as in the man page's SYNOPSIS, on stdout. */
static void __attribute__((noreturn))
help(void)
{
	if (printf("%s       %s       %s", usage_text, check_usage_text +
	    sizeof("usage: ") - 1, SUMMARY_USAGE) < 0 ||
	    fflush(stdout) == EOF) {
		mlog_warn("standard output");
		exit(EXIT_ERROR);
	}
	exit(EXIT_OK);
}

static void __attribute__((noreturn))
usage(void)
{
	(void)fputs(check_mode ? check_usage_text : usage_text, stderr);
	exit(check_mode ? CHECK_UNKNOWN : EXIT_USAGE);
}

/*
 * Turn a DOMAIN argument into the policy domain: lower case, one trailing
 * dot removed, a valid hostname.  Returns 0 or -1.
 */
static int
domain_arg(const char *arg, char domain[HOST_NAME_SIZE])
{
	size_t	 len = strlen(arg);

	if (len > 0 && arg[len - 1] == '.')
		len--;
	if (len == 0 || len >= HOST_NAME_SIZE || !host_valid(arg, len))
		return -1;
	memcpy(domain, arg, len);
	domain[len] = '\0';
	host_lower(domain);
	return 0;
}

/* --timeout: 1 to CHECK_TIMEOUT_MAX_S seconds, or -1. */
static int
seconds_arg(const char *s)
{
	uint64_t	 v;

	if (num_parse_str(s, 1, CHECK_TIMEOUT_MAX_S, 0, &v) == -1)
		return -1;
	return (int)v;
}

/* 1 when d is among the first n names of list. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
seen(char (*list)[HOST_NAME_SIZE], size_t n, const char *d)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], d) == 0)
			return 1;
	return 0;
}

/*
 * Render domain's policy into p (policy_init()ed) the way the server
 * does: the override file when the domain has one, else the DNS, with
 * the TXT opt-in check when the configuration lists no domains.
 * Returns EXIT_OK or the exit code of the failure (logged).
 */
static int
render_policy(struct run *run, const char *domain, struct policy *p)
{
	struct lookup_result	 res;
	const char		*detail;
	char			 host[HOST_NAME_SIZE + 8];
	int			 rc = EXIT_DNS;

	/* The server's own decision, from the live DNS (no cache_dir). */
	if (run->conf == NULL)
		return EXIT_ERROR;	/* out of memory before */
	if (run->lk == NULL) {
		if ((run->lk = lookup_new(run->conf, LOOKUP_NOCACHE |
		    LOOKUP_QUIET, CLI_DNS_TIMEOUT_MS)) == NULL) {
			mlog_warnx("out of memory");
			run->conf = NULL;
			return EXIT_ERROR;
		}
		/* run->conf now belongs to run->lk. */
	}
	(void)snprintf(host, sizeof(host), "mta-sts.%s", domain);
	lookup_policy(run->lk, host, domain, &res);
	/* res.log starts with the domain already. */
	detail = res.log;
	if (strncmp(detail, domain, strlen(domain)) == 0 &&
	    strncmp(detail + strlen(domain), ": ", 2) == 0)
		detail += strlen(domain) + 2;
	switch (res.rc) {
	case LOOKUP_POLICY:
		*p = res.pol;		/* moved */
		policy_init(&res.pol);
		rc = EXIT_OK;
		break;
	case LOOKUP_NOT_LISTED:
		mlog_warnx("%s: not listed in %s (the configuration lists "
		    "domains, and the server serves only those)", domain,
		    run->conf->path != NULL ? run->conf->path :
		    "the configuration");
		rc = EXIT_CONF;
		break;
	case LOOKUP_OVERRIDE_INVALID:
		mlog_warnx("%s: invalid override, the server does not serve "
		    "it either: %s", domain, res.log);
		rc = EXIT_CONF;
		break;
	case LOOKUP_RESOLVER_ERROR:
		mlog_warnx("%s: resolver: %s", domain, res.log);
		rc = EXIT_CONF;
		break;
	case LOOKUP_MX_NOT_ALLOWED:
		/* The server withholds such a policy (503); so do we. */
		mlog_warnx("%s: no policy to announce: %s, the server "
		    "withholds the policy", domain, res.log);
		break;
	default:
		mlog_warnx("%s: no policy to announce: %s (%s)", domain,
		    res.msg, detail);
		break;
	}
	lookup_result_clear(&res);
	return rc;
}

/* Write len bytes of b to f; returns 0 or -1. */
static int
put(FILE *f, const struct buf *b)
{
	if (b->len == 0)
		return 0;
	if (fwrite(b->data, 1, b->len, f) != b->len || fflush(f) == EOF)
		return -1;
	return 0;
}

/* Everything for one domain.  Returns an exit code. */
static int
run_domain(struct run *run, const char *domain)
{
	struct policy	 p;
	struct buf	 out, notes;
	int		 rc;

	policy_init(&p);
	buf_init(&out, CLI_OUT_MAX);
	buf_init(&notes, CLI_OUT_MAX);
	if ((rc = render_policy(run, domain, &p)) == EXIT_OK &&
	    ((rc = bump_domain(&run->bump, domain, &p, &out, &notes)) ==
	    EXIT_OK || rc == EXIT_PUBLISH) &&
	    (put(stderr, &notes) == -1 || (run->bump.format ==
	    IDSTATE_FORMAT_JSON && fputs(run->njson++ == 0 ?
	    IDSTATE_JSON_OPEN : IDSTATE_JSON_SEP, stdout) == EOF) ||
	    put(stdout, &out) == -1)) {
		mlog_warn("%s: writing the output", domain);
		rc = EXIT_ERROR;
	}
	buf_free(&notes);
	buf_free(&out);
	policy_clear(&p);
	return rc;
}

/*
 * --check: audit each domain (with smtp, its MX hosts' STARTTLS too) and
 * print the reports in format f.  Returns
 * the worst status as the exit code (enum check_sev values are the
 * monitoring-plugin exit codes).
 */
static int
run_check(struct run *run, char (*domains)[HOST_NAME_SIZE], size_t n,
    enum check_format f, int smtp, int timeout_s)
{
	struct check_report	*r;
	struct check_env	 env;
	struct buf		 out;
	enum check_sev		 worst = CHECK_OK;
	char			 err[1024];
	size_t			 i;

	if ((run->dns = dns_new(run->conf, err, sizeof(err))) == NULL) {
		mlog_warnx("resolver: %s", err);
		return CHECK_UNKNOWN;
	}
	if ((r = xcalloc(n, sizeof(*r))) == NULL) {
		mlog_warnx("out of memory");
		return CHECK_UNKNOWN;
	}
	memset(&env, 0, sizeof(env));
	env.dns = run->dns;
	env.state_dir = run->conf->state_dir;
	env.fopts = &run->fopts;
	env.now = (int64_t)time(NULL);
	env.timeout_ms = timeout_s * 1000;
	env.smtp = smtp;
	env.conf = run->conf;
	env.report_days = run->report_days;
	buf_init(&out, CHECK_OUT_MAX);
	for (i = 0; i < n; i++)
		check_report_init(&r[i], domains[i]);
	check_run(&env, r, n);
	for (i = 0; i < n; i++)
		worst = check_worse(worst, r[i].status);
	if (check_render(r, n, f, &out) == -1) {
		mlog_warnx("out of memory");
		worst = CHECK_UNKNOWN;
	} else if (put(stdout, &out) == -1) {
		mlog_warn("writing the output");
		worst = CHECK_UNKNOWN;
	}
	buf_free(&out);
	for (i = 0; i < n; i++)
		check_report_clear(&r[i]);
	free(r);
	return worst;
}

/* Load the configuration; with -c the file must exist. */
static int
load_conf(const char *cflag, struct conf **conf)
{
	struct stat	 sb;
	const char	*path;
	char		 err[1024];

	if (cflag != NULL && stat(cflag, &sb) == -1) {
		mlog_warn("%s", cflag);
		return -1;
	}
	if ((path = cflag) == NULL && (path = getenv("MTA_STS_CONF")) == NULL)
		path = conf_default_path();
	if (conf_load(path, conf, err, sizeof(err)) == -1) {
		mlog_warnx("configuration: %s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format",	required_argument,	NULL, 'f' },
		{ "rotate",	no_argument,		NULL, 'r' },
		{ "no-verify",	no_argument,		NULL, 'n' },
		{ "ca-file",	required_argument,	NULL, 'C' },
		{ "connect-to",	required_argument,	NULL, 't' },
		{ "all",	no_argument,		NULL, 'a' },
		{ "check",	no_argument,		NULL, 'k' },
		{ "no-smtp",	no_argument,		NULL, 'S' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "timeout",	required_argument,	NULL, 'T' },
		{ "report",	no_argument,		NULL, 'R' },
		{ "days",	required_argument,	NULL, 'D' },
		{ "publish-hook", required_argument,	NULL, 'P' },
		{ "no-publish",	no_argument,		NULL, 'N' },
		{ NULL,		0,			NULL, 0 }
	};
	struct run	 run;
	const char	*cflag = NULL;
	char		 (*domains)[HOST_NAME_SIZE] = NULL;
	const char	*fflag = NULL;
	enum check_format cformat = CHECK_FORMAT_TEXT;
	char		 err[512];
	size_t		 ndomains = 0, i, j = 0, iter;
	const char	*name;
	const char	*tflag = NULL;
	int		 ch, all = 0, rc = EXIT_OK, drc, nosmtp = 0;
	int		 timeout_s = CHECK_TIMEOUT_S;
	int		 report = 0, days = 0, nopublish = 0;
	const char	*hookflag = NULL;

	memset(&run, 0, sizeof(run));
	bump_init(&run.bump, NULL, &run.fopts);
	run.fopts.connect_to = run.ct;
	mlog_init("mta-sts-id", getenv("MTA_STS_DEBUG") != NULL);
	/* Known before getopt_long() so that every usage error exits 3. */
	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--check") == 0)
			check_mode = 1;

	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cflag = optarg;
			break;
		case 'f':
			fflag = optarg;
			break;
		case 'k':
			break;	/* check_mode is set above */
		case 'S':
			nosmtp = 1;
			break;
		case 'T':
			tflag = optarg;
			break;
		case 'r':
			run.bump.rotate = 1;
			break;
		case 'n':
			run.bump.verify = 0;
			break;
		case 'C':
			run.fopts.ca_file = optarg;
			break;
		case 't':
			if (run.fopts.nconnect_to >= FETCH_CONNECT_TO_MAX) {
				mlog_warnx("more than %d --connect-to rules",
				    FETCH_CONNECT_TO_MAX);
				usage();
			}
			if (fetch_connect_to_parse(optarg,
			    &run.ct[run.fopts.nconnect_to], err,
			    sizeof(err)) == -1) {
				mlog_warnx("%s", err);
				usage();
			}
			run.fopts.nconnect_to++;
			break;
		case 'a':
			all = 1;
			break;
		case 'R':
			report = 1;
			break;
		case 'D':
			if (summary_days_parse(optarg, &days) == -1) {
				mlog_warnx("--days: expected 1..%d",
				    SUMMARY_DAYS_MAX);
				usage();
			}
			break;
		case 'P':
			hookflag = optarg;
			break;
		case 'N':
			nopublish = 1;
			break;
		case 'h':
			help();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	run.report_days = days > 0 ? days : SUMMARY_DAYS_DEFAULT;
	if (report) {	/* --report: tlsrpt/summary.c does the rest */
		if (check_mode || run.bump.rotate || !run.bump.verify || nosmtp ||
		    hookflag != NULL || nopublish ||
		    tflag != NULL || run.fopts.ca_file != NULL ||
		    run.fopts.nconnect_to > 0) {
			mlog_warnx("--report takes only -c, --days, --format "
			    "and --all");
			return EXIT_USAGE;
		}
		if (load_conf(cflag, &run.conf) == -1)
			return EXIT_CONF;
		rc = summary_cli(run.conf, all, argc, argv, run.report_days,
		    fflag);
		goto out;
	}
	if (days > 0 && !check_mode) {
		mlog_warnx("--days needs --check or --report");
		usage();
	}
	if ((all && argc > 0) || (!all && argc == 0))
		usage();
	if (check_mode && (run.bump.rotate || !run.bump.verify ||
	    hookflag != NULL || nopublish)) {
		mlog_warnx("--check takes none of --rotate, --no-verify, "
		    "--publish-hook, --no-publish");
		usage();
	}
	if (hookflag != NULL && nopublish) {
		mlog_warnx("--publish-hook and --no-publish exclude each other");
		usage();
	}
	if (hookflag != NULL && hookflag[0] != '/') {
		mlog_warnx("--publish-hook \"%.64s\": want an absolute path",
		    hookflag);
		usage();
	}
	if (!check_mode && (nosmtp || tflag != NULL)) {
		mlog_warnx("%s needs --check", nosmtp ? "--no-smtp" :
		    "--timeout");
		usage();
	}
	if (tflag != NULL && (timeout_s = seconds_arg(tflag)) == -1) {
		mlog_warnx("--timeout \"%.32s\": want 1 to %d seconds", tflag,
		    CHECK_TIMEOUT_MAX_S);
		usage();
	}
	if (fflag != NULL && (check_mode ? check_format_parse(fflag,
	    &cformat) : idstate_format_parse(fflag, &run.bump.format)) == -1) {
		mlog_warnx("unknown format \"%.32s\"", fflag);
		usage();
	}

	/* A sender closing our pipe must not kill a run mid-write. */
	(void)signal(SIGPIPE, SIG_IGN);

	if (load_conf(cflag, &run.conf) == -1)
		return check_mode ? CHECK_UNKNOWN : EXIT_CONF;
	run.bump.state_dir = run.conf->state_dir;
	run.bump.conf = run.conf;	/* lives as long as run.lk */
	run.bump.publish_wait = run.conf->publish_wait;
	run.bump.ns.server = run.conf->nsupdate_server;
	run.bump.ns.zone = run.conf->nsupdate_zone;
	run.bump.refresh = (int64_t)run.conf->refresh;
	run.bump.hook = hookflag != NULL ? hookflag : run.conf->publish_hook;
	run.bump.track = run.bump.hook != NULL;
	if (nopublish)
		run.bump.hook = NULL;
	if (all && run.conf->nlisted == 0) {
		mlog_warnx("--all: %s lists no domains; name them on the "
		    "command line", run.conf->path != NULL ? run.conf->path :
		    "the configuration");
		rc = check_mode ? CHECK_UNKNOWN : EXIT_CONF;
		goto out;
	}
	ndomains = all ? run.conf->nlisted : (size_t)argc;
	if ((domains = xcalloc(ndomains, sizeof(*domains))) == NULL) {
		mlog_warnx("out of memory");
		rc = check_mode ? CHECK_UNKNOWN : EXIT_ERROR;
		goto out;
	}
	if (all) {
		/* In name order. */
		for (iter = 0, j = 0; j < ndomains &&
		    (name = conf_listed_next(run.conf, &iter, NULL)) != NULL;
		    j++)
			(void)snprintf(domains[j], sizeof(domains[j]), "%s",
			    name);
		qsort(domains, j, sizeof(domains[0]), name_cmp);
	}
	for (i = 0; !all && i < ndomains; i++) {
		if (domain_arg(argv[i], domains[j]) == -1) {
			mlog_warnx("\"%.300s\" is not a valid domain name",
			    argv[i]);
			free(domains);
			conf_free(run.conf);
			usage();
		}
		/* Each domain once, in the order first given. */
		if (!seen(domains, j, domains[j]))
			j++;
	}
	ndomains = j;

	if (check_mode) {
		rc = run_check(&run, domains, ndomains, cformat, !nosmtp,
		    timeout_s);
		goto out;
	}
	for (i = 0; i < ndomains; i++)
		if ((drc = run_domain(&run, domains[i])) != EXIT_OK &&
		    rc == EXIT_OK)
			rc = drc;
	/* One JSON document for the run, even when every domain failed. */
	if (run.bump.format == IDSTATE_FORMAT_JSON &&
	    (fputs(run.njson > 0 ? IDSTATE_JSON_CLOSE : IDSTATE_JSON_EMPTY,
	    stdout) == EOF || fflush(stdout) == EOF)) {
		mlog_warn("standard output");
		if (rc == EXIT_OK)
			rc = EXIT_ERROR;
	}
 out:
	bump_finish(&run.bump);
	free(domains);
	dns_free(run.dns);
	if (run.lk != NULL)
		lookup_release(run.lk);
	else
		conf_free(run.conf);
	if (fclose(stdout) == EOF && rc == EXIT_OK) {
		mlog_warn("standard output");
		rc = check_mode ? CHECK_UNKNOWN : EXIT_ERROR;
	}
	return rc;
}
