#!/bin/bash
# The nginx examples of htaccess-examples/, run by a real nginx over TLS on
# 127.0.0.1, installed verbatim (placeholders replaced only):
#   nginx/mta-sts.example.com.conf + mta-sts-fcgi.service
#       FastCGI: spawn-fcgi runs mta-sts.fcgi (the unit's ExecStart line),
#       started by tests/web/lib.sh's web_nginx_fcgi_start   port $P_FCGI
#   nginx/mta-sts.example.com-fcgiwrap.conf
#       CGI through fcgiwrap (-f -c 2)                       port $P_WRAP
# Policies come from the signed DNS lab (secure.example) through our
# programs.  Runs in a private network namespace when allowed; needs root.
set -u
SUITE=webnginx
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
web_need "nginx FastCGI and fcgiwrap examples" \
    "nginx, spawn-fcgi or fcgiwrap not installed: tests/deps.sh" nginx spawn-fcgi fcgiwrap

LABPORT=${WEB_LAB_PORT:-15403}
DEADPORT=${WEB_LAB_DEADPORT:-15404}
P_FCGI=${WEB_NGINX_PORT:-18501}
P_WRAP=$((P_FCGI + 1))
# plain HTTP (port 80 in the examples): the ACME HTTP-01 side
H_FCGI=${WEB_NGINX_HTTP_PORT:-18535}
H_WRAP=$((H_FCGI + 1))
web_test_begin webnginx "$LABPORT" "$DEADPORT"
web_test_pki "$T/web" mta-sts.secure.example
export WEB_CA=$T/web/ca.crt

web_test_private "$T/web"
mkdir -p "$T/run" "$T/acme"
cp "$CGI" "$P/mta-sts.cgi"
export WEB_DOMAIN=secure.example WEB_PATHTO=$P WEB_RUN=$T/run WEB_WEBROOT=$T/acme
installed=1
web_policy_conf "$P/mta-sts.conf" "$LAB_TA" "$LAB_UNBOUND_CONF" || installed=
W=$T/nginx-fcgiwrap
web_nginx_prefix "$W" || installed=
WEB_PORT=$P_WRAP WEB_HTTP_PORT=$H_WRAP web_install nginx/mta-sts.example.com-fcgiwrap.conf "$W/site.conf" || installed=
chmod -R a+rX "$P"
web_test_installed "$installed"

# 1. nginx + spawn-fcgi + mta-sts.fcgi: the shared helper (it installs
#    mta-sts.example.com.conf and the unit's ExecStart line itself).
if ! WEB_HTTP_PORT=$H_FCGI web_nginx_fcgi_start "$T/web" "$P_FCGI" "$P/mta-sts.conf" 2>"$T/start.err"; then
	fail "web_nginx_fcgi_start: nginx + spawn-fcgi running mta-sts.fcgi" "$(cat "$T/start.err")"
	exit 1
fi
pass "web_nginx_fcgi_start: nginx + spawn-fcgi running mta-sts.fcgi"
# 2. nginx + fcgiwrap (as Debian's fcgiwrap.service: www-data, -f; here
#    spawn-fcgi holds the socket, and -c 2 pre-forks two children, which a
#    stop must reach too) running mta-sts.cgi once per request.
web_start "$PIDS" "$W/logs/fcgiwrap.log" spawn-fcgi -n -s "$T/run/fcgiwrap.socket" -M 0600 \
    -U www-data -G www-data -u www-data -g www-data -- /usr/sbin/fcgiwrap -f -c 2
if ! nginx -t -p "$W" -c "$W/nginx.conf" >"$W/logs/nginx-t.log" 2>&1; then
	fail "nginx -t (fcgiwrap)" "$(tail -n 3 "$W/logs/nginx-t.log" | tr '\n' '|')"
	exit 1
fi
web_start "$PIDS" "$W/logs/nginx.out" nginx -p "$W" -c "$W/nginx.conf" -g 'daemon off;'
if ! web_wait_socket "$T/run/fcgiwrap.socket" "$PIDS" || ! web_wait_port "$P_WRAP" "$PIDS"; then
	fail "nginx + fcgiwrap start" "$(tail -n 3 "$W"/logs/* 2>/dev/null | tr '\n' '|')"
	exit 1
fi

web_test_secure
# The example's server block is the only one, so nginx hands every Host
# to the program (our 404); every other path: "location / { return 404; }".
web_check_setup "nginx/mta-sts.example.com.conf (spawn-fcgi)" "$P_FCGI" length ours 'x=1' 404 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.fcgi \
    /mta-sts.conf /index.html
web_check_setup "nginx/mta-sts.example.com-fcgiwrap.conf" "$P_WRAP" length ours 'x=1' 404 \
    / /.well-known/ /.well-known/mta-sts.txt/ /.well-known/mta-sts.txt.bak /mta-sts.cgi \
    /mta-sts.conf /index.html

# Plain HTTP: ACME HTTP-01 challenge files only; the policy only over HTTPS.
web_check_acme "nginx/mta-sts.example.com.conf (spawn-fcgi)" "$H_FCGI" "$T/acme" 404
web_check_acme "nginx/mta-sts.example.com-fcgiwrap.conf" "$H_WRAP" "$T/acme" 404
for p in "$P_FCGI" "$P_WRAP"; do
	web_fetch "$F" "$p" "$WEB_HOST" -- /.well-known/acme-challenge/x
	web_check_denied "port $p: https /.well-known/acme-challenge/x: 404 (HTTP only)" "$F" 404
done

# The IPv6 listen line of the examples ([::]:443 there, [::1] here).
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
	for p in "$P_FCGI" "$P_WRAP"; do
		curl -sS -m 10 --cacert "$WEB_CA" --resolve "$WEB_HOST:$p:[::1]" \
		    -D "$F.rawhead" -o "$F.body" -w '%{http_code}' \
		    "https://$WEB_HOST:$p/.well-known/mta-sts.txt" >"$F.code" 2>"$F.err"
		tr -d '\r' <"$F.rawhead" >"$F.head"
		web_check_200 "port $p over IPv6 ([::1]): the policy" "$F" "$WEB_WANT"
	done
else
	skip "the examples' IPv6 listen lines (no ::1 here)"
fi

# Who runs what: the FastCGI program, started by spawn-fcgi from the
# unit's command line, as www-data; its socket 0600 www-data.
d=$T/web/nginx
# shellcheck disable=SC2046  # one PID per word
n=$(for p in $(web_members $(cat "$d/pids")); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$d/path/mta-sts.fcgi" ] &&
	    [ "$(stat -c %U "/proc/$p")" = www-data ] && echo "$p"
done | wc -l)
sock=$(stat -c '%U %a' "$d/run/mta-sts/mta-sts.sock" 2>/dev/null)
if [ "$n" -eq 1 ] && [ "$sock" = "www-data 600" ]; then
	pass "mta-sts-fcgi.service: one mta-sts.fcgi as www-data, socket www-data 0600"
else
	fail "mta-sts-fcgi.service: one mta-sts.fcgi as www-data, socket www-data 0600" \
	    "programs: $n, socket: $sock"
fi
# (but the missing challenge file asked for on purpose)
logerrs=$(grep -hE '\[(error|crit|alert|emerg)\]' "$d/logs/error.log" "$W/logs/error.log" 2>/dev/null |
    grep -vE 'open\(\) "[^"]*/acme-challenge/acme-Test_token-[0-9-]+x" failed \(2: ')
if [ -z "$logerrs" ]; then
	pass "nginx error logs: no error"
else
	fail "nginx error logs: no error" "$(head -n 5 <<<"$logerrs")"
fi

# Stop: nginx and fcgiwrap's pre-forked children too (process groups).
web_test_stopped "nginx, spawn-fcgi's program and fcgiwrap with its children all stopped"
web_check_sanitizer "no sanitizer report in the server logs" "$T/web/nginx/logs" "$W/logs"
exit 0
