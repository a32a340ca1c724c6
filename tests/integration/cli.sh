#!/bin/bash
# Integration tests of cli/mta-sts-id: the signed DNS lab (tests/lab) gives
# the MX records, and a real TLS web server (nginx + our FastCGI responder,
# tests/web/lib.sh) serves the live policy on 127.0.0.1.  Ids, comments,
# output formats and state files are compared byte for byte.  Runs in a
# private network namespace when allowed.
set -u
SUITE=cli
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

. "$TOP/tests/web/lib.sh"
if ! why=$(web_can_run); then
	skip "mta-sts-id against the lab and a real web server ($why)"
	exit 0
fi

ID=$TOP/cli/mta-sts-id
PORT=${CLI_LAB_PORT:-15373}
DEADPORT=${CLI_LAB_DEADPORT:-15374}
HTTPS=${CLI_HTTPS_PORT:-18463}
CLOSED=${CLI_CLOSED_PORT:-18464}	# nothing listens here
SILENT=${CLI_SILENT_PORT:-18465}	# accepts TCP, never answers
T=$(mktemp -d /tmp/mta-sts-cli.XXXXXX)
chmod 755 "$T"	# the web server may run as another user
STATE=$T/state
HOLDER_PID= SILENT_PID= WEB_UP=
cleanup() {
	[ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null && wait "$HOLDER_PID" 2>/dev/null
	[ -n "$SILENT_PID" ] && kill "$SILENT_PID" 2>/dev/null && wait "$SILENT_PID" 2>/dev/null
	[ -n "$WEB_UP" ] && web_nginx_fcgi_stop "$T/web" >/dev/null 2>&1
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
# A signal (Ctrl-C, a closed pipe) must still run cleanup via EXIT.
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$PORT" "$DEADPORT"
chmod -R a+rX "$T/lab"

# --- configurations ----------------------------------------------------------
# The CLI and the server share mode and max_age, so both render the same
# policy from the same MX records.
base="trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
mode: enforce
max_age: 86400"
cat >"$T/cli.conf" <<C
$base
state_dir: $STATE
domain: secure.example
domain: nomx.example
domain: cnamemx.example
domain: bogus.example
C
cat >"$T/optin.conf" <<C
$base
state_dir: $T/optin-state
C
# The server: policies from the DNS, looked up afresh for every request...
cat >"$T/server-dns.conf" <<C
$base
cache_max_ttl: 0
domain: secure.example
C
# ...or an override file holding an older policy (not yet published).
cat >"$T/server-old.conf" <<C
$base
domain: secure.example
override: $T/old-policy.txt
C
cp "$T/server-dns.conf" "$T/server.conf"
# serve dns|old: point the running server at one of them (a new inode, so
# the FastCGI process reloads the configuration on the next request).
serve() {
	cp "$T/server-$1.conf" "$T/server.conf.tmp"
	mv "$T/server.conf.tmp" "$T/server.conf"
}

if ! web_pki "$T/web" mta-sts.secure.example mta-sts.nomx.example >"$T/web.log" 2>&1 ||
    ! web_pki "$T/otherca" mta-sts.secure.example >>"$T/web.log" 2>&1; then
	fail "test PKI" "$(tail -5 "$T/web.log")"
	exit 1
fi
if ! web_nginx_fcgi_start "$T/web" "$HTTPS" "$T/server.conf" >>"$T/web.log" 2>&1; then
	fail "nginx + FastCGI start on port $HTTPS" "$(tail -5 "$T/web.log")"
	exit 1
fi
WEB_UP=1
CA=$T/web/ca.crt
TO="::127.0.0.1:$HTTPS"

# --- helpers -------------------------------------------------------------------
# run ARGS...: the CLI with cli.conf, the test CA and the web server;
# stdout in $T/out, stderr in $T/err, exit status in $RC.
run() {
	"$ID" -c "$T/cli.conf" --ca-file "$CA" --connect-to "$TO" "$@" \
	    >"$T/out" 2>"$T/err"
	RC=$?
}
# raw ARGS...: the CLI with exactly these arguments.
raw() {
	"$ID" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
want_rc() {	# want_rc NAME STATUS
	if [ "$RC" -eq "$2" ]; then
		pass "$1: exit $2"
	else
		fail "$1: exit $2" "have: exit $RC" "stdout: $(head -c 400 "$T/out" | tr '\n' '|')" \
		    "stderr: $(head -c 600 "$T/err" | tr '\n' '|')"
	fi
}
# err_has NAME TEXT: standard error contains TEXT.
err_has() {
	if grep -qF -- "$2" "$T/err"; then
		pass "$1"
	else
		fail "$1" "stderr: $(head -c 800 "$T/err" | tr '\n' '|')" "want: $2"
	fi
}
# out_is NAME TEXT: standard output is exactly TEXT (a printf format-free string).
out_is() {
	printf '%s' "$2" >"$T/want"
	same_bytes "$1" "$T/out" "$T/want"
}
out_empty() {
	if [ ! -s "$T/out" ]; then pass "$1"; else fail "$1" "stdout: $(tr '\n' '|' <"$T/out")"; fi
}
state_id() { awk '$1 == "id" { print $2 }' "$STATE/$1.state" 2>/dev/null; }
sum() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
# greater NAME A B: A > B as strings and as numbers (longer is larger).
greater() {
	if [[ $2 > $3 ]] && { [ ${#2} -gt ${#3} ] || { [ ${#2} -eq ${#3} ] && [[ $2 > $3 ]]; }; }; then
		pass "$1 ($3 -> $2)"
	else
		fail "$1" "new: $2" "old: $3"
	fi
}
zone() {	# zone DOMAIN ID COMMENT: the expected zone block
	printf '; %s: %s\n_mta-sts.%s. 300 IN TXT "v=STSv1; id=%s"\n' "$1" "$3" "$1" "$2"
}
ORIG_MX=("5 Zz.secure.example" "10 MX2.Secure.Example" "20 mx1.secure.example" "30 mx2.secure.example")
setmx() { "$TOP/tests/lab/lab.sh" setmx "$T/lab" secure.example "$@" >/dev/null; }
# setmx_live PAIR...: change the MX records and make the server serve the
# result at once.  Its resolver keeps answers for a second even with
# cache_max_ttl 0 (publish before bump would rightly refuse meanwhile), and
# a configuration reload starts a fresh one.
setmx_live() { setmx "$@"; serve dns; }

# --- usage and configuration errors ---------------------------------------------
raw
want_rc "usage: no domain" 2
cat >"$T/want" <<'U'
usage: mta-sts-id [-c FILE] [--format zone|value|nsupdate|json]
	[--rotate] [--no-verify] [--publish-hook PROGRAM | --no-publish]
	[--ca-file FILE] [--connect-to HOST1:PORT1:HOST2:PORT2]
	DOMAIN ... | --all
U
same_bytes "usage: the message" "$T/err" "$T/want"
raw --help
want_rc "usage: --help" 0
cat >"$T/want" <<'U'
usage: mta-sts-id [-c FILE] [--format zone|value|nsupdate|json]
	[--rotate] [--no-verify] [--publish-hook PROGRAM | --no-publish]
	[--ca-file FILE] [--connect-to HOST1:PORT1:HOST2:PORT2]
	DOMAIN ... | --all
       mta-sts-id --check [-c FILE] [--format text|json] [--no-smtp]
	[--days N] [--timeout SECONDS] [--ca-file FILE]
	[--connect-to HOST1:PORT1:HOST2:PORT2] DOMAIN ... | --all
       mta-sts-id --report [-c FILE] [--days N] [--format text|json]
	DOMAIN ... | --all
U
same_bytes "usage: --help prints every form on standard output" "$T/out" "$T/want"
if [ ! -s "$T/err" ]; then
	pass "usage: --help writes nothing to standard error"
else
	fail "usage: --help writes nothing to standard error" "stderr: $(tr '\n' '|' <"$T/err")"
fi
cp "$T/out" "$T/help"
raw --check --help
want_rc "usage: --check --help" 0
same_bytes "usage: --check --help prints the same" "$T/out" "$T/help"
# The whole usage (--help) equals the man page's SYNOPSIS, both forms.
if command -v mandoc >/dev/null; then
	syn=$(mandoc -Tascii "$TOP/cli/mta-sts-id.8" | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \t\n' ' ' | sed 's/^ //;s/ $//')
	use=$(sed 's/^usage: //' "$T/help" | tr -s ' \t\n' ' ' | sed 's/^ //;s/ $//')
	if [ "$syn" = "$use" ]; then
		pass "usage: equal to the man page SYNOPSIS"
	else
		fail "usage: equal to the man page SYNOPSIS" "man:   $syn" "usage: $use"
	fi
else
	fail "usage: equal to the man page SYNOPSIS" "mandoc is not installed"
fi
raw -c "$T/cli.conf" --all secure.example
want_rc "usage: domains and --all" 2
raw -c "$T/cli.conf" --format yaml secure.example
want_rc "usage: unknown format" 2
raw -c "$T/cli.conf" --connect-to 127.0.0.1:443 secure.example
want_rc "usage: malformed --connect-to" 2
err_has "usage: malformed --connect-to: explained" "want HOST1:PORT1:HOST2:PORT2"
raw -c "$T/cli.conf" 'bad_name.example'
want_rc "usage: invalid domain name" 2
raw -c "$T/no-such.conf" secure.example
want_rc "configuration: -c FILE missing" 3
err_has "configuration: -c FILE missing: named" "$T/no-such.conf: No such file or directory"
printf 'mode: sometimes\n' >"$T/broken.conf"
raw -c "$T/broken.conf" secure.example
want_rc "configuration: broken file" 3
err_has "configuration: broken file: file:line" "$T/broken.conf:1: "
run optin.example
want_rc "configuration: domain not listed" 3
err_has "configuration: domain not listed: explained" "optin.example: not listed in $T/cli.conf"
raw -c "$T/optin.conf" --all
want_rc "configuration: --all without listed domains" 3
if [ ! -e "$STATE" ]; then
	pass "no state directory made by runs that failed early"
else
	fail "no state directory made by runs that failed early"
fi

# --- first id, unchanged, formats ---------------------------------------------------
t0=$(date +%s)
run secure.example
want_rc "first id" 0
ID1=$(state_id secure.example)
if [[ $ID1 =~ ^[0-9]{14}$ ]]; then
	pass "first id: a 14-digit UTC timestamp ($ID1)"
else
	fail "first id: a 14-digit UTC timestamp" "have: $ID1"
fi
now_stamp=$(date -u -d "@$t0" +%Y%m%d%H%M%S)
if [ "$ID1" \> "$(date -u -d "@$((t0 - 2))" +%Y%m%d%H%M%S)" ] &&
    [ "$ID1" \< "$(date -u -d "@$((t0 + 3))" +%Y%m%d%H%M%S)" ]; then
	pass "first id: the time of issue ($now_stamp)"
else
	fail "first id: the time of issue" "have: $ID1" "now: $now_stamp"
fi
out_is "first id: zone output" "$(zone secure.example "$ID1" "first id")"$'\n'
issued=$(awk '$1 == "issued" { print $2 }' "$STATE/secure.example.state")
cat >"$T/want" <<S
mta-sts-id-state 1
domain secure.example
id $ID1
issued $issued
mode enforce
max_age 86400
mx mx1.secure.example
mx mx2.secure.example
mx zz.secure.example
end
S
same_bytes "first id: state file" "$STATE/secure.example.state" "$T/want"
if [ "$issued" -ge "$t0" ] && [ "$issued" -le "$(date +%s)" ]; then
	pass "first id: issued time recorded"
else
	fail "first id: issued time recorded" "have: $issued" "t0: $t0"
fi
if [ "$(ls -A "$STATE")" = "$(printf 'mta-sts-id.lock\nsecure.example.state')" ]; then
	pass "state directory: the state file and the lock, no temporary file"
else
	fail "state directory: the state file and the lock, no temporary file" "$(ls -A "$STATE" | tr '\n' ' ')"
fi

# Unchanged needs no live check: prove it with an unreachable server.
"$ID" -c "$T/cli.conf" --ca-file "$CA" --connect-to "::127.0.0.1:$CLOSED" \
    secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "unchanged: keeps the id (no fetch needed)" 0
out_is "unchanged: zone output" "$(zone secure.example "$ID1" unchanged)"$'\n'

run --format zone secure.example
out_is "format zone: byte for byte" "$(zone secure.example "$ID1" unchanged)"$'\n'
run --format value secure.example
want_rc "format value" 0
out_is "format value: stdout is only the value" "v=STSv1; id=$ID1"$'\n'
printf '; secure.example: unchanged\n' >"$T/want"
same_bytes "format value: the comment on stderr" "$T/err" "$T/want"
run --format=nsupdate secure.example
want_rc "format nsupdate" 0
out_is "format nsupdate: byte for byte" "; secure.example: unchanged
update delete _mta-sts.secure.example. TXT
update add _mta-sts.secure.example. 300 TXT \"v=STSv1; id=$ID1\"
send
"
run SECURE.Example.
out_is "domain argument: case and trailing dot normalised" "$(zone secure.example "$ID1" unchanged)"$'\n'

# --- MX changes ------------------------------------------------------------------------
setmx_live "10 mx1.secure.example" "20 mx3.secure.example"
run secure.example
want_rc "MX change: new id" 0
ID2=$(state_id secure.example)
greater "MX change: the new id is larger" "$ID2" "$ID1"
out_is "MX change: comment lists added and removed hosts" \
    "$(zone secure.example "$ID2" "changed: +mx3.secure.example -mx2.secure.example -zz.secure.example")"$'\n'

setmx_live "${ORIG_MX[@]}"
run secure.example
want_rc "MX changed back: new id" 0
ID3=$(state_id secure.example)
if [ "$ID3" != "$ID1" ]; then
	pass "MX changed back: not the first id again ($ID1 vs $ID3)"
else
	fail "MX changed back: not the first id again" "both: $ID1"
fi
greater "MX changed back: the new id is larger" "$ID3" "$ID2"
out_is "MX changed back: comment" \
    "$(zone secure.example "$ID3" "changed: +mx2.secure.example +zz.secure.example -mx3.secure.example")"$'\n'

run --rotate secure.example
want_rc "--rotate" 0
ID4=$(state_id secure.example)
greater "--rotate: a new, larger id" "$ID4" "$ID3"
out_is "--rotate: comment" "$(zone secure.example "$ID4" rotated)"$'\n'

# --- the 24-hour refresh (the stored issue time edited) ------------------------------------
sed -i "s/^issued .*/issued $(( $(date +%s) - 23 * 3600 ))/" "$STATE/secure.example.state"
run secure.example
out_is "23 hours old: unchanged" "$(zone secure.example "$ID4" unchanged)"$'\n'
sed -i "s/^issued .*/issued $(( $(date +%s) - 25 * 3600 ))/" "$STATE/secure.example.state"
run secure.example
want_rc "25 hours old: replaced" 0
ID5=$(state_id secure.example)
greater "25 hours old: a new, larger id" "$ID5" "$ID4"
out_is "25 hours old: comment" \
    "$(zone secure.example "$ID5" "daily refresh (id older than 24 hours)")"$'\n'
run secure.example
out_is "after the refresh: unchanged" "$(zone secure.example "$ID5" unchanged)"$'\n'

# --- publish before bump -------------------------------------------------------------------
# The server keeps serving today's policy from an override file while the
# MX records change.
policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example >"$T/old-policy.txt"
serve old
setmx "10 mx1.secure.example" "20 mx4.secure.example"
before=$(sum "$STATE/secure.example.state")
run secure.example
want_rc "publish before bump: refused while the old policy is served" 5
err_has "publish before bump: says what is not live yet" \
    "secure.example: https://mta-sts.secure.example/.well-known/mta-sts.txt does not serve the new policy yet (new policy vs live: +mx4.secure.example -mx2.secure.example -zz.secure.example); publish it first; the id stays $ID5"
out_empty "publish before bump: nothing printed"
if [ "$(sum "$STATE/secure.example.state")" = "$before" ]; then
	pass "publish before bump: state unchanged"
else
	fail "publish before bump: state unchanged"
fi
serve dns
run secure.example
want_rc "publish before bump: bumped once the new policy is served" 0
ID6=$(state_id secure.example)
greater "publish before bump: a new, larger id" "$ID6" "$ID5"
out_is "publish before bump: comment" \
    "$(zone secure.example "$ID6" "changed: +mx4.secure.example -mx2.secure.example -zz.secure.example")"$'\n'

# --no-verify skips the check (the old policy still served).
serve old
setmx "${ORIG_MX[@]}"
setmx "10 mx5.secure.example"
run secure.example
want_rc "--no-verify: without it, refused" 5
run --no-verify secure.example
want_rc "--no-verify: bumped without the live check" 0
ID7=$(state_id secure.example)
greater "--no-verify: a new, larger id" "$ID7" "$ID6"
serve dns

# --- TLS and HTTP failures: refused, nothing issued -------------------------------------------
before=$(sum "$STATE/secure.example.state")
run cnamemx.example
want_rc "certificate for another name: refused" 5
err_has "certificate for another name: reason" \
    "certificate of mta-sts.cnamemx.example (127.0.0.1 port $HTTPS) not accepted: hostname mismatch; no id issued"
if [ ! -e "$STATE/cnamemx.example.state" ]; then
	pass "certificate for another name: no state written"
else
	fail "certificate for another name: no state written"
fi
"$ID" -c "$T/cli.conf" --ca-file "$T/otherca/ca.crt" --connect-to "$TO" --rotate \
    secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "untrusted CA (--ca-file of another CA): refused" 5
err_has "untrusted CA: reason" "certificate of mta-sts.secure.example (127.0.0.1 port $HTTPS) not accepted: "
"$ID" -c "$T/cli.conf" --connect-to "$TO" --rotate secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "untrusted CA (system store): refused" 5
err_has "untrusted CA (system store): reason" "not accepted: "
run nomx.example
want_rc "HTTP 404 from the server: refused" 5
err_has "HTTP 404: reason" "nomx.example: https://mta-sts.nomx.example/.well-known/mta-sts.txt answers 404 Not Found, not the policy; no id issued"
"$ID" -c "$T/cli.conf" --ca-file "$CA" --connect-to "::127.0.0.1:$CLOSED" --rotate \
    secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "connection refused: refused" 5
err_has "connection refused: reason" "connect to 127.0.0.1 port $CLOSED: Connection refused"
"$TOP/tests/lab/blackhole" 127.0.0.1 "$SILENT" >/dev/null 2>&1 &
SILENT_PID=$!
for i in $(seq 1 100); do
	"$ID" -c "$T/cli.conf" --ca-file "$CA" --connect-to "::127.0.0.1:$SILENT" \
	    --rotate --no-verify nxdomain.example >/dev/null 2>&1	# never reached
	[ -e "/proc/$SILENT_PID" ] && ss -ltn 2>/dev/null | grep -q ":$SILENT " && break
	sleep 0.05
done
t0=$(now_ms)
"$ID" -c "$T/cli.conf" --ca-file "$CA" --connect-to "::127.0.0.1:$SILENT" --rotate \
    secure.example >"$T/out" 2>"$T/err"
RC=$?
ms=$(( $(now_ms) - t0 ))
want_rc "server that never answers: refused" 5
err_has "server that never answers: reason" "timed out"
if [ "$ms" -ge 9000 ] && [ "$ms" -lt 13000 ]; then
	pass "server that never answers: gave up after ${ms} ms (10 s limit)"
else
	fail "server that never answers: gave up after ${ms} ms (10 s limit)"
fi
kill "$SILENT_PID" 2>/dev/null; wait "$SILENT_PID" 2>/dev/null; SILENT_PID=
if [ "$(sum "$STATE/secure.example.state")" = "$before" ]; then
	pass "TLS and HTTP failures: state unchanged"
else
	fail "TLS and HTTP failures: state unchanged"
fi

# --- DNS failures ------------------------------------------------------------------------------
run bogus.example
want_rc "DNSSEC bogus: no policy" 4
err_has "DNSSEC bogus: reason" "bogus.example: no policy to announce: DNSSEC validation failed for bogus.example MX"

# --- mx_allow: a policy the server withholds is not announced either -------------------
cat >"$T/allow.conf" <<C
$base
state_dir: $T/allow-state
domain: secure.example
mx_allow: mx1.secure.example *.other.example
C
"$ID" -c "$T/allow.conf" --no-verify secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "mx_allow: an MX host outside the list: no policy" 4
err_has "mx_allow: reason" "secure.example: no policy to announce: MX host mx5.secure.example is not in mx_allow"
sed -i 's/^mx_allow: .*/mx_allow: *.secure.example/' "$T/allow.conf"
"$ID" -c "$T/allow.conf" --no-verify secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "mx_allow: every MX host allowed" 0

# --- opt-in (no domain list): like the server ---------------------------------------------------
"$ID" -c "$T/optin.conf" --no-verify optin.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "opt-in: a domain with a v=STSv1 TXT record" 0
"$ID" -c "$T/optin.conf" --no-verify nooptin.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "opt-in: a domain without one" 4
err_has "opt-in: reason" "nooptin.example has not opted in"

# --- corrupt state -----------------------------------------------------------------------------
cp "$STATE/secure.example.state" "$T/good.state"
sed -i 's/^mode enforce$/mode sometimes/' "$STATE/secure.example.state"
before=$(sum "$STATE/secure.example.state")
run secure.example
want_rc "corrupt state: refused" 6
err_has "corrupt state: file, line and reason" \
    "secure.example: $STATE/secure.example.state:5: corrupt state file: invalid mode; the file was left as it is"
out_empty "corrupt state: nothing printed"
run --rotate secure.example
want_rc "corrupt state: --rotate refused too" 6
if [ "$(sum "$STATE/secure.example.state")" = "$before" ]; then
	pass "corrupt state: file untouched (same checksum)"
else
	fail "corrupt state: file untouched (same checksum)"
fi
printf 'garbage' >"$STATE/secure.example.state"
before=$(sum "$STATE/secure.example.state")
run secure.example
want_rc "truncated state: refused" 6
if [ "$(sum "$STATE/secure.example.state")" = "$before" ]; then
	pass "truncated state: file untouched"
else
	fail "truncated state: file untouched"
fi
cp "$T/good.state" "$STATE/secure.example.state"
run secure.example
out_is "state restored: unchanged again" "$(zone secure.example "$ID7" unchanged)"$'\n'

# --- two runs at once ---------------------------------------------------------------------------
flock "$STATE/mta-sts-id.lock" -c "touch '$T/held'; sleep 2.5" &
HOLDER_PID=$!
for i in $(seq 1 100); do [ -e "$T/held" ] && break; sleep 0.02; done
t0=$(now_ms)
MTA_STS_ID_LOCK_WAIT=0 run --rotate secure.example
want_rc "lock held, no wait: refused at once" 6
err_has "lock held: the lock file named" "$STATE/mta-sts-id.lock: held by another mta-sts-id run"
MTA_STS_ID_LOCK_WAIT=1 run --rotate secure.example
ms=$(( $(now_ms) - t0 ))
want_rc "lock held longer than the wait: refused" 6
err_has "lock held longer than the wait: says so" "gave up after 1 s"
if [ "$ms" -ge 900 ]; then pass "lock held: waited ${ms} ms"; else fail "lock held: waited ${ms} ms"; fi
out_empty "lock held: nothing printed"
run --rotate secure.example	# the default wait (30 s) outlasts the holder
ms=$(( $(now_ms) - t0 ))
want_rc "lock released while waiting: the run goes on" 0
err_has "lock released while waiting: said it waited" "waiting up to 30 s"
ID8=$(state_id secure.example)
greater "lock released while waiting: a new, larger id" "$ID8" "$ID7"
if [ "$ms" -ge 2000 ]; then pass "lock: the second run waited for the first (${ms} ms)"; else fail "lock: the second run waited for the first (${ms} ms)"; fi
wait "$HOLDER_PID" 2>/dev/null; HOLDER_PID=

# --- --all, several domains -------------------------------------------------------------------
run --all --no-verify --format value
want_rc "--all: the first failure's status (bogus.example)" 4
ID_C=$(state_id cnamemx.example) ID_N=$(state_id nomx.example)
out_is "--all: one value per domain that worked, in name order" "v=STSv1; id=$ID_C
v=STSv1; id=$ID_N
v=STSv1; id=$ID8
"
exit 0
