/*
 * bump: one domain's run of mta-sts-id, once its policy is known.
 *
 *	lock		the state directory, taken by the first domain that
 *			gets this far and held until bump_finish()
 *	idstate_load()	the current id and the policy it announces
 *	idstate_decide()	keep or replace the id
 *	verify		publish before bump: the live policy must be the
 *			new one before a new id is issued
 *	idstate_save()	remember the new id ("published no" with a hook)
 *	publish		with a hook: run it, wait for the DNS to show the
 *			id, save "published <time>" (cli/publish.c); an
 *			id still "published no" is published on a later run
 *	idstate_output()	the block to print
 *
 * Failures are logged (mlog) with the domain and the reason; the result
 * is an exit code of cli.h.
 */
#ifndef BUMP_H
#define BUMP_H

#include "idstate.h"

struct buf;
struct conf;
struct fetch_opts;
struct policy;

#define BUMP_LOCK_WAIT_S	30	/* default; MTA_STS_ID_LOCK_WAIT */
#define BUMP_LOCK_WAIT_MAX_S	3600

struct bump {
	const char		*state_dir;	/* borrowed */
	const struct fetch_opts	*fopts;		/* borrowed */
	enum idstate_format	 format;
	int			 rotate;	/* --rotate */
	int			 verify;	/* 0 with --no-verify */
	int			 lockfd;	/* -1 until the first domain */
	int			 lockrc;	/* EXIT_OK, or why it failed */
	/*
	 * Publishing: track is 1 when a hook is configured or given (new
	 * ids are then saved "published no" until the DNS shows them);
	 * hook is NULL with --no-publish.  conf gives the resolver.
	 */
	int			 track;
	const char		*hook;		/* borrowed */
	const struct conf	*conf;		/* borrowed */
	unsigned long		 publish_wait;	/* seconds */
	struct idstate_nsupdate	 ns;		/* borrowed strings */
	int64_t			 refresh;	/* seconds; 0: off */
};

/* Defaults: zone format, verify, no lock yet. */
void	bump_init(struct bump *b, const char *state_dir,
	    const struct fetch_opts *fopts);

/*
 * Bump domain whose policy (normalised, as the server serves it) is p:
 * keep or replace its id and append the output block to out (the notes
 * of the "value" format to notes).  p may be moved into the new state
 * (left empty); the caller clears it in any case.  Returns EXIT_OK or the
 * exit code of the failure (logged).
 */
int	bump_domain(struct bump *b, const char *domain, struct policy *p,
	    struct buf *out, struct buf *notes);

/* Release the state directory's lock, if taken. */
void	bump_finish(struct bump *b);

#endif /* BUMP_H */
