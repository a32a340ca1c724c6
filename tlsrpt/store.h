/*
 * store: TLS-RPT reports on disk, one file per report in report_dir
 * (mta-sts.conf(5)), for the intake programs (store_put()) and for
 * mta-sts-id --report and --check (store_scan()).
 *
 * A report is kept as the JSON text it arrived as (decompressed), in a
 * file named "EEEEEEEEEEE-ID.json": EEEEEEEEEEE its end-datetime in UTC
 * epoch seconds (11 digits, so names sort by date), ID its report-id with
 * every byte outside [A-Za-z0-9._+=@-] (and a leading '.') written as
 * %XX; an ID longer than STORE_ID_MAX encoded bytes is cut and ends in
 * "~" and a 64-bit FNV-1a hash of the whole report-id.  Nothing from a
 * report is ever executed or interpreted beyond report_parse().
 *
 * store_put() takes an exclusive flock(2) on report_dir/.lock, so
 * concurrent deliveries are serialised: a report-id is stored once, and
 * the bounds (report_max_count files, report_max_bytes bytes) hold after
 * every put, the files with the oldest end-datetime removed first.  Files
 * are written to a temporary name, fsync()ed and renamed; mode 0640,
 * owned by the running user.  report_dir is created (0750) when missing;
 * it must be owned by the running user and not writable by others.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct report;

#define STORE_ID_MAX		160	/* encoded report-id bytes */
#define STORE_PATH_SIZE		4096

enum store_rc {
	STORE_OK,		/* stored */
	STORE_DUPLICATE,	/* this report-id is stored already */
	STORE_REJECT,		/* never storable: larger than the bounds */
	STORE_TEMPFAIL,		/* disk, permissions, lock: try again */
	STORE__MAX
};

/*
 * The report directory of conf: report_dir, or state_dir/tlsrpt.
 * Returns 0, or -1 when it does not fit in size bytes.
 */
int	store_dir(const struct conf *conf, char *buf, size_t size);

/*
 * Store the len bytes of JSON text of the parsed report r in the report
 * directory of conf.  err gets one line on STORE_REJECT and
 * STORE_TEMPFAIL; on STORE_OK and STORE_DUPLICATE it gets the file name.
 */
enum store_rc store_put(const struct conf *conf, const struct report *r,
	    const char *json, size_t len, char *err, size_t errlen);

/*
 * Call fn once for each stored report whose end-datetime is at or after
 * since, in file name order (oldest first), with the parsed report (valid
 * only during the call) and arg.  Files that cannot be read or parsed are
 * counted in *bad (not fatal: someone else wrote them) and skipped.  A
 * missing directory holds no reports.  Returns 0, or -1 with err set when
 * the directory cannot be read or fn returns -1.
 */
int	store_scan(const struct conf *conf, int64_t since,
	    int (*fn)(const struct report *, void *), void *arg,
	    size_t *bad, char *err, size_t errlen);

/*
 * The file name (no directory) for a report: see above.  Returns 0, or
 * -1 when it does not fit in size bytes.
 */
int	store_name(const struct report *r, char *buf, size_t size);

#endif /* STORE_H */
