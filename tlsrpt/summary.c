/*
 * summary: see summary.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "conf.h"
#include "host.h"
#include "idstate.h"
#include "policy.h"
#include "report.h"
#include "store.h"
#include "summary.h"
#include "xmalloc.h"

#define SUMMARY_DAY	86400
#define SUMMARY_OTHER	"(other)"

int
summary_format_parse(const char *s, enum summary_format *f)
{
	if (strcmp(s, "text") == 0)
		*f = SUMMARY_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = SUMMARY_FORMAT_JSON;
	else
		return -1;
	return 0;
}

int
summary_days_parse(const char *s, int *days)
{
	int	 n = 0;
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0 || n < 1 || n > SUMMARY_DAYS_MAX)
		return -1;
	*days = n;
	return 0;
}

static void
summary_domain_free(struct summary_domain *d)
{
	size_t	 i, j;

	for (i = 0; i < d->nmx; i++) {
		for (j = 0; j < d->mx[i].nres; j++)
			free(d->mx[i].res[j].org);
		free(d->mx[i].res);
	}
	free(d->mx);
	free(d->org);
}

void
summary_free(struct summary *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nd; i++)
		summary_domain_free(&s->d[i]);
	free(s->d);
	memset(s, 0, sizeof(*s));
}

/*
 * The index of the element named name in the array *v of *n elements of
 * size sz whose name is at offset 0 (char[namesz]), added when missing.
 * At cap elements, the last one is "(other)" and takes every new name.
 * Returns the index, or -1 when out of memory.
 */
static ssize_t
summary_slot(void **v, size_t *n, size_t sz, size_t namesz, size_t cap,
    const char *name)
{
	char	*base = *v, *nv;
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strcmp(base + i * sz, name) == 0)
			return (ssize_t)i;
	if (*n + 1 >= cap) {
		name = SUMMARY_OTHER;
		for (i = 0; i < *n; i++)
			if (strcmp(base + i * sz, name) == 0)
				return (ssize_t)i;
	}
	if ((nv = xreallocarray(base, *n + 1, sz)) == NULL)
		return -1;
	*v = nv;
	memset(nv + *n * sz, 0, sz);
	(void)snprintf(nv + *n * sz, namesz, "%s", name);
	return (ssize_t)(*n)++;
}

/* Saturating addition: counts come from reports, which may lie. */
static uint64_t
summary_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The failure f, reported by org index oi, into domain d. */
static int
summary_failure(struct summary_domain *d, const struct report_failure *f,
    size_t oi)
{
	struct summary_mx	*mx;
	struct summary_result	*res;
	size_t			*no;
	ssize_t			 i, j;
	size_t			 k;

	if ((i = summary_slot((void **)&d->mx, &d->nmx, sizeof(*d->mx),
	    HOST_NAME_SIZE, SUMMARY_MAX_MX, f->mx[0] != '\0' ? f->mx : "-")) ==
	    -1)
		return -1;
	mx = &d->mx[i];
	mx->failed = summary_add(mx->failed, f->count);
	if ((j = summary_slot((void **)&mx->res, &mx->nres, sizeof(*mx->res),
	    REPORT_TYPE_SIZE, SUMMARY_MAX_RESULTS, f->result)) == -1)
		return -1;
	res = &mx->res[j];
	res->failed = summary_add(res->failed, f->count);
	for (k = 0; k < res->norg; k++)
		if (res->org[k] == oi)
			return 0;
	if ((no = xreallocarray(res->org, res->norg + 1, sizeof(*no))) == NULL)
		return -1;
	res->org = no;
	res->org[res->norg++] = oi;
	return 0;
}

/* Report r into domain d: its policies for d's name. */
static int
summary_report(struct summary_domain *d, const struct report *r)
{
	struct summary_org	*o;
	ssize_t			 oi = -1;
	size_t			 i, j;

	for (i = 0; i < r->np; i++) {
		if (strcmp(r->p[i].domain, d->name) != 0)
			continue;
		if (oi == -1) {
			if ((oi = summary_slot((void **)&d->org, &d->norg,
			    sizeof(*d->org), REPORT_ORG_SIZE, SUMMARY_MAX_ORGS,
			    r->org)) == -1)
				return -1;
			d->org[oi].reports++;
			d->reports++;
			if (d->start == 0 || r->start < d->start)
				d->start = r->start;
			if (r->end > d->end)
				d->end = r->end;
		}
		o = &d->org[oi];
		o->ok = summary_add(o->ok, r->p[i].ok);
		o->failed = summary_add(o->failed, r->p[i].failed);
		d->ok = summary_add(d->ok, r->p[i].ok);
		d->failed = summary_add(d->failed, r->p[i].failed);
		for (j = 0; j < r->p[i].nf; j++)
			if (summary_failure(d, &r->p[i].f[j], (size_t)oi) == -1)
				return -1;
	}
	return 0;
}

static int
summary_one(const struct report *r, void *arg)
{
	struct summary	*s = arg;
	size_t		 i;

	if (s->all)
		for (i = 0; i < r->np; i++)
			if (summary_slot((void **)&s->d, &s->nd, sizeof(*s->d),
			    HOST_NAME_SIZE, SUMMARY_MAX_DOMAINS,
			    r->p[i].domain) == -1)
				return -1;
	for (i = 0; i < s->nd; i++)
		if (summary_report(&s->d[i], r) == -1)
			return -1;
	return 0;
}

static int
summary_name_cmp(const void *a, const void *b)
{
	/* Every summary_* element begins with its name. */
	return strcmp((const char *)a, (const char *)b);
}

static int
summary_index_cmp(const void *a, const void *b)
{
	size_t	 x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sort a domain's lists by name.  The results refer to reporters by their
 * index in org[], so those are renumbered after org[] is sorted.
 */
static int
summary_sort(struct summary_domain *d)
{
	struct summary_org	*sorted;
	size_t			*map, i, j, k;

	if (d->norg > 1) {
		if ((sorted = xcalloc(d->norg, sizeof(*sorted))) == NULL ||
		    (map = xcalloc(d->norg, sizeof(*map))) == NULL) {
			free(sorted);
			return -1;
		}
		memcpy(sorted, d->org, d->norg * sizeof(*sorted));
		qsort(sorted, d->norg, sizeof(*sorted), summary_name_cmp);
		for (i = 0; i < d->norg; i++)
			for (j = 0; j < d->norg; j++)
				if (strcmp(d->org[i].name, sorted[j].name) == 0)
					map[i] = j;
		for (i = 0; i < d->nmx; i++)
			for (j = 0; j < d->mx[i].nres; j++)
				for (k = 0; k < d->mx[i].res[j].norg; k++)
					d->mx[i].res[j].org[k] =
					    map[d->mx[i].res[j].org[k]];
		free(d->org);
		d->org = sorted;
		free(map);
	}
	if (d->nmx > 1)
		qsort(d->mx, d->nmx, sizeof(*d->mx), summary_name_cmp);
	for (i = 0; i < d->nmx; i++) {
		if (d->mx[i].nres > 1)
			qsort(d->mx[i].res, d->mx[i].nres, sizeof(*d->mx[i].res),
			    summary_name_cmp);
		for (j = 0; j < d->mx[i].nres; j++)
			qsort(d->mx[i].res[j].org, d->mx[i].res[j].norg,
			    sizeof(size_t), summary_index_cmp);
	}
	return 0;
}

int
summary_collect(const struct conf *conf, const char *const *domains,
    size_t n, int days, int64_t now, struct summary *s, char *err,
    size_t errlen)
{
	size_t	 i;

	memset(s, 0, sizeof(s[0]));
	s->days = days;
	s->all = n == 0;
	s->since = now - (int64_t)days * SUMMARY_DAY;
	if (n > 0) {
		if ((s->d = xcalloc(n, sizeof(*s->d))) == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (i = 0; i < n; i++)
			(void)snprintf(s->d[i].name, sizeof(s->d[i].name),
			    "%s", domains[i]);
		s->nd = n;
	}
	if (store_scan(conf, s->since, summary_one, s, &s->bad, err,
	    errlen) == -1) {
		summary_free(s);
		return -1;
	}
	if (s->all && s->nd > 0)
		qsort(s->d, s->nd, sizeof(*s->d), summary_name_cmp);
	for (i = 0; i < s->nd; i++)
		if (summary_sort(&s->d[i]) == -1) {
			(void)snprintf(err, errlen, "out of memory");
			summary_free(s);
			return -1;
		}
	return 0;
}

/* RFC 3339 UTC, as the reports write it. */
static void
summary_time(int64_t t, char *buf, size_t size)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "?");
}

static const char *
summary_s(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static int
summary_text(const struct summary_domain *d, int days, struct buf *out)
{
	const struct summary_result	*res;
	char				 t0[32], t1[32];
	size_t				 i, j, k;

	if (d->reports == 0)
		return buf_printf(out, "%s: no reports in the last %d day%s\n",
		    d->name, days, days == 1 ? "" : "s");
	summary_time(d->start, t0, sizeof(t0));
	summary_time(d->end, t1, sizeof(t1));
	if (buf_printf(out, "%s: %llu report%s from %zu reporter%s, %s to %s\n"
	    "  sessions: %llu succeeded, %llu failed\n", d->name,
	    (unsigned long long)d->reports, summary_s(d->reports), d->norg,
	    summary_s(d->norg), t0, t1, (unsigned long long)d->ok,
	    (unsigned long long)d->failed) == -1)
		return -1;
	for (i = 0; i < d->norg; i++)
		if (buf_printf(out, "  reporter %s: %llu report%s, %llu "
		    "succeeded, %llu failed\n", d->org[i].name,
		    (unsigned long long)d->org[i].reports,
		    summary_s(d->org[i].reports),
		    (unsigned long long)d->org[i].ok,
		    (unsigned long long)d->org[i].failed) == -1)
			return -1;
	for (i = 0; i < d->nmx; i++) {
		if (buf_printf(out, "  mx %s: %llu failed\n", d->mx[i].host,
		    (unsigned long long)d->mx[i].failed) == -1)
			return -1;
		for (j = 0; j < d->mx[i].nres; j++) {
			res = &d->mx[i].res[j];
			if (buf_printf(out, "    %s: %llu (", res->type,
			    (unsigned long long)res->failed) == -1)
				return -1;
			for (k = 0; k < res->norg; k++)
				if (buf_printf(out, "%s%s", k > 0 ? ", " : "",
				    d->org[res->org[k]].name) == -1)
					return -1;
			if (buf_puts(out, ")\n") == -1)
				return -1;
		}
	}
	return 0;
}

static int
summary_json(const struct summary_domain *d, struct buf *out)
{
	const struct summary_result	*res;
	char				 t[32];
	size_t				 i, j, k;

	if (buf_puts(out, "{\"domain\":") == -1 ||
	    buf_json_str(out, d->name) == -1 ||
	    buf_printf(out, ",\"reports\":%llu", (unsigned long long)d->reports)
	    == -1)
		return -1;
	if (d->reports > 0) {
		summary_time(d->start, t, sizeof(t));
		if (buf_printf(out, ",\"start\":\"%s\"", t) == -1)
			return -1;
		summary_time(d->end, t, sizeof(t));
		if (buf_printf(out, ",\"end\":\"%s\"", t) == -1)
			return -1;
	}
	if (buf_printf(out, ",\"successful\":%llu,\"failed\":%llu,"
	    "\"reporters\":[", (unsigned long long)d->ok,
	    (unsigned long long)d->failed) == -1)
		return -1;
	for (i = 0; i < d->norg; i++)
		if (buf_printf(out, "%s{\"organization\":", i > 0 ? "," : "") ==
		    -1 || buf_json_str(out, d->org[i].name) == -1 ||
		    buf_printf(out, ",\"reports\":%llu,\"successful\":%llu,"
		    "\"failed\":%llu}", (unsigned long long)d->org[i].reports,
		    (unsigned long long)d->org[i].ok,
		    (unsigned long long)d->org[i].failed) == -1)
			return -1;
	if (buf_puts(out, "],\"mx\":[") == -1)
		return -1;
	for (i = 0; i < d->nmx; i++) {
		if (buf_printf(out, "%s{\"host\":", i > 0 ? "," : "") == -1 ||
		    buf_json_str(out, d->mx[i].host) == -1 ||
		    buf_printf(out, ",\"failed\":%llu,\"results\":[",
		    (unsigned long long)d->mx[i].failed) == -1)
			return -1;
		for (j = 0; j < d->mx[i].nres; j++) {
			res = &d->mx[i].res[j];
			if (buf_printf(out, "%s{\"result-type\":",
			    j > 0 ? "," : "") == -1 ||
			    buf_json_str(out, res->type) == -1 ||
			    buf_printf(out, ",\"failed\":%llu,\"reporters\":[",
			    (unsigned long long)res->failed) == -1)
				return -1;
			for (k = 0; k < res->norg; k++)
				if ((k > 0 && buf_puts(out, ",") == -1) ||
				    buf_json_str(out,
				    d->org[res->org[k]].name) == -1)
					return -1;
			if (buf_puts(out, "]}") == -1)
				return -1;
		}
		if (buf_puts(out, "]}") == -1)
			return -1;
	}
	return buf_puts(out, "]}");
}

int
summary_render(const struct summary *s, enum summary_format f,
    struct buf *out)
{
	size_t	 i;

	if (f == SUMMARY_FORMAT_JSON && buf_printf(out,
	    "{\"days\":%d,\"domains\":[", s->days) == -1)
		return -1;
	for (i = 0; i < s->nd; i++) {
		if (f == SUMMARY_FORMAT_TEXT) {
			if (summary_text(&s->d[i], s->days, out) == -1)
				return -1;
			continue;
		}
		if ((i > 0 && buf_puts(out, ",") == -1) ||
		    summary_json(&s->d[i], out) == -1)
			return -1;
	}
	if (f == SUMMARY_FORMAT_JSON && buf_puts(out, "]}\n") == -1)
		return -1;
	if (f == SUMMARY_FORMAT_TEXT && s->nd == 0 && buf_printf(out,
	    "no reports in the last %d day%s\n", s->days,
	    s->days == 1 ? "" : "s") == -1)
		return -1;
	return 0;
}

int
summary_cli(const struct conf *conf, int all, int argc, char *const *argv,
    int days, const char *format)
{
	enum summary_format	 f = SUMMARY_FORMAT_TEXT;
	struct summary		 s;
	struct buf		 out;
	const char		**names = NULL;
	char			(*dom)[HOST_NAME_SIZE] = NULL;
	char			 err[1024], dir[STORE_PATH_SIZE];
	size_t			 i, n = 0, len;
	int			 rc = 1;

	if (format != NULL && summary_format_parse(format, &f) == -1) {
		(void)fprintf(stderr, "mta-sts-id: unknown format \"%.32s\"\n",
		    format);
		return 2;
	}
	if ((all && argc > 0) || (!all && argc == 0)) {
		(void)fputs("usage: " SUMMARY_USAGE, stderr);
		return 2;
	}
	if (argc > 0 && ((names = xcalloc((size_t)argc, sizeof(*names))) ==
	    NULL || (dom = xcalloc((size_t)argc, sizeof(*dom))) == NULL)) {
		(void)fputs("mta-sts-id: out of memory\n", stderr);
		goto out;
	}
	for (i = 0; i < (size_t)argc; i++) {
		len = strlen(argv[i]);
		if (len > 0 && argv[i][len - 1] == '.')
			len--;
		if (len == 0 || len >= HOST_NAME_SIZE ||
		    !host_valid(argv[i], len)) {
			(void)fprintf(stderr, "mta-sts-id: \"%.300s\" is not a "
			    "valid domain name\n", argv[i]);
			rc = 2;
			goto out;
		}
		memcpy(dom[n], argv[i], len);
		dom[n][len] = '\0';
		host_lower(dom[n]);
		names[n] = dom[n];
		n++;
	}
	if (summary_collect(conf, names, n, days, (int64_t)time(NULL), &s,
	    err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "mta-sts-id: %s\n", err);
		goto out;
	}
	if (s.bad > 0 && store_dir(conf, dir, sizeof(dir)) == 0)
		(void)fprintf(stderr, "mta-sts-id: %zu file%s in %s could not "
		    "be read as reports; skipped\n", s.bad,
		    s.bad == 1 ? "" : "s", dir);
	buf_init(&out, SUMMARY_OUT_MAX);
	if (summary_render(&s, f, &out) == -1)
		(void)fputs("mta-sts-id: output too large or out of memory\n",
		    stderr);
	else if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) !=
	    out.len)
		(void)fputs("mta-sts-id: writing the output failed\n", stderr);
	else
		rc = 0;
	buf_free(&out);
	summary_free(&s);
 out:
	free(names);
	free(dom);
	return rc;
}

/* The reports summary_check() read last, for the next domains. */
static struct {
	struct summary	 s;
	char		 dir[STORE_PATH_SIZE];
	int64_t		 now;
	int		 days;
	int		 ok;
} memo;

void
summary_check(const struct conf *conf, const char *domain, int days,
    int64_t now, const struct policy *served, const struct idstate *st,
    struct check_report *r)
{
	static const struct summary_domain none;
	const struct summary_domain	*d;
	const struct summary_mx		*wmx = NULL;
	const struct summary_result	*wres = NULL;
	struct stat			 sb;
	enum check_sev			 sev;
	char				 err[512], dir[STORE_PATH_SIZE];
	uint64_t			 total, tenths;
	int64_t				 age, span;
	size_t				 i, j;

	/* No report directory: TLS-RPT intake is not set up here. */
	if (store_dir(conf, dir, sizeof(dir)) == -1 ||
	    (stat(dir, &sb) == -1 && errno == ENOENT))
		return;
	/*
	 * --check asks for one domain after the other, with the same
	 * configuration, window and time: the reports are read once, for
	 * every domain, on the first call.  Only one thread calls this
	 * (check.c builds its reports after joining its workers).
	 */
	if (!memo.ok || memo.days != days || memo.now != now ||
	    strcmp(memo.dir, dir) != 0) {
		summary_free(&memo.s);
		memo.ok = 0;
		if (summary_collect(conf, NULL, 0, days, now, &memo.s, err,
		    sizeof(err)) == -1) {
			check_add(r, CHECK_UNKNOWN, "reports", "%s", err);
			return;
		}
		memo.ok = 1;
		memo.days = days;
		memo.now = now;
		(void)snprintf(memo.dir, sizeof(memo.dir), "%s", dir);
	}
	d = bsearch(domain, memo.s.d, memo.s.nd, sizeof(*memo.s.d),
	    summary_name_cmp);
	if (d == NULL)
		d = &none;
	total = summary_add(d->ok, d->failed);
	if (d->reports == 0) {
		age = st != NULL ? now - st->issued : -1;
		if (age >= 0 && age < (int64_t)conf->report_grace)
			check_add(r, CHECK_OK, "reports", "no TLS-RPT report "
			    "in %s yet; the policy id is %lld hours old "
			    "(report_grace %lu hours)", dir,
			    (long long)(age / 3600), conf->report_grace / 3600);
		else
			check_add(r, CHECK_WARNING, "reports", "no TLS-RPT "
			    "report in %s for the last %d days: check the rua "
			    "of _smtp._tls.%s and the report intake", dir,
			    days, domain);
	} else if (d->failed > 0) {
		for (i = 0; i < d->nmx; i++)
			for (j = 0; j < d->mx[i].nres; j++)
				if (wres == NULL ||
				    d->mx[i].res[j].failed > wres->failed) {
					wmx = &d->mx[i];
					wres = &d->mx[i].res[j];
				}
		/* Tenths of a percent, rounded down; total > 0 here. */
		tenths = d->failed >= UINT64_MAX / 1000 ? 1000 :
		    d->failed * 1000 / total;
		sev = d->failed >= UINT64_MAX / 100 ||
		    d->failed * 100 >= (uint64_t)conf->report_critical * total ?
		    CHECK_CRITICAL : CHECK_WARNING;
		if (wres != NULL)
			check_add(r, sev, "reports", "%llu of %llu sessions "
			    "failed in the last %d days (%llu.%llu%%) from "
			    "%zu reporter%s; most: %s at %s (%llu)",
			    (unsigned long long)d->failed,
			    (unsigned long long)total, days,
			    (unsigned long long)(tenths / 10),
			    (unsigned long long)(tenths % 10), d->norg,
			    summary_s(d->norg), wres->type, wmx->host,
			    (unsigned long long)wres->failed);
		else
			check_add(r, sev, "reports", "%llu of %llu sessions "
			    "failed in the last %d days (%llu.%llu%%) from "
			    "%zu reporter%s", (unsigned long long)d->failed,
			    (unsigned long long)total, days,
			    (unsigned long long)(tenths / 10),
			    (unsigned long long)(tenths % 10), d->norg,
			    summary_s(d->norg));
	} else if (total == 0)
		check_add(r, CHECK_OK, "reports", "%llu report%s in the last "
		    "%d days, no sessions", (unsigned long long)d->reports,
		    summary_s(d->reports), days);
	else if (served != NULL && served->mode == POLICY_MODE_TESTING) {
		span = (d->end - d->start + SUMMARY_DAY / 2) / SUMMARY_DAY;
		check_add(r, CHECK_OK, "reports", "mode testing for %lld "
		    "day%s, %llu sessions from %zu reporter%s, 0 failures: "
		    "ready to enforce", (long long)span, span == 1 ? "" : "s",
		    (unsigned long long)total, d->norg, summary_s(d->norg));
	} else
		check_add(r, CHECK_OK, "reports", "%llu sessions from %zu "
		    "reporter%s in the last %d days, 0 failures",
		    (unsigned long long)total, d->norg, summary_s(d->norg),
		    days);
}
