#!/bin/bash
# The lighttpd examples of htaccess-examples/, run by a real lighttpd over
# TLS on 127.0.0.1, installed verbatim (placeholders replaced only):
#   lighttpd/50-mta-sts-fastcgi.conf   mod_fastcgi, bin-path  port $P_FCGI
#   lighttpd/50-mta-sts-cgi.conf       mod_cgi                port $P_CGI
# one lighttpd each (the two files are alternatives).  Policies come from
# the signed DNS lab (secure.example) through our programs.  Runs in a
# private network namespace when allowed; needs root.
set -u
SUITE=weblighttpd
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
web_need "lighttpd FastCGI and CGI examples" \
    "lighttpd or lighttpd-mod-openssl not installed: tests/deps.sh" lighttpd /usr/lib/lighttpd/mod_openssl.so

LABPORT=${WEB_LAB_PORT:-15393}
DEADPORT=${WEB_LAB_DEADPORT:-15394}
P_FCGI=${WEB_LIGHTTPD_PORT:-18491}
P_CGI=$((P_FCGI + 1))
# plain HTTP (Debian's port 80): the ACME HTTP-01 side
H_FCGI=${WEB_LIGHTTPD_HTTP_PORT:-18533}
H_CGI=$((H_FCGI + 1))
web_test_begin weblighttpd "$LABPORT" "$DEADPORT"
web_test_pki "$T/pki" mta-sts.secure.example
# The server-wide certificate (Debian's /etc/lighttpd/server.pem): not
# trusted by the client, so a verified connection proves that the
# example's per-host (SNI) certificate is the one served.
if ! web_selfsigned "$T/default.pem"; then
	fail "default certificate" "$(tail -3 "$T/default.pem.log")"
	exit 1
fi
export WEB_CA=$T/pki/ca.crt

web_test_private "$T/pki"
mkdir -p "$T/run/lighttpd" "$T/htdocs" "$T/acme"
chown www-data:www-data "$T/run/lighttpd"	# Debian: /run/lighttpd
cp "$FCGI" "$P/mta-sts.fcgi"
cp "$CGI" "$P/mta-sts.cgi"
export WEB_DOMAIN=secure.example WEB_PATHTO=$P WEB_RUN=$T/run WEB_WEBROOT=$T/acme
installed=1
web_policy_conf "$P/mta-sts.conf" "$LAB_TA" "$LAB_UNBOUND_CONF" || installed=
# lighttpd.conf (tests/web/lib.sh): Debian's, with the modules that
# "lighty-enable-mod fastcgi ssl" (or "cgi setenv ssl") enables, on
# 127.0.0.1:PORT instead of 0.0.0.0:443.
web_lighttpd_conf "$T/fastcgi" 127.0.0.1 "$P_FCGI" "$T/htdocs" "$T/default.pem" '"mod_openssl", "mod_fastcgi"' "$H_FCGI"
web_lighttpd_conf "$T/cgi" 127.0.0.1 "$P_CGI" "$T/htdocs" "$T/default.pem" '"mod_setenv", "mod_openssl", "mod_cgi"' "$H_CGI"
for kind in fastcgi cgi; do
	web_install "lighttpd/50-mta-sts-$kind.conf" "$T/$kind/conf-enabled/50-mta-sts.conf" ||
	    installed=
done
chmod -R a+rX "$P"
web_test_installed "$installed"

for kind in fastcgi cgi; do
	if ! lighttpd -tt -f "$T/$kind/lighttpd.conf" >"$T/$kind/logs/tt.log" 2>&1; then
		fail "lighttpd -tt ($kind)" "$(tail -5 "$T/$kind/logs/tt.log" | tr '\n' '|')"
		exit 1
	fi
	web_start "$PIDS" "$T/$kind/logs/lighttpd.out" lighttpd -D -f "$T/$kind/lighttpd.conf"
done
if ! web_wait_port "$P_FCGI" "$PIDS" || ! web_wait_port "$P_CGI" "$PIDS" ||
    ! web_wait_port "$H_FCGI" "$PIDS" || ! web_wait_port "$H_CGI" "$PIDS"; then
	fail "lighttpd starts" "$(tail -n 3 "$T"/*/logs/* 2>/dev/null | tr '\n' '|')"
	exit 1
fi

web_test_secure
# A Host outside the example's $HTTP["host"] block never reaches the
# program: lighttpd serves its (empty) document root, 404.  Every other
# path of the policy host: url.access-deny, 403.
web_check_setup "lighttpd/50-mta-sts-fastcgi.conf" "$P_FCGI" length 404 'x=1' 403 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.fcgi \
    /mta-sts.conf /index.html
web_check_setup "lighttpd/50-mta-sts-cgi.conf" "$P_CGI" length 404 'x=1' 403 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.cgi \
    /mta-sts.conf /index.html
# Plain HTTP: ACME HTTP-01 challenge files only (403 for the rest, as
# over HTTPS); the policy only over HTTPS.
web_check_acme "lighttpd/50-mta-sts-fastcgi.conf" "$H_FCGI" "$T/acme" 403
web_check_acme "lighttpd/50-mta-sts-cgi.conf" "$H_CGI" "$T/acme" 403
for p in "$P_FCGI" "$P_CGI"; do
	web_fetch "$F" "$p" "$WEB_HOST" -- /.well-known/acme-challenge/x
	web_check_denied "port $p: https /.well-known/acme-challenge/x: 403 (HTTP only)" "$F" 403
done

# The example's certificate is served for the policy host (SNI), the
# server-wide one for others.
if openssl s_client -connect "127.0.0.1:$P_FCGI" -servername other.invalid </dev/null 2>/dev/null |
    grep -q 'subject=CN = default.invalid'; then
	pass "lighttpd: another SNI name gets the server-wide certificate, not the example's"
else
	fail "lighttpd: another SNI name gets the server-wide certificate, not the example's"
fi
web_fetch "$F" "$P_FCGI" "$WEB_HOST" --http1.1
web_check_200 "lighttpd/50-mta-sts-fastcgi.conf: HTTP/1.1 too" "$F" "$WEB_WANT"

# lighttpd started the FastCGI program itself, as www-data, once.
# shellcheck disable=SC2046  # one PID per word
n=$(for p in $(web_members $(cat "$PIDS")); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$P/mta-sts.fcgi" ] &&
	    [ "$(stat -c %U "/proc/$p")" = www-data ] && echo "$p"
done | wc -l)
if [ "$n" -eq 1 ]; then
	pass "lighttpd/50-mta-sts-fastcgi.conf: one mta-sts.fcgi, started by lighttpd, running as www-data"
else
	fail "lighttpd/50-mta-sts-fastcgi.conf: one mta-sts.fcgi, started by lighttpd, running as www-data" \
	    "found $n" "$(ps -o pid,user,args -g "$(tr '\n' ',' <"$PIDS" | sed 's/,$//')")"
fi

logerrs=$(grep -hiE 'error|denied|fail' "$T"/fastcgi/logs/error.log "$T"/cgi/logs/error.log 2>/dev/null)
if [ -z "$logerrs" ]; then
	pass "lighttpd error logs: no error"
else
	fail "lighttpd error logs: no error" "$(head -n 5 <<<"$logerrs")"
fi

web_test_stopped "lighttpd and the programs it started all stopped"
web_check_sanitizer "no sanitizer report in the server logs" "$T/fastcgi/logs" "$T/cgi/logs"
exit 0
