#!/bin/bash
# Caddy's on-demand TLS through htaccess-examples/caddy/, for real: the
# Caddyfile and mta-sts-fcgi.service installed verbatim (placeholders
# replaced only), Caddy 2 as user caddy on 127.0.0.1:80/443 of a private
# network namespace, mta-sts.fcgi under spawn-fcgi from the unit's
# command line, pebble as the CA (the only change to Caddy's adapted
# configuration: its ACME issuer is pebble), names resolved through the
# signed DNS lab (nsd on 127.0.0.1:53).
#   the ask endpoint: 200 "yes" for a listed domain's policy host, 403 for
#     an unlisted, a random and a non-mta-sts name, 400 without a name
#   a TLS connection for the listed name: Caddy asks, gets the certificate
#     from pebble, serves the policy (verified against pebble's root only;
#     postfix-mta-sts-resolver: VALID)
#   a TLS connection for an unlisted or a random name: no certificate; the
#     ask endpoint said 403 (Caddy's log), and pebble never saw the name
#     (no order, no authorization, no validation)
# Needs root and a network namespace; says SKIP otherwise.
set -u
SUITE=caddy
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
. "$TOP/tests/web/acmelib.sh"
WHAT="Caddy on-demand TLS with pebble"
web_need "$WHAT" "caddy, pebble or spawn-fcgi not installed: tests/deps.sh" \
    caddy pebble spawn-fcgi setpriv
if ! id caddy >/dev/null 2>&1; then
	skip "$WHAT (no caddy user: the caddy package makes it; tests/deps.sh)"
	exit 0
fi
if [ "${LAB_NETNS:-0}" != 1 ]; then
	skip "$WHAT (no private network namespace: it needs ports 53, 80 and 443)"
	exit 0
fi
web_client_need "$WHAT"
PY=$WEB_PY

ACMEPORT=${CADDY_ACME_PORT:-18524}
MGMTPORT=$((ACMEPORT + 1))
ASK=http://127.0.0.1:5555/ask	# the Caddyfile's, verbatim
web_test_begin caddy 53 15472
if ! acme_pebble_start "$T/pebble" "$ACMEPORT" "$MGMTPORT" 127.0.0.1:53 "$PIDS" 2>"$T/pebble.err"; then
	fail "pebble starts" "$(cat "$T/pebble.err")"
	exit 1
fi
ROOT=$T/pebble/root.pem

P=$T/private
C=$T/caddy
mkdir -p "$P" "$T/run/mta-sts" "$C/home" "$C/data" "$C/config"
chown -R caddy:caddy "$C"
cp "$FCGI" "$P/mta-sts.fcgi"
export WEB_DOMAIN=secure.example WEB_PATHTO=$P WEB_RUN=$T/run WEB_CA=$ROOT
web_test_secure
installed=1
web_policy_conf "$P/mta-sts.conf" "$LAB_TA" "$LAB_UNBOUND_CONF" || installed=
web_install caddy/Caddyfile "$C/Caddyfile" || installed=
web_install caddy/mta-sts-fcgi.service "$T/mta-sts-fcgi.service" || installed=
chmod -R a+rX "$P"
if [ -z "$installed" ]; then
	fail "examples installed verbatim"
	exit 1
fi
# Caddy's own translation of the Caddyfile, then pebble as the issuer
# (trusting pebble's HTTPS listener), the admin API on a unix socket, and
# debug logging.
if ! caddy adapt --config "$C/Caddyfile" --adapter caddyfile >"$C/adapted.json" 2>"$C/adapt.log" ||
    ! "$PY" - "$C/adapted.json" "$C/caddy.json" "$ACME_DIR_URL" "$T/pebble/pebble-https.crt" \
    "$C/admin.sock" <<'EOF'
import json, sys
src, dst, ca, root, admin = sys.argv[1:]
c = json.load(open(src))
pols = c["apps"]["tls"]["automation"]["policies"]
assert pols and all(p.get("on_demand") for p in pols), "no on-demand policy"
for p in pols:
    p["issuers"] = [{"module": "acme", "ca": ca, "trusted_roots_pem_files": [root],
                     "email": "postmaster@secure.example"}]
c["admin"] = {"listen": "unix/" + admin}
# debug: Caddy logs the TLS handshakes it refused, with the ask answer
c["logging"] = {"logs": {"default": {"level": "DEBUG"}}}
json.dump(c, open(dst, "w"), indent=1)
EOF
then
	fail "caddy adapt: the Caddyfile is valid, on-demand TLS on" "$(tail -n 3 "$C/adapt.log" | tr '\n' '|')"
	exit 1
fi
chmod 644 "$C/caddy.json"
pass "examples installed verbatim; caddy adapt accepts the Caddyfile (on-demand TLS, ask $ASK)"

# mta-sts.fcgi as the unit starts it (www-data, socket owned by caddy, 0600)
cmd=$(web_unit_execstart "$T/mta-sts-fcgi.service")
# shellcheck disable=SC2086  # the unit's command line, split as systemd does
web_start "$PIDS" "$T/spawn-fcgi.log" $cmd
# Caddy as Debian's caddy.service runs it: user caddy, CAP_NET_BIND_SERVICE
web_start "$PIDS" "$C/caddy.log" setpriv --reuid=caddy --regid=caddy --clear-groups \
    --inh-caps +net_bind_service --ambient-caps +net_bind_service \
    env HOME="$C/home" XDG_DATA_HOME="$C/data" XDG_CONFIG_HOME="$C/config" \
    caddy run --config "$C/caddy.json"
if ! web_wait_socket "$T/run/mta-sts/mta-sts.sock" "$PIDS" || ! web_wait_port 5555 "$PIDS" ||
    ! web_wait_port 443 "$PIDS" || ! web_wait_port 80 "$PIDS"; then
	fail "Caddy and mta-sts.fcgi start" "$(tail -n 5 "$C/caddy.log" "$T/spawn-fcgi.log" | tr '\n' '|')"
	exit 1
fi
sock=$(stat -c '%U %a' "$T/run/mta-sts/mta-sts.sock")
if [ "$sock" = "caddy 600" ]; then
	pass "mta-sts-fcgi.service: the socket is caddy's, mode 0600"
else
	fail "mta-sts-fcgi.service: the socket is caddy's, mode 0600" "$sock"
fi

# --- the ask endpoint, as Caddy calls it ----------------------------------
# ask_is NAME QUERY STATUS BODY: GET $ASK?QUERY through Caddy's loopback
# site: exactly STATUS and BODY.
ask_is() {
	local code
	code=$(curl -sS -m 30 -o "$F.body" -w '%{http_code}' "$ASK?$2" 2>"$F.err")
	printf '%s' "$4" >"$F.want"
	if [ "$code" = "$3" ] && cmp -s "$F.body" "$F.want"; then
		pass "ask endpoint: $1: $3 \"$(tr '\n' ' ' <"$F.want" | sed 's/ $//')\""
	else
		fail "ask endpoint: $1: $3" "status $code, body: $(cat -A "$F.body" | tr '\n' '|')" \
		    "want: $(cat -A "$F.want" | tr '\n' '|')" "curl: $(cat "$F.err")"
	fi
}
RAND=r$RANDOM$RANDOM
ask_is "a listed domain's policy host" domain=mta-sts.secure.example 200 $'yes\n'
ask_is "a listed domain, upper case" domain=MTA-STS.Secure.Example 200 $'yes\n'
ask_is "an unlisted domain (bogus.example)" domain=mta-sts.bogus.example 403 \
    $'no MTA-STS policy is served for bogus.example\n'
ask_is "a random name" "domain=mta-sts.$RAND.example" 403 \
    "no MTA-STS policy is served for $RAND.example"$'\n'
ask_is "not an mta-sts name" domain=www.secure.example 403 $'not an MTA-STS policy host\n'
ask_is "no domain parameter" "" 400 $'expected ?domain=mta-sts.<domain>\n'
ask_is "an empty domain parameter" domain= 400 $'expected ?domain=mta-sts.<domain>\n'
ask_is "a name that is no host name" 'domain=mta-sts.a..b' 400 $'invalid domain parameter\n'

# --- on-demand TLS -------------------------------------------------------
# The listed name: the first connection makes Caddy ask, order from pebble,
# validate and serve.
if acme_served_cert "$WEB_HOST" 443 "$ROOT" "$T/served"; then
	pass "mta-sts.secure.example: Caddy got a certificate on demand, verified against pebble's root only"
else
	fail "mta-sts.secure.example: Caddy got a certificate on demand, verified against pebble's root only" \
	    "$(tr '\n' '|' <"$T/served.verify")" "$(grep -iE 'error|obtain' "$C/caddy.log" | tail -n 4 | tr '\n' '|')"
fi
if grep -F '"uri":"/ask?domain=mta-sts.secure.example"' "$C/caddy.log" | grep -F 'Go-http-client' |
    grep -q '"status":200'; then
	pass "mta-sts.secure.example: Caddy asked first, the ask endpoint said 200 (Caddy's log)"
else
	fail "mta-sts.secure.example: Caddy asked first, the ask endpoint said 200 (Caddy's log)" \
	    "$(grep -F 'ask?domain=mta-sts.secure.example' "$C/caddy.log" | tail -n 2 | tr '\n' '|')"
fi
if grep -q 'Attempting to validate w/ [A-Z0-9-]*: .*mta-sts\.secure\.example' "$T/pebble/pebble.log" ||
    grep -q 'Value:"mta-sts.secure.example"' "$T/pebble/pebble.log"; then
	pass "mta-sts.secure.example: pebble validated the name"
else
	fail "mta-sts.secure.example: pebble validated the name" "$(tail -n 5 "$T/pebble/pebble.log" | tr '\n' '|')"
fi
web_fetch "$F" 443 "$WEB_HOST"
web_check_200 "mta-sts.secure.example: the policy over HTTPS (curl, pebble's root only)" "$F" "$WEB_WANT"
web_fetch "$F" 443 "$WEB_HOST" -X POST --data-binary x=1
web_check_ours "mta-sts.secure.example: POST: our 405" "$F" 405 $'method not allowed; use GET or HEAD\n'
for path in / /.well-known/ /.well-known/mta-sts.txt/ /mta-sts.fcgi /ask '/ask?domain=mta-sts.secure.example'; do
	web_fetch "$F" 443 "$WEB_HOST" -- "$path"
	web_check_denied "mta-sts.secure.example: https $path: 404 from Caddy" "$F" 404
done
for path in /.well-known/mta-sts.txt / /.well-known/acme-challenge/x; do
	web_fetch_http "$F" 80 "$WEB_HOST" "$path"
	web_check_denied "mta-sts.secure.example: http $path: 404, no redirect" "$F" 404
done

# The real client, trusting only pebble's root.
web_client_etc "$T/etc"
web_query "$T/etc" "$T/q.out" "$T/q.err" SSL_CERT_FILE="$ROOT" secure.example
if web_client_valid "$T/q.out"; then
	pass "postfix-mta-sts-resolver, trusting only pebble's root: VALID, our mx list"
else
	fail "postfix-mta-sts-resolver, trusting only pebble's root: VALID, our mx list" \
	    "output: $(cat "$T/q.out")" "log: $(tr '\n' '|' <"$T/q.err" | head -c 600)"
fi

# Refused names: no certificate; Caddy's log has the ask endpoint's 403;
# pebble never heard of them.
for name in mta-sts.bogus.example "mta-sts.$RAND.example"; do
	if acme_served_cert "$name" 443 "$ROOT" "$T/refused"; then
		fail "$name: no certificate (the TLS handshake fails)" "served: $(acme_serial "$T/refused.pem")"
	else
		pass "$name: no certificate (the TLS handshake fails)"
	fi
	# Caddy's own question (Go's client, not the curl above) and its verdict
	if grep -F "\"uri\":\"/ask?domain=$name\"" "$C/caddy.log" | grep -F 'Go-http-client' |
	    grep -q '"status":403' &&
	    grep -qF "TLS handshake error from 127.0.0.1:" "$C/caddy.log" &&
	    grep -F "$name: certificate not allowed by ask endpoint $ASK - non-2xx status code 403" \
	    "$C/caddy.log" | grep -q 'TLS handshake error'; then
		pass "$name: Caddy asked, the ask endpoint said 403 (Caddy's log)"
	else
		fail "$name: Caddy asked, the ask endpoint said 403 (Caddy's log)" \
		    "$(grep -F "$name" "$C/caddy.log" | tail -n 3 | tr '\n' '|')"
	fi
	if ! grep -qiF "$name" "$T/pebble/pebble.log"; then
		pass "$name: no ACME order, authorization or validation for it at pebble"
	else
		fail "$name: no ACME order, authorization or validation for it at pebble" \
		    "$(grep -iF "$name" "$T/pebble/pebble.log" | head -n 3 | tr '\n' '|')"
	fi
done
orders=$(grep -c 'Added order' "$T/pebble/pebble.log")
if [ "$orders" = 1 ]; then
	pass "pebble: exactly one ACME order in all (the listed name's)"
else
	fail "pebble: exactly one ACME order in all (the listed name's)" "$orders orders"
fi

web_test_stopped "Caddy, mta-sts.fcgi, pebble and the lab all stopped"
web_check_sanitizer "no sanitizer report in the logs" "$C" "$T/spawn-fcgi.log"
exit 0
