#!/bin/bash
# Integration tests against the local signed DNS lab: a real nsd serves a
# signed tree (private trust anchor) on 127.0.0.1, our CGI and FastCGI
# binaries look the domains up with libunbound, and every answer is compared
# byte for byte.  Runs in a private network namespace when allowed.
set -u
SUITE=dnslab
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

PORT=${LAB_PORT:-15353}
DEADPORT=${LAB_DEADPORT:-15354}
T=$(mktemp -d /tmp/mta-sts-dnslab.XXXXXX)
FCGI_PID=
cleanup() {
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
# A signal (Ctrl-C, a closed pipe) must still run cleanup via EXIT.
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$PORT" "$DEADPORT"

# --- configurations -------------------------------------------------------
base="trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF"

cat >"$T/listed.conf" <<C
# every lab domain, listed; DNSSEC required (the default)
$base
mode: enforce
max_age: 86400
domain: secure.example
domain: insecure.example
domain: bogus.example
domain: expired.example
domain: badds.example
domain: dead.example
domain: nullmx.example
domain: mixednull.example
domain: badmx.example
domain: nomx.example
mode: testing
max_age: 604800
domain: nomx6.example
domain: noaddr.example
domain: nxdomain.example
domain: cnamemx.example
domain: override.example
override: good-override.txt
domain: badoverride.example
override: bad-override.txt
domain: missingoverride.example
override: no-such-file.txt
C
cat >"$T/allow.conf" <<C
$base
mode: none
domain: secure.example
domain: insecure.example
dnssec: allow-insecure
domain: bogus.example
dnssec: allow-insecure
C
cat >"$T/optin.conf" <<C
$base
C
# Opt-in mode against the lab: nsd's query counter (lab_queries) shows
# whether a request made any DNS query.
cat >"$T/counted.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
C
printf 'mode: enforce\nmax_age: forever\n' >"$T/broken.conf"
printf 'version: STSv1\nmode: enforce\nmx: MX2.Example.NET.\nmx:mx1.example.net  \nmx: *.backup.example.net\nmx: mx1.example.net\nmax_age: 1209600\n' >"$T/good-override.txt"
printf 'version: STSv1\nmode: enforce\nmax_age: 86400\n' >"$T/bad-override.txt"

# check NAME CONF STATUS BODY HOST [METHOD [URI]]: one request through the
# CGI, compared byte for byte; the log goes to $T/err.
check() {
	local name=$1 conf=$2 status=$3 body=$4 host=$5
	local method=${6:-GET} uri=${7:-/.well-known/mta-sts.txt} head=
	[ "$method" = HEAD ] && head=1
	run_cgi "$T/have" "$T/err" "$conf" REQUEST_METHOD="$method" \
	    HTTP_HOST="$host" REQUEST_URI="$uri" SCRIPT_NAME=/mta-sts.cgi
	want_response "$status" "$body" "$head" >"$T/want"
	same_bytes "$name" "$T/have" "$T/want"
}

# log_has NAME TEXT: the last request logged a line containing TEXT.
log_has() {
	if grep -qF -- "$2" "$T/err"; then
		pass "$1"
	else
		fail "$1" "log: $(tr '\n' '|' <"$T/err")" "want: $2"
	fi
}

L=$T/listed.conf
# --- secure zone: mixed case, duplicates, unsorted ------------------------
check "secure zone: mx lower-cased, deduplicated, sorted" "$L" 200 \
    "$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' \
    mta-sts.secure.example
check "secure zone: Host in upper case with port and trailing dot" "$L" 200 \
    "$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' \
    MTA-STS.Secure.Example.:443
check "HEAD: headers with the GET length, no body" "$L" 200 \
    "$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' \
    mta-sts.secure.example HEAD
check "query string ignored" "$L" 200 \
    "$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' \
    mta-sts.secure.example GET '/.well-known/mta-sts.txt?probe=1'

# --- mx_allow: a defence for unsigned zones ----------------------------------
cat >"$T/mxallow.conf" <<C
$base
dnssec: allow-insecure
domain: insecure.example
mx_allow: *.other.example mx.elsewhere.example
domain: secure.example
mx_allow: *.secure.example
C
check "mx_allow: a live MX outside the list is never published" "$T/mxallow.conf" 503 \
    "MX host mx.insecure.example of insecure.example is not allowed by this server's mx_allow list
" mta-sts.insecure.example
log_has "mx_allow: the refusal is logged" "mta-sts.insecure.example: insecure.example: MX host mx.insecure.example is not in mx_allow; policy withheld"
check "mx_allow: every live MX inside the list: served" "$T/mxallow.conf" 200 \
    "$(policy testing 604800 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' \
    mta-sts.secure.example

# --- DNSSEC failures -------------------------------------------------------
check "insecure delegation refused by default" "$L" 503 \
    "insecure.example MX is not DNSSEC-signed (insecure) and this server requires DNSSEC: sign the zone, set \"dnssec: allow-insecure\" for insecure.example, or serve an override file
" mta-sts.insecure.example
log_has "insecure refusal logged" "mta-sts.insecure.example: insecure.example: insecure.example MX: insecure answer refused (dnssec: require)"
check "insecure delegation served with dnssec: allow-insecure" "$T/allow.conf" 200 \
    "$(policy none 604800 mx.insecure.example)"$'\n' mta-sts.insecure.example
check "tampered signature: 503" "$L" 503 \
    "DNSSEC validation failed for bogus.example MX; the policy cannot be trusted
" mta-sts.bogus.example
log_has "tampered signature: why_bogus logged" "bogus.example MX: DNSSEC bogus: validation failure <bogus.example. MX IN>"
check "tampered signature: 503 even with allow-insecure" "$T/allow.conf" 503 \
    "DNSSEC validation failed for bogus.example MX; the policy cannot be trusted
" mta-sts.bogus.example
check "expired signatures: 503" "$L" 503 \
    "DNSSEC validation failed for expired.example MX; the policy cannot be trusted
" mta-sts.expired.example
log_has "expired signatures: reason logged" "signature expired"
check "DS mismatch: 503" "$L" 503 \
    "DNSSEC validation failed for badds.example MX; the policy cannot be trusted
" mta-sts.badds.example
log_has "DS mismatch: reason logged" "badds.example MX: DNSSEC bogus:"

# --- MX shapes -------------------------------------------------------------
check "Null MX: 404" "$L" 404 \
    "nullmx.example accepts no mail (Null MX, RFC 7505)
" mta-sts.nullmx.example
check "Null MX mixed with other MX: 503" "$L" 503 \
    "mixednull.example mixes a Null MX with other MX records; fix the zone
" mta-sts.mixednull.example
check "MX host that is not a hostname: 503" "$L" 503 \
    "MX host \"mx\\0951.badmx.example\" of badmx.example is not a valid hostname
" mta-sts.badmx.example
check "no MX but an A record: implicit MX, per-domain mode and max_age" "$L" 200 \
    "$(policy testing 604800 nomx.example)"$'\n' mta-sts.nomx.example
check "no MX but an AAAA record: implicit MX" "$L" 200 \
    "$(policy enforce 86400 nomx6.example)"$'\n' mta-sts.nomx6.example
check "no MX, no address: 404" "$L" 404 \
    "noaddr.example has no MX and no address records: it receives no mail
" mta-sts.noaddr.example
check "NXDOMAIN: 404" "$L" 404 \
    "nxdomain.example does not exist in the DNS
" mta-sts.nxdomain.example
check "MX target behind a CNAME: name served as published" "$L" 200 \
    "$(policy enforce 86400 mail.cnamemx.example)"$'\n' mta-sts.cnamemx.example

# --- dead authoritative server ---------------------------------------------
t0=$(now_ms)
check "dead authoritative server: 503" "$L" 503 \
    "DNS lookup of dead.example MX failed temporarily; try again later
" mta-sts.dead.example
ms=$(( $(now_ms) - t0 ))
if [ "$ms" -lt 5000 ]; then
	pass "dead authoritative server: answered in ${ms} ms (< 5000)"
else
	fail "dead authoritative server: answered in ${ms} ms (< 5000)"
fi

# --- overrides -------------------------------------------------------------
check "valid override served in canonical form" "$L" 200 \
    "$(policy enforce 1209600 '*.backup.example.net' mx1.example.net mx2.example.net)"$'\n' \
    mta-sts.override.example
check "invalid override never served: 503" "$L" 503 \
    "the policy override for badoverride.example is invalid; see the server log
" mta-sts.badoverride.example
log_has "invalid override: file:line and reason logged" "$T/bad-override.txt:2: mode enforce requires at least one mx line"
check "missing override file: 503" "$L" 503 \
    "the policy override for missingoverride.example is invalid; see the server log
" mta-sts.missingoverride.example
log_has "missing override: path and errno text logged" "$T/no-such-file.txt: No such file or directory"

# --- host, path, method ----------------------------------------------------
check "domain not listed: 404" "$L" 404 \
    "no MTA-STS policy is served for optin.example
" mta-sts.optin.example
check "wrong path: 404" "$L" 404 \
    "not found; the policy is at /.well-known/mta-sts.txt
" mta-sts.secure.example GET /.well-known/mta-sts.txt/
check "POST: 405 with Allow" "$L" 405 \
    "method not allowed; use GET or HEAD
" mta-sts.secure.example POST
check "Host without mta-sts. prefix: 404" "$L" 404 \
    "not an MTA-STS policy host
" secure.example
check "garbage Host: 400" "$L" 400 \
    "invalid Host header
" 'mta-sts.secure example'

# --- other meta-variable shapes ----------------------------------------------
SECURE_POLICY="$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n'
run_cgi "$T/have" "$T/err" "$L" REQUEST_METHOD=GET SERVER_NAME=mta-sts.secure.example \
    REQUEST_URI=/.well-known/mta-sts.txt
want_response 200 "$SECURE_POLICY" >"$T/want"
same_bytes "no HTTP_HOST: SERVER_NAME used" "$T/have" "$T/want"
run_cgi "$T/have" "$T/err" "$L" REQUEST_METHOD=GET HTTP_HOST=mta-sts.secure.example \
    SCRIPT_NAME=/.well-known PATH_INFO=/mta-sts.txt
same_bytes "no REQUEST_URI: SCRIPT_NAME + PATH_INFO used" "$T/have" "$T/want"
run_cgi "$T/have" "$T/err" "$L" REQUEST_METHOD=GET HTTP_HOST=mta-sts.secure.example \
    SCRIPT_NAME=/mta-sts.cgi PATH_INFO=/x
want_response 404 "not found; the policy is at /.well-known/mta-sts.txt
" >"$T/want"
same_bytes "no REQUEST_URI: other SCRIPT_NAME + PATH_INFO: 404" "$T/have" "$T/want"
cat >"$T/forward.conf" <<C
resolver: 127.0.0.1@$LAB_PORT
trust_anchor: $LAB_TA
mode: enforce
max_age: 86400
C
check "resolver forwarding to an address: validated answer served (opt-in)" \
    "$T/forward.conf" 200 "$SECURE_POLICY" mta-sts.secure.example

# --- opt-in through the _mta-sts TXT record (no domain list) ---------------
O=$T/optin.conf
check "opt-in: TXT present, policy served with default mode and max_age" "$O" 200 \
    "$(policy testing 604800 mail.optin.example)"$'\n' mta-sts.optin.example
check "opt-in: no TXT record: 404" "$O" 404 \
    "nooptin.example has not opted in: no v=STSv1 TXT record at _mta-sts.nooptin.example
" mta-sts.nooptin.example
check "opt-in: TXT without v=STSv1: 404" "$O" 404 \
    "wrongtxt.example has not opted in: no v=STSv1 TXT record at _mta-sts.wrongtxt.example
" mta-sts.wrongtxt.example
check "opt-in: nonexistent domain: 404" "$O" 404 \
    "nxdomain.example has not opted in: no v=STSv1 TXT record at _mta-sts.nxdomain.example
" mta-sts.nxdomain.example

# --- no DNS query before the host is known to be served --------------------
B=$T/counted.conf
q0=$(lab_queries)
check "no DNS for a host without mta-sts.: 404" "$B" 404 \
    "not an MTA-STS policy host
" www.secure.example
check "no DNS for a wrong path: 404" "$B" 404 \
    "not found; the policy is at /.well-known/mta-sts.txt
" mta-sts.secure.example GET /index.html
check "no DNS for a POST: 405" "$B" 405 \
    "method not allowed; use GET or HEAD
" mta-sts.secure.example POST
no_query "no DNS query made for refused requests (nsd's query counter)" "$q0"

# --- broken configuration --------------------------------------------------
check "broken configuration: 500, never a policy" "$T/broken.conf" 500 \
    "server configuration error; see the server log
" mta-sts.secure.example
log_has "broken configuration: file:line logged" "$T/broken.conf:2: "

# --- FastCGI: many requests through one process ------------------------------
give_away
spawn-fcgi -n -s "$T/fcgi.sock" -- /usr/bin/env MTA_STS_CONF="$L" "$FCGI" \
    >/dev/null 2>"$T/fcgi.err" &
FCGI_PID=$!
for i in $(seq 1 100); do [ -S "$T/fcgi.sock" ] && break; sleep 0.05; done

# fcgi_req OUT HOST METHOD URI: one request through cgi-fcgi.
fcgi_req() {
	env -i REQUEST_METHOD="$3" HTTP_HOST="$2" REQUEST_URI="$4" \
	    SCRIPT_NAME=/.well-known/mta-sts.txt \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" >"$1" 2>>"$T/fcgi-client.err"
}
hosts=(mta-sts.secure.example mta-sts.nomx.example mta-sts.bogus.example
    mta-sts.override.example mta-sts.nullmx.example www.example
    mta-sts.insecure.example mta-sts.secure.example)
methods=(GET GET GET HEAD GET GET GET POST)
for i in "${!hosts[@]}"; do
	run_cgi "$T/cgi.$i" "$T/err" "$L" REQUEST_METHOD="${methods[$i]}" \
	    HTTP_HOST="${hosts[$i]}" REQUEST_URI=/.well-known/mta-sts.txt
done
bad=0 n=0
for round in $(seq 1 25); do
	for i in "${!hosts[@]}"; do
		fcgi_req "$T/fcgi.out" "${hosts[$i]}" "${methods[$i]}" \
		    /.well-known/mta-sts.txt
		n=$((n + 1))
		if ! cmp -s "$T/fcgi.out" "$T/cgi.$i"; then
			bad=$((bad + 1))
			[ "$bad" -eq 1 ] && cp "$T/fcgi.out" "$T/fcgi.first-bad" &&
			    firstbad=$i
		fi
	done
done
if [ "$bad" -eq 0 ]; then
	pass "FastCGI: $n mixed requests through one process, byte-identical to CGI"
else
	fail "FastCGI: $n mixed requests through one process, byte-identical to CGI" \
	    "$bad differ; first: ${hosts[$firstbad]}" \
	    "have: $(cat -A "$T/fcgi.first-bad" | tr '\n' '|')"
fi
if kill -0 "$FCGI_PID" 2>/dev/null; then
	pass "FastCGI: the same process is still serving"
else
	fail "FastCGI: the same process is still serving"
fi
if grep -qF "mta-sts.bogus.example: bogus.example: bogus.example MX: DNSSEC bogus:" "$T/fcgi-client.err"; then
	pass "FastCGI: log lines go to the request's FCGI_STDERR stream"
else
	fail "FastCGI: log lines go to the request's FCGI_STDERR stream" \
	    "stderr: $(head -c 300 "$T/fcgi-client.err")"
fi

# The configuration is re-read when it changes, without a restart.
sleep 1.1	# a new mtime even on coarse-timestamp file systems
sed -i 's/^mode: enforce$/mode: none/' "$L"
fcgi_req "$T/fcgi.out" mta-sts.secure.example GET /.well-known/mta-sts.txt
want_response 200 "$(policy none 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' >"$T/want"
same_bytes "FastCGI: configuration change picked up without restart" "$T/fcgi.out" "$T/want"
printf 'max_age: broken\n' >>"$L"
fcgi_req "$T/fcgi.out" mta-sts.secure.example GET /.well-known/mta-sts.txt
want_response 500 "server configuration error; see the server log
" >"$T/want"
same_bytes "FastCGI: configuration broken while running: 500, no policy" "$T/fcgi.out" "$T/want"
exit 0
