#!/bin/bash
# bench/check-deadline.sh [OTHER_MTA_STS_ID]: how long mta-sts-id --check
# takes against broken deployments (issue 14): two MX hosts that accept
# SMTP connections and never answer (the lab's blackhole), and a resolver
# whose every server is dead.  Prints one line per run: exit status and
# milliseconds.  With OTHER_MTA_STS_ID (an older build) its runs are
# printed too, for comparison.  Runs in a network namespace when allowed;
# ports 15502-15503 (lab) and 18556-18557 (nothing listens on 18557).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
T=$(mktemp -d /tmp/mta-sts-bench-check.XXXXXX)
BH=
cleanup() {
	[ -n "$BH" ] && kill "$BH" 2>/dev/null && wait "$BH" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
"$TOP/tests/lab/lab.sh" start "$T/lab" 15502 15503 >/dev/null || exit 1
. "$T/lab/lab.env"
"$TOP/tests/lab/blackhole" 127.0.0.1 18556 >/dev/null 2>&1 &
BH=$!
mkdir -p "$T/state"
sed "s/127.0.0.1@15502/127.0.0.1@15503/" "$LAB_UNBOUND_CONF" >"$T/dead.ub"
printf 'trust_anchor: %s\nunbound_conf: %s\nstate_dir: %s\n' \
    "$LAB_TA" "$LAB_UNBOUND_CONF" "$T/state" >"$T/lab.conf"
printf 'trust_anchor: %s\nunbound_conf: %s\nstate_dir: %s\n' \
    "$LAB_TA" "$T/dead.ub" "$T/state" >"$T/dead.conf"
run() {	# run LABEL CMD...
	local label=$1 t0 rc
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	rc=$?
	printf '%-60s exit %d, %d ms\n' "$label" "$rc" \
	    $(( ($(date +%s%N) - t0) / 1000000 ))
}
ARGS="--connect-to :443:127.0.0.1:18557 --connect-to :25:127.0.0.1:18556 dane.example"
for bin in "$TOP/cli/mta-sts-id" ${1:+"$1"}; do
	# shellcheck disable=SC2086
	run "$bin: 2 MX hosts never answering" "$bin" --check -c "$T/lab.conf" $ARGS
	# shellcheck disable=SC2086
	run "$bin: dead resolver" "$bin" --check -c "$T/dead.conf" $ARGS
done
# shellcheck disable=SC2086
run "$TOP/cli/mta-sts-id --timeout 3: 2 MX never answering" \
    "$TOP/cli/mta-sts-id" --check --timeout 3 -c "$T/lab.conf" $ARGS
