# tests/integration/lib.sh: helpers shared by the integration tests.
# Sourced, not run.  Each test prints "PASS suite: name" / "FAIL suite: name"
# (with indented detail lines) / "SKIP suite: name (why)".

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CGI=$TOP/cgi/mta-sts.cgi
FCGI=$TOP/fcgi/mta-sts.fcgi
SUITE=${SUITE:-integration}

pass() { printf 'PASS %s: %s\n' "$SUITE" "$1"; }
skip() { printf 'SKIP %s: %s\n' "$SUITE" "$1"; }
fail() {
	printf 'FAIL %s: %s\n' "$SUITE" "$1"
	shift
	local l
	for l in "$@"; do printf '    %s\n' "$l"; done
}

# reason STATUS: the reason phrase our programs send.
reason() {
	case $1 in
	200) echo "OK" ;;
	400) echo "Bad Request" ;;
	404) echo "Not Found" ;;
	405) echo "Method Not Allowed" ;;
	500) echo "Internal Server Error" ;;
	503) echo "Service Unavailable" ;;
	esac
}

# want_response STATUS BODY [head]: the exact bytes of a CGI answer, as
# the contract (common/response.h, README) describes them.  BODY is given
# with its line ends already in it.
want_response() {
	local status=$1 body=$2 head=${3:-}
	printf 'Status: %s %s\r\n' "$status" "$(reason "$status")"
	printf 'Content-Type: text/plain; charset=us-ascii\r\n'
	printf 'Content-Length: %d\r\n' "${#body}"
	if [ "$status" = 200 ]; then
		printf 'Cache-Control: max-age=60\r\n'
	else
		printf 'Cache-Control: no-store\r\n'
	fi
	[ "$status" = 503 ] && printf 'Retry-After: 300\r\n'
	[ "$status" = 405 ] && printf 'Allow: GET, HEAD\r\n'
	printf 'X-Content-Type-Options: nosniff\r\n\r\n'
	[ -n "$head" ] || printf '%s' "$body"
}

# policy MODE MAX_AGE MX...: canonical policy bytes.  Command substitution
# drops the final newline, so callers write "$(policy ...)"$'\n'.
policy() {
	local mode=$1 max_age=$2 mx
	shift 2
	printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
	for mx in "$@"; do printf 'mx: %s\r\n' "$mx"; done
	printf 'max_age: %s\r\n' "$max_age"
}

# same_bytes NAME HAVE_FILE WANT_FILE: one PASS/FAIL line.
same_bytes() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "have: $(cat -A "$2" | head -c 600 | tr '\n' '|')" \
		    "want: $(cat -A "$3" | head -c 600 | tr '\n' '|')"
	fi
}

# give_away: started as root, our programs switch to the owner of their
# configuration file, or to nobody when root owns it (they never answer
# as root).  A suite run as root therefore gives its directory $T (the
# configurations, overrides, caches and the lab in it) to nobody before
# it starts one of them.  No-op when not root, $T is unset, or KEEP_OWNERS
# is set (root.sh, which tests the switch itself).
give_away() {
	[ "$(id -u)" -eq 0 ] && [ -n "${T:-}" ] && [ -d "$T" ] &&
	    [ -z "${KEEP_OWNERS:-}" ] || return 0
	chown -R 65534:65534 "$T" 2>/dev/null
	return 0
}

# get URI HOST: CGI variables for a GET of URI on HOST.
# run_cgi OUT ERR CONF [VAR=VALUE...]: run the CGI with exactly these
# variables (plus MTA_STS_CONF=CONF); stdout to OUT, stderr to ERR.
# A sanitizer report in the log is a failure of its own.
run_cgi() {
	local out=$1 err=$2 conf=$3 rc
	shift 3
	give_away
	env -i MTA_STS_CONF="$conf" "$@" "$CGI" >"$out" 2>"$err"
	rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:' "$err"; then
		fail "sanitizer report from the CGI ($*)" "$(head -c 400 "$err" | tr '\n' '|')"
	fi
	return $rc
}

# lab_up DIR PORT DEADPORT: start the signed DNS lab (tests/lab/lab.sh) in
# DIR and load DIR/lab.env (LAB_TA, LAB_UNBOUND_CONF, ...); its output goes
# to DIR.log.  On failure: a FAIL line and exit 1 (the caller's EXIT trap
# runs "lab.sh stop DIR", which also stops a half-started lab).
lab_up() {
	if ! "$TOP/tests/lab/lab.sh" start "$1" "$2" "$3" >"$1.log" 2>&1; then
		fail "lab starts on 127.0.0.1:$2" "$(tail -5 "$1.log")"
		exit 1
	fi
	. "$1/lab.env"
}

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# lab_queries: how many queries the lab's nsd has received since it started
# (tests/lab/lab.sh queries $LAB_DIR, nsd's own counter); "?" when nsd
# cannot be asked.  Two readings around a request prove whether it made a
# DNS query: every lab name except dead.example. is served by that nsd.
lab_queries() {
	"$TOP/tests/lab/lab.sh" queries "$LAB_DIR" 2>/dev/null || echo "?"
}

# no_query NAME Q0: PASS when nsd's counter still reads Q0 (no DNS query
# since Q0 was read), else FAIL (also when either reading failed).
no_query() {
	local q
	q=$(lab_queries)
	if [ "$2" != "?" ] && [ "$q" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "nsd query counter: $2 before, $q after"
	fi
}

# bg_start LOG CMD...: run CMD in the background, its output in LOG, and
# wait (at most 5 s) until LOG holds "ready" (tests/lab/smtpd.py and the
# tests' own python3 servers print it once they listen).  Its PID joins
# $BG_PIDS, which bg_stop ends.  Call it in the test's own shell, not in
# $(...).  On failure: a FAIL line and exit 1.
BG_PIDS=
bg_start() {
	local log=$1 i
	shift
	"$@" >"$log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do
		grep -q ready "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "server $* starts" "$(tail -3 "$log")"
	exit 1
}

# bg_stop: end (SIGTERM) and reap every process in $BG_PIDS.
bg_stop() {
	local p
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	BG_PIDS=
}

# write_state FILE DOMAIN ID MODE MAX_AGE MX...: the state file mta-sts-id
# keeps for DOMAIN (cli/idstate.c), issued 2024-01-01T00:00:00Z.
write_state() {
	local file=$1 d=$2 id=$3 mode=$4 max_age=$5 mx
	shift 5
	{
		printf 'mta-sts-id-state 1\ndomain %s\nid %s\nissued 1704067200\n' "$d" "$id"
		printf 'mode %s\nmax_age %s\n' "$mode" "$max_age"
		for mx in "$@"; do printf 'mx %s\n' "$mx"; done
		printf 'end\n'
	} >"$file"
}
