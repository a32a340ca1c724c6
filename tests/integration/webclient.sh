#!/bin/bash
# A real MTA-STS client accepts what we serve: postfix-mta-sts-resolver's
# mta-sts-query, in a private network namespace (only lo), finds
# _mta-sts.<domain> TXT and mta-sts.<domain> A through its own resolver
# (nsd of the signed DNS lab on 127.0.0.1:53; /etc/resolv.conf, /etc/hosts
# and /etc/nsswitch.conf replaced in a private mount namespace only),
# fetches https://mta-sts.<domain>/.well-known/mta-sts.txt from nginx on
# 127.0.0.1:443 (htaccess-examples/nginx via web_nginx_fcgi_start, our
# mta-sts.fcgi behind it), verifies the certificate against the test CA
# (SSL_CERT_FILE), and must report:
#   secure.example  VALID, exactly our mx list, mode and max_age
#   bogus.example   FETCH_ERROR (we answer 503: its MX RRset is bogus)
# and VALID again from Apache (apache-cgi/.htaccess: Apache frames the CGI
# answer itself) on 127.0.0.2:443 and lighttpd (50-mta-sts-fastcgi.conf)
# on 127.0.0.3:443, the client sent there by its /etc/hosts.
# Needs root and a network namespace; says SKIP otherwise.
set -u
SUITE=webclient
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
if ! why=$(web_can_run); then
	skip "postfix-mta-sts-resolver fetches our policy ($why)"
	exit 0
fi
if [ "${LAB_NETNS:-0}" != 1 ]; then
	skip "postfix-mta-sts-resolver fetches our policy (no private network namespace: it needs ports 53 and 443 and its own resolv.conf)"
	exit 0
fi
QUERY=/usr/bin/mta-sts-query
PY=/usr/bin/python3
if [ ! -f "$QUERY" ] || ! "$PY" -c 'import postfix_mta_sts_resolver.resolver' 2>/dev/null; then
	skip "postfix-mta-sts-resolver fetches our policy (postfix-mta-sts-resolver not installed: tests/deps.sh)"
	exit 0
fi
if ! web_have nginx spawn-fcgi apache2 lighttpd; then
	skip "postfix-mta-sts-resolver fetches our policy (nginx, spawn-fcgi, apache2 or lighttpd not installed: tests/deps.sh)"
	exit 0
fi
if ! unshare -m true 2>/dev/null; then
	skip "postfix-mta-sts-resolver fetches our policy (no private mount namespace for resolv.conf)"
	exit 0
fi

T=$(mktemp -d /tmp/mta-sts-webclient.XXXXXX)
chmod 755 "$T"	# nginx's workers and the program run as www-data
PIDS=$T/pids
cleanup() {
	web_nginx_fcgi_stop "$T/web"
	web_stop "$PIDS"
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
host_resolv_before=$(cat /etc/resolv.conf; grep -c ' /etc/' /proc/self/mountinfo)

# The lab's nsd on the standard port: the client's resolver (c-ares, and
# glibc for the HTTPS host name) cannot be told another one.
lab_up "$T/lab" 53 15354
chmod -R a+rX "$T/lab"
if ! web_pki "$T/web" mta-sts.secure.example mta-sts.bogus.example 2>"$T/pki.err"; then
	fail "test PKI" "$(cat "$T/pki.err")"
	exit 1
fi
export WEB_DOMAIN=secure.example
if ! web_policy_conf "$T/mta-sts.conf" "$LAB_TA" "$LAB_UNBOUND_CONF"; then
	fail "configuration from htaccess-examples/mta-sts.conf"
	exit 1
fi
printf 'domain: bogus.example\n' >>"$T/mta-sts.conf"
if ! web_nginx_fcgi_start "$T/web" 443 "$T/mta-sts.conf" 2>"$T/start.err"; then
	fail "nginx + mta-sts.fcgi on 127.0.0.1:443" "$(cat "$T/start.err")"
	exit 1
fi
LOGS=$T/web/nginx/logs

# Apache on 127.0.0.2:443 (apache-cgi/.htaccess) and lighttpd on
# 127.0.0.3:443 (lighttpd/50-mta-sts-fastcgi.conf), as in webapache.sh and
# weblighttpd.sh.
P=$T/private
mkdir -p "$P" "$T/www/cgi" "$T/run/lighttpd" "$T/htdocs"
chown www-data:www-data "$T/run/lighttpd"
cp "$T/web/server.crt" "$P/fullchain.pem"
cp "$T/web/server.key" "$P/privkey.pem"
cp "$T/mta-sts.conf" "$P/mta-sts.conf"
cp "$FCGI" "$P/mta-sts.fcgi"
cp "$CGI" "$T/www/cgi/mta-sts.cgi"
export WEB_PATHTO=$P WEB_RUN=$T/run
if ! { web_apache_conf "$T/apache" "$T/www" &&
	web_apache_htaccess_site "$T/apache" cgi 127.0.0.2 443 "$T/www/cgi" "$P/fullchain.pem" "$P/privkey.pem" &&
	web_selfsigned "$T/default.pem" &&
	web_lighttpd_conf "$T/lighttpd" 127.0.0.3 443 "$T/htdocs" "$T/default.pem" '"mod_openssl", "mod_fastcgi"' &&
	web_install apache-cgi/.htaccess "$T/www/cgi/.htaccess" &&
	web_install lighttpd/50-mta-sts-fastcgi.conf "$T/lighttpd/conf-enabled/50-mta-sts.conf" &&
	chmod -R a+rX "$T/www" "$P" &&
	apache2 -f "$T/apache/httpd.conf" -t >"$T/apache/logs/configtest.log" 2>&1 &&
	lighttpd -tt -f "$T/lighttpd/lighttpd.conf" >"$T/lighttpd/logs/tt.log" 2>&1; }; then
	fail "Apache and lighttpd configured" "$(tail -n 3 "$T"/apache/logs/configtest.log "$T"/lighttpd/logs/tt.log 2>/dev/null | tr '\n' '|')"
	exit 1
fi
web_start "$PIDS" "$T/apache/logs/apache.out" apache2 -f "$T/apache/httpd.conf" -DFOREGROUND
web_start "$PIDS" "$T/lighttpd/logs/lighttpd.out" lighttpd -D -f "$T/lighttpd/lighttpd.conf"
if ! web_wait_port 443 "$PIDS" 127.0.0.2 || ! web_wait_port 443 "$PIDS" 127.0.0.3; then
	fail "Apache on 127.0.0.2:443 and lighttpd on 127.0.0.3:443 start" \
	    "$(tail -n 3 "$T"/apache/logs/* "$T"/lighttpd/logs/* 2>/dev/null | tr '\n' '|')"
	exit 1
fi

# The client's view of the system: only the lab's name server.
mkdir -p "$T/etc"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' >"$T/etc/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$T/etc/hosts"
printf 'hosts: files dns\n' >"$T/etc/nsswitch.conf"
# /etc/hosts sending the client's HTTPS connection to Apache or lighttpd
for a in 2 3; do
	printf '127.0.0.1 localhost\n127.0.0.%s mta-sts.secure.example\n' "$a" >"$T/etc/hosts.$a"
done
# query [ENV=VALUE...] ARGS...: mta-sts-query ARGS in a private mount
# namespace (/etc/hosts from $HOSTS, default $T/etc/hosts); output in
# $T/q.out, its log (stderr) in $T/q.err.
query() {
	local envs=()
	while [[ ${1:-} == *=* ]]; do envs+=("$1"); shift; done
	# shellcheck disable=SC2016  # expanded by the inner sh
	timeout 30 unshare -m --propagation private sh -c '
		mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$2" /etc/hosts &&
		mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf || exit 99
		shift 2
		exec env "$@"' query "$T/etc" "${HOSTS:-$T/etc/hosts}" "${envs[@]}" "$PY" "$QUERY" "$@" \
	    >"$T/q.out" 2>"$T/q.err"
}
describe() { echo "output: $(tr '\n' '|' <"$T/q.out")"; echo "log: $(tr '\n' '|' <"$T/q.err" | head -c 600)"; }

mx="'mx': ['mx1.secure.example', 'mx2.secure.example', 'zz.secure.example']"
# valid_secure NAME: $T/q.out is the verdict on our secure.example policy.
valid_secure() {
	local out
	out=$(cat "$T/q.out")
	if [[ $out == "(<STSFetchResult.VALID: 1>, ('20240101000000', {"* ]] &&
	    [[ $out == *"$mx"* ]] && [[ $out == *"'version': 'STSv1'"* ]] &&
	    [[ $out == *"'mode': 'testing'"* ]] && [[ $out == *"'max_age': 604800}))" ]]; then
		pass "$1"
	else
		fail "$1" "$(describe)" "want: VALID with $mx"
	fi
}

# 1. secure.example: a valid policy with exactly our mx list.
query SSL_CERT_FILE="$T/web/ca.crt" secure.example
valid_secure "secure.example: VALID, id 20240101000000, exactly our mx list, mode testing, max_age 604800"
if grep -q '"GET /.well-known/mta-sts.txt HTTP/1.1" 200 119 .*"postfix-mta-sts-resolver"' "$LOGS/access.log"; then
	pass "secure.example: the client's GET reached nginx on 127.0.0.1:443 (200, 119 bytes)"
else
	fail "secure.example: the client's GET reached nginx on 127.0.0.1:443 (200, 119 bytes)" \
	    "access log: $(tail -n 3 "$LOGS/access.log" | tr '\n' '|')"
fi

HOSTS=$T/etc/hosts.2 query SSL_CERT_FILE="$T/web/ca.crt" secure.example
valid_secure "secure.example from Apache (apache-cgi/.htaccess, 127.0.0.2:443): VALID, our mx list"
if grep -q '"GET /.well-known/mta-sts.txt HTTP/1.1" 200 [0-9-]* "postfix-mta-sts-resolver"' "$T/apache/logs/access.log"; then
	pass "secure.example: the client's GET reached Apache"
else
	fail "secure.example: the client's GET reached Apache" \
	    "access log: $(tail -n 3 "$T/apache/logs/access.log" | tr '\n' '|')"
fi
HOSTS=$T/etc/hosts.3 query SSL_CERT_FILE="$T/web/ca.crt" secure.example
valid_secure "secure.example from lighttpd (50-mta-sts-fastcgi.conf, 127.0.0.3:443): VALID, our mx list"

# 2. The same id again: the client does not fetch (RFC 8461 section 3.3).
query SSL_CERT_FILE="$T/web/ca.crt" secure.example 20240101000000
if [ "$(cat "$T/q.out")" = "(<STSFetchResult.NOT_CHANGED: 3>, None)" ]; then
	pass "secure.example with the known id: NOT_CHANGED"
else
	fail "secure.example with the known id: NOT_CHANGED" "$(describe)"
fi

# 3. Without the test CA the client refuses the server: it verifies.
query secure.example
if [ "$(cat "$T/q.out")" = "(<STSFetchResult.FETCH_ERROR: 2>, None)" ] &&
    grep -q 'CERTIFICATE_VERIFY_FAILED' "$T/q.err"; then
	pass "secure.example without the test CA: FETCH_ERROR (certificate not trusted)"
else
	fail "secure.example without the test CA: FETCH_ERROR (certificate not trusted)" "$(describe)"
fi

# 4. bogus.example: we answer 503 (bogus MX RRset); the client: fetch error.
n503=$(grep -c '"GET /.well-known/mta-sts.txt HTTP/1.1" 503 ' "$LOGS/access.log")
query SSL_CERT_FILE="$T/web/ca.crt" bogus.example
if [ "$(cat "$T/q.out")" = "(<STSFetchResult.FETCH_ERROR: 2>, None)" ]; then
	pass "bogus.example: FETCH_ERROR"
else
	fail "bogus.example: FETCH_ERROR" "$(describe)"
fi
if [ "$(grep -c '"GET /.well-known/mta-sts.txt HTTP/1.1" 503 .*"postfix-mta-sts-resolver"' "$LOGS/access.log")" -gt "$n503" ] &&
    grep -q 'mta-sts.bogus.example: bogus.example: bogus.example MX: DNSSEC bogus' "$LOGS/error.log"; then
	pass "bogus.example: because the client got our 503 (DNSSEC bogus, logged through nginx)"
else
	fail "bogus.example: because the client got our 503 (DNSSEC bogus, logged through nginx)" \
	    "access log: $(tail -n 2 "$LOGS/access.log" | tr '\n' '|')" \
	    "error log: $(grep -i bogus "$LOGS/error.log" | tail -n 2 | tr '\n' '|')"
fi

cp "$PIDS" "$T/pids.copy"
web_nginx_fcgi_stop "$T/web"
web_stop "$PIDS"
"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
left=$(web_leftovers "$T" "$T/pids.copy")
if [ "$host_resolv_before" = "$(cat /etc/resolv.conf; grep -c ' /etc/' /proc/self/mountinfo)" ] &&
    [ -z "$left" ]; then
	pass "everything stopped; /etc/resolv.conf outside the client's mount namespace untouched"
else
	fail "everything stopped; /etc/resolv.conf outside the client's mount namespace untouched" \
	    "left running: $left" "mounts on /etc: $(grep ' /etc/' /proc/self/mountinfo | tr '\n' '|')"
fi
web_check_sanitizer "no sanitizer report in the server logs" "$T/web/nginx/logs" "$T/apache/logs" "$T/lighttpd/logs"
exit 0
