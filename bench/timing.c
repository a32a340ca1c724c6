/*
 * timing: the real-clock figures that the unit tests no longer assert
 * (they check the same logic on a clock of their own):
 *
 *   - resolve_policy()'s lookup budget: the first round of lookups takes
 *     ROUND1_MS (a stub dns_run() that sleeps), the second round must get
 *     what is left of the budget; printed: what it got and the overhead
 *     (budget - round 1 - what it got);
 *   - idstate_lock() on a held lock with a 300 ms wait: how long it
 *     really waited before refusing.
 *
 * One line per trial, "timing: budget_ms=... round1_ms=... round2_ms=...
 * overhead_ms=..." and "timing: lock_wait_ms=300 waited_ms=...".
 * Build: cc -Icommon -Icli -D_GNU_SOURCE -o timing bench/timing.c \
 *     cli/idstate.o common/libcore.a
 * Run: timing DIR (a scratch directory for the lock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "dns.h"
#include "idstate.h"
#include "policy.h"
#include "resolve.h"

#define BUDGET_MS	2500
#define ROUND1_MS	700
#define TRIALS		5

static int	rounds, round2_ms;

/*
 * The resolver: every query is a secure NODATA, so an MX lookup finds no
 * MX and resolve_policy() asks for A/AAAA in a second round (implicit MX).
 * The first round sleeps ROUND1_MS.
 */
void
dns_run(struct dns *dns, struct dns_query *q, size_t n, int timeout_ms)
{
	struct timespec	 ts;
	size_t		 i;

	(void)dns;
	if (rounds++ == 0) {
		ts.tv_sec = ROUND1_MS / 1000;
		ts.tv_nsec = (long)(ROUND1_MS % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
	} else
		round2_ms = timeout_ms;
	for (i = 0; i < n; i++) {
		memset(&q[i].res, 0, sizeof(q[i].res));
		q[i].res.rc = DNS_NODATA;
		q[i].res.secure = 1;
		q[i].res.ttl = 300;
	}
}

int
main(int argc, char **argv)
{
	struct resolve_outcome	 out;
	struct conf_policy	 pol;
	struct policy		 p;
	char			 sub[512], err[1024];
	long long		 t;
	int			 i, a, b;

	if (argc != 2) {
		fprintf(stderr, "usage: timing DIR\n");
		return 2;
	}
	memset(&pol, 0, sizeof(pol));
	pol.mode = POLICY_MODE_TESTING;
	pol.max_age = 604800;
	for (i = 0; i < TRIALS; i++) {
		policy_init(&p);
		rounds = 0;
		round2_ms = -1;
		resolve_policy(NULL, "nomx.example", &pol, 0, BUDGET_MS, &p,
		    &out);
		policy_clear(&p);
		if (rounds != 2) {
			fprintf(stderr, "timing: %d lookup rounds, want 2\n",
			    rounds);
			return 1;
		}
		printf("timing: budget_ms=%d round1_ms=%d round2_ms=%d "
		    "overhead_ms=%d\n", BUDGET_MS, ROUND1_MS, round2_ms,
		    BUDGET_MS - ROUND1_MS - round2_ms);
	}
	(void)snprintf(sub, sizeof(sub), "%s/state", argv[1]);
	if ((a = idstate_lock(sub, 0, err, sizeof(err))) < 0) {
		fprintf(stderr, "timing: %s\n", err);
		return 1;
	}
	for (i = 0; i < TRIALS; i++) {
		t = clock_ms();
		b = idstate_lock(sub, 300, err, sizeof(err));
		t = clock_ms() - t;
		if (b != -2) {
			fprintf(stderr, "timing: held lock not refused (%d)\n",
			    b);
			return 1;
		}
		printf("timing: lock_wait_ms=300 waited_ms=%lld\n", t);
	}
	idstate_unlock(a);
	return 0;
}
