#!/bin/bash
# The Apache examples of htaccess-examples/, run by a real Apache 2.4 over
# TLS on 127.0.0.1, installed verbatim (placeholders replaced only):
#   apache-cgi/.htaccess                    mod_cgid, port $P_CGI
#   apache-fcgid/.htaccess                  mod_fcgid, port $P_FCGID
#   apache-fcgid/mta-sts.example.com.conf   mod_fcgid vhost, port $P_VHOST
# Policies come from the signed DNS lab (secure.example) through our
# programs.  Runs in a private network namespace when allowed; needs root.
set -u
SUITE=webapache
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
web_need "Apache CGI and mod_fcgid examples" \
    "apache2 or libapache2-mod-fcgid not installed: tests/deps.sh" apache2 /usr/lib/apache2/modules/mod_fcgid.so

LABPORT=${WEB_LAB_PORT:-15383}
DEADPORT=${WEB_LAB_DEADPORT:-15384}
P_CGI=${WEB_APACHE_PORT:-18481}
P_FCGID=$((P_CGI + 1))
P_VHOST=$((P_CGI + 2))
# plain HTTP (port 80 in the examples): the ACME HTTP-01 side
H_CGI=${WEB_APACHE_HTTP_PORT:-18530}
H_FCGID=$((H_CGI + 1))
H_VHOST=$((H_CGI + 2))
web_test_begin webapache "$LABPORT" "$DEADPORT"
web_test_pki "$T/pki" mta-sts.secure.example
WEB_CA=$T/pki/ca.crt

web_test_private "$T/pki"
mkdir -p "$T/www/cgi" "$T/www/fcgid" "$T/www/acme" "$T/apache/sites"
cp "$FCGI" "$P/mta-sts.fcgi"
cp "$CGI" "$T/www/cgi/mta-sts.cgi"
cp "$FCGI" "$T/www/fcgid/mta-sts.fcgi"
export WEB_DOMAIN=secure.example WEB_PATHTO=$P WEB_RUN=$T/run WEB_WEBROOT=$T/www/acme
installed=1
web_policy_conf "$P/mta-sts.conf" "$LAB_TA" "$LAB_UNBOUND_CONF" || installed=
web_install apache-cgi/.htaccess "$T/www/cgi/.htaccess" || installed=
web_install apache-fcgid/.htaccess "$T/www/fcgid/.htaccess" || installed=
WEB_PORT=$P_VHOST WEB_HTTP_PORT=$H_VHOST web_install apache-fcgid/mta-sts.example.com.conf "$T/apache/sites/vhost.conf" ||
    installed=
chmod -R a+rX "$T/www" "$P"
web_test_installed "$installed"

# The server configuration around the examples (tests/web/lib.sh): what
# Debian's Apache gives a hosting account, one TLS virtual host per
# .htaccess setup, and the vhost example with its Listen line.
A=$T/apache
web_apache_conf "$A" "$T/www"
web_apache_htaccess_site "$A" cgi 127.0.0.1 "$P_CGI" "$T/www/cgi" "$P/fullchain.pem" "$P/privkey.pem"
web_apache_htaccess_site "$A" fcgid 127.0.0.1 "$P_FCGID" "$T/www/fcgid" "$P/fullchain.pem" "$P/privkey.pem"
web_apache_http_site "$A" cgi 127.0.0.1 "$H_CGI" "$T/www/cgi"
web_apache_http_site "$A" fcgid 127.0.0.1 "$H_FCGID" "$T/www/fcgid"
printf 'Listen 127.0.0.1:%s\nListen 127.0.0.1:%s\n' "$P_VHOST" "$H_VHOST" >"$A/sites/vhost-listen.conf"
if ! apache2 -f "$A/httpd.conf" -t >"$A/logs/configtest.log" 2>&1; then
	fail "apache2 -t" "$(tail -5 "$A/logs/configtest.log")"
	exit 1
fi
web_start "$PIDS" "$A/logs/apache.out" apache2 -f "$A/httpd.conf" -DFOREGROUND
ready=1
for p in $P_CGI $P_FCGID $P_VHOST $H_CGI $H_FCGID $H_VHOST; do
	web_wait_port "$p" "$PIDS" || ready=
done
if [ -z "$ready" ]; then
	fail "Apache starts" "$(tail -n 5 "$A/logs/apache.out" "$A/logs/error.log" 2>/dev/null | tr '\n' '|')"
	exit 1
fi

web_test_secure
# Apache drops a CGI program's Content-Length and frames the body itself
# (its own Content-Length or chunked, depending on timing): "server".
# The POST carries a body: the program must take it in after answering, or
# mod_cgid breaks the connection (EPIPE) and loses the answer.
web_check_setup "apache-cgi/.htaccess" "$P_CGI" server ours 'x=1' 404 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.cgi /index.html
web_fetch "$F" "$P_CGI" "$WEB_HOST" -- /.htaccess
web_check_denied "apache-cgi/.htaccess: /.htaccess: 403 from the server" "$F" 403
web_check_setup "apache-fcgid/.htaccess" "$P_FCGID" length ours 'x=1' 404 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.fcgi /index.html
web_fetch "$F" "$P_FCGID" "$WEB_HOST" -- /.htaccess
web_check_denied "apache-fcgid/.htaccess: /.htaccess: 403 from the server" "$F" 403
web_check_setup "apache-fcgid vhost" "$P_VHOST" length ours 'x=1' 404 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.fcgi \
    /mta-sts.conf /index.html

# Plain HTTP: ACME HTTP-01 challenge files only; the policy only over HTTPS.
web_check_acme "apache-cgi/.htaccess" "$H_CGI" "$T/www/cgi" 404 "$P_CGI"
web_check_acme "apache-fcgid/.htaccess" "$H_FCGID" "$T/www/fcgid" 404 "$P_FCGID"
web_check_acme "apache-fcgid vhost" "$H_VHOST" "$T/www/acme" 404
web_fetch "$F" "$P_VHOST" "$WEB_HOST" -- /.well-known/acme-challenge/x
web_check_denied "apache-fcgid vhost: https /.well-known/acme-challenge/x: 404 (HTTP only)" "$F" 404

# No error in Apache's log but the ones these requests provoke on purpose:
# AH01630 (/.htaccess refused) and AH02651 (mod_cgid could not write the
# POST body: the program answers 405 without reading it; not provoked
# any more, see above).
logerrs=$(grep -E '^\[[^]]*\] \[[a-z_]+:(error|crit|alert|emerg)\]' "$A/logs/error.log" |
    grep -vE 'AH01630: client denied by server configuration: [^ ]*/\.htaccess|AH02651: Error writing request body to script [^ ]*/mta-sts\.cgi')
if [ -z "$logerrs" ]; then
	pass "Apache error log: no unexpected error"
else
	fail "Apache error log: no unexpected error" "$(head -n 5 <<<"$logerrs")"
fi

web_test_stopped "Apache, its CGI daemon and the FastCGI processes all stopped"
web_check_sanitizer "no sanitizer report in the server logs" "$A/logs"
exit 0
