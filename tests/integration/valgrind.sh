#!/bin/bash
# One FastCGI process under valgrind serving many mixed requests: policies
# from the DNS lab and from an override, 404 (no policy, wrong path,
# unlisted domain, not a policy host), 405, 400, 503 for a bogus and for an
# insecure zone.  Every answer is compared with the CGI's answer to the same
# request; then SIGTERM, and valgrind must report no error and no definite
# or indirect leak ("still reachable" is accepted).
#
# Slow (valgrind): skipped unless MTA_STS_SLOW_TESTS=1.  VALGRIND_REQUESTS
# sets the number of requests (default 10000).
set -u
SUITE=valgrind
. "$(dirname "$0")/lib.sh"

if [ "${MTA_STS_SLOW_TESTS:-}" != 1 ]; then
	skip "FastCGI under valgrind, 10000 mixed requests (about 2 minutes; set MTA_STS_SLOW_TESTS=1)"
	exit 0
fi
for cmd in valgrind spawn-fcgi cgi-fcgi; do
	if ! command -v "$cmd" >/dev/null; then
		skip "FastCGI under valgrind ($cmd not installed)"
		exit 0
	fi
done
if grep -q __asan_init "$FCGI" 2>/dev/null; then
	skip "FastCGI under valgrind ($FCGI is built with AddressSanitizer, which valgrind cannot run)"
	exit 0
fi
if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

N=${VALGRIND_REQUESTS:-10000}
PORT=${LAB_PORT:-15353}
DEADPORT=${LAB_DEADPORT:-15354}
T=$(mktemp -d /tmp/mta-sts-valgrind.XXXXXX)
VG_PID=
cleanup() {
	[ -n "$VG_PID" ] && kill "$VG_PID" 2>/dev/null && wait "$VG_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$PORT" "$DEADPORT"

# cache_max_ttl 1: remembered outcomes expire every second, so the run
# keeps going through libunbound, not only through the memory cache.
cat >"$T/mta-sts.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
cache_max_ttl: 1
mode: enforce
max_age: 86400
domain: secure.example
domain: insecure.example
domain: bogus.example
domain: nxdomain.example
domain: nomx.example
domain: override.example
override: override.txt
C
printf 'version: STSv1\nmode: enforce\nmx: MX2.Example.NET.\nmx: mx1.example.net\nmax_age: 1209600\n' \
    >"$T/override.txt"

# The request kinds: HOST METHOD URI, and what the answer must be.
P=/.well-known/mta-sts.txt
kinds=(
	"mta-sts.secure.example GET $P"		# 200 from the DNS
	"mta-sts.override.example GET $P"	# 200 from the override
	"mta-sts.secure.example HEAD $P?x=1"	# 200, no body
	"mta-sts.nomx.example GET $P"		# 200, implicit MX
	"mta-sts.nxdomain.example GET $P"	# 404 from the DNS
	"mta-sts.secure.example GET /"		# 404 wrong path
	"mta-sts.unlisted.example GET $P"	# 404 not listed
	"www.secure.example GET $P"		# 404 not a policy host
	"mta-sts.secure.example POST $P"	# 405
	"mta-sts.secure%20example GET $P"	# 400
	"mta-sts.bogus.example GET $P"		# 503 bogus
	"mta-sts.insecure.example GET $P"	# 503 insecure
)
want_status=(200 200 200 200 404 404 404 404 405 400 503 503)

# The expected bytes of each kind: the CGI's answer (itself checked
# byte for byte by dnslab.sh), and its status.
bad=0
for i in "${!kinds[@]}"; do
	read -r h m u <<<"${kinds[$i]}"
	run_cgi "$T/want.$i" "$T/err" "$T/mta-sts.conf" REQUEST_METHOD="$m" \
	    HTTP_HOST="$h" REQUEST_URI="$u" SCRIPT_NAME=/mta-sts.fcgi
	s=$(head -c 11 "$T/want.$i" | cut -c9-11)
	if [ "$s" != "${want_status[$i]}" ]; then
		fail "the CGI answers ${kinds[$i]} with ${want_status[$i]}" \
		    "have: $(head -1 "$T/want.$i")"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || exit 1

# spawn-fcgi execs without a PATH search: valgrind's full path.
give_away
MTA_STS_CONF=$T/mta-sts.conf spawn-fcgi -n -s "$T/fcgi.sock" -- \
    "$(command -v valgrind)" --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 --log-file="$T/valgrind.log" "$FCGI" \
    >"$T/spawn.out" 2>"$T/fcgi.err" &
VG_PID=$!
for _ in $(seq 1 200); do
	[ -S "$T/fcgi.sock" ] && [ -s "$T/valgrind.log" ] && break
	kill -0 "$VG_PID" 2>/dev/null || break
	sleep 0.05
done
if ! kill -0 "$VG_PID" 2>/dev/null || [ ! -S "$T/fcgi.sock" ]; then
	fail "spawn-fcgi starts valgrind $FCGI" \
	    "$(cat "$T/spawn.out" "$T/fcgi.err" "$T/valgrind.log" 2>/dev/null | head -5)"
	exit 1
fi

t0=$(now_ms)
for ((n = 0; n < N; n++)); do
	i=$((n % ${#kinds[@]}))
	read -r h m u <<<"${kinds[$i]}"
	env -i REQUEST_METHOD="$m" HTTP_HOST="$h" REQUEST_URI="$u" \
	    SCRIPT_NAME=/mta-sts.fcgi cgi-fcgi -bind -connect "$T/fcgi.sock" \
	    >>"$T/have.$i" 2>>"$T/client.err"
done
ms=$(( $(now_ms) - t0 ))

# Each kind's answers, concatenated, against its expected answer repeated.
bad=0
for i in "${!kinds[@]}"; do
	count=$(( N / ${#kinds[@]} + (i < N % ${#kinds[@]}) ))
	for ((k = 0; k < count; k++)); do cat "$T/want.$i"; done >"$T/wantall"
	if ! cmp -s "$T/have.$i" "$T/wantall"; then
		bad=$((bad + 1))
		fail "FastCGI under valgrind: $count answers to ${kinds[$i]} equal the CGI's" \
		    "first difference: $(cmp "$T/have.$i" "$T/wantall" 2>&1 | head -1)"
	fi
done
[ "$bad" -eq 0 ] &&
    pass "FastCGI under valgrind: $N mixed requests (${#kinds[@]} kinds) answered as the CGI does, in $ms ms"

# SIGTERM: the accept loop ends, everything is freed, valgrind reports.
kill -TERM "$VG_PID"
rc=
for _ in $(seq 1 300); do
	kill -0 "$VG_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$VG_PID" 2>/dev/null; then
	fail "FastCGI under valgrind: exits within 30 s of SIGTERM"
	exit 1
fi
wait "$VG_PID"
rc=$?
VG_PID=

log=$T/valgrind.log
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$log" | tail -1)
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
reachable=$(sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
clean=$(grep -c 'All heap blocks were freed' "$log")
summary="exit $rc, errors ${errors:-?}, definitely lost ${definite:-0}, indirectly lost ${indirect:-0}, still reachable ${reachable:-0}"
[ "$clean" -gt 0 ] && summary="$summary (all heap blocks freed)"
if [ "${errors:-x}" = 0 ] && [ "${definite:-0}" = 0 ] && [ "${indirect:-0}" = 0 ] &&
    [ "$rc" -ne 99 ]; then
	pass "valgrind: no error, no definite or indirect leak ($summary)"
else
	fail "valgrind: no error, no definite or indirect leak" "$summary" \
	    "$(grep -m12 -E '==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ .*bytes in|   (at|by) )' "$log")"
fi
exit 0
