/*
 * cli: what the modules of mta-sts-id share: its exit codes (documented
 * in mta-sts-id.8) and limits.
 */
#ifndef CLI_H
#define CLI_H

#include "policy.h"

/* Exit codes of the bump form; --check exits with enum check_sev. */
#define EXIT_OK		0
#define EXIT_ERROR	1	/* anything else */
#define EXIT_USAGE	2
#define EXIT_CONF	3	/* configuration, override, domain not listed */
#define EXIT_DNS	4	/* DNS/DNSSEC failure, no policy */
#define EXIT_LIVE	5	/* live policy not published, fetch failed */
#define EXIT_STATE	6	/* state file, state directory, lock */
#define EXIT_PUBLISH	7	/* publish hook failed, or DNS not showing */

/* The CLI is not answering a waiting sender: allow slow resolvers. */
#define CLI_DNS_TIMEOUT_MS	10000
#define CLI_OUT_MAX		(4 * POLICY_MAX_SIZE)

#endif /* CLI_H */
