#!/bin/bash
# Fault injection against one running FastCGI process: the DNS server
# answers garbage, stops mid-run and comes back; the override file changes
# and disappears; the configuration disappears and comes back.  The process
# must keep serving, pick every change up without a restart, and never
# serve a policy it cannot stand behind.
set -u
SUITE=faults
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
T=$(mktemp -d /tmp/mta-sts-faults.XXXXXX)
FCGI_PID= GARBAGE_PID=
cleanup() {
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	[ -n "$GARBAGE_PID" ] && kill "$GARBAGE_PID" 2>/dev/null && wait "$GARBAGE_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" 15383 15384
lab() {
	local cmd=$1
	shift
	"$TOP/tests/lab/lab.sh" "$cmd" "$T/lab" "$@" >>"$T/lab.log" 2>&1 ||
	    fail "lab.sh $cmd" "$(tail -3 "$T/lab.log")"
}
if ! ${CC:-cc} -O2 -o "$T/garbage" "$TOP/tests/lab/garbage.c" 2>"$T/cc.log"; then
	fail "building the garbage DNS server" "$(head -3 "$T/cc.log")"
	exit 0
fi
"$T/garbage" 127.0.0.1 15385 &
GARBAGE_PID=$!

printf 'version: STSv1\nmode: enforce\nmx: a.example.net\nmax_age: 86400\n' >"$T/ov.txt"
cat >"$T/m.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
fail_ttl: 1
mode: enforce
max_age: 86400
domain: secure.example
domain: nomx.example
domain: ov.example
override: ov.txt
C
cp "$T/m.conf" "$T/m.conf.good"
cat >"$T/g.conf" <<C
resolver: 127.0.0.1@15385
trust_anchor: $LAB_TA
domain: secure.example
C

# start CONF: one FastCGI process for CONF.
start() {
	give_away
	spawn-fcgi -n -s "$T/fcgi.sock" -- /usr/bin/env MTA_STS_CONF="$1" \
	    "$FCGI" >/dev/null 2>&1 &
	FCGI_PID=$!
	for i in $(seq 1 100); do [ -S "$T/fcgi.sock" ] && break; sleep 0.05; done
}
stop() {
	kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	FCGI_PID=
	rm -f "$T/fcgi.sock"
}
# get HOST: one GET through the process into $T/have.
get() {
	env -i REQUEST_METHOD=GET HTTP_HOST="$1" \
	    REQUEST_URI=/.well-known/mta-sts.txt \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" >"$T/have" 2>"$T/err"
}
alive() {
	if kill -0 "$FCGI_PID" 2>/dev/null; then pass "$1"; else fail "$1"; fi
}
SECURE="$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n'
UNAVAIL_SECURE="DNS lookup of secure.example MX failed temporarily; try again later
"

# --- a DNS server that answers garbage --------------------------------------
start "$T/g.conf"
t0=$(now_ms)
get mta-sts.secure.example
ms=$(( $(now_ms) - t0 ))
want_response 503 "$UNAVAIL_SECURE" >"$T/want"
same_bytes "DNS answers garbage: 503, never a policy" "$T/have" "$T/want"
if [ "$ms" -lt 5000 ]; then
	pass "DNS answers garbage: answered in $ms ms (< 5000)"
else
	fail "DNS answers garbage: answered in $ms ms (< 5000)"
fi
get mta-sts.secure.example
same_bytes "DNS answers garbage: the next request too" "$T/have" "$T/want"
alive "DNS answers garbage: the process goes on"
stop

# --- the DNS server stops mid-run and comes back -----------------------------
start "$T/m.conf"
get mta-sts.secure.example
want_response 200 "$SECURE" >"$T/want"
same_bytes "DNS up: policy" "$T/have" "$T/want"
lab stopnsd
get mta-sts.secure.example
same_bytes "DNS stopped: the remembered policy is still served" "$T/have" "$T/want"
get mta-sts.nomx.example
want_response 503 "DNS lookup of nomx.example MX failed temporarily; try again later
" >"$T/want"
same_bytes "DNS stopped: a domain never looked up gets 503" "$T/have" "$T/want"
lab startnsd
# The failure is remembered for fail_ttl (1 s here): let it pass.
sleep 1.1
get mta-sts.nomx.example
want_response 200 "$(policy enforce 86400 nomx.example)"$'\n' >"$T/want"
same_bytes "DNS back: the same process serves it again" "$T/have" "$T/want"

# --- the override file changes and disappears ---------------------------------
get mta-sts.ov.example
want_response 200 "$(policy enforce 86400 a.example.net)"$'\n' >"$T/want"
same_bytes "override: served" "$T/have" "$T/want"
printf 'version: STSv1\nmode: testing\nmx: b.example.net\nmax_age: 600\n' >"$T/ov.txt"
get mta-sts.ov.example
want_response 200 "$(policy testing 600 b.example.net)"$'\n' >"$T/want"
same_bytes "override changed: the new one is served without a restart" "$T/have" "$T/want"
printf 'version: STSv1\nmode: enforce\nmax_age: 600\n' >"$T/ov.txt"
get mta-sts.ov.example
want_response 503 "the policy override for ov.example is invalid; see the server log
" >"$T/want"
same_bytes "override broken: 503, the old one is not served either" "$T/have" "$T/want"
rm "$T/ov.txt"
get mta-sts.ov.example
same_bytes "override gone: 503" "$T/have" "$T/want"
if grep -qF "$T/ov.txt: No such file or directory" "$T/err"; then
	pass "override gone: logged with the path"
else
	fail "override gone: logged with the path" "log: $(tr '\n' '|' <"$T/err")"
fi

# --- the configuration disappears and comes back --------------------------------
sleep 1.1
rm "$T/m.conf"
get mta-sts.ov.example
# Without a file: built-in defaults (opt-in, the real root's trust anchor,
# unreachable in this namespace), so no policy from the old file survives.
if head -1 "$T/have" | grep -q '^Status: 200'; then
	fail "configuration gone: no policy from the old file" "$(head -c 200 "$T/have" | tr '\n' '|')"
else
	pass "configuration gone: no policy from the old file ($(head -1 "$T/have" | tr -d '\r'))"
fi
printf 'version: STSv1\nmode: enforce\nmx: a.example.net\nmax_age: 86400\n' >"$T/ov.txt"
cp "$T/m.conf.good" "$T/m.conf"
get mta-sts.ov.example
want_response 200 "$(policy enforce 86400 a.example.net)"$'\n' >"$T/want"
same_bytes "configuration back: served again without a restart" "$T/have" "$T/want"
alive "after every fault: the same process is still serving"
exit 0
