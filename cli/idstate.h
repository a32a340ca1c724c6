/*
 * idstate: the _mta-sts TXT id of each domain, and what mta-sts-id(8)
 * remembers about it in state_dir.
 *
 * Ids.  An id is the UTC time it was issued, YYYYMMDDHHMMSS (14 digits),
 * optionally followed by a sequence number of decimal digits, at most 32
 * characters in all (RFC 8461 section 3.1: 1*32 ALPHA / DIGIT).  It is
 * never derived from the policy.  The next id after prev is:
 *
 *	no prev				the timestamp T
 *	T later than prev's timestamp	T, padded with zeros to prev's length
 *	otherwise (same second, or the	prev with its sequence number plus
 *	clock went back)		one, same width; when that would
 *					overflow (no sequence yet, or all
 *					nines), prev with a "1" appended
 *
 * so that 20261122153000 is followed within the same second by
 * 202611221530001 .. 202611221530009, 2026112215300091 .. 99, and so on,
 * and one second later by 202611221530010 (padded).  Every new id is
 * greater than the previous one both as a string (strcmp) and as a number
 * (longer is larger, then strcmp); an id never gets shorter.
 *
 * State files.  One per domain: state_dir/<domain>.state, the domain being
 * a valid lower-case hostname (so the name holds no "/" and cannot start
 * with a dot).  Text, one "key value" per line, LF line ends, this order:
 *
 *	mta-sts-id-state 1		version header
 *	domain example.com		must match the file name's domain
 *	id 20261122153000		the current id
 *	issued 1795361400		when it was issued, UTC epoch seconds
 *	published 1795361460		optional: when the publish hook ran
 *					and the DNS showed the id, or "no"
 *					(issued, not yet published); absent
 *					when no hook publishes (older files)
 *	mode enforce			the canonical policy it announces:
 *	max_age 604800			mode, max_age, then one mx line per
 *	mx mx1.example.com		host, sorted, no duplicates
 *	end
 *
 * The parser accepts exactly what idstate_render() writes.  Files are
 * written atomically (temporary file in state_dir, fsync, rename, fsync of
 * the directory).  A file that is corrupt or unreadable is reported and
 * never replaced.  A lock file (state_dir/mta-sts-id.lock, flock(2)) keeps
 * two runs from working on the same state directory at once.
 */
#ifndef IDSTATE_H
#define IDSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct buf;

#define IDSTATE_ID_MAX		32	/* RFC 8461 section 3.1 */
#define IDSTATE_ID_SIZE		(IDSTATE_ID_MAX + 1)
#define IDSTATE_STAMP_LEN	14	/* YYYYMMDDHHMMSS */
#define IDSTATE_REFRESH_AGE	86400	/* default: an id older is replaced */
#define IDSTATE_FILE_MAX	(POLICY_MAX_SIZE + 4096)
#define IDSTATE_TXT_TTL		300	/* TTL of the TXT record we print */
#define IDSTATE_LOCK_NAME	"mta-sts-id.lock"
#define IDSTATE_MAGIC		"mta-sts-id-state 1"
#define IDSTATE_PUB_UNTRACKED	(-1)
#define IDSTATE_PUB_PENDING	(-2)

struct idstate {
	char		 id[IDSTATE_ID_SIZE];
	int64_t		 issued;	/* UTC epoch seconds */
	/*
	 * IDSTATE_PUB_UNTRACKED (no "published" line: published by hand),
	 * IDSTATE_PUB_PENDING ("published no"), or the UTC epoch seconds
	 * at which the hook's record was seen in the DNS (>= 0).
	 */
	int64_t		 published;
	struct policy	 pol;		/* normalised */
};

/* Why a run keeps or replaces the id, in order of precedence. */
enum idstate_why {
	IDSTATE_FIRST,		/* no state yet */
	IDSTATE_CHANGED,	/* the policy differs from the stored one */
	IDSTATE_ROTATED,	/* --rotate */
	IDSTATE_REFRESH,	/* the id is older than the refresh age */
	IDSTATE_UNCHANGED,	/* keep the id */
	IDSTATE__MAX
};

enum idstate_format {
	IDSTATE_FORMAT_ZONE,	/* zone-file line */
	IDSTATE_FORMAT_VALUE,	/* the TXT value alone */
	IDSTATE_FORMAT_NSUPDATE,	/* nsupdate(1) script */
	IDSTATE_FORMAT_JSON,	/* one JSON object per domain, for programs */
	IDSTATE_FORMAT__MAX
};

enum idstate_load_rc {
	IDSTATE_LOAD_OK,	/* st filled in */
	IDSTATE_LOAD_NONE,	/* no state file: the domain has no id yet */
	IDSTATE_LOAD_ERROR,	/* unreadable or corrupt: err says why */
	IDSTATE_LOAD__MAX
};

/* An empty state (allocates nothing); free with idstate_clear(). */
void	idstate_init(struct idstate *st);
void	idstate_clear(struct idstate *st);

/* 1 when id has our form: 14 to 32 ASCII digits. */
int	idstate_id_valid(const char *id);

/*
 * The next id after prev (NULL or "" for the first id) at time now (UTC
 * epoch seconds), by the rules above, into id (idsize bytes, at least
 * IDSTATE_ID_SIZE).  Returns 0, or -1 when prev is not a valid id, now is
 * outside the years 1970..9999, or the id would exceed 32 characters (id
 * is then "").
 */
int	idstate_id_next(int64_t now, const char *prev, char *id,
	    size_t idsize);

/*
 * 1 when a is greater than b both as a string and as a number (longer is
 * larger); both must be valid ids.
 */
int	idstate_id_greater(const char *a, const char *b);

/*
 * What to do for a domain whose current state is cur (NULL: none) and
 * whose policy is now p (normalised): the first reason in enum order that
 * applies.  An id older than refresh seconds is refreshed (0: never);
 * an id issued in the future (the clock went back) is not.
 */
enum idstate_why idstate_decide(const struct idstate *cur,
	    const struct policy *p, int64_t now, int rotate, int64_t refresh);

/*
 * Append the short reason to out, without the domain, e.g. "unchanged",
 * "first id", "rotated", "daily refresh (id older than 24 hours)" or
 * "changed: mode testing -> enforce, max_age 86400 -> 604800,
 * +mx3.example.com -mx1.example.com" (cur and p both needed then; mx
 * additions first, then removals, each sorted).  Returns 0 or -1 (out
 * full or no memory).
 */
int	idstate_describe(enum idstate_why why, const struct idstate *cur,
	    const struct policy *p, struct buf *out);

/*
 * Append to out the differences from a to b as " mode A -> B, max_age
 * A -> B, +mx -mx" items separated by ", " (nothing when equal).
 */
int	idstate_policy_diff(const struct policy *a, const struct policy *b,
	    struct buf *out);

/* "zone", "value", "nsupdate", "json"; NULL when out of range. */
const char *idstate_format_name(enum idstate_format f);

/* Parse a format name.  Returns 0 or -1. */
int	idstate_format_parse(const char *s, enum idstate_format *f);

/* Optional lines of the nsupdate format; NULL members are left out. */
struct idstate_nsupdate {
	const char	*server;	/* "ADDR" or "ADDR PORT" */
	const char	*zone;		/* no trailing dot */
};

/*
 * The output block for one domain: the "; <domain>: <comment>" line and the
 * record in format f.  For zone and nsupdate everything goes to out; for
 * value, out gets only "v=STSv1; id=<id>\n" and notes the comment line.
 * ns (may be NULL) adds "server" and "zone" lines to the nsupdate script.
 * Returns 0 or -1 (no memory).
 */
int	idstate_output(enum idstate_format f, const char *domain,
	    const char *id, const char *comment,
	    const struct idstate_nsupdate *ns, struct buf *out,
	    struct buf *notes);

/*
 * The JSON object of format json for domain in state st (no newline):
 *
 *	{"domain":"example.com","name":"_mta-sts.example.com","ttl":300,
 *	"value":"v=STSv1; id=20261122153000","id":"20261122153000",
 *	"why":"first id","issued":1795361400,"published":1795361402,
 *	"policy":{"mode":"enforce","max_age":604800,"mx":["mx1.example.com"]}}
 *
 * on one line; "published" is null when no hook publishes, false while
 * the id is not published.  Returns 0 or -1 (no memory, st invalid).
 */
int	idstate_output_json(const struct idstate *st, const char *domain,
	    const char *comment, struct buf *out);

/* What goes around the objects of format json: before, between, after. */
#define IDSTATE_JSON_OPEN	"{\"records\":[\n"
#define IDSTATE_JSON_SEP	",\n"
#define IDSTATE_JSON_CLOSE	"\n]}\n"
#define IDSTATE_JSON_EMPTY	"{\"records\":[]}\n"

/*
 * Append the state file text for domain to out.  Returns 0, or -1 when st
 * is not valid (bad id, mode or max_age) or out is full.
 */
int	idstate_render(const struct idstate *st, const char *domain,
	    struct buf *out);

/*
 * Strictly parse state file text for domain into st (idstate_init()ed).
 * Returns 0, or -1 with st empty, *errline the 1-based line at fault (0
 * when not tied to a line) and err a short reason.
 */
int	idstate_parse(const char *text, size_t len, const char *domain,
	    struct idstate *st, size_t *errline, char *err, size_t errlen);

/*
 * The path of domain's state file in dir.  Returns 0, or -1 when domain
 * is not a valid lower-case hostname or the path does not fit.
 */
int	idstate_path(char *path, size_t len, const char *dir,
	    const char *domain);

/*
 * Read domain's state from dir into st (idstate_init()ed).  On
 * IDSTATE_LOAD_ERROR err holds "path: reason" (the file is left as it is).
 */
enum idstate_load_rc idstate_load(const char *dir, const char *domain,
	    struct idstate *st, char *err, size_t errlen);

/*
 * Write st as domain's state file in dir atomically.  Returns 0, or -1
 * with err set; the previous file is then unchanged.
 */
int	idstate_save(const char *dir, const char *domain,
	    const struct idstate *st, char *err, size_t errlen);

/*
 * Take the exclusive lock of state directory dir, creating the directory
 * (one level, mode 0755) and the lock file when missing.  Waits at most
 * wait_ms milliseconds (0: not at all) while another process holds it.
 * Returns the lock's file descriptor (keep it open while working, release
 * with idstate_unlock()); -2 when another process still holds the lock
 * after wait_ms; -1 on any other error.  err is set on -1 and -2.
 */
int	idstate_lock(const char *dir, int wait_ms, char *err, size_t errlen);

/* Release a lock from idstate_lock(); -1 is ignored. */
void	idstate_unlock(int fd);

#endif /* IDSTATE_H */
