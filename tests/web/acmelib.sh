# tests/web/acmelib.sh: pebble (Let's Encrypt's ACME test server) and the
# checks of issued certificates, for tests/integration/acme.sh and
# caddy.sh.  Sourced after tests/integration/lib.sh and tests/web/lib.sh;
# defines acme_* functions only.  Runs inside the test's private network
# namespace: pebble validates on 127.0.0.1:80 (HTTP-01) and :443
# (TLS-ALPN-01), the ports the examples use.
#
#   acme_pebble_start DIR PORT MGMT_PORT DNS_ADDR:PORT PIDFILE
#       Pebble's own HTTPS certificate (DIR/pebble-https.crt: give it to
#       ACME clients), its configuration, then pebble as nobody with
#       -dnsserver DNS (the lab's nsd): it resolves every name it
#       validates there.  Sets ACME_DIR_URL; writes the random root of
#       this run to DIR/root.pem (what clients must trust for issued
#       certificates) and returns 0 once it is ready; else a message on
#       stderr and non-zero.  Log: DIR/pebble.log (every order, every
#       validation).  No random sleeps before validation, no nonce
#       rejection, no authorization reuse (each renewal is validated).
#
#   acme_served_cert HOST PORT CAFILE OUT: the certificate 127.0.0.1:PORT
#       presents for SNI HOST, verified against CAFILE and HOST; OUT.pem
#       (leaf), OUT.verify (openssl's result).  Returns 0 when verified.
#
#   acme_serial PEM: "serial=..." of a certificate file.

acme_pebble_start() {
	local d=$1 port=$2 mgmt=$3 dns=$4 pids=$5 i
	mkdir -p "$d" || return 1
	chmod 755 "$d"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/pebble-https.key" -out "$d/pebble-https.crt" -days 2 \
	    -subj "/CN=pebble test listener" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$d/pki.log" 2>&1; then
		echo "acme_pebble_start: openssl: $(tail -n 2 "$d/pki.log" | tr '\n' '|')" >&2
		return 1
	fi
	chmod 0644 "$d/pebble-https.key" "$d/pebble-https.crt"
	cat >"$d/pebble.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$port",
    "managementListenAddress": "127.0.0.1:$mgmt",
    "certificate": "$d/pebble-https.crt",
    "privateKey": "$d/pebble-https.key",
    "httpPort": 80,
    "tlsPort": 443,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
	ACME_DIR_URL=https://127.0.0.1:$port/dir
	web_start "$pids" "$d/pebble.log" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
	    pebble -config "$d/pebble.json" -dnsserver "$dns"
	if ! web_wait_port "$port" "$pids" || ! web_wait_port "$mgmt" "$pids"; then
		echo "acme_pebble_start: pebble not ready: $(tail -n 3 "$d/pebble.log" | tr '\n' '|')" >&2
		return 1
	fi
	for i in 1 2 3 4 5; do
		curl -sS -m 10 --cacert "$d/pebble-https.crt" -o "$d/root.pem" \
		    "https://127.0.0.1:$mgmt/roots/0" 2>"$d/root.err" &&
		    openssl x509 -in "$d/root.pem" -noout 2>/dev/null && return 0
		sleep 0.2
	done
	echo "acme_pebble_start: no root from the management interface: $(cat "$d/root.err")" >&2
	return 1
}

acme_served_cert() {
	local host=$1 port=$2 ca=$3 out=$4
	openssl s_client -connect "127.0.0.1:$port" -servername "$host" -verify_hostname "$host" \
	    -CAfile "$ca" -verify_return_error </dev/null >"$out.sclient" 2>&1
	openssl x509 -in "$out.sclient" -out "$out.pem" 2>/dev/null
	sed -n 's/^[[:space:]]*\(Verify return code: .*\|verify error:.*\|Verified peername: .*\)$/\1/p' \
	    "$out.sclient" | sort -u >"$out.verify"
	grep -qx 'Verify return code: 0 (ok)' "$out.verify" &&
	    grep -qx "Verified peername: $host" "$out.verify" &&
	    [ "$(grep -c '^Verify return code' "$out.verify")" = 1 ] && [ -s "$out.pem" ]
}

acme_serial() {
	openssl x509 -in "$1" -noout -serial 2>/dev/null
}
