#!/bin/bash
# demo/demo.sh: the main job on a built-in demo, from nothing.
#
#  1. a local signed DNS tree (nsd + ldns-signzone, private trust anchor) on
#     127.0.0.1, in a private network namespace when run as root;
#  2. a test CA and a certificate for mta-sts.secure.example;
#  3. nginx on 127.0.0.1 with TLS, passing requests to mta-sts.fcgi under
#     spawn-fcgi (htaccess-examples/nginx/, as a user would install it);
#  4. the policy fetched over HTTPS with curl and shown;
#  5. mta-sts-id: the TXT record to paste, after it checked that the live
#     policy is the one the new id announces;
#  6. everything stopped and removed again.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
if ! why=$(web_can_run); then
	echo "demo: $why" >&2
	exit 1
fi

D=$(mktemp -d /tmp/mta-sts-demo.XXXXXX)
chmod 755 "$D"		# the web server's user must reach the files
HTTPS=18443
cleanup() {
	web_nginx_fcgi_stop "$D/web" >/dev/null 2>&1 || true
	"$TOP/tests/lab/lab.sh" stop "$D/lab" >/dev/null 2>&1 || true
	rm -rf "$D"
}
trap cleanup EXIT
# A signal (Ctrl-C, a closed pipe) must still run cleanup via EXIT.
trap 'exit 130' INT TERM HUP PIPE

step() { printf '\n== %s\n' "$*"; }

step "1. a local signed DNS tree (nsd on 127.0.0.1:15353)"
"$TOP/tests/lab/lab.sh" start "$D/lab" 15353 15354 >"$D/lab.log"
. "$D/lab/lab.env"
chmod -R a+rX "$D/lab"
echo "trust anchor (private root): $(cat "$LAB_TA")"
echo "secure.example MX records as published (mixed case, a duplicate, unsorted):"
grep -E '^secure\.example\.[[:space:]]+IN[[:space:]]+MX' \
    "$LAB_DIR/zones/secure.example.zone" | sed 's/^/    /'

cat >"$D/mta-sts.conf" <<C
# demo configuration: DNSSEC required (the default), the lab's trust anchor
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
state_dir: $D/state
mode: enforce
max_age: 604800
domain: secure.example
domain: bogus.example
C
chmod 644 "$D/mta-sts.conf"
step "configuration $D/mta-sts.conf"
sed 's/^/    /' "$D/mta-sts.conf"

step "2.-3. test CA, certificate, nginx + spawn-fcgi + mta-sts.fcgi on 127.0.0.1:$HTTPS"
web_pki "$D/web" mta-sts.secure.example mta-sts.bogus.example >"$D/web.log" 2>&1
web_nginx_fcgi_start "$D/web" "$HTTPS" "$D/mta-sts.conf" >>"$D/web.log" 2>&1
echo "up"

step "4. curl https://mta-sts.secure.example/.well-known/mta-sts.txt"
curl -sS -i --cacert "$D/web/ca.crt" \
    --resolve "mta-sts.secure.example:$HTTPS:127.0.0.1" \
    "https://mta-sts.secure.example:$HTTPS/.well-known/mta-sts.txt" | tr -d '\r'

step "   the same for bogus.example (tampered signature): refused"
curl -sS -i --cacert "$D/web/ca.crt" \
    --resolve "mta-sts.bogus.example:$HTTPS:127.0.0.1" \
    "https://mta-sts.bogus.example:$HTTPS/.well-known/mta-sts.txt" |
    tr -d '\r' | sed -n '1p;$p'
echo "server log:"
grep -F 'bogus.example' "$D/web/nginx/logs/error.log" | tail -1 |
    sed 's/^/    /'

step "5. mta-sts-id secure.example: the TXT record to publish"
"$TOP/cli/mta-sts-id" -c "$D/mta-sts.conf" --ca-file "$D/web/ca.crt" \
    --connect-to "::127.0.0.1:$HTTPS" secure.example

step "6. done; stopping everything"
