#!/bin/bash
# Integration tests of mta-sts-id --check: the dane check and the overall
# deadline.  The signed DNS lab (tests/lab) serves dane.example, whose two
# MX hosts get TLSA records during the test (lab.sh settlsa), a bogus TLSA
# RRset (danebogus.example), an unsigned one (sub.insecure.example) and an
# MX host in the dead zone (deadmx.example).  Small python3 servers of
# our own answer SMTP with STARTTLS (two keys under one test CA, and a
# self-signed one) and serve the policies over HTTPS; the lab's blackhole
# program accepts SMTP connections and never answers.  Every check is
# asserted by its finding line and the exit status.  Ports: 15500-15501
# (lab), 18550-18555.
set -u
SUITE=checkdane
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

ID=${MTA_STS_ID_BIN:-$TOP/cli/mta-sts-id}	# another build (sanitizers) may be named
LABPORT=15500 DEADPORT=15501
HTTPS=18550		# policies
SMTP_A=18551		# STARTTLS, key A, chain leaf + CA
SMTP_B=18552		# STARTTLS, key B, same CA
SMTP_SELF=18553		# STARTTLS, self-signed key C
SMTP_NOTLS=18554	# no STARTTLS offered
SMTP_DEAD=18555		# accepts, never answers (blackhole)
for c in python3 openssl od; do
	if ! command -v "$c" >/dev/null; then
		fail "$c is installed"
		exit 1
	fi
done
T=$(mktemp -d /tmp/mta-sts-checkdane.XXXXXX)
cleanup() {
	bg_stop
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$LABPORT" "$DEADPORT"
[ -x "$TOP/tests/lab/blackhole" ] || make -s -C "$TOP" tests/lab/blackhole

# --- a test CA, keys A and B under it, a self-signed key C -----------------
MXNAMES="DNS:mx.dane.example,DNS:mx2.dane.example,DNS:mx1.bogus.example,DNS:mx.dead.example,DNS:mx.insecure.example"
WEBNAMES="DNS:mta-sts.dane.example,DNS:mta-sts.danebogus.example,DNS:mta-sts.deadmx.example,DNS:mta-sts.sub.insecure.example"
ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"; }
leaf() {	# leaf NAME SANS: $T/NAME.key, .crt (by the CA), .chain (+ CA)
	# shellcheck disable=SC2046
	openssl req -new $(ec) -keyout "$T/$1.key" -out "$T/$1.csr" \
	    -subj "/CN=$1" 2>>"$T/pki.log" &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	    "$2" >"$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -CAcreateserial -days 30 -extfile "$T/$1.ext" -out "$T/$1.crt" \
	    2>>"$T/pki.log" &&
	cat "$T/$1.crt" "$T/ca.crt" >"$T/$1.chain"
}
# shellcheck disable=SC2046
if ! openssl req -x509 $(ec) -keyout "$T/ca.key" -out "$T/ca.crt" -days 30 \
	-subj "/CN=checkdane test CA" 2>>"$T/pki.log" ||
    ! leaf a "$MXNAMES" || ! leaf b "$MXNAMES" || ! leaf web "$WEBNAMES" ||
    ! openssl req -x509 $(ec) -keyout "$T/c.key" -out "$T/c.crt" -days 30 \
	-subj "/CN=mx.dane.example" -addext "subjectAltName=$MXNAMES" 2>>"$T/pki.log"; then
	fail "test PKI" "$(tail -5 "$T/pki.log")"
	exit 1
fi
cp "$T/c.crt" "$T/c.chain"
hex() { od -An -v -tx1 | tr -d ' \n'; }
spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER; }
der() { openssl x509 -in "$1" -outform DER; }
# TLSA association data: KEY311 etc. for keys A, B, C and the CA.
A311=$(spki "$T/a.crt" | openssl dgst -sha256 -binary | hex)
A312=$(spki "$T/a.crt" | openssl dgst -sha512 -binary | hex)
A310=$(spki "$T/a.crt" | hex)
A301=$(der "$T/a.crt" | openssl dgst -sha256 -binary | hex)
B311=$(spki "$T/b.crt" | openssl dgst -sha256 -binary | hex)
C311=$(spki "$T/c.crt" | openssl dgst -sha256 -binary | hex)
CA201=$(der "$T/ca.crt" | openssl dgst -sha256 -binary | hex)
CA211=$(spki "$T/ca.crt" | openssl dgst -sha256 -binary | hex)
ZERO=0000000000000000000000000000000000000000000000000000000000000000

# --- servers ------------------------------------------------------------------
cat >"$T/httpd.py" <<'PY'
# httpd.py PORT CHAIN KEY DIR: GET answers DIR/<Host>.txt as text/plain,
# else 404 with a one-line text/plain body naming the host.
import http.server, os, ssl, sys
port, chain, key, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = os.path.join(root, host + ".txt")
        if "/" not in host and os.path.isfile(path):
            self.send_response(200)
            body = open(path, "rb").read()
        else:
            self.send_response(404)
            body = ("no policy for %s here\n" % host).encode()
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("ready", flush=True)
s.serve_forever()
PY
mkdir -p "$T/pol" "$T/state"
policy enforce 604800 mx.dane.example mx2.dane.example >"$T/pol/mta-sts.dane.example.txt"
policy enforce 604800 mx1.bogus.example >"$T/pol/mta-sts.danebogus.example.txt"
policy enforce 604800 mx.dead.example >"$T/pol/mta-sts.deadmx.example.txt"
policy testing 604800 mx.insecure.example >"$T/pol/mta-sts.sub.insecure.example.txt"
bg_start "$T/httpd.log" python3 "$T/httpd.py" "$HTTPS" "$T/web.chain" "$T/web.key" "$T/pol"
bg_start "$T/smtp-a.log" python3 "$TOP/tests/lab/smtpd.py" "$SMTP_A" "$T/a.chain" "$T/a.key" ok
bg_start "$T/smtp-b.log" python3 "$TOP/tests/lab/smtpd.py" "$SMTP_B" "$T/b.chain" "$T/b.key" ok
bg_start "$T/smtp-c.log" python3 "$TOP/tests/lab/smtpd.py" "$SMTP_SELF" "$T/c.chain" "$T/c.key" ok
bg_start "$T/smtp-n.log" python3 "$TOP/tests/lab/smtpd.py" "$SMTP_NOTLS" "$T/a.chain" "$T/a.key" notls
"$TOP/tests/lab/blackhole" 127.0.0.1 "$SMTP_DEAD" >"$T/blackhole.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"

state() {	# state DOMAIN MODE MX...
	local d=$1 mode=$2
	shift 2
	write_state "$T/state/$d.state" "$d" 20240101000000 "$mode" 604800 "$@"
}
state dane.example enforce mx.dane.example mx2.dane.example
state danebogus.example enforce mx1.bogus.example
state deadmx.example enforce mx.dead.example
state sub.insecure.example testing mx.insecure.example
cat >"$T/check.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
state_dir: $T/state
C
# A resolver whose every server is the blackhole.
sed "s/127.0.0.1@$LABPORT/127.0.0.1@$DEADPORT/" "$LAB_UNBOUND_CONF" >"$T/dead-unbound.conf"
sed "s|^unbound_conf: .*|unbound_conf: $T/dead-unbound.conf|" "$T/check.conf" >"$T/dead.conf"

# --- helpers ---------------------------------------------------------------------
# check [--smtp PORT] [--conf FILE] ARGS...: stdout $T/out, status $RC,
# the run's duration $MS.
check() {
	local smtp=$SMTP_A conf=$T/check.conf t0
	while :; do
		case ${1:-} in
		--smtp) smtp=$2; shift 2 ;;
		--conf) conf=$2; shift 2 ;;
		*) break ;;
		esac
	done
	t0=$(now_ms)
	timeout 60 "$ID" --check -c "$conf" --ca-file "$T/ca.crt" \
	    --connect-to ":443:127.0.0.1:$HTTPS" \
	    --connect-to ":25:127.0.0.1:$smtp" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(( $(now_ms) - t0 ))
}
show() { echo "stdout: $(head -c 1800 "$T/out" | tr '\n' '|')"; echo "stderr: $(head -c 400 "$T/err" | tr '\n' '|')"; }
want_rc() {	# want_rc NAME STATUS
	if [ "$RC" -eq "$2" ]; then
		pass "$1: exit $2"
	else
		local a b
		{ read -r a; read -r b; } < <(show)
		fail "$1: exit $2" "have: exit $RC" "$a" "$b"
	fi
}
finding() {	# finding NAME SEVERITY CHECK TEXT
	if grep -F -- "  $2 $3: " "$T/out" | grep -qF -- "$4"; then
		pass "$1: $2 $3"
	else
		local a b
		{ read -r a; read -r b; } < <(show)
		fail "$1: $2 $3" "want: $2 $3: ...$4..." "$a" "$b"
	fi
}
no_finding() {	# no_finding NAME CHECK: no line of that check
	if ! grep -q -- "^  [A-Z]* $2: " "$T/out"; then
		pass "$1: no $2 finding"
	else
		fail "$1: no $2 finding" "$(grep -- " $2: " "$T/out" | tr '\n' '|')"
	fi
}
count() {	# count NAME N PATTERN: exactly N output lines match PATTERN
	local n
	n=$(grep -c -- "$3" "$T/out")
	if [ "$n" -eq "$2" ]; then
		pass "$1: $2 lines $3"
	else
		fail "$1: $2 lines $3" "have: $n" "$(show | head -1)"
	fi
}
tlsa() {	# tlsa HOST RECORD...: the TLSA RRset at _25._tcp.HOST
	local h=$1
	shift
	if ! "$TOP/tests/lab/lab.sh" settlsa "$T/lab" "_25._tcp.$h" "$@" >>"$T/lab.log" 2>&1; then
		fail "lab.sh settlsa _25._tcp.$h" "$(tail -3 "$T/lab.log")"
		exit 1
	fi
}

# --- no TLSA records -----------------------------------------------------------
check dane.example
want_rc "no TLSA" 0
finding "no TLSA" OK dane "DANE not in use: no TLSA records for the 2 MX hosts"
count "no TLSA" 1 "^  OK dane: "

# --- matching, key rollover ---------------------------------------------------------
tlsa mx.dane.example "3 1 1 $A311"
tlsa mx2.dane.example "3 1 1 $A311"
check dane.example
want_rc "one record for the current key" 1
finding "one record for the current key" WARNING dane "mx.dane.example: a rollover would break DANE: the server's chain matches 3 1 1 ${A311:0:8}..., and no record is there for a next key or certificate"
finding "one record for the current key, mx2" WARNING dane "mx2.dane.example: a rollover would break DANE"
finding "one record for the current key: starttls" OK starttls "mx.dane.example: STARTTLS"

tlsa mx.dane.example "3 1 1 $A311" "3 1 1 $B311"
tlsa mx2.dane.example "3 1 1 $A311" "3 1 1 $B311"
check dane.example
want_rc "current and next key published" 0
finding "current and next key published" OK dane "mx.dane.example: the server's chain matches 3 1 1 ${A311:0:8}...; 1 other record (3 1 1 ${B311:0:8}...) for a next key or certificate: a rollover is prepared"
check --smtp "$SMTP_B" dane.example
want_rc "rolled over correctly: server on key B" 0
finding "rolled over correctly" OK dane "mx.dane.example: the server's chain matches 3 1 1 ${B311:0:8}...; 1 other record (3 1 1 ${A311:0:8}...)"

tlsa mx.dane.example "3 1 1 $A311"
tlsa mx2.dane.example "3 1 1 $A311"
check --smtp "$SMTP_B" dane.example
want_rc "rolled over incorrectly: key B, record for A" 2
finding "rolled over incorrectly" CRITICAL dane "mx.dane.example: no TLSA record (3 1 1 ${A311:0:8}...) matches the certificate chain the server presented; DANE senders will not deliver to it (its key: 3 1 1 $B311)"
finding "rolled over incorrectly: MTA-STS still fine" OK starttls "mx.dane.example: STARTTLS"

# --- selectors, matching types, usages -------------------------------------------------
tlsa mx2.dane.example
for rec in "3 0 1 $A301" "3 1 2 $A312" "3 1 0 $A310"; do
	tlsa mx.dane.example "$rec"
	check dane.example
	want_rc "record ${rec:0:5}" 1
	finding "record ${rec:0:5} matches" WARNING dane "mx.dane.example: a rollover would break DANE: the server's chain matches ${rec:0:14}..."
done
tlsa mx.dane.example "3 1 1 $A311" "2 0 1 $CA201"
check dane.example
want_rc "leaf key and issuer certificate" 0
finding "leaf key and issuer certificate" OK dane "its own key and an issuer: either may change alone"
tlsa mx.dane.example "2 1 1 $CA211"
check --smtp "$SMTP_B" dane.example
want_rc "issuer key only (leaf B)" 1
finding "issuer key only" WARNING dane "the server's chain matches 2 1 1 ${CA211:0:8}..., and no record is there for a next issuer"
tlsa mx.dane.example "2 0 1 $CA201"
check --smtp "$SMTP_SELF" dane.example
want_rc "issuer record, self-signed server" 2
finding "issuer record, self-signed server" CRITICAL dane "mx.dane.example: no TLSA record (2 0 1 ${CA201:0:8}...) matches"
tlsa mx.dane.example "3 1 1 $A311" "3 1 2 $ZERO$ZERO"
check dane.example
want_rc "a stronger digest that does not match wins (RFC 7671 section 9)" 2
finding "a stronger digest wins" CRITICAL dane "no TLSA record (3 1 2 00000000...) matches"
tlsa mx.dane.example "1 1 1 $A311" "0 0 1 $CA201"
check dane.example
want_rc "only PKIX usages" 1
finding "only PKIX usages" WARNING dane "mx.dane.example: none of the 2 TLSA records is usable for SMTP"

# DANE-EE with a self-signed certificate: DANE fine, MTA-STS not.
tlsa mx.dane.example "3 1 1 $C311" "3 1 1 $A311"
check --smtp "$SMTP_SELF" dane.example
want_rc "self-signed, DANE-EE" 2
finding "self-signed, DANE-EE: dane" OK dane "mx.dane.example: the server's chain matches 3 1 1 ${C311:0:8}..."
finding "self-signed, DANE-EE: starttls" CRITICAL starttls "mx.dane.example: certificate of mx.dane.example (127.0.0.1 port $SMTP_SELF) not accepted"

# --- MTA-STS and DANE cover other MX hosts ----------------------------------------------
tlsa mx.dane.example "3 1 1 $A311" "3 1 1 $B311"
check dane.example
want_rc "DANE on one MX host of two" 0
finding "DANE on one MX host: the other" OK dane "mx2.dane.example: no TLSA records; DANE not in use for it"
finding "DANE on one MX host: note" OK dane "note: MTA-STS and DANE disagree on the MX set: only MTA-STS covers mx2.dane.example"
policy enforce 604800 mx.dane.example >"$T/pol/mta-sts.dane.example.txt"
state dane.example enforce mx.dane.example
tlsa mx2.dane.example "3 1 1 $A311" "3 1 1 $B311"
check dane.example
want_rc "DANE on a host the policy leaves out" 2
finding "DANE on a host the policy leaves out: mx" CRITICAL mx "MX mx2.dane.example is not covered"
finding "DANE on a host the policy leaves out: note" OK dane "note: MTA-STS and DANE disagree on the MX set: only DANE covers mx2.dane.example"
policy enforce 604800 mx.dane.example mx2.dane.example >"$T/pol/mta-sts.dane.example.txt"
state dane.example enforce mx.dane.example mx2.dane.example

# --- STARTTLS refused at a DANE host; --no-smtp ---------------------------------------------
check --smtp "$SMTP_NOTLS" dane.example
want_rc "STARTTLS not offered at a DANE host" 2
finding "STARTTLS not offered at a DANE host" CRITICAL dane "mx.dane.example: TLSA records not matched, the STARTTLS probe saw no certificate: SMTP with mx.dane.example (127.0.0.1 port $SMTP_NOTLS): STARTTLS not offered"
check --no-smtp dane.example
want_rc "--no-smtp: the DNS part only" 0
first=$A311 second=$B311
[[ $A311 < $B311 ]] || { first=$B311 second=$A311; }
finding "--no-smtp" OK dane "mx.dane.example: 2 usable TLSA records (3 1 1 ${first:0:8}..., 3 1 1 ${second:0:8}...), DNSSEC-validated; not matched against the server (--no-smtp)"
no_finding "--no-smtp" starttls

# --- DNS outcomes -------------------------------------------------------------------------------
check --no-smtp danebogus.example
want_rc "bogus TLSA" 2
finding "bogus TLSA" CRITICAL dane "_25._tcp.mx1.bogus.example: DNSSEC validation failed: validation failure <_25._tcp.mx1.bogus.example. TLSA IN>"
check --no-smtp sub.insecure.example
want_rc "TLSA in an unsigned zone" 1
finding "TLSA in an unsigned zone" WARNING dane "_25._tcp.mx.insecure.example: TLSA records in an unsigned zone (insecure); DANE senders ignore them"

# --- the deadline -----------------------------------------------------------------------------------
tlsa mx.dane.example "3 1 1 $A311" "3 1 1 $B311"
check --smtp "$SMTP_DEAD" --timeout 2 dane.example
want_rc "SMTP servers that never answer" 3
finding "never answering: mx" UNKNOWN starttls "mx.dane.example: SMTP with mx.dane.example (127.0.0.1 port $SMTP_DEAD): timed out (cut off by the 2 s deadline)"
finding "never answering: mx2" UNKNOWN starttls "mx2.dane.example: SMTP with mx2.dane.example (127.0.0.1 port $SMTP_DEAD): timed out (cut off by the 2 s deadline)"
finding "never answering: dane not matched" UNKNOWN dane "mx.dane.example: TLSA records not matched, the STARTTLS probe saw no certificate"
finding "never answering: the policy still checked" OK policy "https://mta-sts.dane.example/.well-known/mta-sts.txt: mode enforce, 2 mx"
if [ "$RC" -ne 124 ]; then
	pass "never answering: the run ended by itself (${MS} ms for a 2 s deadline, 2 MX hosts)"
else
	fail "never answering: the run ended by itself" "killed by timeout 60"
fi
check --smtp "$SMTP_DEAD" --timeout 2 dane.example danebogus.example
want_rc "two domains, three MX hosts never answering (one TLSA RRset bogus)" 2
count "three MX hosts never answering" 3 "^  UNKNOWN starttls: .*(cut off by the 2 s deadline)"
if [ "$RC" -ne 124 ]; then
	pass "three MX hosts never answering: the run ended by itself (${MS} ms for a 2 s deadline)"
else
	fail "three MX hosts never answering: the run ended by itself" "killed by timeout 60"
fi
check --timeout 2 deadmx.example
want_rc "MX host in a dead zone (WARNING: no TLS-RPT)" 1
finding "MX host in a dead zone: starttls" UNKNOWN starttls "mx.dead.example: not probed: its lookups took until the 2 s deadline"
check --smtp "$SMTP_DEAD" --timeout 2 --no-smtp deadmx.example
finding "MX host in a dead zone: dane" UNKNOWN dane "_25._tcp.mx.dead.example: lookup failed: no answer within"
finding "MX host in a dead zone: txt" OK txt "_mta-sts.deadmx.example"
check --conf "$T/dead.conf" --timeout 2 dane.example
want_rc "dead resolver" 3
finding "dead resolver: txt" UNKNOWN txt "_mta-sts.dane.example: lookup failed: no answer within"
finding "dead resolver: cut off" UNKNOWN mx "(cut off by the 2 s deadline)"
if [ "$RC" -ne 124 ]; then
	pass "dead resolver: the run ended by itself (${MS} ms for a 2 s deadline)"
else
	fail "dead resolver: the run ended by itself" "killed by timeout 60"
fi

# --- the error answer's body; several domains at once ------------------------------------------------
rm "$T/pol/mta-sts.danebogus.example.txt"
check --no-smtp danebogus.example dane.example
want_rc "two domains, one without a policy" 2
finding "404 with its body" CRITICAL policy "https://mta-sts.danebogus.example/.well-known/mta-sts.txt: 404 Not Found, not the policy: \"no policy for mta-sts.danebogus.example here\""
finding "policy not fetched: id says what was compared" OK id "id 20240101000000 matches the state; the served policy was not compared (it could not be fetched)"
count "two domains" 2 "^[a-z.]*: [A-Z]* ("
