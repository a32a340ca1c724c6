#!/bin/bash
# The HTTPS intake of TLS-RPT reports (RFC 8460 section 5.3) behind a real
# lighttpd over TLS on 127.0.0.1, with the example
# htaccess-examples/lighttpd/50-tlsrpt-fastcgi.conf installed verbatim
# (placeholders replaced only): lighttpd starts tlsrpt/mta-sts-tlsrpt.cgi
# as a FastCGI responder running as www-data, curl POSTs reports.
# Checked: gzip and JSON reports stored byte for byte (201), duplicates
# (200), each 4xx with its one-line reason (405, 411, 415, 400 for bad
# gzip, bad JSON, deep nesting and a report missing a field, 413 for a
# gzip bomb and for oversized bodies), the count bound evicting the oldest,
# a read-only report_dir (503), and that nothing is left running.
# Uses ports 18570 (HTTPS).  Runs in a private network namespace when
# allowed; needs root (lighttpd switches to www-data).
set -u
SUITE=tlsrpt-web
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
. "$TOP/tests/tlsrpt/lib.sh"
if ! why=$(web_can_run); then
	skip "TLS-RPT HTTPS intake behind lighttpd ($why)"
	exit 0
fi
if ! web_have lighttpd || [ ! -f /usr/lib/lighttpd/mod_openssl.so ]; then
	skip "TLS-RPT HTTPS intake behind lighttpd (lighttpd or lighttpd-mod-openssl not installed: tests/deps.sh)"
	exit 0
fi

PORT=${TLSRPT_WEB_PORT:-18570}
HOST=tlsrpt.secure.example
T=$(mktemp -d /tmp/mta-sts-tlsrpt-web.XXXXXX)
chmod 755 "$T"
PIDS=$T/pids
cleanup() {
	web_stop "$PIDS"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

if ! web_pki "$T/pki" "$HOST" 2>"$T/pki.err"; then
	fail "test PKI" "$(cat "$T/pki.err")"
	exit 1
fi
if ! web_selfsigned "$T/default.pem"; then
	fail "default certificate" "$(tail -3 "$T/default.pem.log")"
	exit 1
fi
P=$T/private
R=$P/reports
mkdir -p "$P" "$R" "$T/run/lighttpd" "$T/htdocs" "$T/in"
chown www-data:www-data "$T/run/lighttpd" "$R"
cp "$T/pki/server.crt" "$P/fullchain.pem"
cp "$T/pki/server.key" "$P/privkey.pem"
cp "$TOP/tlsrpt/mta-sts-tlsrpt.cgi" "$P/mta-sts-tlsrpt.cgi"
cat >"$P/mta-sts.conf" <<EOC
report_dir: $R
report_max_size: 1048576
report_max_count: 5
EOC
export WEB_DOMAIN=secure.example WEB_PATHTO=$P WEB_RUN=$T/run
web_lighttpd_conf "$T/l" 127.0.0.1 "$PORT" "$T/htdocs" "$T/default.pem" '"mod_openssl", "mod_fastcgi"'
if ! web_install lighttpd/50-tlsrpt-fastcgi.conf "$T/l/conf-enabled/50-tlsrpt.conf"; then
	fail "lighttpd/50-tlsrpt-fastcgi.conf installed verbatim"
	exit 1
fi
chmod -R a+rX "$P"
pass "lighttpd/50-tlsrpt-fastcgi.conf installed verbatim (only placeholders replaced)"
if ! lighttpd -tt -f "$T/l/lighttpd.conf" >"$T/l/logs/tt.log" 2>&1; then
	fail "lighttpd -tt" "$(tail -5 "$T/l/logs/tt.log" | tr '\n' '|')"
	exit 1
fi
web_start "$PIDS" "$T/l/logs/lighttpd.out" lighttpd -D -f "$T/l/lighttpd.conf"
if ! web_wait_port "$PORT" "$PIDS"; then
	fail "lighttpd starts" "$(tail -n 3 "$T"/l/logs/* 2>/dev/null | tr '\n' '|')"
	exit 1
fi

rpt_fixtures "$T/in"

# post NAME WANT_CODE WANT_BODY CURL_ARGS...: one request; the status and
# the body (one line) must be exactly these.
post() {
	local name=$1 code=$2 body=$3 have
	shift 3
	have=$(curl -sS --cacert "$T/pki/ca.crt" --resolve "$HOST:$PORT:127.0.0.1" \
	    -o "$T/body" -w '%{http_code}' "$@" "https://$HOST:$PORT/tlsrpt" 2>"$T/curl.err")
	if [ "$have" = "$code" ] && [ "$(cat "$T/body")" = "$body" ]; then
		pass "$name: $code $body"
	else
		fail "$name" "want: $code $body" "have: $have $(head -c 300 "$T/body")" \
		    "$(cat "$T/curl.err")"
	fi
}
gz() { post "$1" "$2" "$3" -H 'Content-Type: application/tlsrpt+gzip' --data-binary "@$4"; }
js() { post "$1" "$2" "$3" -H 'Content-Type: application/tlsrpt+json' --data-binary "@$4"; }
# same_file NAME STORED FILE: the stored report holds exactly FILE's bytes.
same_file() {
	if cmp -s "$R/$2" "$3" && [ "$(stat -c %U:%a "$R/$2")" = www-data:640 ]; then
		pass "$1: stored as $2, byte for byte, www-data, mode 640"
	else
		fail "$1: stored as $2, byte for byte, www-data, mode 640" \
		    "$(ls -l "$R" 2>&1 | tail -n +2)"
	fi
}

E=$(date -u -d "$RPT_END" +%s)
E=$(printf '%011d' "$E")
# The report-id's colons are %-encoded in the file name.
GID=${RPT_START//:/%3A}_secure.example
G="$E-$GID.json"
gz "Google-style report, gzip" 201 \
    "stored ${RPT_START}_secure.example from Google Inc. ($G)" "$T/in/google.json.gz"
same_file "gzip report" "$G" "$T/in/google.json"
gz "the same report again" 200 \
    "duplicate ${RPT_START}_secure.example from Google Inc. ($G)" "$T/in/google.json.gz"
js "the same report as JSON" 200 \
    "duplicate ${RPT_START}_secure.example from Google Inc. ($G)" "$T/in/google.json"
M="$E-133760000000000000+secure.example.json"
js "Microsoft-style report (empty sending-mta-ip), JSON" 201 \
    "stored 133760000000000000+secure.example from Microsoft Corporation ($M)" \
    "$T/in/microsoft.json"
same_file "JSON report" "$M" "$T/in/microsoft.json"
X="$E-5065427c-23d3-47ca-b6e0-946ea0e8c4be.json"
post "RFC 8460 example, media type with a parameter" 201 \
    "stored 5065427c-23d3-47ca-b6e0-946ea0e8c4be from Company-X ($X)" \
    -H 'Content-Type: Application/TLSRPT+gzip; charset=binary' --data-binary "@$T/in/rfc8460.json.gz"

# 4xx: the sender is told why, and nothing is stored.
post "GET" 405 "TLS-RPT reports are POSTed (RFC 8460 section 5.3)" -X GET
post "text/plain" 415 \
    "Content-Type must be application/tlsrpt+gzip or application/tlsrpt+json" \
    -H 'Content-Type: text/plain' --data-binary "@$T/in/google.json"
post "no Content-Type" 415 \
    "Content-Type must be application/tlsrpt+gzip or application/tlsrpt+json" \
    -H 'Content-Type:' --data-binary "@$T/in/google.json"
printf '{"organization-name":"x"' >"$T/in/bad.json"
js "truncated JSON" 400 "not a TLS-RPT report: invalid JSON: the text ends too early" "$T/in/bad.json"
head -c 200 "$T/in/google.json.gz" >"$T/in/trunc.gz"
gz "truncated gzip" 400 "gzip: gzip data truncated" "$T/in/trunc.gz"
rpt_deep "$T/in/deep.json" 40
js "nesting 41 levels deep" 400 "not a TLS-RPT report: invalid JSON: nested more than 16 levels" "$T/in/deep.json"
sed 's/"report-id"/"report-idx"/' "$T/in/google.json" >"$T/in/noid.json"
js "no report-id" 400 'not a TLS-RPT report: report: missing "report-id"' "$T/in/noid.json"
head -c 16777216 /dev/zero | gzip -n -9 >"$T/in/bomb.gz"
gz "gzip bomb: $(stat -c %s "$T/in/bomb.gz") bytes that inflate to 16 MiB" 413 \
    "gzip: more than 1048576 bytes once decompressed" "$T/in/bomb.gz"
head -c 1048577 /dev/zero | tr '\0' ' ' >"$T/in/big.json"
js "body of report_max_size + 1 bytes" 413 \
    "report of 1048577 bytes is larger than report_max_size (1048576)" "$T/in/big.json"
head -c $((12 * 1024 * 1024)) /dev/zero >"$T/in/huge"
# Expect: 100-continue lets lighttpd refuse before the body is sent.
have=$(curl -sS --http1.1 --cacert "$T/pki/ca.crt" --resolve "$HOST:$PORT:127.0.0.1" -o /dev/null \
    -w '%{http_code}' -H 'Content-Type: application/tlsrpt+gzip' -H 'Expect: 100-continue' \
    --data-binary "@$T/in/huge" \
    "https://$HOST:$PORT/tlsrpt" 2>/dev/null)
if [ "$have" = 413 ]; then
	pass "12 MiB body: 413 from lighttpd (server.max-request-size of the example)"
else
	fail "12 MiB body: 413 from lighttpd (server.max-request-size of the example)" "have: $have"
fi
have=$(curl -sS --cacert "$T/pki/ca.crt" --resolve "$HOST:$PORT:127.0.0.1" -o /dev/null \
    -w '%{http_code}' "https://$HOST:$PORT/other" 2>/dev/null)
[ "$have" = 403 ] && pass "another path: 403 (url.access-deny)" ||
    fail "another path: 403 (url.access-deny)" "have: $have"
n=$(find "$R" -name '*.json' | wc -l)
[ "$n" -eq 3 ] && pass "after the rejections: still 3 reports stored" ||
    fail "after the rejections: still 3 reports stored" "have $n"

# The count bound (report_max_count 5): the oldest go first.
for i in 9 8 7 6; do
	rpt_small "$T/in/s$i.json" "small-$i" "$i"
	js "small report $i days old" 201 \
	    "stored small-$i from Small Reporter ($(printf '%011d' "$(date -u -d "today 00:00 $i days ago" +%s)")-small-$i.json)" \
	    "$T/in/s$i.json"
done
have=$(cd "$R" && LC_ALL=C ls -- *.json | sed 's/^[0-9]*-//' | tr '\n' ' ')
want="small-7.json small-6.json 133760000000000000+secure.example.json $GID.json 5065427c-23d3-47ca-b6e0-946ea0e8c4be.json "
if [ "$have" = "$want" ]; then
	pass "count bound 5: the two oldest reports removed"
else
	fail "count bound 5: the two oldest reports removed" "have: $have" "want: $want"
fi

# A report_dir the program cannot write: 503, so the sender retries.
chmod 0555 "$R"
rpt_small "$T/in/ro.json" ro 0
post "read-only report_dir" 503 "the report could not be stored; try later" \
    -H 'Content-Type: application/tlsrpt+json' --data-binary "@$T/in/ro.json"
chmod 0750 "$R"
js "the same report once report_dir is writable" 201 \
    "stored ro from Small Reporter ($(printf '%011d' "$(date -u -d 'today 00:00' +%s)")-ro.json)" "$T/in/ro.json"

if grep -q 'mta-sts-tlsrpt.cgi.*creating .tmp-[0-9]*: Permission denied' "$T/l/logs/error.log"; then
	pass "the error log names the failure"
else
	fail "the error log names the failure" "$(tail -n 3 "$T/l/logs/error.log")"
fi

cp "$PIDS" "$T/pids.copy"
web_stop "$PIDS"
left=$(web_leftovers "$T" "$T/pids.copy")
if [ -z "$left" ]; then
	pass "lighttpd and the intake program it started all stopped"
else
	fail "lighttpd and the intake program it started all stopped" "$left"
fi
web_check_sanitizer "no sanitizer report in the server logs" "$T/l/logs"

# The same program as a plain CGI (no FastCGI socket on fd 0): the exact
# bytes of its answers, run as www-data as a web server would.
# cgi NAME WANT_FILE BODY_FILE VAR=VALUE...
cgi() {
	local name=$1 want=$2 body=$3
	shift 3
	setpriv --reuid=www-data --regid=www-data --clear-groups \
	    env -i MTA_STS_CONF="$P/mta-sts.conf" "$@" "$P/mta-sts-tlsrpt.cgi" \
	    <"$body" >"$T/cgi.out" 2>"$T/cgi.err"
	same_bytes "CGI: $name" "$T/cgi.out" "$want"
}
rpt_small "$T/in/cgi.json" cgi-one 1
n=$(stat -c %s "$T/in/cgi.json")
f="$(printf '%011d' "$(date -u -d 'today 00:00 1 days ago' +%s)")-cgi-one.json"
printf 'Status: 201 Created\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\nstored cgi-one from Small Reporter (%s)\n' "$f" >"$T/want"
cgi "a report, 201" "$T/want" "$T/in/cgi.json" REQUEST_METHOD=POST \
    CONTENT_TYPE=application/tlsrpt+json CONTENT_LENGTH="$n"
printf 'Status: 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\nbody shorter than its Content-Length\n' >"$T/want"
cgi "a body shorter than Content-Length, 400" "$T/want" "$T/in/cgi.json" \
    REQUEST_METHOD=POST CONTENT_TYPE=application/tlsrpt+json CONTENT_LENGTH=$((n + 10))
printf 'Status: 411 Length Required\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\na Content-Length is required\n' >"$T/want"
cgi "no Content-Length, 411" "$T/want" "$T/in/cgi.json" REQUEST_METHOD=POST \
    CONTENT_TYPE=application/tlsrpt+json
printf 'Status: 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\ninvalid Content-Length\n' >"$T/want"
cgi "Content-Length -1, 400" "$T/want" "$T/in/cgi.json" REQUEST_METHOD=POST \
    CONTENT_TYPE=application/tlsrpt+json CONTENT_LENGTH=-1
printf 'Status: 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nAllow: POST\r\n\r\nTLS-RPT reports are POSTed (RFC 8460 section 5.3)\n' >"$T/want"
cgi "HEAD, 405" "$T/want" /dev/null REQUEST_METHOD=HEAD
printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\nmisconfigured server\n' >"$T/want"
env -i MTA_STS_CONF="$P/mta-sts.conf" REQUEST_METHOD=POST "$P/mta-sts-tlsrpt.cgi" \
    </dev/null >"$T/cgi.out" 2>"$T/cgi.err"
same_bytes "CGI: run as root, 500" "$T/cgi.out" "$T/want"
exit 0
