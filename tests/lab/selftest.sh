#!/bin/bash
# tests/lab/selftest.sh [PORT [DEADPORT]]
#
# Prove the DNS lab: in a private network namespace (netns.sh), start it
# in a temporary directory, look every test name up through libunbound
# with probe.c (same config path as our program: ub_ctx_config on
# unbound.conf + ub_ctx_add_ta_file on root.ds) and check the answers,
# then exercise the query counter, setmx, stopnsd/startnsd and stop.  Prints "PASS lab: X"
# or "FAIL lab: X" per check and "INFO lab: X" timings; exits non-zero
# if anything failed.  The lab is stopped on every exit path.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${LAB_NETNS:-}" ]; then
	exec "$HERE/netns.sh" "$0" "$@"
fi
PORT=${1:-15353} DEADPORT=${2:-15354}
LAB=$HERE/lab.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/labtest.XXXXXX")

PROBE_PID=''
cleanup() {
	[ -z "$PROBE_PID" ] || kill "$PROBE_PID" 2>/dev/null || true
	"$LAB" stop "$T" || echo "FAIL lab: cleanup stop" >&2
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM	# run the EXIT trap on signals too

pass=0 fail=0
ok() { echo "PASS lab: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL lab: $*"; fail=$((fail + 1)); }
info() { echo "INFO lab: $*"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# alive PID: exists and is not a zombie (orphans wait for PID 1 to reap
# them, which on some machines takes a second or two).
alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}
any_alive() {
	local p
	for p in "$@"; do alive "$p" && return 0; done
	return 1
}

# shellcheck disable=SC2046,SC2086  # word splitting wanted
cc ${CFLAGS:--O2} -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -o "$T/probe" "$HERE/probe.c" \
	$(pkg-config --cflags --libs libunbound)

t0=$(now_ms)
"$LAB" start "$T" "$PORT" "$DEADPORT" >/dev/null
info "lab.sh start took $(($(now_ms) - t0)) ms (netns=$LAB_NETNS)"
# shellcheck source=/dev/null
. "$T/lab.env"

OUT='' MS=''
# probe NAME TYPE: run one fresh lookup (cold cache every time); output
# in OUT, ub_resolve time in MS.
# The probe runs in the background and we wait for it: bash runs a trap
# only after a foreground command ends, and a dead-server lookup takes
# 17 s, so a signal would otherwise leave the lab up that long.
probe() {
	local err rc=0
	PROBE_TIMING=1 "$T/probe" "$LAB_UNBOUND_CONF" "$LAB_TA" "$1" "$2" \
		>"$T/probe.out" 2>"$T/probe.err" &
	PROBE_PID=$!
	wait "$PROBE_PID" || rc=$?
	PROBE_PID=''
	OUT=$(cat "$T/probe.out")
	[ "$rc" -eq 0 ] || OUT="probe failed ($rc): $(cat "$T/probe.err")"
	err=$(cat "$T/probe.err")
	MS=${err##*took }
	MS=${MS%% ms*}
}

# expect NAME TYPE HEAD COUNT [RDATA]...
#   HEAD:  extended regex the first line must match
#   COUNT: number of rdata lines
#   RDATA: lines that must all be present (case-insensitive: nsd
#          lowercases names in rdata, see README)
expect() {
	local name=$1 type=$2 head=$3 count=$4 rr why='' n
	shift 4
	probe "$name" "$type"
	n=$(($(printf '%s\n' "$OUT" | wc -l) - 1))
	printf '%s\n' "$OUT" | head -n 1 | grep -Eq -- "$head" || why="first line !~ $head"
	[ "$n" -eq "$count" ] || why="${why:+$why; }$n rdata lines, want $count"
	for rr in "$@"; do
		printf '%s\n' "$OUT" | tail -n +2 | grep -Fxiq -- "$rr" || why="${why:+$why; }missing \"$rr\""
	done
	if [ -z "$why" ]; then
		ok "$name $type"
	else
		bad "$name $type: $why"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
	# the probe output is part of the proof
	printf '%s\n' "$OUT" | sed "s/^/    $name $type | /" >>"$T/answers"
}

SEC='^rcode=0 havedata=1 nxdomain=0 secure=1 bogus=0 why_bogus=-$'
INS='^rcode=0 havedata=1 nxdomain=0 secure=0 bogus=0 why_bogus=-$'
NODATA='^rcode=0 havedata=0 nxdomain=0 secure=1 bogus=0 why_bogus=-$'
NXD='^rcode=3 havedata=0 nxdomain=1 secure=1 bogus=0 why_bogus=-$'
BOGUS='^rcode=0 havedata=1 nxdomain=0 secure=0 bogus=1 why_bogus=validation failure'
SERVFAIL='^rcode=2 havedata=0 nxdomain=0 secure=0 '

expect secure.example MX "$SEC" 4 "MX 5 Zz.secure.example." \
	"MX 10 MX2.Secure.Example." "MX 20 mx1.secure.example." "MX 30 mx2.secure.example."
expect _mta-sts.secure.example TXT "$SEC" 1 'TXT "v=STSv1; id=20240101000000"'
expect mta-sts.secure.example A "$SEC" 1 "A 127.0.0.1"
expect mx1.secure.example AAAA "$SEC" 1 "AAAA 2001:db8::11"
expect zz.secure.example A "$SEC" 1 "A 192.0.2.13"
expect insecure.example MX "$INS" 1 "MX 10 mx.insecure.example."
expect _mta-sts.insecure.example TXT "$INS" 1 'TXT "v=STSv1; id=1"'
expect bogus.example MX "$BOGUS.*signature verification failed" 1 "MX 11 mx1.bogus.example."
# only the MX RRset was tampered with; the rest of bogus.example. validates
expect _mta-sts.bogus.example TXT "$SEC" 1 'TXT "v=STSv1; id=1"'
expect expired.example MX "$BOGUS.*signature expired" 1 "MX 10 mx1.expired.example."
expect badds.example MX "$BOGUS.*no keys have a DS" 1 "MX 10 mx1.badds.example."
expect nullmx.example MX "$SEC" 1 "MX 0 ."
expect _mta-sts.nullmx.example TXT "$SEC" 1 'TXT "v=STSv1; id=1"'
expect nomx.example MX "$NODATA" 0
expect nomx.example A "$SEC" 1 "A 192.0.2.30"
expect _mta-sts.nomx.example TXT "$SEC" 1 'TXT "v=STSv1; id=1"'
expect nomx6.example MX "$NODATA" 0
expect nomx6.example AAAA "$SEC" 1 "AAAA 2001:db8::30"
expect noaddr.example MX "$NODATA" 0
expect noaddr.example A "$NODATA" 0
expect noaddr.example AAAA "$NODATA" 0
expect _mta-sts.noaddr.example TXT "$SEC" 1 'TXT "v=STSv1; id=1"'
expect mixednull.example MX "$SEC" 2 "MX 0 ." "MX 10 mx.mixednull.example."
expect badmx.example MX "$SEC" 1 "MX 10 mx_1.badmx.example."
expect optin.example MX "$SEC" 1 "MX 10 mail.optin.example."
expect _mta-sts.optin.example TXT "$SEC" 1 'TXT "v=STSv1; id=1"'
expect nooptin.example MX "$SEC" 1 "MX 10 mail.nooptin.example."
expect _mta-sts.nooptin.example TXT "$NXD" 0
expect wrongtxt.example MX "$SEC" 1 "MX 10 mail.wrongtxt.example."
expect _mta-sts.wrongtxt.example TXT "$SEC" 1 'TXT "v=spf1 -all"'
expect cnamemx.example MX "$SEC" 1 "MX 10 mail.cnamemx.example."
expect mail.cnamemx.example A "$SEC" 1 "A 192.0.2.11"
expect nxdomain.example MX "$NXD" 0
# dead.example.: DS in example., servers never answer => SERVFAIL after
# libunbound's retries.  How long that takes is part of the report.
expect dead.example MX "$SERVFAIL" 0
info "dead.example MX: ub_resolve took $MS ms"

# queries: nsd's query counter.  One drill query to nsd adds exactly 1;
# a fresh libunbound lookup of a signed name adds several (the chain);
# a lookup answered from the same process's cache would add none.
queries() { "$LAB" queries "$T"; }
q0=$(queries)
drill -p "$PORT" @127.0.0.1 secure.example. MX >/dev/null
q1=$(queries)
q2=$(queries)
if [ "$((q1 - q0))" -eq 1 ] && [ "$q2" = "$q1" ]; then
	ok "queries counts one drill query as 1 and itself as 0 ($q0 -> $q1 -> $q2)"
else
	bad "queries counts one drill query as 1 and itself as 0 ($q0 -> $q1 -> $q2)"
fi
probe secure.example MX
q3=$(queries)
if [ "$((q3 - q2))" -ge 3 ]; then
	ok "queries counts a fresh validated lookup ($((q3 - q2)) queries)"
else
	bad "queries counts a fresh validated lookup ($((q3 - q2)) queries, want >= 3)"
fi

# setmx: replace the MX RRset, re-sign, reload; a fresh lookup sees it.
t0=$(now_ms)
"$LAB" setmx "$T" secure.example. "10 new1.secure.example" "20 New2.Secure.Example."
info "lab.sh setmx secure.example. took $(($(now_ms) - t0)) ms"
expect secure.example MX "$SEC" 2 "MX 10 new1.secure.example." "MX 20 new2.secure.example."
t0=$(now_ms)
"$LAB" setmx "$T" optin.example "5 mx9.optin.example."
info "lab.sh setmx optin.example (in example.) took $(($(now_ms) - t0)) ms"
expect optin.example MX "$SEC" 1 "MX 5 mx9.optin.example."
"$LAB" setmx "$T" bogus.example. "10 a.bogus.example." "20 b.bogus.example."
expect bogus.example MX "$BOGUS.*signature verification failed" 2 "MX 11 a.bogus.example."
"$LAB" setmx "$T" insecure.example.
expect insecure.example MX "${INS/havedata=1/havedata=0}" 0
if "$LAB" setmx "$T" secure.example. "x y" 2>/dev/null; then
	bad "setmx rejects a bad PREF"
else
	ok "setmx rejects a bad PREF"
fi

# stopnsd / startnsd: with nsd down the blackhole is still up; lookups fail.
mapfile -t nsd_pids < <(echo "$LAB_NSD_PID"; pgrep -s "$LAB_NSD_PID")
t0=$(now_ms)
"$LAB" stopnsd "$T"
info "lab.sh stopnsd took $(($(now_ms) - t0)) ms"
# shellcheck source=/dev/null
. "$T/lab.env"
if [ -z "$LAB_NSD_PID" ] && ! any_alive "${nsd_pids[@]}" && alive "$LAB_BLACKHOLE_PID"; then
	ok "stopnsd stops nsd only"
else
	bad "stopnsd stops nsd only"
fi
expect secure.example MX "$SERVFAIL" 0
info "secure.example MX with nsd stopped: ub_resolve took $MS ms"
if "$LAB" queries "$T" >/dev/null 2>&1; then
	bad "queries fails while nsd is stopped"
else
	ok "queries fails while nsd is stopped"
fi
t0=$(now_ms)
"$LAB" startnsd "$T"
info "lab.sh startnsd took $(($(now_ms) - t0)) ms"
# shellcheck source=/dev/null
. "$T/lab.env"
expect secure.example MX "$SEC" 2 "MX 10 new1.secure.example." "MX 20 new2.secure.example."
# a restarted nsd counts from zero again (lab.sh's readiness checks only)
q4=$(queries)
if [ "$q4" -lt "$q3" ]; then
	ok "queries counts from the restart of nsd ($q4)"
else
	bad "queries counts from the restart of nsd ($q4, was $q3)"
fi

# stop: every process gone (zombies awaiting PID 1 count as gone), both
# ports free, and a second stop is a no-op.
mapfile -t pids < <(echo "$LAB_NSD_PID"; pgrep -s "$LAB_NSD_PID"; echo "$LAB_BLACKHOLE_PID")
t0=$(now_ms)
"$LAB" stop "$T"
info "lab.sh stop took $(($(now_ms) - t0)) ms"
if any_alive "${pids[@]}"; then bad "stop leaves no process"; else ok "stop leaves no process"; fi
ports="( sport = :$PORT or sport = :$DEADPORT )"
if ss -Hlnu "$ports" | grep -q . || ss -Hltn "$ports" | grep -q .; then
	bad "stop frees both ports"
else
	ok "stop frees both ports"
fi
if "$LAB" stop "$T"; then ok "second stop is a no-op"; else bad "second stop is a no-op"; fi

echo "answers (probe output per lookup):"
cat "$T/answers"
echo "lab selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
