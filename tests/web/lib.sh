# tests/web/lib.sh: real web servers on loopback for the tests.  Sourced, not
# run.  Defines only web_* functions and WEB_* variables, so it can be
# sourced next to tests/integration/lib.sh.
#
# Stable interface (other tests rely on it):
#
#   web_pki DIR NAME...
#       A fresh test CA and one server certificate (EC P-256, 2 days) whose
#       subjectAltName lists every NAME.  Writes DIR/ca.crt (give it to
#       clients: curl --cacert, SSL_CERT_FILE), DIR/server.crt,
#       DIR/server.key (and DIR/ca.key, DIR/names).  Returns non-zero with
#       a message on stderr when openssl fails.
#
#   web_nginx_fcgi_start DIR HTTPS_PORT CONF_PATH
#       Serve fcgi/mta-sts.fcgi through nginx over TLS on
#       127.0.0.1:HTTPS_PORT, using htaccess-examples/nginx/ verbatim (the
#       server block mta-sts.example.com.conf and spawn-fcgi's command
#       line from mta-sts-fcgi.service), only their placeholders replaced:
#       MTA_STS_CONF=CONF_PATH, the certificate from web_pki DIR (so call
#       web_pki DIR first), example.com = the first NAME given to web_pki
#       without its "mta-sts." prefix.  It is the only server block, so
#       nginx hands every Host to the program.  Runtime files go in
#       DIR/nginx/ (logs: DIR/nginx/logs/error.log, where the program's
#       log lines appear, and access.log).  Returns once both nginx and
#       the FastCGI socket are ready (0), or non-zero with the reason on
#       stderr, everything it started already stopped.
#       The program is a copy of fcgi/mta-sts.fcgi taken at start.
#       Needs root (nginx and the program run as www-data): CONF_PATH,
#       every file it names and every directory above them must be
#       readable by www-data (mktemp -d makes 0700 directories: chmod 755).
#       Call it in the test's own shell, not in $(...) or a pipeline, and
#       call web_nginx_fcgi_stop DIR in the test's EXIT trap.
#       The example's plain HTTP server block (ACME challenges) listens on
#       127.0.0.1:$WEB_HTTP_PORT when that is set, else on the unix socket
#       DIR/nginx/run/http.sock; its webroot is DIR/nginx/path/acme-webroot
#       unless WEB_WEBROOT is set.
#
#   web_nginx_fcgi_stop DIR
#       Stop what web_nginx_fcgi_start DIR started (SIGTERM to each process
#       group, SIGKILL after 5 s) and wait until it is gone.  Safe to call
#       twice, or when the start failed or never happened.
#
#   web_can_run
#       Prints why the web servers cannot run here (not root, a program
#       missing) and returns 1; returns 0 silently when they can.
#
# The rest serves the tests/integration/web*.sh scripts and may change:
#   web_install        copy an example, placeholders replaced, verbatim otherwise
#   web_start/web_stop processes in process groups of their own, by PID file
#   web_apache_conf, web_apache_htaccess_site, web_lighttpd_conf,
#   web_nginx_prefix   the server configuration around the examples
#   web_fetch, web_header, web_check_200/_ours/_denied, web_check_setup
#                      requests and assertions (web_check_* call pass/fail
#                      from tests/integration/lib.sh; WEB_DEBUG_TIME=1 makes
#                      web_fetch print each request's time on stderr)
#   web_policy_conf    the lab configuration + htaccess-examples/mta-sts.conf
#   web_leftovers      processes a test left running

WEB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WEB_EXAMPLES=$WEB_TOP/htaccess-examples
WEB_POLICYCHECK=$WEB_TOP/tests/web/policycheck.sh

# web_can_run: see the interface above.
web_can_run() {
	local p
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root: the web servers start as root and run as www-data"
		return 1
	fi
	# root of a user namespace (unshare -r) cannot switch to www-data
	if ! awk '$1 == 0 && $2 == 0 { ok = 1 } END { exit !ok }' /proc/self/uid_map 2>/dev/null; then
		echo "needs real root, not root in a user namespace: the servers switch to www-data"
		return 1
	fi
	if ! id www-data >/dev/null 2>&1; then
		echo "no www-data user"
		return 1
	fi
	for p in openssl curl setsid; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "$p is not installed (tests/deps.sh)"
			return 1
		fi
	done
	return 0
}

# web_have PROGRAM...: all of them are installed (also in /usr/sbin).
web_have() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || return 1
	done
}

# --- certificates -------------------------------------------------------

web_pki() {
	local dir=$1 n san=
	shift
	if [ $# -eq 0 ]; then
		echo "web_pki: no NAME given" >&2
		return 2
	fi
	mkdir -p "$dir" || return 1
	for n in "$@"; do san+="DNS:$n,"; done
	printf '%s\n' "$@" >"$dir/names"
	{
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 \
		    -subj "/CN=mta-sts-cgi test CA" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout "$dir/server.key" -out "$dir/server.csr" \
		    -subj "/CN=$1" &&
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		    "keyUsage=critical,digitalSignature" \
		    "extendedKeyUsage=serverAuth" \
		    "subjectAltName=${san%,}" >"$dir/server.ext" &&
		openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" \
		    -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
		    -extfile "$dir/server.ext" -out "$dir/server.crt" &&
		openssl verify -CAfile "$dir/ca.crt" "$dir/server.crt"
	} >"$dir/pki.log" 2>&1 || {
		echo "web_pki: openssl failed: $(tail -n 3 "$dir/pki.log" | tr '\n' '|')" >&2
		return 1
	}
	# Test keys: readable by the servers whatever user reads them.
	chmod 0644 "$dir/server.key" "$dir/server.crt" "$dir/ca.crt"
}

# --- installing the examples verbatim -----------------------------------

# web_install SRC DST: copy one file of htaccess-examples/ (SRC relative to
# it) to DST, replacing only these placeholders:
#   /etc/letsencrypt/live/mta-sts.example.com/
#                                        -> $WEB_LIVE/ (default $WEB_PATHTO/)
#   example.com, example\.com (regexes)  -> $WEB_DOMAIN
#   /path/to/mta-sts.conf                -> $WEB_CONF (when set)
#   /path/to/                            -> $WEB_PATHTO/
#   /var/www/html (the ACME webroot)     -> $WEB_WEBROOT (default
#                                           $WEB_PATHTO/acme-webroot)
#   /run/ (sockets: /run/mta-sts/..., /run/lighttpd/...,
#         /run/fcgiwrap.socket)          -> $WEB_RUN/
#   nginx "listen 443" / "listen [::]:443", Apache "<VirtualHost *:443>"
#                                        -> 127.0.0.1:$WEB_PORT (IPv6:
#                                           [::1]:$WEB_PORT, or the line
#                                           dropped when ::1 is missing)
#   nginx "listen 80;" / "listen [::]:80;", Apache "<VirtualHost *:80>"
#                                        -> 127.0.0.1:$WEB_HTTP_PORT (IPv6
#                                           as above); without
#                                           WEB_HTTP_PORT nginx listens on
#                                           the unix socket $WEB_RUN/http.sock
#                                           (no IPv6 line) and Apache's is
#                                           an error (placeholder left)
# Then checks that every line that differs held a placeholder and that no
# placeholder is left; returns 1 with a message on stderr otherwise.
web_install() {
	local src=$WEB_EXAMPLES/$1 dst=$2 dom re v6 v6h h80 bad
	dom=${WEB_DOMAIN:-example.com}
	re=${dom//./\\\\.}
	if [ ! -f "$src" ]; then
		echo "web_install: $src: no such file" >&2
		return 1
	fi
	v6="s|listen \[::\]:443 |listen [::1]:${WEB_PORT:-443} |"
	v6h="s|listen \[::\]:80;|listen [::1]:${WEB_HTTP_PORT:-};|"
	if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
		v6='/listen \[::\]:443 /d'
		v6h='/listen \[::\]:80;/d'
	fi
	if [ -n "${WEB_HTTP_PORT:-}" ]; then
		h80="s|listen 80;|listen 127.0.0.1:$WEB_HTTP_PORT;|"
	else
		h80="s|listen 80;|listen unix:${WEB_RUN:-/run}/http.sock;|"
		v6h='/listen \[::\]:80;/d'
	fi
	sed -e "s|/etc/letsencrypt/live/mta-sts\\.example\\.com/|${WEB_LIVE:-${WEB_PATHTO:-/path/to}}/|g" \
	    -e "s|example\\\\\\.com|$re|g" \
	    -e "s|example\\.com|$dom|g" \
	    -e "s|/path/to/mta-sts\\.conf|${WEB_CONF:-/path/to/mta-sts.conf}|g" \
	    -e "s|/path/to/|${WEB_PATHTO:-/path/to}/|g" \
	    -e "s|/var/www/html|${WEB_WEBROOT:-${WEB_PATHTO:-/path/to}/acme-webroot}|g" \
	    -e "s|/run/|${WEB_RUN:-/run}/|g" \
	    -e "s|listen 443 |listen 127.0.0.1:${WEB_PORT:-443} |" \
	    -e "$v6" \
	    -e "$h80" \
	    -e "$v6h" \
	    -e "s|<VirtualHost \\*:443>|<VirtualHost 127.0.0.1:${WEB_PORT:-443}>|" \
	    -e "s|<VirtualHost \\*:80>|<VirtualHost 127.0.0.1:${WEB_HTTP_PORT:-*:80}>|" \
	    "$src" >"$dst" || return 1
	# Verbatim: only lines holding a placeholder may differ.
	bad=$(diff "$src" "$dst" | sed -n 's/^< //p' |
	    grep -vE 'example(\\)?\.com|/path/to/|/var/www/html|/run/|listen (\[::\]:)?(443 |80;)|<VirtualHost \*:(443|80)>')
	if [ -n "$bad" ]; then
		echo "web_install: $1: a line without a placeholder changed: $bad" >&2
		return 1
	fi
	bad=$(grep -nE 'example(\\)?\.com|/path/to|/etc/letsencrypt|/var/www/html|[ "/]/run/|listen (\[::\]:)?(443 |80;)|\*:(443|80)' "$dst")
	if [ -n "$bad" ]; then
		echo "web_install: $1: placeholder left: $bad" >&2
		return 1
	fi
}

# --- processes ----------------------------------------------------------

# web_alive PID: exists and is not a zombie.
web_alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# web_start PIDFILE LOG CMD...: start CMD in a session (and so a process
# group) of its own, so that web_stop also reaches the children it forks
# (fcgiwrap, mod_fcgid, lighttpd's bin-path programs).  The PID is
# appended to PIDFILE.
web_start() {
	local pidfile=$1 log=$2
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo "$!" >>"$pidfile"
}

# web_members PGID...: live (not zombie) processes of these process groups.
web_members() {
	local p m
	for p in "$@"; do
		pgrep -g "$p" 2>/dev/null
		echo "$p"
	done | sort -u | while read -r m; do
		web_alive "$m" && echo "$m"
	done
}

# web_stop PIDFILE: SIGTERM to every process group in PIDFILE, wait until
# every member is gone (SIGKILL after 5 s), reap, remove PIDFILE.
web_stop() {
	local pidfile=$1 p pids members="" i
	[ -f "$pidfile" ] || return 0
	pids=$(cat "$pidfile")
	for p in $pids; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 250); do
		# shellcheck disable=SC2086
		members=$(web_members $pids)
		[ -z "$members" ] && break
		sleep 0.02
	done
	if [ -n "$members" ]; then
		echo "web_stop: still running after 5 s, killing: $members" >&2
		for p in $pids; do kill -KILL -- "-$p" 2>/dev/null; done
		# shellcheck disable=SC2086
		kill -KILL $members 2>/dev/null
		sleep 0.1
	fi
	for p in $pids; do
		wait "$p" 2>/dev/null	# reap our own children (no-op for others)
	done
	rm -f "$pidfile"
}

# web_wait_port PORT PIDFILE [ADDR]: wait (at most 10 s) until ADDR:PORT
# (default 127.0.0.1) accepts connections; fails at once when a process of
# PIDFILE died.
web_wait_port() {
	local port=$1 pidfile=$2 addr=${3:-127.0.0.1} i p
	for _ in $(seq 500); do
		(exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
		for p in $(cat "$pidfile" 2>/dev/null); do
			web_alive "$p" || return 1
		done
		sleep 0.02
	done
	return 1
}

# web_wait_socket PATH PIDFILE: wait (at most 10 s) for a unix socket.
web_wait_socket() {
	local path=$1 pidfile=$2 i p
	for _ in $(seq 500); do
		[ -S "$path" ] && return 0
		for p in $(cat "$pidfile" 2>/dev/null); do
			web_alive "$p" || return 1
		done
		sleep 0.02
	done
	return 1
}

# web_nginx_prefix DIR: nginx's prefix with run/ logs/ tmp/ and an
# nginx.conf whose http block includes DIR/site*.conf.
web_nginx_prefix() {
	local d=$1
	mkdir -p "$d/run" "$d/logs" "$d/tmp" || return 1
	chown www-data:www-data "$d/logs" "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
# test wrapper (tests/web/lib.sh); the server blocks are the examples
user www-data www-data;
worker_processes 1;
pid $d/run/nginx.pid;
error_log $d/logs/error.log info;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    scgi_temp_path $d/tmp/scgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    include $d/site*.conf;
}
EOF
}

# web_unit_execstart UNIT: the ExecStart= command line of a systemd unit.
web_unit_execstart() {
	sed -n 's/^ExecStart=//p' "$1"
}

web_nginx_fcgi_start() {
	local dir=$1 port=$2 conf=$3 d cmd dom
	d=$dir/nginx
	if [ $# -ne 3 ]; then
		echo "usage: web_nginx_fcgi_start DIR HTTPS_PORT CONF_PATH" >&2
		return 2
	fi
	if [ ! -f "$dir/server.crt" ] || [ ! -f "$dir/names" ]; then
		echo "web_nginx_fcgi_start: run web_pki $dir NAME... first" >&2
		return 1
	fi
	if ! web_have nginx spawn-fcgi; then
		echo "web_nginx_fcgi_start: nginx or spawn-fcgi is not installed" >&2
		return 1
	fi
	if ! runuser -u www-data -- test -r "$conf"; then
		echo "web_nginx_fcgi_start: $conf is not readable by www-data" >&2
		return 1
	fi
	dom=$(head -n 1 "$dir/names")
	dom=${dom#mta-sts.}
	web_nginx_fcgi_stop "$dir"
	rm -rf "$d"
	mkdir -p "$d/path" "$d/run/mta-sts" || return 1
	web_nginx_prefix "$d" || return 1
	chmod 755 "$dir" "$d" "$d/path" "$d/run" "$d/run/mta-sts"
	# /path/to/ of the examples: the program, the configuration, the TLS files
	cp "$WEB_TOP/fcgi/mta-sts.fcgi" "$d/path/mta-sts.fcgi" &&
	cp "$dir/server.crt" "$d/path/fullchain.pem" &&
	cp "$dir/server.key" "$d/path/privkey.pem" || return 1
	conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")
	WEB_DOMAIN=$dom WEB_CONF=$conf WEB_PATHTO=$d/path WEB_RUN=$d/run \
	    WEB_PORT=$port web_install nginx/mta-sts.example.com.conf "$d/site.conf" &&
	WEB_DOMAIN=$dom WEB_CONF=$conf WEB_PATHTO=$d/path WEB_RUN=$d/run \
	    WEB_PORT=$port web_install nginx/mta-sts-fcgi.service "$d/mta-sts-fcgi.service" || return 1
	cmd=$(web_unit_execstart "$d/mta-sts-fcgi.service")
	if ! nginx -t -p "$d" -c "$d/nginx.conf" >"$d/logs/nginx-t.log" 2>&1; then
		echo "web_nginx_fcgi_start: nginx -t: $(tail -n 3 "$d/logs/nginx-t.log" | tr '\n' '|')" >&2
		return 1
	fi
	# shellcheck disable=SC2086  # the unit's command line, split as systemd does
	web_start "$d/pids" "$d/logs/spawn-fcgi.log" $cmd
	web_start "$d/pids" "$d/logs/nginx.out" nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;'
	if ! web_wait_socket "$d/run/mta-sts/mta-sts.sock" "$d/pids" ||
	    ! web_wait_port "$port" "$d/pids"; then
		echo "web_nginx_fcgi_start: not ready: $(tail -n 3 "$d/logs/spawn-fcgi.log" "$d/logs/nginx.out" "$d/logs/error.log" 2>/dev/null | tr '\n' '|')" >&2
		web_nginx_fcgi_stop "$dir"
		return 1
	fi
}

web_nginx_fcgi_stop() {
	web_stop "$1/nginx/pids"
}

# --- fetching -----------------------------------------------------------

# web_fetch OUT PORT HOST [CURL-ARGS...] [-- PATH]: one HTTPS request to
# 127.0.0.1:PORT with SNI and Host HOST (curl --resolve), verified with
# $WEB_CA.  Writes OUT.head (the last response's header block, CRs
# removed), OUT.body, OUT.code (status, 000 when curl failed) and OUT.err.
web_fetch() {
	local _t0
	_t0=$(date +%s%N)
	local out=$1 port=$2 host=$3 path=/.well-known/mta-sts.txt a
	shift 3
	local args=()
	while [ $# -gt 0 ]; do
		a=$1
		shift
		if [ "$a" = -- ]; then
			path=$1
			break
		fi
		args+=("$a")
	done
	curl -sS -m 10 --cacert "$WEB_CA" --resolve "$host:$port:127.0.0.1" \
	    -D "$out.rawhead" -o "$out.body" -w '%{http_code}' "${args[@]}" \
	    "https://$host:$port$path" >"$out.code" 2>"$out.err"
	[ -s "$out.code" ] || echo 000 >"$out.code"
	[ -n "${WEB_DEBUG_TIME:-}" ] && echo "fetch $host:$port ${args[*]} $path: $(( ($(date +%s%N) - _t0) / 1000000 )) ms $(cat "$out.code")" >&2
	: >>"$out.body"
	# only the last header block (no redirects are followed anyway)
	tr -d '\r' <"$out.rawhead" 2>/dev/null |
	    awk '/^HTTP\// { n = 0; delete h } { h[++n] = $0 } END { for (i = 1; i <= n; i++) print h[i] }' >"$out.head"
}

# web_header OUT NAME: the value of header NAME (case-insensitive), or
# nothing; "MULTIPLE" when it appears more than once.
web_header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { c++; v = substr($0, i + 1); sub(/^[ \t]+/, "", v) } }
		END { if (c > 1) print "MULTIPLE"; else if (c) print v }' "$1.head"
}

# web_describe OUT: one line for failure details.
web_describe() {
	printf 'status %s; headers: %s; body: %s; curl: %s' "$(cat "$1.code")" \
	    "$(tr '\n' '|' <"$1.head")" "$(head -c 300 "$1.body" | cat -A | tr '\n' '|')" \
	    "$(tr '\n' '|' <"$1.err")"
}

# web_framing OUT length|server: how the body was delimited.
# length: Content-Length = the body's size, no Transfer-Encoding;
# server: the server framed the body itself (Apache drops a CGI program's
# Content-Length and then sends either its own Content-Length, when the
# program had already finished, or chunked): either of those, correct.
# Sets WEB_FRAMING_ERR when it returns 1.
web_framing() {
	local out=$1 cl te len
	cl=$(web_header "$out" Content-Length)
	te=$(web_header "$out" Transfer-Encoding)
	len=$(wc -c <"$out.body")
	case $2 in
	length)
		[ "$cl" = "$len" ] && [ -z "$te" ] && return 0
		WEB_FRAMING_ERR="Content-Length: \"$cl\" Transfer-Encoding: \"$te\", body has $len bytes" ;;
	server)
		[ -z "$cl" ] && [ "$te" = chunked ] && return 0
		[ "$cl" = "$len" ] && [ -z "$te" ] && return 0
		WEB_FRAMING_ERR="Content-Length: \"$cl\" Transfer-Encoding: \"$te\", body has $len bytes" ;;
	esac
	return 1
}

# web_check_200 NAME OUT WANT_BODY [FRAMING]: a policy answer, exactly.
# FRAMING: see web_framing (default length).
web_check_200() {
	local name=$1 out=$2 want=$3 framing=${4:-length} errs=() v len
	[ "$(cat "$out.code")" = 200 ] || errs+=("status $(cat "$out.code"), want 200")
	printf '%s' "$want" >"$out.want"
	cmp -s "$out.body" "$out.want" ||
	    errs+=("body: $(cat -A "$out.body" | tr '\n' '|')" "want: $(cat -A "$out.want" | tr '\n' '|')")
	v=$(web_header "$out" Content-Type)
	[ "$v" = "text/plain; charset=us-ascii" ] || errs+=("Content-Type: \"$v\"")
	web_framing "$out" "$framing" || errs+=("$WEB_FRAMING_ERR")
	v=$(web_header "$out" Cache-Control)
	[ "$v" = "max-age=60" ] || errs+=("Cache-Control: \"$v\", want max-age=60")
	v=$(web_header "$out" X-Content-Type-Options)
	[ "$v" = nosniff ] || errs+=("X-Content-Type-Options: \"$v\"")
	v=$(web_header "$out" Location)
	[ -z "$v" ] || errs+=("Location: \"$v\"")
	v=$("$WEB_POLICYCHECK" "$out.body" 2>&1) || errs+=("strict RFC 8461 check: $v")
	[ ! -s "$out.err" ] || errs+=("curl: $(tr '\n' '|' <"$out.err")")
	if [ ${#errs[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${errs[@]}" "$(web_describe "$out")"
	fi
}

# web_check_ours NAME OUT STATUS WANT_BODY [FRAMING]: an error answer of
# our program, passed through the server unchanged (exact body, headers).
web_check_ours() {
	local name=$1 out=$2 status=$3 want=$4 framing=${5:-length} errs=() v
	[ "$(cat "$out.code")" = "$status" ] || errs+=("status $(cat "$out.code"), want $status")
	printf '%s' "$want" >"$out.want"
	cmp -s "$out.body" "$out.want" ||
	    errs+=("body: $(cat -A "$out.body" | tr '\n' '|')" "want: $(cat -A "$out.want" | tr '\n' '|')")
	v=$(web_header "$out" Content-Type)
	[ "$v" = "text/plain; charset=us-ascii" ] || errs+=("Content-Type: \"$v\"")
	web_framing "$out" "$framing" || errs+=("$WEB_FRAMING_ERR")
	v=$(web_header "$out" Cache-Control)
	[ "$v" = no-store ] || errs+=("Cache-Control: \"$v\", want no-store")
	v=$(web_header "$out" Location)
	[ -z "$v" ] || errs+=("Location: \"$v\"")
	if [ "$status" = 405 ]; then
		v=$(web_header "$out" Allow)
		[ "$v" = "GET, HEAD" ] || errs+=("Allow: \"$v\", want GET, HEAD")
	fi
	[ ! -s "$out.err" ] || errs+=("curl: $(tr '\n' '|' <"$out.err")")
	if [ ${#errs[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${errs[@]}" "$(web_describe "$out")"
	fi
}

# web_check_denied NAME OUT STATUS: an answer of the server itself (the
# request never reached our program): STATUS, no redirect, and nothing
# that looks like a policy, a program or a configuration.
web_check_denied() {
	local name=$1 out=$2 status=$3 errs=() v
	[ "$(cat "$out.code")" = "$status" ] || errs+=("status $(cat "$out.code"), want $status")
	v=$(web_header "$out" Location)
	[ -z "$v" ] || errs+=("Location: \"$v\"")
	if grep -qaE 'STSv1|^mode:|^domain:|ELF' "$out.body"; then
		errs+=("the body leaks something")
	fi
	[ ! -s "$out.err" ] || errs+=("curl: $(tr '\n' '|' <"$out.err")")
	if [ ${#errs[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${errs[@]}" "$(web_describe "$out")"
	fi
}

# web_fetch_http OUT PORT HOST PATH [CURL-ARGS...]: one plain HTTP request
# to 127.0.0.1:PORT with Host HOST; OUT.* as web_fetch.
web_fetch_http() {
	local out=$1 port=$2 host=$3 path=$4
	shift 4
	curl -sS -m 10 --resolve "$host:$port:127.0.0.1" -D "$out.rawhead" \
	    -o "$out.body" -w '%{http_code}' "$@" "http://$host:$port$path" \
	    >"$out.code" 2>"$out.err"
	[ -s "$out.code" ] || echo 000 >"$out.code"
	: >>"$out.body"
	tr -d '\r' <"$out.rawhead" 2>/dev/null >"$out.head"
}

# web_check_acme NAME HTTP_PORT WEBROOT DENIED [HTTPS_PORT]: the plain HTTP
# side of an example, as an ACME CA and everyone else sees it, with Host
# $WEB_HOST: a challenge file put in WEBROOT/.well-known/acme-challenge/ is
# served byte for byte (200, no redirect); a token without a file: 404; the
# policy URL, /, the challenge directory and a name that is no token: the
# server's DENIED (no redirect, nothing exposed).  With HTTPS_PORT (the
# .htaccess setups, where one document root serves both): the challenge
# file over HTTPS too.  Temporary files $WEB_OUT.*; removes the file.
web_check_acme() {
	local name=$1 port=$2 root=$3 denied=$4 https=${5:-} out=$WEB_OUT tok path
	tok=acme-Test_token-$$-$RANDOM
	mkdir -p "$root/.well-known/acme-challenge" &&
	printf '%s.thumbprint-of-the-account-key' "$tok" >"$root/.well-known/acme-challenge/$tok" &&
	chmod -R a+rX "$root" || { fail "$name: challenge file written"; return; }
	web_fetch_http "$out" "$port" "$WEB_HOST" "/.well-known/acme-challenge/$tok"
	if [ "$(cat "$out.code")" = 200 ] && [ ! -s "$out.err" ] &&
	    cmp -s "$out.body" "$root/.well-known/acme-challenge/$tok"; then
		pass "$name: http://$WEB_HOST/.well-known/acme-challenge/<token>: 200, the file's exact bytes"
	else
		fail "$name: http://$WEB_HOST/.well-known/acme-challenge/<token>: 200, the file's exact bytes" \
		    "$(web_describe "$out")"
	fi
	if [ -n "$https" ]; then
		web_fetch "$out" "$https" "$WEB_HOST" -- "/.well-known/acme-challenge/$tok"
		if [ "$(cat "$out.code")" = 200 ] && cmp -s "$out.body" "$root/.well-known/acme-challenge/$tok"; then
			pass "$name: the challenge file over HTTPS too (same document root)"
		else
			fail "$name: the challenge file over HTTPS too (same document root)" "$(web_describe "$out")"
		fi
	fi
	rm -f "$root/.well-known/acme-challenge/$tok"
	web_fetch_http "$out" "$port" "$WEB_HOST" "/.well-known/acme-challenge/${tok}x"
	web_check_denied "$name: http: a token without a file: 404" "$out" 404
	for path in /.well-known/mta-sts.txt '/.well-known/mta-sts.txt?x=1' / /.well-known/ \
	    /.well-known/acme-challenge/ /.well-known/acme-challenge/a.b \
	    /.well-known/acme-challenge/x/y; do
		web_fetch_http "$out" "$port" "$WEB_HOST" "$path"
		web_check_denied "$name: http $path: $denied from the server, no redirect, nothing exposed" \
		    "$out" "$denied"
	done
}

# --- the web*.sh tests ----------------------------------------------------

# web_policy_conf DST TA UNBOUND_CONF: the configuration the web tests
# serve: the DNS lab's trust anchor and resolver settings, then
# htaccess-examples/mta-sts.conf verbatim (example.com = $WEB_DOMAIN).
web_policy_conf() {
	local dst=$1
	web_install mta-sts.conf "$dst.example" || return 1
	{
		printf '# the DNS lab (tests/lab)\ntrust_anchor: %s\nunbound_conf: %s\n' "$2" "$3"
		cat "$dst.example"
	} >"$dst" && rm -f "$dst.example" && chmod 0644 "$dst"
}

# web_leftovers DIR PIDFILE-COPY: processes still running that belong to a
# test: a command line naming DIR, or a member of a process group listed
# in PIDFILE-COPY.  Prints "PID COMMAND" lines.
web_leftovers() {
	local dir=$1 pids p c
	pids=$(cat "$2" 2>/dev/null)
	{
		# shellcheck disable=SC2086
		[ -n "$pids" ] && web_members $pids
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
			c=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
			[[ $c == *"$dir"* ]] && web_alive "$p" && echo "$p"
		done
	} | sort -u | while read -r p; do
		echo "$p $({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)"
	done
}

# web_check_setup NAME PORT FRAMING WRONGHOST POSTDATA DENIED PATH...: the
# requests every web test makes of one installed example, on
# 127.0.0.1:PORT with SNI and Host $WEB_HOST, expecting the policy
# $WEB_WANT; temporary files $WEB_OUT.*:
#   GET and GET with a query string: the policy (web_check_200, FRAMING)
#   HEAD: 200 with the policy's headers
#   Host: www.<domain> (SNI unchanged): WRONGHOST = "ours" for our exact
#     404, or the status the server itself answers (the request never
#     reaches the program)
#   POST with the body POSTDATA: our exact 405
#   every PATH: the server's own answer DENIED, nothing exposed
web_check_setup() {
	local name=$1 port=$2 framing=$3 wronghost=$4 postdata=$5 denied=$6 path cl
	local out=$WEB_OUT host=$WEB_HOST dom=${WEB_HOST#mta-sts.}
	shift 6
	web_fetch "$out" "$port" "$host"
	web_check_200 "$name: GET the policy: 200, exact body and headers, strict RFC 8461 syntax" \
	    "$out" "$WEB_WANT" "$framing"
	web_fetch "$out" "$port" "$host" -- '/.well-known/mta-sts.txt?from=test'
	web_check_200 "$name: GET with a query string: the policy" "$out" "$WEB_WANT" "$framing"
	web_fetch "$out" "$port" "$host" -I
	cl=${#WEB_WANT}
	[ "$framing" = server ] && [ -z "$(web_header "$out" Content-Length)" ] && cl=
	if [ "$(cat "$out.code")" = 200 ] && [ ! -s "$out.err" ] &&
	    [ "$(web_header "$out" Content-Length)" = "$cl" ] &&
	    [ "$(web_header "$out" Content-Type)" = "text/plain; charset=us-ascii" ] &&
	    [ "$(web_header "$out" Cache-Control)" = "max-age=60" ] &&
	    [ -z "$(web_header "$out" Location)" ]; then
		pass "$name: HEAD: 200 with the policy's headers (Content-Length: ${cl:-none})"
	else
		fail "$name: HEAD: 200 with the policy's headers (Content-Length: ${cl:-none})" \
		    "$(web_describe "$out")"
	fi
	web_fetch "$out" "$port" "$host" -H "Host: www.$dom"
	if [ "$wronghost" = ours ]; then
		web_check_ours "$name: wrong Host www.$dom: our 404" "$out" 404 \
		    $'not an MTA-STS policy host\n' "$framing"
	else
		web_check_denied "$name: wrong Host www.$dom: $wronghost from the server, no policy" \
		    "$out" "$wronghost"
	fi
	web_fetch "$out" "$port" "$host" -X POST --data-binary "$postdata"
	web_check_ours "$name: POST (${#postdata}-byte body): our 405" "$out" 405 \
	    $'method not allowed; use GET or HEAD\n' "$framing"
	for path in "$@"; do
		web_fetch "$out" "$port" "$host" -- "$path"
		web_check_denied "$name: wrong path $path: $denied from the server, nothing exposed" \
		    "$out" "$denied"
	done
}

# web_apache_conf DIR HTDOCS: DIR/httpd.conf for "apache2 -f", with what
# Debian's apache2.conf, mods-enabled/ (event MPM, cgid, fcgid, rewrite,
# env, alias, ssl) give a hosting account: directories under HTDOCS allow
# "AllowOverride FileInfo Options=ExecCGI" (the minimum the examples'
# READMEs ask for), /.ht* is refused.  Runtime files in DIR/run, logs in
# DIR/logs; every DIR/sites/*.conf is included (Listen lines and virtual
# hosts: see web_apache_htaccess_site).
web_apache_conf() {
	local a=$1 htdocs=$2 m=/usr/lib/apache2/modules
	mkdir -p "$a/run" "$a/logs" "$a/sites" || return 1
	cat >"$a/httpd.conf" <<EOC
ServerRoot "$a"
ServerName localhost
PidFile "$a/run/httpd.pid"
DefaultRuntimeDir "$a/run"
Mutex file:$a/run default
ErrorLog "$a/logs/error.log"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_host_module $m/mod_authz_host.so
LoadModule mime_module $m/mod_mime.so
LoadModule dir_module $m/mod_dir.so
LoadModule alias_module $m/mod_alias.so
LoadModule env_module $m/mod_env.so
LoadModule rewrite_module $m/mod_rewrite.so
LoadModule cgid_module $m/mod_cgid.so
LoadModule fcgid_module $m/mod_fcgid.so
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule ssl_module $m/mod_ssl.so
TypesConfig /etc/mime.types
ScriptSock "$a/run/cgisock"
FcgidIPCDir "$a/run/fcgidsock"
FcgidProcessTableFile "$a/run/fcgid_shm"
SSLSessionCache "shmcb:$a/run/ssl_scache(512000)"
CustomLog "$a/logs/access.log" "%v:%p %h \"%r\" %>s %b \"%{User-Agent}i\""
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<FilesMatch "^\.ht">
    Require all denied
</FilesMatch>
<Directory "$htdocs">
    AllowOverride FileInfo Options=ExecCGI
    Require all granted
</Directory>
IncludeOptional "$a/sites/*.conf"
EOC
}

# web_apache_htaccess_site DIR NAME ADDR PORT DOCROOT CERT KEY: a TLS
# virtual host NAME on ADDR:PORT serving DOCROOT (where an .htaccess
# example goes), in DIR/sites/NAME.conf, with its Listen line.
web_apache_htaccess_site() {
	cat >"$1/sites/$2.conf" <<EOC
Listen $3:$4
<VirtualHost $3:$4>
    ServerName mta-sts.${WEB_DOMAIN:-example.com}
    DocumentRoot "$5"
    SSLEngine on
    SSLCertificateFile $6
    SSLCertificateKeyFile $7
</VirtualHost>
EOC
}

# web_apache_http_site DIR NAME ADDR PORT DOCROOT: the plain HTTP virtual
# host a hosting account gets next to the TLS one, same document root (the
# .htaccess decides what it serves), in DIR/sites/NAME-http.conf.
web_apache_http_site() {
	cat >"$1/sites/$2-http.conf" <<EOC
Listen $3:$4
<VirtualHost $3:$4>
    ServerName mta-sts.${WEB_DOMAIN:-example.com}
    DocumentRoot "$5"
</VirtualHost>
EOC
}

# web_lighttpd_conf DIR ADDR PORT HTDOCS DEFAULT_PEM MODULES [HTTP_PORT]:
# DIR/lighttpd.conf for "lighttpd -D -f": Debian's /etc/lighttpd/lighttpd.conf
# with the modules MODULES (a lighttpd list body, e.g. '"mod_openssl",
# "mod_fastcgi"') that lighty-enable-mod adds, TLS (Debian's 10-ssl.conf:
# server-wide DEFAULT_PEM) on ADDR:PORT instead of 0.0.0.0:443, plain HTTP
# on ADDR:HTTP_PORT (instead of Debian's port 80) when given, and
# DIR/conf-enabled/*.conf included, where an example goes.  Logs in
# DIR/logs (owned by www-data: lighttpd opens them after the switch).
web_lighttpd_conf() {
	local d=$1 http=
	[ -n "${7:-}" ] && http="\$SERVER[\"socket\"] == \"$2:$7\" { }"
	mkdir -p "$d/conf-enabled" "$d/logs" || return 1
	chown www-data:www-data "$d/logs"
	cat >"$d/lighttpd.conf" <<EOC
server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
server.document-root = "$4"
server.errorlog = "$d/logs/error.log"
server.pid-file = "$d/lighttpd.pid"
server.username = "www-data"
server.groupname = "www-data"
server.bind = "$2"
server.port = $3
server.feature-flags += ("server.h2proto" => "enable")
server.feature-flags += ("server.graceful-shutdown-timeout" => 5)
server.http-parseopts = (
  "header-strict" => "enable", "host-strict" => "enable", "host-normalize" => "enable",
  "url-normalize-unreserved" => "enable", "url-normalize-required" => "enable",
  "url-ctrls-reject" => "enable", "url-path-2f-decode" => "enable",
  "url-path-dotseg-remove" => "enable",
)
index-file.names = ( "index.php", "index.html" )
url.access-deny = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
mimetype.assign = ( ".txt" => "text/plain", ".html" => "text/html" )
server.modules += ( $6 )
ssl.pemfile = "$5"
\$SERVER["socket"] == "$2:$3" {
	ssl.engine = "enable"
}
$http
include "$d/conf-enabled/*.conf"
server.modules += ( "mod_dirlisting", "mod_staticfile" )
EOC
}

# web_selfsigned PEM: a self-signed certificate and key (CN default.invalid)
# in one file: a server-wide certificate no client trusts.
web_selfsigned() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1.key" -out "$1.crt" -days 2 -subj /CN=default.invalid \
	    >"$1.log" 2>&1 && cat "$1.crt" "$1.key" >"$1" && chmod 0644 "$1"
}

# web_check_sanitizer NAME DIR...: no AddressSanitizer, LeakSanitizer or
# UBSan report in any log under DIRs (the programs' stderr ends up in the
# servers' error logs and in the spawners' output; CI builds them with
# -fsanitize=address,undefined).
web_check_sanitizer() {
	local name=$1 hits
	shift
	hits=$(grep -rhE 'AddressSanitizer|LeakSanitizer|runtime error:' "$@" 2>/dev/null | head -n 5)
	if [ -z "$hits" ]; then
		pass "$name"
	else
		fail "$name" "$hits"
	fi
}

# --- a test's start and end (web*.sh, acme.sh, caddy.sh) -----------------
# These call lab_up, pass, fail and skip of tests/integration/lib.sh.

# web_need WHAT MISSING NEED...: SKIP "WHAT (why)" and exit 0 unless the
# servers can run here (web_can_run) and every NEED is here: a path
# (starting with /) an existing file, any other word an installed
# program; MISSING is the reason given when one is not.
web_need() {
	local what=$1 missing=$2 why n
	shift 2
	if ! why=$(web_can_run); then
		skip "$what ($why)"
		exit 0
	fi
	for n in "$@"; do
		case $n in
		/*) [ -f "$n" ] ;;
		*) web_have "$n" ;;
		esac || { skip "$what ($missing)"; exit 0; }
	done
}

# web_test_begin NAME LABPORT DEADPORT: $T, a fresh directory
# /tmp/mta-sts-NAME.XXXXXX (mode 0755: the servers' children run as
# www-data), $PIDS ($T/pids, for web_start), the EXIT trap
# (web_test_cleanup), and the signed DNS lab in $T/lab (lab_up), readable
# by all.
web_test_begin() {
	T=$(mktemp -d "/tmp/mta-sts-$1.XXXXXX") || exit 1
	chmod 755 "$T"
	PIDS=$T/pids
	trap web_test_cleanup EXIT
	trap 'exit 130' INT TERM HUP PIPE
	lab_up "$T/lab" "$2" "$3"
	chmod -R a+rX "$T/lab"
}

# web_test_stop [PIDFILE...]: stop what web_nginx_fcgi_start $T/web
# started, the process groups in each PIDFILE (in that order), those in
# $PIDS, and the lab.  Safe to call twice.
web_test_stop() {
	local f
	web_nginx_fcgi_stop "$T/web"
	for f in "$@"; do
		web_stop "$f"
	done
	web_stop "$PIDS"
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
}

# web_test_cleanup: the EXIT trap of web_test_begin: web_test_stop with
# the PID files in $WEB_TEST_PIDFILES too, then $T removed.
web_test_cleanup() {
	# shellcheck disable=SC2086  # a list of paths without blanks
	web_test_stop ${WEB_TEST_PIDFILES:-}
	rm -rf "$T"
}

# web_test_pki DIR NAME...: web_pki DIR NAME..., or a FAIL line "test PKI"
# and exit 1.
web_test_pki() {
	if ! web_pki "$@" 2>"$T/pki.err"; then
		fail "test PKI" "$(cat "$T/pki.err")"
		exit 1
	fi
}

# web_test_private PKIDIR: $P = $T/private, the examples' /path/to/ (outside
# every document root), holding the certificate of web_pki PKIDIR as
# fullchain.pem and privkey.pem.
web_test_private() {
	P=$T/private
	mkdir -p "$P"
	cp "$1/server.crt" "$P/fullchain.pem"
	cp "$1/server.key" "$P/privkey.pem"
}

# web_test_installed OK: after installing the examples (OK empty when one
# of them failed): a FAIL line and exit 1, or the PASS line.
web_test_installed() {
	if [ -z "$1" ]; then
		fail "examples installed verbatim"
		exit 1
	fi
	pass "examples installed verbatim (only placeholders replaced)"
}

# web_test_secure: the client side of the tests of secure.example:
# WEB_HOST, WEB_OUT ($T/fetch, also $F) and WEB_WANT, the lab's policy.
web_test_secure() {
	export WEB_HOST=mta-sts.secure.example WEB_OUT=$T/fetch
	WEB_WANT=$(policy testing 604800 mx1.secure.example mx2.secure.example zz.secure.example)$'\n'
	F=$WEB_OUT
}

# web_test_end [PIDFILE...]: web_test_stop PIDFILE..., and WEB_LEFT set
# to what of the test is left running (web_leftovers: a process group of
# $PIDS, of $T/web's nginx or of a PIDFILE, as read before the stop, or a
# command line naming $T), empty when nothing.  Call it in the test's own
# shell, not in $(...).
web_test_end() {
	cat "$PIDS" "$T/web/nginx/pids" "$@" >"$T/pids.copy" 2>/dev/null
	web_test_stop "$@"
	WEB_LEFT=$(web_leftovers "$T" "$T/pids.copy")
}

# web_test_stopped NAME [PIDFILE...]: web_test_end PIDFILE..., then PASS
# NAME when nothing is left running, else FAIL with what is.
web_test_stopped() {
	local name=$1
	shift
	web_test_end "$@"
	if [ -z "$WEB_LEFT" ]; then
		pass "$name"
	else
		fail "$name" "$WEB_LEFT"
	fi
}

# --- the real MTA-STS client: postfix-mta-sts-resolver -------------------

WEB_QUERY=/usr/bin/mta-sts-query
WEB_PY=/usr/bin/python3

# web_client_need WHAT: SKIP "WHAT (why)" and exit 0 unless mta-sts-query
# is installed and a private mount namespace can be made (for its
# resolv.conf).
web_client_need() {
	if [ ! -f "$WEB_QUERY" ] ||
	    ! "$WEB_PY" -c 'import postfix_mta_sts_resolver.resolver' 2>/dev/null; then
		skip "$1 (postfix-mta-sts-resolver not installed: tests/deps.sh)"
		exit 0
	fi
	if ! unshare -m true 2>/dev/null; then
		skip "$1 (no private mount namespace for resolv.conf)"
		exit 0
	fi
}

# web_client_etc DIR: the client's view of the system: DIR/resolv.conf
# naming only the lab's name server (127.0.0.1:53), DIR/hosts (localhost
# only) and DIR/nsswitch.conf.
web_client_etc() {
	mkdir -p "$1"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' >"$1/resolv.conf"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$1/hosts"
	printf 'hosts: files dns\n' >"$1/nsswitch.conf"
}

# web_query ETC OUT ERR [ENV=VALUE...] ARGS...: mta-sts-query ARGS (at most
# 30 s) in a private mount namespace whose /etc/resolv.conf and
# /etc/nsswitch.conf are those of web_client_etc ETC, and /etc/hosts is
# $WEB_QUERY_HOSTS (default ETC/hosts); its output in OUT, its log in ERR.
web_query() {
	local etc=$1 out=$2 err=$3 envs=()
	shift 3
	while [[ ${1:-} == *=* ]]; do envs+=("$1"); shift; done
	# shellcheck disable=SC2016  # expanded by the inner sh
	timeout 30 unshare -m --propagation private sh -c '
		mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$2" /etc/hosts &&
		mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf || exit 99
		shift 2
		exec env "$@"' query "$etc" "${WEB_QUERY_HOSTS:-$etc/hosts}" \
	    "${envs[@]}" "$WEB_PY" "$WEB_QUERY" "$@" >"$out" 2>"$err"
}

# web_client_valid OUT: OUT (web_query's) is the verdict VALID on the
# lab's secure.example policy: id 20240101000000, version STSv1, mode
# testing, exactly its mx list, max_age 604800.
web_client_valid() {
	local out mx="'mx': ['mx1.secure.example', 'mx2.secure.example', 'zz.secure.example']"
	out=$(cat "$1")
	[[ $out == "(<STSFetchResult.VALID: 1>, ('20240101000000', {"* ]] &&
	    [[ $out == *"$mx"* ]] && [[ $out == *"'version': 'STSv1'"* ]] &&
	    [[ $out == *"'mode': 'testing'"* ]] && [[ $out == *"'max_age': 604800}))" ]]
}
