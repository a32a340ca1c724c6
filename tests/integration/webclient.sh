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
WHAT="postfix-mta-sts-resolver fetches our policy"
web_need "$WHAT" "nginx, spawn-fcgi, apache2 or lighttpd not installed: tests/deps.sh" \
    nginx spawn-fcgi apache2 lighttpd
if [ "${LAB_NETNS:-0}" != 1 ]; then
	skip "$WHAT (no private network namespace: it needs ports 53 and 443 and its own resolv.conf)"
	exit 0
fi
web_client_need "$WHAT"

host_resolv_before=$(cat /etc/resolv.conf; grep -c ' /etc/' /proc/self/mountinfo)
# The lab's nsd on the standard port: the client's resolver (c-ares, and
# glibc for the HTTPS host name) cannot be told another one.
web_test_begin webclient 53 15354
web_test_pki "$T/web" mta-sts.secure.example mta-sts.bogus.example
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
web_test_private "$T/web"
mkdir -p "$T/www/cgi" "$T/run/lighttpd" "$T/htdocs"
chown www-data:www-data "$T/run/lighttpd"
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
web_client_etc "$T/etc"
# /etc/hosts sending the client's HTTPS connection to Apache or lighttpd
for a in 2 3; do
	printf '127.0.0.1 localhost\n127.0.0.%s mta-sts.secure.example\n' "$a" >"$T/etc/hosts.$a"
done
# query [ENV=VALUE...] ARGS...: mta-sts-query ARGS (web_query); output in
# $T/q.out, its log (stderr) in $T/q.err.
query() { web_query "$T/etc" "$T/q.out" "$T/q.err" "$@"; }
describe() { echo "output: $(tr '\n' '|' <"$T/q.out")"; echo "log: $(tr '\n' '|' <"$T/q.err" | head -c 600)"; }

# valid_secure NAME: $T/q.out is the verdict on our secure.example policy.
valid_secure() {
	if web_client_valid "$T/q.out"; then
		pass "$1"
	else
		fail "$1" "$(describe)" "want: VALID with secure.example's mx list"
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

WEB_QUERY_HOSTS=$T/etc/hosts.2 query SSL_CERT_FILE="$T/web/ca.crt" secure.example
valid_secure "secure.example from Apache (apache-cgi/.htaccess, 127.0.0.2:443): VALID, our mx list"
if grep -q '"GET /.well-known/mta-sts.txt HTTP/1.1" 200 [0-9-]* "postfix-mta-sts-resolver"' "$T/apache/logs/access.log"; then
	pass "secure.example: the client's GET reached Apache"
else
	fail "secure.example: the client's GET reached Apache" \
	    "access log: $(tail -n 3 "$T/apache/logs/access.log" | tr '\n' '|')"
fi
WEB_QUERY_HOSTS=$T/etc/hosts.3 query SSL_CERT_FILE="$T/web/ca.crt" secure.example
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

web_test_end
if [ "$host_resolv_before" = "$(cat /etc/resolv.conf; grep -c ' /etc/' /proc/self/mountinfo)" ] &&
    [ -z "$WEB_LEFT" ]; then
	pass "everything stopped; /etc/resolv.conf outside the client's mount namespace untouched"
else
	fail "everything stopped; /etc/resolv.conf outside the client's mount namespace untouched" \
	    "left running: $WEB_LEFT" "mounts on /etc: $(grep ' /etc/' /proc/self/mountinfo | tr '\n' '|')"
fi
web_check_sanitizer "no sanitizer report in the server logs" "$T/web/nginx/logs" "$T/apache/logs" "$T/lighttpd/logs"
exit 0
