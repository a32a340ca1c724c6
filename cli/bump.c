/*
 * bump: one domain's run of mta-sts-id once its policy is known (see
 * bump.h): lock, state, decision, publish before bump, save, output.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "bump.h"
#include "cli.h"
#include "fetch.h"
#include "host.h"
#include "idstate.h"
#include "mlog.h"
#include "num.h"
#include "policy.h"
#include "publish.h"

void
bump_init(struct bump *b, const char *state_dir,
    const struct fetch_opts *fopts)
{
	memset(b, 0, sizeof(*b));
	b->state_dir = state_dir;
	b->fopts = fopts;
	b->format = IDSTATE_FORMAT_ZONE;
	b->verify = 1;
	b->lockfd = -1;
	b->lockrc = EXIT_OK;
	b->refresh = IDSTATE_REFRESH_AGE;
}

void
bump_finish(struct bump *b)
{
	idstate_unlock(b->lockfd);
	b->lockfd = -1;
}

/*
 * Publish before bump: the policy served at the policy URL must be body
 * (the canonical rendering of p).  keep ends the error messages ("the id
 * stays X").  Returns EXIT_OK, EXIT_LIVE or EXIT_ERROR (logged).
 */
static int
bump_verify(struct bump *b, const char *domain, const struct policy *p,
    const struct buf *body, const char *keep)
{
	struct fetch_result	 res;
	struct policy		 live;
	struct buf		 diff;
	char			 host[HOST_NAME_SIZE + 8];
	char			 url[HOST_NAME_SIZE + 64], err[256];
	size_t			 line;
	int			 rc = EXIT_LIVE, n;

	fetch_result_init(&res);
	policy_init(&live);
	buf_init(&diff, CLI_OUT_MAX);
	n = snprintf(host, sizeof(host), "mta-sts.%s", domain);
	if (n < 0 || (size_t)n >= sizeof(host) ||
	    !host_valid(host, (size_t)n)) {
		mlog_warnx("%s: mta-sts.%s is too long for a host name; the "
		    "policy cannot be served", domain, domain);
		goto out;
	}
	(void)snprintf(url, sizeof(url), "https://%s%s", host,
	    "/.well-known/mta-sts.txt");
	if (fetch_get(host, "/.well-known/mta-sts.txt", b->fopts,
	    &res) == -1) {
		mlog_warnx("%s: cannot check the live policy, %s: %s; %s",
		    domain, url, res.err, keep);
		goto out;
	}
	if (res.status >= 300 && res.status < 400) {
		mlog_warnx("%s: %s answers %d %s with a redirect to \"%s\", "
		    "which senders do not follow; %s", domain, url,
		    res.status, res.reason, res.location, keep);
		goto out;
	}
	if (res.status != 200) {
		mlog_warnx("%s: %s answers %d %s, not the policy; %s", domain,
		    url, res.status, res.reason, keep);
		goto out;
	}
	if (res.body.len == body->len &&
	    memcmp(res.body.data, body->data, body->len) == 0) {
		mlog_debug("%s: %s serves the new policy", domain, url);
		rc = EXIT_OK;
		goto out;
	}
	/* Other bytes may still be the same policy (another server). */
	if (policy_parse(res.body.data != NULL ? res.body.data : "",
	    res.body.len, &live, &line, err, sizeof(err)) == -1) {
		mlog_warnx("%s: %s does not serve a valid policy (line %zu: "
		    "%s); publish the new policy first; %s", domain, url,
		    line, err, keep);
		goto out;
	}
	if (policy_equal(&live, p)) {
		mlog_info("%s: %s serves the new policy, formatted "
		    "differently", domain, url);
		rc = EXIT_OK;
		goto out;
	}
	if (idstate_policy_diff(&live, p, &diff) == -1) {
		mlog_warnx("%s: out of memory", domain);
		rc = EXIT_ERROR;
		goto out;
	}
	mlog_warnx("%s: %s does not serve the new policy yet (new policy vs "
	    "live: %s); publish it first; %s", domain, url,
	    diff.data != NULL ? diff.data : "other bytes", keep);
 out:
	buf_free(&diff);
	policy_clear(&live);
	fetch_result_clear(&res);
	return rc;
}

/*
 * Publish st's id for domain with the hook and wait for the DNS to show
 * it; then save it as published.  Returns EXIT_OK, EXIT_PUBLISH or
 * EXIT_STATE (logged).
 */
static int
bump_publish(struct bump *b, const char *domain, struct idstate *st)
{
	char	 err[1024];

	if (b->hook == NULL) {
		mlog_info("%s: id %s not published (--no-publish); the next "
		    "run with the hook publishes it", domain, st->id);
		return EXIT_OK;
	}
	if (publish_hook(b->hook, domain, st->id, IDSTATE_TXT_TTL, b->conf,
	    err, sizeof(err)) == -1) {
		mlog_warnx("%s: id %s issued, not published: publish hook %s "
		    "%s; the next run tries again", domain, st->id, b->hook,
		    err);
		return EXIT_PUBLISH;
	}
	if (publish_seen(b->conf, domain, st->id, b->publish_wait, err,
	    sizeof(err)) == -1) {
		mlog_warnx("%s: id %s issued, not published: the publish hook "
		    "succeeded but after %lu s the DNS still answers %s; the "
		    "next run tries again", domain, st->id, b->publish_wait,
		    err);
		return EXIT_PUBLISH;
	}
	st->published = (int64_t)time(NULL);
	if (idstate_save(b->state_dir, domain, st, err, sizeof(err)) == -1) {
		mlog_warnx("%s: id %s is published, but the state says not: "
		    "%s", domain, st->id, err);
		return EXIT_STATE;
	}
	mlog_info("%s: id %s published", domain, st->id);
	return EXIT_OK;
}

/* Seconds to wait for the state lock: MTA_STS_ID_LOCK_WAIT or default. */
static int
bump_lock_wait_s(void)
{
	const char	*s;
	uint64_t	 v;

	if ((s = getenv("MTA_STS_ID_LOCK_WAIT")) == NULL || *s == '\0')
		return BUMP_LOCK_WAIT_S;
	if (num_parse_str(s, 0, BUMP_LOCK_WAIT_MAX_S, 0, &v) == -1) {
		mlog_warnx("MTA_STS_ID_LOCK_WAIT=\"%.32s\" ignored (want 0..%d "
		    "seconds)", s, BUMP_LOCK_WAIT_MAX_S);
		return BUMP_LOCK_WAIT_S;
	}
	return (int)v;
}

/* Take the state directory's lock, waiting for another run a while. */
static int
bump_lock(const char *dir, int *rc)
{
	char	 err[1024];
	int	 fd, wait_s;

	if ((fd = idstate_lock(dir, 0, err, sizeof(err))) >= 0)
		return fd;
	if (fd == -2 && (wait_s = bump_lock_wait_s()) > 0) {
		mlog_info("%s; waiting up to %d s", err, wait_s);
		if ((fd = idstate_lock(dir, wait_s * 1000, err,
		    sizeof(err))) >= 0)
			return fd;
		if (fd == -2) {
			mlog_warnx("%s; gave up after %d s", err, wait_s);
			*rc = EXIT_STATE;
			return -1;
		}
	}
	mlog_warnx("%s", err);
	*rc = EXIT_STATE;
	return -1;
}

int
bump_domain(struct bump *b, const char *domain, struct policy *p,
    struct buf *out, struct buf *notes)
{
	struct idstate		 cur, next;
	struct buf		 body, comment;
	enum idstate_load_rc	 lrc;
	enum idstate_why	 why;
	const char		*id;
	char			 err[1024], keep[IDSTATE_ID_SIZE + 32];
	int64_t			 now;
	int			 rc = EXIT_ERROR, prc = EXIT_OK;

	idstate_init(&cur);
	idstate_init(&next);
	buf_init(&body, POLICY_MAX_SIZE);
	buf_init(&comment, CLI_OUT_MAX);

	if (policy_render(p, &body) == -1) {
		mlog_warnx("%s: cannot render the policy", domain);
		goto out;
	}

	/*
	 * The lock is taken once, by the first domain that gets this far,
	 * and held to the end: state is read, decided on and written by one
	 * run at a time.
	 */
	if (b->lockfd == -1 && b->lockrc == EXIT_OK &&
	    (b->lockfd = bump_lock(b->state_dir, &b->lockrc)) == -1) {
		rc = b->lockrc;
		goto out;
	}
	if (b->lockfd == -1) {
		mlog_warnx("%s: skipped, the state directory is not locked",
		    domain);
		rc = b->lockrc;
		goto out;
	}
	lrc = idstate_load(b->state_dir, domain, &cur, err, sizeof(err));
	if (lrc == IDSTATE_LOAD_ERROR) {
		mlog_warnx("%s: %s; the file was left as it is: fix or remove "
		    "it (a new id is then issued)", domain, err);
		rc = EXIT_STATE;
		goto out;
	}
	now = (int64_t)time(NULL);
	why = idstate_decide(lrc == IDSTATE_LOAD_OK ? &cur : NULL, p, now,
	    b->rotate, b->refresh);
	id = cur.id;
	if (why != IDSTATE_UNCHANGED) {
		if (idstate_id_next(now, lrc == IDSTATE_LOAD_OK ? cur.id :
		    NULL, next.id, sizeof(next.id)) == -1) {
			mlog_warnx("%s: cannot make an id after \"%s\" (clock "
			    "or id out of range)", domain, cur.id);
			rc = EXIT_STATE;
			goto out;
		}
		if (lrc == IDSTATE_LOAD_OK)
			(void)snprintf(keep, sizeof(keep), "the id stays %s",
			    cur.id);
		else
			(void)snprintf(keep, sizeof(keep), "no id issued");
		if (b->verify && (rc = bump_verify(b, domain, p, &body,
		    keep)) != EXIT_OK)
			goto out;
		rc = EXIT_ERROR;
		next.issued = now;
		next.published = b->track ? IDSTATE_PUB_PENDING :
		    IDSTATE_PUB_UNTRACKED;
		next.pol = *p;	/* moved: p is empty from here on */
		policy_init(p);
		if (idstate_save(b->state_dir, domain, &next, err,
		    sizeof(err)) == -1) {
			mlog_warnx("%s: state not saved, new id %s not issued: "
			    "%s", domain, next.id, err);
			rc = EXIT_STATE;
			goto out;
		}
		id = next.id;
	}
	if (b->track && why != IDSTATE_UNCHANGED)
		prc = bump_publish(b, domain, &next);
	else if (b->track && cur.published == IDSTATE_PUB_PENDING)
		prc = bump_publish(b, domain, &cur);
	if ((why == IDSTATE_REFRESH && b->refresh != IDSTATE_REFRESH_AGE ?
	    buf_printf(&comment, "refresh (id older than %" PRId64 " "
	    "seconds)", b->refresh) :
	    idstate_describe(why, &cur, why == IDSTATE_UNCHANGED ? &cur.pol :
	    &next.pol, &comment)) == -1 ||
	    (b->format == IDSTATE_FORMAT_JSON ? idstate_output_json(why ==
	    IDSTATE_UNCHANGED ? &cur : &next, domain, comment.data, out) :
	    idstate_output(b->format, domain, id, comment.data, &b->ns, out,
	    notes)) == -1) {
		mlog_warnx("%s: out of memory", domain);
		goto out;
	}
	rc = prc;
 out:
	buf_free(&comment);
	buf_free(&body);
	idstate_clear(&next);
	idstate_clear(&cur);
	return rc;
}
