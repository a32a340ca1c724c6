/*
 * report: one TLS-RPT report (RFC 8460 section 4), parsed and validated
 * from its JSON text; the only file that includes json-c.
 *
 * Reports are untrusted input (RFC 8460 section 7).  The JSON must be
 * well formed by json-c's strict mode, valid UTF-8, one object and nothing
 * after it, at most REPORT_MAX_DEPTH levels deep.  Of the fields the
 * reading needs, these must be present with the right types:
 *
 *	organization-name, report-id		non-empty strings
 *	date-range.start-datetime, .end-datetime	RFC 3339 date-times,
 *						start <= end
 *	policies				an array of 1 to
 *						REPORT_MAX_POLICIES objects:
 *	  policy.policy-type			a string
 *	  policy.policy-domain			a host name
 *	  summary.total-successful-session-count,
 *	  summary.total-failure-session-count	integers >= 0
 *	  failure-details (optional)		an array of objects with
 *	    result-type				a string
 *	    failed-session-count		an integer >= 0
 *	    receiving-mx-hostname, sending-mta-ip,
 *	    receiving-ip (optional)		strings (may be empty, as
 *						Microsoft sends them)
 *
 * contact-info, policy-string, mx-host and fields this module does not
 * know are allowed and ignored (the format is extensible); a known field
 * of the wrong type is an error.  Strings kept are cut to their field's
 * size; control characters become '?'.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

#define REPORT_MAX_DEPTH	16
#define REPORT_MAX_POLICIES	1024
#define REPORT_MAX_FAILURES	65536	/* failure-details, whole report */
#define REPORT_ID_MAX		1024	/* bytes of report-id */
#define REPORT_ORG_SIZE		128
#define REPORT_TYPE_SIZE	64
#define REPORT_IP_SIZE		64
#define REPORT_COUNT_MAX	((uint64_t)1 << 53)

struct report_failure {
	char		 result[REPORT_TYPE_SIZE];	/* result-type */
	char		 mx[HOST_NAME_SIZE];	/* lower case; "" unknown */
	char		 ip[REPORT_IP_SIZE];	/* sending-mta-ip; may be "" */
	uint64_t	 count;			/* failed-session-count */
};

struct report_policy {
	char			 type[REPORT_TYPE_SIZE];	/* policy-type */
	char			 domain[HOST_NAME_SIZE];	/* lower case */
	uint64_t		 ok;	/* total-successful-session-count */
	uint64_t		 failed;	/* total-failure-session-count */
	struct report_failure	*f;	/* owned */
	size_t			 nf;
};

struct report {
	char			*id;	/* report-id; owned */
	char			 org[REPORT_ORG_SIZE];	/* organization-name */
	int64_t			 start, end;	/* UTC epoch seconds */
	struct report_policy	*p;	/* owned */
	size_t			 np;
};

/* An empty report (allocates nothing); free with report_clear(). */
void	report_init(struct report *r);
void	report_clear(struct report *r);

/*
 * Parse and validate len bytes of JSON into r (report_init()ed).  Returns
 * 0, or -1 with r cleared and err holding one line that says what is
 * wrong ("policies[0].summary: missing total-failure-session-count").
 */
int	report_parse(const char *json, size_t len, struct report *r,
	    char *err, size_t errlen);

/*
 * Parse an RFC 3339 date-time ("2016-04-01T00:00:00Z", fractions and
 * numeric offsets allowed) into UTC epoch seconds.  Returns 0 or -1.
 */
int	report_time_parse(const char *s, int64_t *t);

#endif /* REPORT_H */
