#!/bin/bash
# One FastCGI process under requests that wait for dead name servers
# (the lab's dead.example delegation: a server that never answers):
# remembered domains are answered while lookups wait; requests for a
# domain whose lookup runs share it; max_lookups bounds the waiting
# requests (503 at once past it); failures are remembered for fail_ttl;
# an expired policy is served stale on the 1 s timer while its refresh goes
# on; cache_dir keeps only what is worth sharing; the on-demand TLS ask
# endpoint answers from the same lookups.
set -u
SUITE=concurrency
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
T=$(mktemp -d /tmp/mta-sts-concurrency.XXXXXX)
FCGI_PID=
BG_PIDS=()
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" 15410 15411
lab() {
	local cmd=$1
	shift
	"$TOP/tests/lab/lab.sh" "$cmd" "$T/lab" "$@" >>"$T/lab.log" 2>&1 ||
	    fail "lab.sh $cmd" "$(tail -3 "$T/lab.log")"
}

# start CONF: one FastCGI process for CONF.
start() {
	give_away
	spawn-fcgi -n -s "$T/fcgi.sock" -- /usr/bin/env MTA_STS_CONF="$1" \
	    "$FCGI" >/dev/null 2>"$T/fcgi.err" &
	FCGI_PID=$!
	for i in $(seq 1 100); do [ -S "$T/fcgi.sock" ] && break; sleep 0.05; done
}
stop() {
	kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	FCGI_PID=
	rm -f "$T/fcgi.sock"
}
# get OUT HOST [VAR=VALUE...]: one GET through the process; its log in OUT.err.
get() {
	local out=$1 host=$2
	shift 2
	env -i REQUEST_METHOD=GET HTTP_HOST="$host" \
	    REQUEST_URI=/.well-known/mta-sts.txt "$@" \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" >"$out" 2>"$out.err"
}
# body FILE: the body of a CGI answer.
body() { sed '1,/^\r$/d' "$1"; }
status() { head -1 "$1" | tr -d '\r'; }

SECURE="$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n'
want_response 200 "$SECURE" >"$T/want.secure"
BUSY="too many DNS lookups in progress; try again later"
base="trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
mode: enforce
max_age: 86400"

# --- listed mode: dead domains never stall remembered ones ------------------
cat >"$T/l.conf" <<C
$base
threads: 8
max_lookups: 3
fail_ttl: 300
domain: secure.example
domain: dead.example
domain: d1.dead.example
domain: d2.dead.example
domain: d3.dead.example
domain: d4.dead.example
domain: d5.dead.example
C
start "$T/l.conf"
get "$T/warm" mta-sts.secure.example
same_bytes "listed: secure.example answered (remembered from now on)" "$T/warm" "$T/want.secure"

# Three requests for dead.example at once: one lookup, shared.
for i in 1 2 3; do
	get "$T/dead.$i" mta-sts.dead.example &
	BG_PIDS+=($!)
done
sleep 0.3
bad=0
for i in $(seq 1 50); do
	get "$T/hit" mta-sts.secure.example
	cmp -s "$T/hit" "$T/want.secure" || bad=$((bad + 1))
done
# The dead requests are still waiting (3 s budget) when 50 remembered
# requests have all been answered: those never queued behind them.
running=0
for p in "${BG_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
if [ "$bad" -eq 0 ] && [ "$running" -eq 3 ]; then
	pass "listed: 50 remembered requests answered while 3 requests wait for dead name servers"
else
	fail "listed: 50 remembered requests answered while 3 requests wait for dead name servers" \
	    "$bad of 50 differ; $running of 3 dead requests still waiting"
fi
wait "${BG_PIDS[@]}" 2>/dev/null
BG_PIDS=()
want_response 503 "DNS lookup of dead.example MX failed temporarily; try again later
" >"$T/want.dead"
ok=0
for i in 1 2 3; do cmp -s "$T/dead.$i" "$T/want.dead" && ok=$((ok + 1)); done
if [ "$ok" -eq 3 ]; then
	pass "listed: the 3 dead requests get 503 with Retry-After"
else
	fail "listed: the 3 dead requests get 503 with Retry-After" \
	    "have: $(cat -A "$T/dead.1" | tr '\n' '|')"
fi
n=$(cat "$T"/dead.*.err | grep -c 'dead.example MX: temporary DNS failure')
if [ "$n" -eq 1 ]; then
	pass "listed: the 3 requests shared one lookup (its failure logged once)"
else
	fail "listed: the 3 requests shared one lookup (its failure logged once)" \
	    "logged $n times: $(cat "$T"/dead.*.err | tr '\n' '|')"
fi
get "$T/again" mta-sts.dead.example
if cmp -s "$T/again" "$T/want.dead" && ! grep -q 'temporary DNS failure' "$T/again.err"; then
	pass "listed: the failure is remembered (fail_ttl): 503 again, no new lookup"
else
	fail "listed: the failure is remembered (fail_ttl): 503 again, no new lookup" \
	    "have: $(status "$T/again"); log: $(tr '\n' '|' <"$T/again.err")"
fi

# max_lookups 3: five distinct dead domains at once, two answered 503 busy.
for i in 1 2 3 4 5; do
	get "$T/busy.$i" "mta-sts.d$i.dead.example" &
	BG_PIDS+=($!)
	sleep 0.05
done
wait "${BG_PIDS[@]}" 2>/dev/null
BG_PIDS=()
nbusy=0 nfail=0
for i in 1 2 3 4 5; do
	b=$(body "$T/busy.$i")
	case $b in
	"$BUSY") nbusy=$((nbusy + 1)) ;;
	"DNS lookup of d$i.dead.example MX failed temporarily; try again later") nfail=$((nfail + 1)) ;;
	esac
done
if [ "$nbusy" -eq 2 ] && [ "$nfail" -eq 3 ]; then
	pass "listed: max_lookups 3: 3 requests wait for the DNS, 2 get 503 at once"
else
	fail "listed: max_lookups 3: 3 requests wait for the DNS, 2 get 503 at once" \
	    "busy $nbusy, failed lookups $nfail"
fi
if grep -q '^Retry-After: 300' "$T/busy.1" "$T/busy.5"; then
	pass "listed: the busy 503 carries Retry-After"
else
	fail "listed: the busy 503 carries Retry-After"
fi

# The on-demand TLS permission endpoint (Caddy's ask).
ask() {
	env -i REQUEST_METHOD=GET MTA_STS_ASK=1 QUERY_STRING="$1" \
	    REQUEST_URI="/ask?$1" HTTP_HOST=127.0.0.1 \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" >"$T/ask" 2>/dev/null
	printf '%s|%s' "$(status "$T/ask")" "$(body "$T/ask")"
}
check_ask() {
	local have
	have=$(ask "$1")
	if [ "$have" = "$2" ]; then pass "ask $1: $2"; else fail "ask $1: $2" "have: $have"; fi
}
check_ask domain=mta-sts.secure.example 'Status: 200 OK|yes'
check_ask domain=mta-sts.other.example 'Status: 403 Forbidden|no MTA-STS policy is served for other.example'
check_ask domain=www.secure.example 'Status: 403 Forbidden|not an MTA-STS policy host'
check_ask domain=mta-sts.dead.example 'Status: 503 Service Unavailable|DNS lookup of dead.example MX failed temporarily; try again later'
check_ask 'x=1&domain=mta-sts.secure.example' 'Status: 200 OK|yes'
check_ask '' 'Status: 400 Bad Request|expected ?domain=mta-sts.<domain>'
check_ask 'domain=a..b' 'Status: 400 Bad Request|invalid domain parameter'
stop

# --- opt-in mode: random names under a dead delegation -------------------------
mkdir "$T/oc"
cat >"$T/o.conf" <<C
$base
max_lookups: 2
cache_dir: $T/oc
C
start "$T/o.conf"
get "$T/optin" mta-sts.optin.example
want_response 200 "$(policy enforce 86400 mail.optin.example)"$'\n' >"$T/want.optin"
same_bytes "opt-in: optin.example answered" "$T/optin" "$T/want.optin"
for i in 1 2 3 4 5 6; do
	get "$T/rnd.$i" "mta-sts.r$RANDOM$i.dead.example" &
	BG_PIDS+=($!)
done
sleep 0.3
get "$T/hit" mta-sts.optin.example
running=0
for p in "${BG_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
if cmp -s "$T/hit" "$T/want.optin" && [ "$running" -ge 1 ]; then
	pass "opt-in: a remembered domain answered while random dead names wait"
else
	fail "opt-in: a remembered domain answered while random dead names wait" \
	    "have: $(status "$T/hit"); $running still waiting"
fi
wait "${BG_PIDS[@]}" 2>/dev/null
BG_PIDS=()
nbusy=0
for i in 1 2 3 4 5 6; do [ "$(body "$T/rnd.$i")" = "$BUSY" ] && nbusy=$((nbusy + 1)); done
if [ "$nbusy" -eq 4 ]; then
	pass "opt-in: max_lookups 2: 4 of 6 random names answered 503 at once"
else
	fail "opt-in: max_lookups 2: 4 of 6 random names answered 503 at once" "busy: $nbusy"
fi
get "$T/nx" mta-sts.nosuchname.example
files=$(cd "$T/oc" && ls | sort | tr '\n' ' ')
if [ "$files" = "optin.example.cache " ]; then
	pass "opt-in: cache_dir holds the opted-in policy only (no file for random or missing names)"
else
	fail "opt-in: cache_dir holds the opted-in policy only (no file for random or missing names)" \
	    "files: $files"
fi
stop

# --- serve-stale on the client timer ---------------------------------------------
cat >"$T/s.conf" <<C
$base
cache_max_ttl: 1
stale_max: 3600
domain: secure.example
C
start "$T/s.conf"
get "$T/s1" mta-sts.secure.example
same_bytes "stale: first answer from the DNS" "$T/s1" "$T/want.secure"
lab stopnsd
# Past cache_max_ttl, with a second of margin: libunbound's thread reads
# its clock lazily and may serve its own copy a moment longer.
sleep 2.5
get "$T/s2" mta-sts.secure.example
same_bytes "stale: expired, the DNS down: the remembered policy" "$T/s2" "$T/want.secure"
if grep -qF "the DNS is slow; serving the policy looked up" "$T/s2.err"; then
	pass "stale: answered on the 1 s timer, the refresh goes on (logged)"
else
	fail "stale: answered on the 1 s timer, the refresh goes on (logged)" \
	    "log: $(tr '\n' '|' <"$T/s2.err")"
fi
sleep 3.5	# the refresh gives up at 3 s and remembers the failure
get "$T/s3" mta-sts.secure.example
if cmp -s "$T/s3" "$T/want.secure" && ! grep -q . "$T/s3.err"; then
	pass "stale: after the failed refresh, the remembered failure answers stale with no new lookup"
else
	fail "stale: after the failed refresh, the remembered failure answers stale with no new lookup" \
	    "have: $(status "$T/s3"); log: $(tr '\n' '|' <"$T/s3.err")"
fi
lab startnsd
stop

# --- cache_dir: the longest names are cached (CGI) ---------------------------------
A63=$(printf 'a%.0s' {1..63})
LONG=$A63.$A63.$A63.$(printf 'b%.0s' {1..38}).secure.example	# 245 bytes
mkdir "$T/lc"
cat >"$T/lc.conf" <<C
$base
cache_dir: $T/lc
domain: $LONG
C
run_cgi "$T/long" "$T/long.err" "$T/lc.conf" REQUEST_METHOD=GET \
    HTTP_HOST="mta-sts.$LONG" REQUEST_URI=/.well-known/mta-sts.txt
# The longest policy domain (mta-sts.<it> is 253 bytes): its file name is
# 251 bytes, its temporary file's name short.
if [ "$(status "$T/long")" = "Status: 404 Not Found" ] && [ -f "$T/lc/$LONG.cache" ] &&
    [ "$(ls -A "$T/lc" | grep -vc '^\.conf-index')" -eq 1 ]; then
	pass "cache_dir: a 245-byte domain's outcome is stored, no temporary file left"
else
	fail "cache_dir: a 245-byte domain's outcome is stored, no temporary file left" \
	    "status: $(status "$T/long"); files: $(ls -A "$T/lc" | tr '\n' ' '); log: $(head -c 300 "$T/long.err")"
fi
exit 0
