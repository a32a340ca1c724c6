#!/bin/bash
# demo/demo.sh: the main job on a built-in demo, from nothing.
#
#  1. a local signed DNS tree (nsd + ldns-signzone, private trust anchor) on
#     127.0.0.1, in a private network namespace when run as root;
#  2. mta-sts.fcgi running under spawn-fcgi, configured for secure.example;
#  3. the policy fetched through the FastCGI socket and printed;
#  4. everything stopped and removed again.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

D=$(mktemp -d /tmp/mta-sts-demo.XXXXXX)
FCGI_PID=
cleanup() {
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$D/lab" >/dev/null 2>&1 || true
	rm -rf "$D"
}
trap cleanup EXIT
# A signal (Ctrl-C, a closed pipe) must still run cleanup via EXIT.
trap 'exit 130' INT TERM HUP PIPE

step() { printf '\n== %s\n' "$*"; }

step "starting a local signed DNS tree (nsd on 127.0.0.1:15353)"
"$TOP/tests/lab/lab.sh" start "$D/lab" 15353 15354 >"$D/lab.log"
. "$D/lab/lab.env"
echo "trust anchor (private root): $(cat "$LAB_TA")"
echo "secure.example MX records as published (mixed case, a duplicate, unsorted):"
grep -E '^secure\.example\.[[:space:]]+IN[[:space:]]+MX' \
    "$LAB_DIR/zones/secure.example.zone" | sed 's/^/    /'

cat >"$D/mta-sts.conf" <<C
# demo configuration: DNSSEC required (the default), the lab's trust anchor
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
mode: enforce
max_age: 604800
domain: secure.example
domain: bogus.example
C
step "configuration $D/mta-sts.conf"
sed 's/^/    /' "$D/mta-sts.conf"

step "starting mta-sts.fcgi under spawn-fcgi"
spawn-fcgi -n -s "$D/fcgi.sock" -- /usr/bin/env MTA_STS_CONF="$D/mta-sts.conf" \
    "$TOP/fcgi/mta-sts.fcgi" >/dev/null 2>"$D/fcgi.log" &
FCGI_PID=$!
for i in $(seq 1 100); do [ -S "$D/fcgi.sock" ] && break; sleep 0.05; done

# fetch HOST: one GET of the policy URL through the FastCGI socket; the
# request's error stream (our log lines) goes to $D/fcgi.log.
fetch() {
	env -i REQUEST_METHOD=GET HTTP_HOST="$1" \
	    REQUEST_URI=/.well-known/mta-sts.txt \
	    cgi-fcgi -bind -connect "$D/fcgi.sock" 2>"$D/fcgi.log" | tr -d '\r'
}

step "GET https://mta-sts.secure.example/.well-known/mta-sts.txt (through FastCGI)"
fetch mta-sts.secure.example

step "the same for bogus.example (tampered signature): refused"
fetch mta-sts.bogus.example | sed -n '1p;$p'
echo "server log:"
sed 's/^/    /' "$D/fcgi.log"

step "done; stopping everything"
