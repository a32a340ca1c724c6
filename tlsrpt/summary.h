/*
 * summary: what the stored TLS-RPT reports say, per policy domain, for
 * mta-sts-id --report and the "reports" finding of mta-sts-id --check.
 *
 * For each domain, over the reports whose end-datetime lies in the last
 * `days` days: the reports and reporters (organization-name), sessions
 * succeeded and failed (the policies' summaries), and per receiving MX
 * host the failed sessions by result-type with the reporters that saw
 * them (the failure-details; a failure without receiving-mx-hostname is
 * listed under "-").  Lists are sorted by name; more than SUMMARY_MAX_*
 * distinct names fold into one entry named "(other)".
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "report.h"

struct buf;
struct check_report;
struct conf;
struct idstate;
struct policy;

#define SUMMARY_DAYS_DEFAULT	7
#define SUMMARY_DAYS_MAX	366
#define SUMMARY_MAX_DOMAINS	65536
#define SUMMARY_MAX_ORGS	256
#define SUMMARY_MAX_MX		256
#define SUMMARY_MAX_RESULTS	64
#define SUMMARY_OUT_MAX		(16 * 1024 * 1024)

/* The --report form of mta-sts-id's usage, as in mta-sts-id(8). */
#define SUMMARY_USAGE	"mta-sts-id --report [-c FILE] [--days N] " \
	"[--format text|json]\n\tDOMAIN ... | --all\n"

enum summary_format {
	SUMMARY_FORMAT_TEXT,
	SUMMARY_FORMAT_JSON,
	SUMMARY_FORMAT__MAX
};

struct summary_org {
	char		 name[REPORT_ORG_SIZE];
	uint64_t	 reports, ok, failed;
};

struct summary_result {
	char		 type[REPORT_TYPE_SIZE];
	uint64_t	 failed;
	size_t		*org;	/* indexes into the domain's org[]; owned */
	size_t		 norg;
};

struct summary_mx {
	char			 host[HOST_NAME_SIZE];	/* "-": unknown */
	uint64_t		 failed;
	struct summary_result	*res;	/* owned */
	size_t			 nres;
};

struct summary_domain {
	char			 name[HOST_NAME_SIZE];
	uint64_t		 reports, ok, failed;
	int64_t			 start, end;	/* of the reports; 0: none */
	struct summary_org	*org;	/* owned */
	size_t			 norg;
	struct summary_mx	*mx;	/* owned */
	size_t			 nmx;
};

struct summary {
	int			 days;
	int			 all;	/* every domain the reports name */
	int64_t			 since;	/* end-datetime >= since */
	struct summary_domain	*d;	/* owned */
	size_t			 nd;
	size_t			 bad;	/* stored files that did not parse */
};

/* "text" or "json".  Returns 0 or -1. */
int	summary_format_parse(const char *s, enum summary_format *f);

/* A number of days, 1..SUMMARY_DAYS_MAX.  Returns 0 or -1. */
int	summary_days_parse(const char *s, int *days);

/*
 * Read the report directory of conf into s: for the n domains (lower
 * case, valid) in that order, or with n 0 for every domain the reports
 * name, sorted.  Returns 0, or -1 with err set (s is then cleared).
 * Free with summary_free().
 */
int	summary_collect(const struct conf *conf, const char *const *domains,
	    size_t n, int days, int64_t now, struct summary *s, char *err,
	    size_t errlen);

/* NULL-safe. */
void	summary_free(struct summary *s);

/*
 * Append s to out: text (see mta-sts-id(8), REPORTS) or one JSON object
 * and a newline.  Returns 0 or -1 (out full or no memory).
 */
int	summary_render(const struct summary *s, enum summary_format f,
	    struct buf *out);

/*
 * mta-sts-id --report: the whole command after the options were parsed
 * (argv: the DOMAIN arguments, or all set).  Prints to stdout, errors to
 * stderr; returns the exit code (0, 1 error, 2 usage).
 */
int	summary_cli(const struct conf *conf, int all, int argc,
	    char *const *argv, int days, const char *format);

/*
 * The "reports" finding of --check for domain over the last days days,
 * added only when the report directory exists (TLS-RPT intake is set up):
 * WARNING when sessions failed, CRITICAL when at least report_critical
 * percent of them did; WARNING when there is no report and the policy
 * (st, NULL: no state) was issued more than report_grace seconds ago;
 * otherwise OK, saying "ready to enforce" when served (NULL: unknown) has
 * mode testing and every session succeeded.
 */
void	summary_check(const struct conf *conf, const char *domain, int days,
	    int64_t now, const struct policy *served, const struct idstate *st,
	    struct check_report *r);

#endif /* SUMMARY_H */
