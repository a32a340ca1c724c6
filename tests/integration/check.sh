#!/bin/bash
# Integration tests of mta-sts-id --check: the signed DNS lab (tests/lab)
# publishes the TXT, MX and TLS-RPT records, and real TLS web servers
# (nginx + our FastCGI responder, tests/web/lib.sh) serve the policies on
# 127.0.0.1 with certificates that expire in 60, 10 and 2 days.  One test
# per finding: the finding's line with its severity, and the exit status
# (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).  Runs in a private network
# namespace when allowed.
set -u
SUITE=check
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

. "$TOP/tests/web/lib.sh"
if ! why=$(web_can_run); then
	skip "mta-sts-id --check against the lab and real web servers ($why)"
	exit 0
fi

ID=$TOP/cli/mta-sts-id
PORT=${CHECK_LAB_PORT:-15383}
DEADPORT=${CHECK_LAB_DEADPORT:-15384}
HTTPS=${CHECK_HTTPS_PORT:-18473}	# certificate valid 60 days
HTTPS_WARN=${CHECK_HTTPS_WARN_PORT:-18474}	# 10 days
HTTPS_CRIT=${CHECK_HTTPS_CRIT_PORT:-18475}	# 2 days
CLOSED=${CHECK_CLOSED_PORT:-18476}	# nothing listens here
SMTP=${CHECK_SMTP_PORT:-12525}		# STARTTLS, certificate for the MX names
SMTP_NOTLS=${CHECK_SMTP_NOTLS_PORT:-12526}	# no STARTTLS offered
SMTP_BADNAME=${CHECK_SMTP_BADNAME_PORT:-12527}	# certificate for other names
T=$(mktemp -d /tmp/mta-sts-check.XXXXXX)
chmod 755 "$T"	# the web servers run as another user
STATE=$T/state
WEB_UP=
cleanup() {
	local w
	bg_stop
	for w in $WEB_UP; do
		web_nginx_fcgi_stop "$T/$w" >/dev/null 2>&1
	done
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$PORT" "$DEADPORT"
chmod -R a+rX "$T/lab"

# --- policies, configurations, state -------------------------------------------
mkdir -p "$T/pol" "$STATE"
SECURE_MX="mx1.secure.example mx2.secure.example zz.secure.example"
# pol NAME MODE MAX_AGE MX...: an override file $T/pol/NAME.txt
pol() {
	local name=$1
	shift
	policy "$@" >"$T/pol/$name.txt"
}
# shellcheck disable=SC2086
{
	pol mx1 enforce 604800 mx1.secure.example
	pol subinsecure enforce 604800 mx.insecure.example
	pol nozz enforce 604800 mx1.secure.example mx2.secure.example
	pol wide enforce 604800 '*.example'
	pol wild enforce 604800 '*.secure.example'
	pol unused enforce 604800 $SECURE_MX old.secure.example
	pol none none 604800 $SECURE_MX
	pol short enforce 86400 $SECURE_MX
}
chmod -R a+rX "$T/pol"

# The server: secure.example from the DNS (or an override, below), the
# other domains from override files.
server_conf() {	# server_conf [SECURE_OVERRIDE | mxallow]
	local o=
	case ${1:-} in
	mxallow) o="mx_allow: mx1.secure.example" ;;
	?*) o="override: $T/pol/$1.txt" ;;
	esac
	cat <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
mode: enforce
max_age: 604800
cache_max_ttl: 0
domain: secure.example
$o
domain: cnametxt.example
override: $T/pol/mx1.txt
domain: norpt.example
override: $T/pol/mx1.txt
domain: badrpt.example
override: $T/pol/mx1.txt
domain: sub.insecure.example
override: $T/pol/subinsecure.txt
domain: multitxt.example
override: $T/pol/mx1.txt
domain: othertxt.example
override: $T/pol/mx1.txt
domain: badid.example
override: $T/pol/mx1.txt
C
}
# serve [OVERRIDE]: make the running servers serve secure.example from the
# DNS or from $T/pol/OVERRIDE.txt (a new inode: the FastCGI processes
# reload the configuration on the next request).
serve() {
	server_conf "${1:-}" >"$T/server.conf.tmp"
	chmod 644 "$T/server.conf.tmp"
	mv "$T/server.conf.tmp" "$T/server.conf"
}
serve

cat >"$T/check.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
state_dir: $STATE
domain: secure.example
domain: cnametxt.example
C

# state DOMAIN ID MODE MAX_AGE MX...: write the state mta-sts-id keeps.
state() { write_state "$STATE/$1.state" "$@"; }
LAB_ID=20240101000000
state_secure() {	# state_secure MODE MAX_AGE MX...
	state secure.example "$LAB_ID" "$@"
}
# shellcheck disable=SC2086
state_secure enforce 604800 $SECURE_MX
for d in cnametxt.example norpt.example badrpt.example multitxt.example \
    othertxt.example badid.example; do
	state "$d" "$LAB_ID" enforce 604800 mx1.secure.example
done
state sub.insecure.example "$LAB_ID" enforce 604800 mx.insecure.example

# --- web servers: one CA each; the leaf certificates re-issued for 60 and
# 10 days (web_pki issues 2 days, kept for the CRITICAL instance) ------------
NAMES="mta-sts.secure.example mta-sts.cnametxt.example mta-sts.norpt.example
mta-sts.badrpt.example mta-sts.sub.insecure.example mta-sts.multitxt.example
mta-sts.othertxt.example mta-sts.badid.example mta-sts.optin.example"
reissue() {	# reissue DIR DAYS
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" \
	    -CAcreateserial -days "$2" -extfile "$1/server.ext" \
	    -out "$1/server.crt" 2>>"$1/pki.log" && chmod 644 "$1/server.crt"
}
start_web() {	# start_web NAME PORT DAYS
	# shellcheck disable=SC2086
	if ! web_pki "$T/$1" $NAMES >>"$T/web.log" 2>&1 ||
	    { [ "$3" != 2 ] && ! reissue "$T/$1" "$3"; }; then
		fail "test PKI $1" "$(tail -5 "$T/web.log")"
		exit 1
	fi
	if ! web_nginx_fcgi_start "$T/$1" "$2" "$T/server.conf" >>"$T/web.log" 2>&1; then
		fail "nginx + FastCGI start on port $2" "$(tail -5 "$T/web.log")"
		exit 1
	fi
	WEB_UP="$WEB_UP $1"
}
start_web web "$HTTPS" 60
start_web webwarn "$HTTPS_WARN" 10
start_web webcrit "$HTTPS_CRIT" 2
web_pki "$T/otherca" mta-sts.secure.example >>"$T/web.log" 2>&1

# --- SMTP listeners: tests/lab/smtpd.py, STARTTLS on loopback ---------------
MX_NAMES="mx1.secure.example mx2.secure.example zz.secure.example mx.insecure.example"
# shellcheck disable=SC2086
if ! web_pki "$T/smtp" $MX_NAMES >>"$T/web.log" 2>&1 || ! reissue "$T/smtp" 60 ||
    ! web_pki "$T/smtpbad" other.example >>"$T/web.log" 2>&1 || ! reissue "$T/smtpbad" 60; then
	fail "SMTP test PKI" "$(tail -5 "$T/web.log")"
	exit 1
fi
for w in web webwarn webcrit otherca; do
	cat "$T/$w/ca.crt" "$T/smtp/ca.crt" "$T/smtpbad/ca.crt" >"$T/$w/bundle.crt"
done
start_smtp() {	# start_smtp PORT PKI MODE
	bg_start "$T/smtpd-$1.log" python3 "$TOP/tests/lab/smtpd.py" "$1" \
	    "$T/$2/server.crt" "$T/$2/server.key" "$3"
}
if ! command -v python3 >/dev/null; then
	fail "python3 is installed (the test SMTP listener)"
	exit 1
fi
# A misbehaving policy server (python3, the web PKI's certificate): what
# it answers is in $T/httpd.mode, read for every request.
HTTPS_ODD=${CHECK_HTTPS_ODD_PORT:-18477}
cat >"$T/httpd.py" <<'PY'
# httpd.py PORT CERT KEY MODEFILE: GET answers by mode: redirect (301),
# html (text/html), syntax (an invalid policy).
import http.server, ssl, sys
port, cert, key, modefile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        mode = open(modefile).read().strip()
        body = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.secure.example\r\nmax_age: 604800\r\n"
        ctype = "text/plain"
        if mode == "redirect":
            self.send_response(301)
            self.send_header("Location", "https://elsewhere.example/")
            body = b""
        else:
            self.send_response(200)
            if mode == "html":
                ctype = "text/html"
            elif mode == "syntax":
                body = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.secure.example\r\nmax-age: 604800\r\n"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("ready", flush=True)
s.serve_forever()
PY
echo redirect >"$T/httpd.mode"
bg_start "$T/httpd.log" python3 "$T/httpd.py" "$HTTPS_ODD" "$T/web/server.crt" \
    "$T/web/server.key" "$T/httpd.mode"

start_smtp "$SMTP" smtp ok
start_smtp "$SMTP_NOTLS" smtp notls
start_smtp "$SMTP_BADNAME" smtpbad ok

# --- helpers -------------------------------------------------------------------
# check [--web NAME] [--smtp PORT] ARGS...: mta-sts-id --check with
# check.conf against web server NAME (default web) and the SMTP listener
# on PORT (default $SMTP); stdout $T/out, stderr $T/err, status $RC.
check() {
	local w=web port=$HTTPS smtp=$SMTP
	while :; do
		case ${1:-} in
		--web) w=$2; shift 2 ;;
		--smtp) smtp=$2; shift 2 ;;
		*) break ;;
		esac
	done
	case $w in
	webwarn) port=$HTTPS_WARN ;;
	webcrit) port=$HTTPS_CRIT ;;
	esac
	"$ID" --check -c "$T/check.conf" --ca-file "$T/$w/bundle.crt" \
	    --connect-to ":443:127.0.0.1:$port" \
	    --connect-to ":25:127.0.0.1:$smtp" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
raw() {
	"$ID" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
show() { echo "stdout: $(head -c 1500 "$T/out" | tr '\n' '|')"; echo "stderr: $(head -c 400 "$T/err" | tr '\n' '|')"; }
want_rc() {	# want_rc NAME STATUS
	if [ "$RC" -eq "$2" ]; then
		pass "$1: exit $2"
	else
		local a b
		{ read -r a; read -r b; } < <(show)
		fail "$1: exit $2" "have: exit $RC" "$a" "$b"
	fi
}
# finding NAME SEVERITY CHECK TEXT: a finding line "  SEVERITY CHECK: ..."
# containing TEXT.
finding() {
	if grep -qF -- "  $2 $3: " "$T/out" &&
	    grep -F -- "  $2 $3: " "$T/out" | grep -qF -- "$4"; then
		pass "$1: $2 $3"
	else
		local a b
		{ read -r a; read -r b; } < <(show)
		fail "$1: $2 $3" "want: $2 $3: ...$4..." "$a" "$b"
	fi
}
# only_ok NAME: every finding line is OK.
only_ok() {
	if [ -s "$T/out" ] && ! grep -v '^  OK ' "$T/out" | grep -q '^  '; then
		pass "$1: every finding OK"
	else
		fail "$1: every finding OK" "$(grep '^  ' "$T/out" | grep -v '^  OK ' | tr '\n' '|')"
	fi
}
line1() {	# line1 NAME TEXT: the first line is exactly TEXT
	if [ "$(head -n 1 "$T/out")" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "have: $(head -n 1 "$T/out")" "want: $2"
	fi
}
t_start=$(now_ms)

# --- usage --------------------------------------------------------------------
raw --check
want_rc "usage: --check without a domain" 3
if head -n 1 "$T/err" | grep -q '^usage: mta-sts-id --check '; then
	pass "usage: the --check form"
else
	fail "usage: the --check form" "$(head -c 300 "$T/err")"
fi
if command -v mandoc >/dev/null; then
	syn=$(mandoc -Tascii "$TOP/cli/mta-sts-id.8" | col -b |
	    sed -n '/^ *Monitoring with --check/,/^ *audits the live/p' | sed '1d;$d' |
	    tr -s ' \t\n' ' ' | sed 's/^ //;s/ $//')
	use=$(sed 's/^usage: //' "$T/err" | tr -s ' \t\n' ' ' | sed 's/^ //;s/ $//')
	if [ "$syn" = "$use" ]; then
		pass "usage: the --check form equals the man page's"
	else
		fail "usage: the --check form equals the man page's" "man:   $syn" "usage: $use"
	fi
else
	fail "usage: the --check form equals the man page's" "mandoc is not installed"
fi
raw --check -c "$T/check.conf" --format zone secure.example
want_rc "usage: --check with --format zone" 3
raw --check -c "$T/check.conf" --rotate secure.example
want_rc "usage: --check with --rotate" 3
raw -c "$T/check.conf" --format text secure.example
want_rc "usage: --format text without --check" 2
raw --check -c "$T/no-such.conf" secure.example
want_rc "configuration missing: UNKNOWN" 3

# --- a healthy deployment --------------------------------------------------------
check secure.example
want_rc "healthy" 0
line1 "healthy: summary line" "secure.example: OK (0 critical, 0 warning, 0 unknown)"
only_ok "healthy"
finding "healthy: txt" OK txt '_mta-sts.secure.example: "v=STSv1; id=20240101000000"'
finding "healthy: policy" OK policy "https://mta-sts.secure.example/.well-known/mta-sts.txt: mode enforce, 3 mx, max_age 604800"
finding "healthy: cert" OK cert "mta-sts.secure.example: certificate valid for "
finding "healthy: id" OK id "id 20240101000000 matches the state and the served policy"
finding "healthy: mx" OK mx "3 MX hosts covered by 3 patterns"
finding "healthy: mode" OK mode "mode enforce"
finding "healthy: max_age" OK max_age "max_age 604800"
finding "healthy: tlsrpt" OK tlsrpt '_smtp._tls.secure.example: "v=TLSRPTv1; rua=mailto:tlsrpt@secure.example"'
finding "healthy: starttls mx1" OK starttls "mx1.secure.example: STARTTLS, TLSv1."
finding "healthy: starttls zz" OK starttls "zz.secure.example: STARTTLS, TLSv1."
finding "healthy: dane" OK dane "DANE not in use: no TLSA records for the 3 MX hosts"
n=$(grep -c '^  ' "$T/out")
if [ "$n" -eq 12 ]; then pass "healthy: 12 findings"; else fail "healthy: 12 findings" "have: $n"; fi
check --no-smtp secure.example
want_rc "healthy, --no-smtp" 0
n=$(grep -c '^  ' "$T/out")
if [ "$n" -eq 9 ] && ! grep -q starttls "$T/out"; then
	pass "--no-smtp: no starttls finding"
else
	fail "--no-smtp: no starttls finding" "have: $n findings"
fi
raw --no-smtp -c "$T/check.conf" secure.example
want_rc "usage: --no-smtp without --check" 2

check --format json secure.example
want_rc "json" 0
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "OK", d
assert [x["domain"] for x in d["domains"]] == ["secure.example"]
f = d["domains"][0]["findings"]
assert len(f) == 12 and all(x["severity"] == "OK" for x in f), f
assert [x["check"] for x in f] == ["txt", "policy", "cert", "id", "mx", "mode", "max_age", "tlsrpt"] + ["starttls"] * 3 + ["dane"], f
' "$T/out" 2>"$T/py.err"; then
	pass "json: parses, status, domains, findings"
else
	fail "json: parses, status, domains, findings" "$(tail -3 "$T/py.err")" "$(head -c 600 "$T/out")"
fi

check --all
want_rc "--all" 0
if [ "$(grep -c '^[a-z]' "$T/out")" -eq 2 ] &&
    grep -qx 'cnametxt.example: OK (0 critical, 0 warning, 0 unknown)' "$T/out"; then
	pass "--all: one summary line per listed domain"
else
	fail "--all: one summary line per listed domain" "$(grep '^[a-z]' "$T/out" | tr '\n' '|')"
fi

# --- txt ---------------------------------------------------------------------------
check cnametxt.example
want_rc "txt: CNAME to another domain's record followed" 0
finding "txt: CNAME followed" OK txt '_mta-sts.cnametxt.example: "v=STSv1; id=20240101000000"'
check nooptin.example
want_rc "txt: missing" 2
finding "txt: missing" CRITICAL txt "_mta-sts.nooptin.example: no TXT record"
check wrongtxt.example
want_rc "txt: no v=STSv1 record" 2
finding "txt: no v=STSv1 record" CRITICAL txt 'no record begins with "v=STSv1;" (found "v=spf1 -all")'
check multitxt.example
want_rc "txt: two STS records" 2
finding "txt: two STS records" CRITICAL txt '2 records begin with "v=STSv1;"'
check othertxt.example
want_rc "txt: another TXT record at the name" 2
finding "txt: another TXT record at the name" CRITICAL txt "1 other TXT record next to the STS record"
check badid.example
want_rc "txt: invalid id" 2
finding "txt: invalid id" CRITICAL txt 'invalid id "2024-01-01"'

# --- policy fetch and certificate -----------------------------------------------------
check optin.example
want_rc "policy: 404" 2
finding "policy: 404" CRITICAL policy "https://mta-sts.optin.example/.well-known/mta-sts.txt: 404 Not Found, not the policy: \""
# No --connect-to rule for port 443: the policy host is looked up.
"$ID" --check --no-smtp -c "$T/check.conf" optin.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "policy: the host has no address" 2
finding "policy: the host has no address" CRITICAL policy "mta-sts.optin.example: no A or AAAA record (nxdomain); senders cannot fetch the policy"
check nomx.example
want_rc "policy: certificate for other names" 2
finding "policy: certificate for other names" CRITICAL policy "certificate of mta-sts.nomx.example (127.0.0.1 port $HTTPS) not accepted: hostname mismatch"
"$ID" --check --no-smtp -c "$T/check.conf" --ca-file "$T/web/ca.crt" \
    --connect-to "::127.0.0.1:$CLOSED" secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "policy: connection refused" 2
finding "policy: connection refused" CRITICAL policy "Connection refused"
finding "policy: not fetched, id says what was compared" OK id "id 20240101000000 matches the state; the served policy was not compared (it could not be fetched)"
"$ID" --check --no-smtp -c "$T/check.conf" --ca-file "$T/otherca/ca.crt" \
    --connect-to "::127.0.0.1:$HTTPS" secure.example >"$T/out" 2>"$T/err"
RC=$?
want_rc "policy: certificate from an unknown CA" 2
finding "policy: certificate from an unknown CA" CRITICAL policy "not accepted"
# odd MODE: --check secure.example against the misbehaving policy server.
odd() {
	echo "$1" >"$T/httpd.mode"
	"$ID" --check --no-smtp -c "$T/check.conf" --ca-file "$T/web/ca.crt" \
	    --connect-to ":443:127.0.0.1:$HTTPS_ODD" secure.example >"$T/out" 2>"$T/err"
	RC=$?
}
odd redirect
want_rc "policy: a redirect" 2
finding "policy: a redirect" CRITICAL policy '301 Moved Permanently, a redirect to "https://elsewhere.example/", which senders do not follow'
odd html
want_rc "policy: not text/plain" 2
finding "policy: not text/plain" CRITICAL policy 'Content-Type "text/html", senders want text/plain'
odd syntax
want_rc "policy: invalid syntax" 2
finding "policy: invalid syntax" CRITICAL policy 'invalid policy, line 4: unknown key "max-age"'
check --web webwarn secure.example
want_rc "cert: expires in 10 days" 1
finding "cert: expires in 10 days" WARNING cert "(under 14); renew it"
check --web webcrit secure.example
want_rc "cert: expires in 2 days" 2
finding "cert: expires in 2 days" CRITICAL cert "(under 3); renew it"

# Our own server withholding the policy: the reason is in the finding.
serve mxallow
check secure.example
want_rc "policy: withheld by mx_allow" 2
finding "policy: withheld by mx_allow" CRITICAL policy '503 Service Unavailable, not the policy: "MX host mx2.secure.example of secure.example is not allowed by this server'"'"'s mx_allow list"'
serve

# --- id and state -------------------------------------------------------------------
state_secure enforce 604800 mx1.secure.example mx2.secure.example
check secure.example
want_rc "id: served policy changed since the id" 2
finding "id: served policy changed since the id" CRITICAL id "id must be bumped: run mta-sts-id"
finding "id: the difference named" CRITICAL id "+zz.secure.example"
# shellcheck disable=SC2086
state secure.example 20240101000005 enforce 604800 $SECURE_MX
check secure.example
want_rc "id: DNS id differs from the state" 2
finding "id: DNS id differs from the state" CRITICAL id "the DNS publishes id 20240101000000, the state holds id 20240101000005"
rm -f "$STATE/secure.example.state"
check secure.example
want_rc "id: no state" 1
finding "id: no state" WARNING id "no mta-sts-id state for the domain"
echo garbage >"$STATE/secure.example.state"
check secure.example
want_rc "id: corrupt state" 3
finding "id: corrupt state" UNKNOWN id "secure.example.state"

# --- mx -------------------------------------------------------------------------------
serve nozz
state_secure enforce 604800 mx1.secure.example mx2.secure.example
check secure.example
want_rc "mx: an MX host not covered" 2
finding "mx: an MX host not covered" CRITICAL mx "MX zz.secure.example is not covered by any mx pattern"
serve wide
state_secure enforce 604800 '*.example'
check secure.example
want_rc "mx: wildcard one level too high" 2
finding "mx: wildcard one level too high" CRITICAL mx '"*.example" matches exactly one label in place of "*", not mx1.secure.example'
serve wild
state_secure enforce 604800 '*.secure.example'
check secure.example
want_rc "mx: wildcard covering every MX" 0
finding "mx: wildcard covering every MX" OK mx "3 MX hosts covered by 1 pattern"
serve unused
# shellcheck disable=SC2086
state_secure enforce 604800 old.secure.example $SECURE_MX
check secure.example
want_rc "mx: a pattern matching no MX" 1
finding "mx: a pattern matching no MX" WARNING mx 'policy pattern "old.secure.example" matches no MX host'
check sub.insecure.example
want_rc "mx: insecure MX records" 1
finding "mx: insecure MX records" WARNING mx "sub.insecure.example: the MX records are not DNSSEC-signed (insecure)"

# --- mode and max_age -------------------------------------------------------------------
serve none
# shellcheck disable=SC2086
state_secure none 604800 $SECURE_MX
check secure.example
want_rc "mode none left in place" 1
finding "mode none left in place" WARNING mode "mode none: senders drop the policy"
serve short
# shellcheck disable=SC2086
state_secure enforce 86400 $SECURE_MX
check secure.example
want_rc "max_age under a week with enforce" 1
finding "max_age under a week with enforce" WARNING max_age "max_age 86400 with mode enforce is under one week"

# --- tlsrpt ---------------------------------------------------------------------------
check norpt.example
want_rc "tlsrpt: missing" 1
finding "tlsrpt: missing" WARNING tlsrpt "_smtp._tls.norpt.example: no TLS-RPT record"
check badrpt.example
want_rc "tlsrpt: no rua" 1
finding "tlsrpt: no rua" WARNING tlsrpt '_smtp._tls.badrpt.example: "v=TLSRPTv1;": malformed record'

# --- starttls ----------------------------------------------------------------------
serve
# shellcheck disable=SC2086
state_secure enforce 604800 $SECURE_MX
check --smtp "$SMTP_NOTLS" secure.example
want_rc "starttls: not offered" 2
finding "starttls: not offered" CRITICAL starttls "mx1.secure.example: SMTP with mx1.secure.example (127.0.0.1 port $SMTP_NOTLS): STARTTLS not offered"
check --smtp "$SMTP_BADNAME" secure.example
want_rc "starttls: certificate for other names" 2
finding "starttls: certificate for other names" CRITICAL starttls "certificate of zz.secure.example (127.0.0.1 port $SMTP_BADNAME) not accepted: hostname mismatch"
check --smtp "$CLOSED" secure.example
want_rc "starttls: nothing listening" 2
finding "starttls: nothing listening" CRITICAL starttls "mx2.secure.example: connect to 127.0.0.1 port $CLOSED: Connection refused"
pol testing testing 604800 $SECURE_MX
chmod a+r "$T/pol/testing.txt"
serve testing
# shellcheck disable=SC2086
state_secure testing 604800 $SECURE_MX
check --smtp "$SMTP_NOTLS" secure.example
want_rc "starttls: not offered, mode testing" 1
finding "starttls: not offered, mode testing" WARNING starttls "STARTTLS not offered"

# --- several domains: the worst status ---------------------------------------------------
serve
# shellcheck disable=SC2086
state_secure enforce 604800 $SECURE_MX
check secure.example norpt.example
want_rc "several domains: OK and WARNING" 1
check norpt.example nooptin.example secure.example
want_rc "several domains: WARNING and CRITICAL" 2
if [ "$(grep -c '^[a-z]' "$T/out")" -eq 3 ]; then
	pass "several domains: one summary line each"
else
	fail "several domains: one summary line each" "$(grep '^[a-z]' "$T/out" | tr '\n' '|')"
fi

t_ms=$(( $(now_ms) - t_start ))
if [ "$t_ms" -lt 60000 ]; then
	pass "all --check runs took ${t_ms} ms"
else
	fail "all --check runs took ${t_ms} ms (want under 60 s)"
fi
