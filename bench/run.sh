#!/bin/bash
# bench/run.sh: the mta-sts-cgi benchmark suite (issues 5, 11 and 17).
# See bench/README.md.
#
#   bench/run.sh [PART...]        PART: fcgi cgi scale stability callgrind
#                                 attack flood outage timing confscale
#                                 (default: the first five, in that order;
#                                 bench/attack.sh runs fcgi attack flood
#                                 outage timing; bench/confscale.sh runs
#                                 confscale)
#
# Run as root on Debian 12 from a checkout.  It installs what it needs
# (tests/deps.sh for the build and the DNS lab, BENCH_PACKAGES below for
# the load tools), builds with make from the repository root, then runs
# everything inside a private network namespace with only lo
# (tests/lab/netns.sh): the signed DNS lab, nginx, spawn-fcgi, wrk.
# Prints a results table; raw outputs go to bench/out/<timestamp>/.
#
# Knobs (environment): RUNS=5 (runs per figure, the median is reported),
# DUR=5 (seconds per wrk run), CGI_N=200 (execs per variant per run),
# NDOM=10000 (domains of the scale test), STAB_REQS=1000000,
# CG_N=1000 (requests per callgrind measurement), BENCH_USER=www-data
# (the servers and CGIs run as this user), BENCH_PORT=18480 (nginx ports
# BENCH_PORT..+7), KEEP=1 (keep the temporary directory), BENCH_NO_MAKE=1
# (use the binaries as they are); for issue 11's parts: ATTACK_C=16
# (concurrent attack connections), ATTACK_DELAY_MS=50 (pause of each
# attack connection between an answer and its next request), FLOOD_N=100000
# (distinct random Hosts of the flood part), OUTAGE_N=4 (requests during
# the DNS outage); for issue 17's part (confscale): CS_NS="1 10000 1000000"
# (listed domains per configuration), CS_BEFORE=d9d4618 (the commit whose
# build is measured side by side, from git archive into
# bench/out/before-REV/; empty: none), CS_RELOAD_OLD_N=500000 (domains of
# the old build's reload figure; 0: not measured).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-5}
DUR=${DUR:-5}
CGI_N=${CGI_N:-200}
NDOM=${NDOM:-10000}
STAB_REQS=${STAB_REQS:-1000000}
CG_N=${CG_N:-1000}
BENCH_USER=${BENCH_USER:-www-data}
BENCH_PORT=${BENCH_PORT:-18480}
LAB_PORT=${LAB_PORT:-15393}
LAB_DEADPORT=${LAB_DEADPORT:-15394}
ATTACK_C=${ATTACK_C:-16}
ATTACK_DELAY_MS=${ATTACK_DELAY_MS:-50}
FLOOD_N=${FLOOD_N:-100000}
OUTAGE_N=${OUTAGE_N:-4}
CS_NS=${CS_NS:-1 10000 1000000}
CS_BEFORE=${CS_BEFORE-d9d4618}
CS_RELOAD_OLD_N=${CS_RELOAD_OLD_N:-500000}
PARTS=${*:-fcgi cgi scale stability callgrind}

# What the benchmark itself needs besides tests/deps.sh's build and lab
# packages.
BENCH_PACKAGES=(wrk nginx spawn-fcgi libfcgi-bin libfcgi-dev valgrind curl
	procps util-linux iproute2 gcc make)

OURS_FCGI=$REPO/fcgi/mta-sts.fcgi
ENV=/usr/bin/env		# spawn-fcgi execv()s: absolute paths only
VALGRIND=/usr/bin/valgrind
OURS_CGI=$REPO/cgi/mta-sts.cgi
OURS_CGI_STATIC=$REPO/static/mta-sts.cgi	# make static; optional
HOST=mta-sts.secure.example
URLPATH=/.well-known/mta-sts.txt

for p in $PARTS; do
	case $p in
	fcgi|cgi|scale|stability|callgrind|attack|flood|outage|timing|confscale) ;;
	*) echo "usage: bench/run.sh [fcgi|cgi|scale|stability|callgrind|attack|flood|outage|timing|confscale]..." >&2
	   exit 2 ;;
	esac
done
want() { [[ " $PARTS " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------
# Outside the namespace: packages and build, then re-run ourselves inside.
if [ -z "${BENCH_IN_NETNS:-}" ]; then
	missing=()
	for p in "${BENCH_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed$' || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "bench: missing packages: ${missing[*]}" >&2
			echo "run as root: apt-get install -y ${missing[*]}" >&2
			exit 1
		fi
		echo "bench: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends \
		    -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
	fi
	bash "$REPO/tests/deps.sh"
	if [ "${BENCH_NO_MAKE:-}" != 1 ]; then
		echo "bench: make (from $REPO)" >&2
		make -s -C "$REPO" fcgi/mta-sts.fcgi cgi/mta-sts.cgi tests/lab/blackhole
		# The fully static CGI (make static) too, when it builds: an
		# extra row of figure 2.
		make -s -C "$REPO" static/mta-sts.cgi >/dev/null 2>&1 ||
		    echo "bench: make static/mta-sts.cgi failed; its row is left out" >&2
	fi
	# confscale: the build of CS_BEFORE, side by side (kept between runs).
	if want confscale && [ -n "$CS_BEFORE" ]; then
		rev=$(git -C "$REPO" rev-parse --short "$CS_BEFORE^{commit}")
		CS_BEFORE_DIR=$HERE/out/before-$rev
		if [ ! -x "$CS_BEFORE_DIR/fcgi/mta-sts.fcgi" ] ||
		    [ ! -x "$CS_BEFORE_DIR/cgi/mta-sts.cgi" ] ||
		    [ ! -f "$CS_BEFORE_DIR/common/libcore.a" ]; then
			echo "bench: building $rev (git archive) in $CS_BEFORE_DIR" >&2
			rm -rf "$CS_BEFORE_DIR"
			mkdir -p "$CS_BEFORE_DIR"
			git -C "$REPO" archive "$rev" | tar -x -C "$CS_BEFORE_DIR"
			make -s -j2 -C "$CS_BEFORE_DIR" fcgi/mta-sts.fcgi \
			    cgi/mta-sts.cgi common/libcore.a >/dev/null
		fi
		export CS_BEFORE_DIR CS_BEFORE_REV=$rev
	fi
	exec "$REPO/tests/lab/netns.sh" env BENCH_IN_NETNS=1 bash "$0" "$@"
fi

# ---------------------------------------------------------------------------
# Inside the namespace.
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$HERE/out/$STAMP
mkdir -p "$OUT"
T=$(mktemp -d /tmp/mta-sts-bench.XXXXXX)
chmod 755 "$T"
LABDIR=$T/lab
BG_PIDS=()
declare -A R=()

say() { printf 'bench: %s\n' "$*" | tee -a "$OUT/run.log" >&2; }
die() { say "FAILED: $*"; exit 1; }

# bg LOG CMD...: start CMD in a session of its own (so the whole group can
# be stopped), remember its PID (= its process group), set BG to it.
bg() {
	local log=$1
	shift
	setsid "$@" </dev/null >>"$log" 2>&1 &
	BG=$!
	BG_PIDS+=("$BG")
}

alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# stop PID: TERM its process group, wait up to 10 s, then KILL.
stop() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		alive "$pid" || break
		sleep 0.05
	done
	if alive "$pid"; then
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	for p in "${BG_PIDS[@]}"; do
		stop "$p"
	done
	"$REPO/tests/lab/lab.sh" stop "$LABDIR" >/dev/null 2>&1 || true
	if [ "${KEEP:-}" = 1 ]; then
		say "kept $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
set -E
trap 'say "FAILED: line $LINENO: $BASH_COMMAND (exit $?)"' ERR

# as_user CMD...: run CMD as BENCH_USER (when we are root).
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" \
		    --clear-groups "$@"
	else
		"$@"
	fi
}
# spawn_fcgi SOCKET PROG [ARG...]: spawn-fcgi -n (execs PROG in place).
spawn_fcgi() {
	local sock=$1
	shift
	rm -f "$sock"
	if [ "$(id -u)" -eq 0 ]; then
		bg "$T/log/spawn.log" spawn-fcgi -n -s "$sock" -M 0600 \
		    -u "$BENCH_USER" -g "$BENCH_USER" \
		    -U "$BENCH_USER" -G "$BENCH_USER" -- "$@"
	else
		bg "$T/log/spawn.log" spawn-fcgi -n -s "$sock" -M 0600 -- "$@"
	fi
	wait_for test -S "$sock" || die "spawn-fcgi $*: no socket $sock"
}
# wait_for CMD...: up to 10 s until CMD succeeds.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system CPU time of PID so far, in clock ticks.
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat")
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $(( ${12} + ${13} ))
}
CLK_TCK=$(getconf CLK_TCK)
# median: of the numbers on stdin (mean of the middle two when even).
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ratio A B [DIGITS]
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f\n", d, a / b }'; }
# kv LINE KEY: value of KEY=value in LINE.
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

# ---------------------------------------------------------------------------
say "output: $OUT; temporary files: $T"
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | sed -n 1p), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
	echo "debian: $(cat /etc/debian_version)"
	echo "commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- common fcgi cgi Makefile 2>/dev/null || echo ' + uncommitted changes in common/ fcgi/ cgi/ Makefile')"
	echo "tools: $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }' || true), spawn-fcgi $(spawn-fcgi -v 2>&1 | awk 'NR == 1 { print $2 }'), $(valgrind --version), libunbound $(dpkg-query -W -f='${Version}' libunbound8 2>/dev/null), libfcgi $(dpkg-query -W -f='${Version}' libfcgi0ldbl 2>/dev/null || dpkg-query -W -f='${Version}' libfcgi-bin)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "network namespace: LAB_NETNS=${LAB_NETNS:-?}"
} >"$OUT/env.txt"
cat "$OUT/env.txt" >&2
mkdir -p "$T/log" "$T/bin" "$T/run"
if [ "$(id -u)" -eq 0 ]; then
	chown "$BENCH_USER:" "$T/log"	# the CGIs' standard error
fi

# --- the DNS lab, configurations, the expected answer ----------------------
"$REPO/tests/lab/lab.sh" start "$LABDIR" "$LAB_PORT" "$LAB_DEADPORT" \
    >"$T/log/lab.log" 2>&1 || die "lab.sh start: $(tail -5 "$T/log/lab.log")"
# shellcheck source=/dev/null
. "$LABDIR/lab.env"

# conf NAME [CACHE_DIR] [NDOMAINS]: $T/NAME.conf serving secure.example
# from the lab, with NDOMAINS other domains listed before it (d00000.example
# ..., NXDOMAIN in the lab), owned by BENCH_USER.
conf() {
	local name=$1 dir=${2:-} n=${3:-0}
	{
		printf 'trust_anchor: %s\nunbound_conf: %s\n' "$LAB_TA" "$LAB_UNBOUND_CONF"
		[ -n "$dir" ] && printf 'cache_dir: %s\n' "$dir"
		awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "domain: d%05d.example\n", i }'
		printf 'domain: secure.example\n'
	} >"$T/$name.conf"
	if [ -n "$dir" ]; then
		mkdir -p "$dir"
		chown "$BENCH_USER:" "$dir" 2>/dev/null || true
	fi
	chown "$BENCH_USER:" "$T/$name.conf" 2>/dev/null || true
}
conf fcgi                          # memory cache only (FastCGI)
conf one "$T/c-one"                # warm cache_dir, 1 domain
conf big "$T/c-big" "$NDOM"        # warm cache_dir, NDOM + 1 domains
conf cold "$T/c-cold"              # emptied before every exec
conf bigdisk "$T/c-bigdisk" "$NDOM"  # FastCGI, NDOM entries on disk
conf bigdns "" "$NDOM"             # FastCGI, NDOM NXDOMAIN lookups
# Issue 11: listed.conf also lists dead.example (its name servers never
# answer: the lab's blackhole); optin.conf lists nothing (any domain whose
# _mta-sts TXT opts in is served); outage.conf keeps DNS outcomes 2 s.
conf listed
printf 'domain: dead.example\n' >>"$T/listed.conf"
conf optin
sed -i '/^domain: /d' "$T/optin.conf"
conf outage
sed -i 's/^\(domain: secure.example\)$/cache_max_ttl: 2\n\1/' "$T/outage.conf"

CGI_ENV=(PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET
	"HTTP_HOST=$HOST" "SERVER_NAME=$HOST" SERVER_PORT=443
	SERVER_PROTOCOL=HTTP/1.1 "REQUEST_URI=$URLPATH" "SCRIPT_NAME=$URLPATH"
	QUERY_STRING= REMOTE_ADDR=127.0.0.1 HTTPS=on)
# cgi CONF: one request of our CGI as BENCH_USER; the answer on stdout.
cgi() { as_user env -i "${CGI_ENV[@]}" "MTA_STS_CONF=$T/$1.conf" "$OURS_CGI"; }

cgi one >"$T/answer" 2>"$T/log/first.err" || die "our CGI failed: $(cat "$T/log/first.err")"
# cgi_static CONF: the same with the static build.
cgi_static() { as_user env -i "${CGI_ENV[@]}" "MTA_STS_CONF=$T/$1.conf" "$OURS_CGI_STATIC"; }
sed -n 1p "$T/answer" | grep -q '^Status: 200 OK' ||
    die "our CGI did not answer 200: $(head -c 300 "$T/answer")"
sed -e '1,/^\r$/d' "$T/answer" >"$T/body"
grep -q '^mx: zz.secure.example' "$T/body" || die "unexpected policy: $(cat "$T/body")"
say "answer: $(wc -c <"$T/answer") bytes, body $(wc -c <"$T/body") bytes (policy for secure.example from the lab, 3 mx)"
cp "$T/answer" "$OUT/answer.txt"

# --- helper programs: response.h is the answer as a C string ---------------
{
	printf 'static const char response[] =\n'
	od -An -v -to1 "$T/answer" | tr -s ' \n' '  ' |
	    sed -e 's/^ //' -e 's/ $//' -e 's/ /\\/g' -e 's/^/"\\/' -e 's/$/";/'
	echo
} >"$T/bin/response.h"
CFLAGS_H=(-O2 -g -Wall -Wextra)
cc "${CFLAGS_H[@]}" -I"$T/bin" -DRESPONSE_H='"response.h"' -o "$T/bin/minimal-fcgi" \
    "$HERE/minimal-fcgi.c" -lfcgi
cc "${CFLAGS_H[@]}" -I"$T/bin" -DRESPONSE_H='"response.h"' -o "$T/bin/minimal-cgi" \
    "$HERE/minimal-cgi.c"
# The same minimal CGI, also linked against the shared libraries our CGI
# loads (libunbound and what it pulls in): what loading them costs.
# shellcheck disable=SC2046
cc "${CFLAGS_H[@]}" -I"$T/bin" -DRESPONSE_H='"response.h"' \
    -o "$T/bin/minimal-cgi-libs" "$HERE/minimal-cgi.c" -Wl,--no-as-needed \
    $(pkg-config --libs libunbound) -lpthread
cc "${CFLAGS_H[@]}" -I"$T/bin" -DRESPONSE_H='"response.h"' -static \
    -o "$T/bin/minimal-cgi-static" "$HERE/minimal-cgi.c"
cc "${CFLAGS_H[@]}" -o "$T/bin/fcgi-drive" "$HERE/fcgi-drive.c"
cc "${CFLAGS_H[@]}" -o "$T/bin/execbench" "$HERE/execbench.c"
env -i "${CGI_ENV[@]}" "$T/bin/minimal-cgi" | cmp -s - "$T/answer" ||
    die "minimal-cgi does not print the same bytes as our CGI"
HAVE_STATIC=
if [ -x "$OURS_CGI_STATIC" ] && [ "$OURS_CGI_STATIC" -nt "$REPO/cgi/main.c" ] &&
    cgi_static one 2>/dev/null | cmp -s - "$T/answer"; then
	HAVE_STATIC=1
else
	say "no working $OURS_CGI_STATIC (make static): its row is left out"
fi
chmod -R a+rX "$T/bin"

# --- nginx: one server per variant ---------------------------------------
NG=$T/nginx
mkdir -p "$NG/run" "$NG/logs" "$NG/tmp" "$NG/html/.well-known"
cp "$T/body" "$NG/html/.well-known/mta-sts.txt"
chmod -R a+rX "$NG/html"
[ "$(id -u)" -eq 0 ] && chown "$BENCH_USER:" "$NG/run"
# fastcgi_server PORT SOCKET
fastcgi_server() {
	cat <<EOF
  server {
    listen 127.0.0.1:$1;
    server_name $HOST;
    location = $URLPATH {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:$2;
    }
  }
EOF
}
{
	cat <<EOF
$([ "$(id -u)" -eq 0 ] && echo "user $BENCH_USER $BENCH_USER;")
worker_processes 1;
pid run/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path tmp/body;
  fastcgi_temp_path tmp/fastcgi;
  proxy_temp_path tmp/proxy;
  scgi_temp_path tmp/scgi;
  uwsgi_temp_path tmp/uwsgi;
  types { text/plain txt; }
  charset us-ascii;
  charset_types text/plain;
EOF
	fastcgi_server "$BENCH_PORT" "$T/run/ours.sock"
	fastcgi_server $((BENCH_PORT + 1)) "$T/run/minimal.sock"
	cat <<EOF
  server {
    listen 127.0.0.1:$((BENCH_PORT + 2));
    server_name $HOST;
    root html;
    etag off;
    add_header Cache-Control "max-age=60";
    add_header X-Content-Type-Options nosniff;
  }
EOF
	fastcgi_server $((BENCH_PORT + 3)) "$T/run/stab.sock"
	fastcgi_server $((BENCH_PORT + 4)) "$T/run/listed.sock"
	fastcgi_server $((BENCH_PORT + 5)) "$T/run/optin.sock"
	fastcgi_server $((BENCH_PORT + 6)) "$T/run/outage.sock"
	fastcgi_server $((BENCH_PORT + 7)) "$T/run/cs.sock"
	echo "}"
} >"$NG/nginx.conf"
NGINX_PID=
start_nginx() {
	[ -n "$NGINX_PID" ] && return 0
	nginx -t -q -p "$NG" -c nginx.conf -g 'daemon off;' 2>"$T/log/nginx-t.log" ||
	    die "nginx -t: $(cat "$T/log/nginx-t.log")"
	bg "$T/log/nginx.log" nginx -p "$NG" -c nginx.conf -g 'daemon off;'
	NGINX_PID=$BG
	wait_for curl -s -o /dev/null "http://127.0.0.1:$((BENCH_PORT + 2))/" ||
	    die "nginx does not answer: $(cat "$T/log/nginx.log" "$NG/logs/error.log")"
}
# check_http PORT: one request through nginx answers 200 with our body.
check_http() {
	local code
	code=$(curl -s -o "$T/got" -w '%{http_code}' -H "Host: $HOST" \
	    "http://127.0.0.1:$1$URLPATH") || true
	if [ "$code" != 200 ] || ! cmp -s "$T/got" "$T/body"; then
		die "port $1: HTTP $code, body: $(head -c 300 "$T/got")"
	fi
}
# wrk_run NAME PORT SECONDS [LIMIT]: one wrk run (with LIMIT: each of the
# 2 threads stops after LIMIT answers); appends its output to
# $OUT/wrk-NAME.txt; prints "rps requests non2xx sockerrs".
wrk_run() {
	local name=$1 port=$2 secs=$3 out
	local -a script=()
	[ -n "${4:-}" ] && script=(-s "$HERE/stop-after.lua")
	out=$(wrk -t2 -c32 -d"${secs}s" "${script[@]}" -H "Host: $HOST" \
	    "http://127.0.0.1:$port$URLPATH" ${4:+-- "$4"} 2>&1) || die "wrk: $out"
	printf '### %s\n%s\n\n' "$name" "$out" >>"$OUT/wrk-$name.txt"
	awk '
		/Requests\/sec:/ { rps = $2 }
		/requests in/ { req = $1 }
		/Non-2xx or 3xx responses:/ { non2xx = $5 }
		/Socket errors:/ { gsub(",", ""); se = $4 + $6 + $8 + $10 }
		END { printf "%s %s %d %d\n", rps, req, non2xx, se }' <<<"$out"
}

# ===========================================================================
# 1. FastCGI through nginx: ours (warm memory cache) vs minimal vs static
# ===========================================================================
part_fcgi() {
	local r i v line rps n n2 se pid c0 cpu
	local -a order=(ours minimal static)
	local -A sum_non2xx=() sum_se=() ports=()
	say "1. FastCGI through nginx + spawn-fcgi: $RUNS x ${DUR}s wrk -t2 -c32 per variant, interleaved"
	spawn_fcgi "$T/run/ours.sock" "$ENV" "MTA_STS_CONF=$T/fcgi.conf" "$OURS_FCGI"
	R[fcgi_pid]=$BG
	spawn_fcgi "$T/run/minimal.sock" "$T/bin/minimal-fcgi"
	R[fcgi_minimal_pid]=$BG
	start_nginx
	ports=([ours]=$BENCH_PORT [minimal]=$((BENCH_PORT + 1)) [static]=$((BENCH_PORT + 2)))
	for v in ours minimal static; do
		check_http "${ports[$v]}"
		curl -s -i -H "Host: $HOST" "http://127.0.0.1:${ports[$v]}$URLPATH" \
		    >"$OUT/http-$v.txt"
		sum_non2xx[$v]=0 sum_se[$v]=0
		wrk_run "$v-warmup" "${ports[$v]}" 2 >/dev/null
	done
	: >"$T/fcgi.rps"
	for ((r = 0; r < RUNS; r++)); do
		for ((i = 0; i < 3; i++)); do
			v=${order[(r + i) % 3]}
			pid=${R[fcgi_pid]}
			[ "$v" = minimal ] && pid=${R[fcgi_minimal_pid]}
			c0=$(cpu_ticks "$pid")
			line=$(wrk_run "$v" "${ports[$v]}" "$DUR")
			read -r rps n n2 se <<<"$line"
			# CPU time the FastCGI process spent per request (us)
			cpu=$(awk -v t=$(( $(cpu_ticks "$pid") - c0 )) -v hz="$CLK_TCK" -v n="$n" \
			    'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
			echo "$v $rps $r $cpu" >>"$T/fcgi.rps"
			sum_non2xx[$v]=$((sum_non2xx[$v] + n2))
			sum_se[$v]=$((sum_se[$v] + se))
			say "   run $((r + 1)) $v: $rps req/s, non-2xx $n2, socket errors $se$([ "$v" != static ] && echo ", FastCGI process CPU $cpu us/request")"
		done
	done
	for v in ours minimal static; do
		R[fcgi_$v]=$(awk -v v="$v" '$1 == v { print $2 }' "$T/fcgi.rps" | median)
		R[fcgi_${v}_all]=$(awk -v v="$v" '$1 == v { printf "%s%.0f", s, $2; s = " " }' "$T/fcgi.rps")
		R[fcgi_${v}_cpu]=$(awk -v v="$v" '$1 == v { print $4 }' "$T/fcgi.rps" | median)
		R[fcgi_${v}_cpu_all]=$(awk -v v="$v" '$1 == v { printf "%s%s", s, $4; s = " " }' "$T/fcgi.rps")
		R[fcgi_${v}_non2xx]=${sum_non2xx[$v]}
		R[fcgi_${v}_se]=${sum_se[$v]}
	done
	# ours / minimal within each run (same round, adjacent in time)
	R[fcgi_paired]=$(awk '{ rps[$1, $3] = $2; if ($3 > m) m = $3 }
		END { for (r = 0; r <= m; r++) print rps["ours", r] / rps["minimal", r] }' \
	    "$T/fcgi.rps" | median)
	R[fcgi_paired_all]=$(awk '{ rps[$1, $3] = $2; if ($3 > m) m = $3 }
		END { for (r = 0; r <= m; r++) printf "%s%.2f", (r ? " " : ""), rps["ours", r] / rps["minimal", r] }' \
	    "$T/fcgi.rps")
	R[fcgi_rss]=$(rss "${R[fcgi_pid]}")
	check_http "$BENCH_PORT"
	grep -v '^$' "$T/log/spawn.log" | sed -n 1,20p >"$OUT/fcgi-stderr.txt" || true
}

# ===========================================================================
# 6. Issue 11: cached-domain traffic with and without an attack of requests
#    for domains whose DNS never answers, in listed and in opt-in mode
# ===========================================================================
# wrk_lat NAME PORT SECONDS: like wrk_run with --latency and a 5 s timeout;
# prints "rps requests non2xx sockerrs p99_ms".
wrk_lat() {
	local name=$1 port=$2 secs=$3 out
	out=$(wrk -t2 -c32 -d"${secs}s" --timeout 5s --latency -H "Host: $HOST" \
	    "http://127.0.0.1:$port$URLPATH" 2>&1) || die "wrk: $out"
	printf '### %s\n%s\n\n' "$name" "$out" >>"$OUT/wrk-$name.txt"
	awk '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v
		}
		/Requests\/sec:/ { rps = $2 }
		/requests in/ { req = $1 }
		/Non-2xx or 3xx responses:/ { non2xx = $5 }
		/Socket errors:/ { gsub(",", ""); se = $4 + $6 + $8 + $10 }
		$1 == "99%" { p99 = ms($2) }
		END { printf "%s %s %d %d %s\n", rps, req, non2xx, se, (p99 == "" || req + 0 == 0 ? "nan" : p99) }' <<<"$out"
}
# attack_start MODE PORT SECONDS: the attack load in the background
# (bench/attack.lua), output in $T/attack.out; attack_wait waits for it
# and sets ATTACK to its summary line.
ATTACK_PID='' ATTACK=''
attack_start() {
	: >"$T/attack.out"
	bg "$T/attack.out" wrk -t1 -c"$ATTACK_C" -d"${3}s" --timeout 10s \
	    -s "$HERE/attack.lua" "http://127.0.0.1:$2$URLPATH" -- "$1" "$ATTACK_DELAY_MS"
	ATTACK_PID=$BG
}
attack_wait() {
	wait "$ATTACK_PID" || die "attack wrk: $(cat "$T/attack.out")"
	ATTACK_PID=
	cat "$T/attack.out" >>"$OUT/wrk-attack.txt"
	ATTACK=$(grep '^attack: ' "$T/attack.out") ||
	    die "attack wrk: no summary: $(cat "$T/attack.out")"
}
part_attack() {
	local r m port line rps n n2 se p99 pid
	local -A ports=([listed]=$((BENCH_PORT + 4)) [optin]=$((BENCH_PORT + 5)))
	say "6. attack: cached secure.example (wrk -t2 -c32, ${DUR}s) alone, then with $ATTACK_C connections asking for dead-DNS domains (one request each per ${ATTACK_DELAY_MS} ms after an answer); $RUNS rounds, a fresh FastCGI process per measurement pair"
	start_nginx
	: >"$T/attack.res"
	for ((r = 0; r < RUNS; r++)); do
		for m in listed optin; do
			port=${ports[$m]}
			spawn_fcgi "$T/run/$m.sock" "$ENV" "MTA_STS_CONF=$T/$m.conf" "$OURS_FCGI"
			pid=$BG
			check_http "$port"
			line=$(wrk_lat "attack-$m-none" "$port" "$DUR")
			read -r rps n n2 se p99 <<<"$line"
			echo "$m none $r $rps $p99 $n2 $se $n" >>"$T/attack.res"
			say "   round $((r + 1)) $m, no attack: $rps req/s, p99 $p99 ms, non-2xx $n2, socket errors $se"
			attack_start "$m" "$port" $((DUR + 2))
			sleep 1
			line=$(wrk_lat "attack-$m-attack" "$port" "$DUR")
			read -r rps n n2 se p99 <<<"$line"
			attack_wait
			echo "$m attack $r $rps $p99 $n2 $se $n $ATTACK" >>"$T/attack.res"
			say "   round $((r + 1)) $m, under attack: $rps req/s, p99 $p99 ms, non-2xx $n2, socket errors $se; $ATTACK"
			stop "$pid"
		done
	done
	for m in listed optin; do
		R[att_${m}_none]=$(awk -v m="$m" '$1 == m && $2 == "none" { print $4 }' "$T/attack.res" | median)
		R[att_${m}_none_p99]=$(awk -v m="$m" '$1 == m && $2 == "none" { print $5 }' "$T/attack.res" | median)
		R[att_${m}_att]=$(awk -v m="$m" '$1 == m && $2 == "attack" { print $4 }' "$T/attack.res" | median)
		R[att_${m}_att_p99]=$(awk -v m="$m" '$1 == m && $2 == "attack" { print $5 }' "$T/attack.res" | median)
		# per-round ratio attack / none, median
		R[att_${m}_ratio]=$(awk -v m="$m" '$1 == m { v[$2, $3] = $4; if ($3 > k) k = $3 }
			END { for (r = 0; r <= k; r++) print (v["none", r] > 0 ? v["attack", r] / v["none", r] : 0) }' \
		    "$T/attack.res" | median)
		R[att_${m}_all]=$(awk -v m="$m" '$1 == m { printf "%s%s %.0f/%sms", s, $2, $4, $5; s = ", " }' "$T/attack.res")
		R[att_${m}_bad]=$(awk -v m="$m" '$1 == m { s += $6 + $7 } END { print s + 0 }' "$T/attack.res")
		# measurements in which not one cached request completed (wrk
		# counts neither those still waiting at its end nor their errors)
		R[att_${m}_zero]=$(awk -v m="$m" '$1 == m && $8 == 0 { z++ } END { print z + 0 }' "$T/attack.res")
		# the attack requests, all rounds together
		R[att_${m}_amax]=$(awk -v m="$m" '$1 == m && $2 == "attack" { for (i = 8; i <= NF; i++) if ($i ~ /^max_ms=/) { split($i, a, "="); if (a[2] + 0 > x) x = a[2] + 0 } } END { printf "%.1f", x }' "$T/attack.res")
		R[att_${m}_asum]=$(awk -v m="$m" '$1 == m && $2 == "attack" {
				for (i = 8; i <= NF; i++) { split($i, a, "=")
					if (a[1] == "sent") s += a[2]; if (a[1] == "answered") an += a[2]
					if (a[1] == "timeouts") t += a[2]; if (a[1] == "errors") e += a[2]
					if (a[1] == "status") { n = split(a[2], st, ","); for (j = 1; j <= n; j++) { split(st[j], kv, ":"); c[kv[1]] += kv[2] } } } }
			END { printf "sent %d, answered %d, timeouts %d, errors %d, status", s, an, t, e
				for (k in c) printf " %s:%d", k, c[k]; if (length(c) == 0) printf " none" }' "$T/attack.res")
		# every answered attack request a 503 and within 3.5 s, no timeouts;
		# at most ATTACK_C per round in flight when wrk stopped
		R[att_${m}_aok]=$(awk -v m="$m" -v c="$ATTACK_C" '$1 == m && $2 == "attack" {
				for (i = 8; i <= NF; i++) { split($i, a, "=")
					if (a[1] == "sent") s = a[2]; if (a[1] == "answered") an = a[2]
					if (a[1] == "timeouts" && a[2] > 0) bad = 1; if (a[1] == "errors" && a[2] > 0) bad = 1
					if (a[1] == "max_ms" && a[2] + 0 >= 3500) bad = 1
					if (a[1] == "status" && a[2] !~ /^503:[0-9]+$/) bad = 1 }
				if (s - an > c) bad = 1 }
			END { print bad ? "MISSED" : "met" }' "$T/attack.res")
	done
}

# ===========================================================================
# 7. Issue 11: FLOOD_N requests with distinct random Hosts, opt-in mode
# ===========================================================================
part_flood() {
	local pid out q0 q1 tag
	say "7. flood: $FLOOD_N requests with distinct random Hosts to one FastCGI process in opt-in mode (fcgi-drive, no nginx)"
	spawn_fcgi "$T/run/flood.sock" "$ENV" "MTA_STS_CONF=$T/optin.conf" "$OURS_FCGI"
	pid=$BG
	"$T/bin/fcgi-drive" "$T/run/flood.sock" 1 "$HOST" >"$T/log/flood-first.txt" ||
	    die "FastCGI (opt-in) does not answer secure.example: $(cat "$T/log/flood-first.txt")"
	R[flood_rss0]=$(rss "$pid")
	# mta-sts.f<tag><n>.example: <tag><n>.example does not exist in the
	# lab (NXDOMAIN, validated), so each is "not opted in" (404) after a
	# real lookup.
	tag=$(printf '%04x' $((RANDOM)))
	out=$("$T/bin/fcgi-drive" -s 404 "$T/run/flood.sock" "$FLOOD_N" \
	    "mta-sts.f$tag%07d.example" "$FLOOD_N") || die "flood: $out"
	R[flood_run]=$out
	R[flood_rss1]=$(rss "$pid")
	# The opted-in domain afterwards: from memory means no DNS query.
	q0=$("$REPO/tests/lab/lab.sh" queries "$LABDIR")
	out=$("$T/bin/fcgi-drive" "$T/run/flood.sock" 1 "$HOST") || die "secure.example after the flood: $out"
	q1=$("$REPO/tests/lab/lab.sh" queries "$LABDIR")
	R[flood_after]="200, $((q1 - q0)) DNS queries to nsd"
	R[flood_after_ok]=$([ "$q1" = "$q0" ] && echo met || echo MISSED)
	say "   RSS ${R[flood_rss0]} -> ${R[flood_rss1]} kB ($(kv "${R[flood_run]}" seconds) s); secure.example afterwards: ${R[flood_after]}"
	stop "$pid"
}

# ===========================================================================
# 8. Issue 11: request latency during a DNS outage, cached entry expired
# ===========================================================================
part_outage() {
	local pid i line code secs
	say "8. outage: secure.example cached (cache_max_ttl 2), nsd stopped, wait 3 s, then $OUTAGE_N requests one after the other through nginx"
	start_nginx
	spawn_fcgi "$T/run/outage.sock" "$ENV" "MTA_STS_CONF=$T/outage.conf" "$OURS_FCGI"
	pid=$BG
	check_http $((BENCH_PORT + 6))
	"$REPO/tests/lab/lab.sh" stopnsd "$LABDIR" >>"$T/log/lab.log" 2>&1 || die "lab.sh stopnsd"
	sleep 3
	: >"$T/outage.res"
	for ((i = 1; i <= OUTAGE_N; i++)); do
		line=$(curl -s -o "$T/got" -w '%{http_code} %{time_total}' --max-time 30 \
		    -H "Host: $HOST" "http://127.0.0.1:$((BENCH_PORT + 6))$URLPATH") || true
		read -r code secs <<<"$line"
		cmp -s "$T/got" "$T/body" || code="$code(other body)"
		echo "$i $code $(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')" >>"$T/outage.res"
		say "   request $i: HTTP $code in $(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }') ms"
	done
	"$REPO/tests/lab/lab.sh" startnsd "$LABDIR" >>"$T/log/lab.log" 2>&1 || die "lab.sh startnsd"
	R[out_first]=$(awk '$1 == 1 { print $3 }' "$T/outage.res")
	R[out_later]=$(awk '$1 > 1 { print $3 }' "$T/outage.res" | median)
	R[out_all]=$(awk '{ printf "%s%s %s ms", s, $2, $3; s = ", " }' "$T/outage.res")
	R[out_ok]=$(awk '$2 != 200 { bad = 1 } END { print bad ? "MISSED" : "met" }' "$T/outage.res")
	stop "$pid"
}

# ===========================================================================
# 9. Real-clock timings the unit tests check on a fake clock (bench/timing.c)
# ===========================================================================
part_timing() {
	say "9. timing: the lookup budget's second round and the state lock's wait, on the real clock"
	make -s -C "$REPO" common/libcore.a cli/idstate.o >/dev/null 2>&1 || true
	cc "${CFLAGS_H[@]}" -I"$REPO/common" -I"$REPO/cli" -D_GNU_SOURCE \
	    -o "$T/bin/timing" "$HERE/timing.c" "$REPO/cli/idstate.o" \
	    "$REPO/common/libcore.a" || die "cannot build bench/timing.c"
	mkdir -p "$T/timing"
	"$T/bin/timing" "$T/timing" >"$OUT/timing.txt" 2>&1 || die "timing: $(cat "$OUT/timing.txt")"
	R[tim_round2]=$(sed -n 's/.*round2_ms=\([0-9]*\).*/\1/p' "$OUT/timing.txt" | median)
	R[tim_over]=$(sed -n 's/.*overhead_ms=\(-*[0-9]*\).*/\1/p' "$OUT/timing.txt" | median)
	R[tim_lock]=$(sed -n 's/.*waited_ms=\([0-9]*\).*/\1/p' "$OUT/timing.txt" | median)
	R[tim_lock_max]=$(sed -n 's/.*waited_ms=\([0-9]*\).*/\1/p' "$OUT/timing.txt" | sort -n | tail -n 1)
	say "   budget 2500 ms, first round 700 ms: second round got ${R[tim_round2]} ms; lock wait 300 ms: waited ${R[tim_lock]} ms"
}

# ===========================================================================
# 2 + 3a. CGI: warm cache_dir ours vs minimal; ours with NDOM domains; cold
# ===========================================================================
spec() {	# spec NAME PROG CONF [FRESH_DIR]
	local f=$T/spec.$1
	{
		echo "name $1"
		echo "prog $2"
		echo "expect $T/answer"
		echo "stderr $T/log/cgi-$1.err"
		[ -n "${4:-}" ] && echo "fresh $4"
		printf 'env %s\n' "${CGI_ENV[@]}"
		[ -n "$3" ] && echo "env MTA_STS_CONF=$T/$3.conf"
	} >"$f"
	echo "$f"
}
part_cgi() {
	local r v line
	say "2. CGI: $RUNS runs x $CGI_N execs per variant, interleaved exec by exec (execbench)"
	# Warm the cache_dirs (entry + configuration stamp).
	cgi one >/dev/null 2>>"$T/log/warm.err"
	cgi big >/dev/null 2>>"$T/log/warm.err"
	ls -A "$T/c-one" >"$OUT/cache_dir-one.txt"
	: >"$T/cgi.res"
	for ((r = 0; r < RUNS; r++)); do
		as_user "$T/bin/execbench" -n "$CGI_N" -w 10 \
		    "$(spec minimal "$T/bin/minimal-cgi" "")" \
		    "$(spec minlibs "$T/bin/minimal-cgi-libs" "")" \
		    "$(spec minstatic "$T/bin/minimal-cgi-static" "")" \
		    ${HAVE_STATIC:+"$(spec static "$OURS_CGI_STATIC" one)"} \
		    "$(spec warm1 "$OURS_CGI" one)" \
		    "$(spec warmbig "$OURS_CGI" big)" \
		    "$(spec cold "$OURS_CGI" cold "$T/c-cold")" \
		    >"$T/eb.out" 2>"$T/eb.err" ||
		    die "execbench: $(cat "$T/eb.err" "$T/eb.out")"
		cat "$T/eb.out" >>"$OUT/execbench.txt"
		cat "$T/eb.out" >>"$T/cgi.res"
		say "   run $((r + 1)): $(awk '{ split($1, a, "="); split($3, b, "="); printf "%s %s us  ", a[2], b[2] }' "$T/eb.out")"
	done
	for v in minimal minlibs minstatic warm1 warmbig cold ${HAVE_STATIC:+static}; do
		R[cgi_$v]=$(awk -v v="name=$v" '$1 == v { split($3, a, "="); print a[2] }' "$T/cgi.res" | median)
		R[cgi_${v}_all]=$(awk -v v="name=$v" '$1 == v { split($3, a, "="); printf "%s%.0f", s, a[2]; s = " " }' "$T/cgi.res")
		R[cgi_${v}_bad]=$(awk -v v="name=$v" '$1 == v { split($8, a, "="); s += a[2] } END { print s + 0 }' "$T/cgi.res")
		R[cgi_${v}_stderr]=$(awk -v v="name=$v" '$1 == v { split($9, a, "="); s += a[2] } END { print s + 0 }' "$T/cgi.res")
	done
	for v in warm1 warmbig cold; do
		if [ -s "$T/log/cgi-$v.err" ]; then
			sed -n 1,5p "$T/log/cgi-$v.err" >"$OUT/cgi-$v-stderr.txt"
		fi
	done
	return 0
}

# ===========================================================================
# 3b. FastCGI resident memory with NDOM domains cached
# ===========================================================================
part_scale() {
	local pid now exp out
	say "3. FastCGI resident memory: 1 domain vs $NDOM domains cached"
	# Baseline: one domain, one request.
	spawn_fcgi "$T/run/one.sock" "$ENV" "MTA_STS_CONF=$T/one.conf" "$OURS_FCGI"
	pid=$BG
	cgi one >/dev/null 2>>"$T/log/warm.err"	# a fresh entry on disk
	"$T/bin/fcgi-drive" -e "$T/answer" "$T/run/one.sock" 1 "$HOST" >/dev/null ||
	    die "FastCGI (1 domain) does not answer"
	R[rss_one]=$(rss "$pid")
	stop "$pid"

	# (a) NDOM policies (3 mx each) from cache_dir files into memory.  The
	# files are copies of the real entry for secure.example with the
	# domain and the expiry changed; a memory miss reads the file and
	# keeps the entry in memory (request.c), no DNS involved.
	cgi bigdisk >/dev/null 2>>"$T/log/warm.err"
	now=$(date +%s)
	exp=$((now + 3600))
	awk -v n="$NDOM" -v dir="$T/c-bigdisk" -v expires="$exp" '
		{ line[NR] = $0 }
		END {
			for (i = 0; i < n; i++) {
				d = sprintf("d%05d.example", i)
				f = dir "/" d ".cache"
				for (j = 1; j <= NR; j++) {
					l = line[j]
					if (l ~ /^domain /) l = "domain " d
					if (l ~ /^expires /) l = "expires " expires
					print l > f
				}
				close(f)
			}
		}' "$T/c-bigdisk/secure.example.cache"
	[ "$(id -u)" -eq 0 ] && chown -R "$BENCH_USER:" "$T/c-bigdisk"
	spawn_fcgi "$T/run/bigdisk.sock" "$ENV" "MTA_STS_CONF=$T/bigdisk.conf" "$OURS_FCGI"
	pid=$BG
	"$T/bin/fcgi-drive" -e "$T/answer" "$T/run/bigdisk.sock" 1 "$HOST" >/dev/null ||
	    die "FastCGI ($NDOM domains) does not answer"
	R[rss_bigdisk_0]=$(rss "$pid")
	out=$("$T/bin/fcgi-drive" "$T/run/bigdisk.sock" "$NDOM" 'mta-sts.d%05d.example' "$NDOM") ||
	    die "filling from cache_dir: $out"
	R[bigdisk_fill]=$out
	R[rss_bigdisk_1]=$(rss "$pid")
	out=$("$T/bin/fcgi-drive" "$T/run/bigdisk.sock" "$NDOM" 'mta-sts.d%05d.example' "$NDOM") ||
	    die "second pass: $out"
	R[bigdisk_pass2]=$out
	R[rss_bigdisk_2]=$(rss "$pid")
	say "   $NDOM policies from cache_dir: fill: $(kv "${R[bigdisk_fill]}" seconds) s; all from memory: $(kv "$out" seconds) s; RSS ${R[rss_bigdisk_0]} -> ${R[rss_bigdisk_1]} -> ${R[rss_bigdisk_2]} kB"
	stop "$pid"

	# (b) NDOM distinct DNS outcomes: each d%05d.example is NXDOMAIN in the
	# lab (validated, NSEC), remembered as "no policy" (404).
	spawn_fcgi "$T/run/bigdns.sock" "$ENV" "MTA_STS_CONF=$T/bigdns.conf" "$OURS_FCGI"
	pid=$BG
	"$T/bin/fcgi-drive" -e "$T/answer" "$T/run/bigdns.sock" 1 "$HOST" >/dev/null ||
	    die "FastCGI ($NDOM domains, DNS) does not answer"
	R[rss_bigdns_0]=$(rss "$pid")
	out=$("$T/bin/fcgi-drive" -s 404 "$T/run/bigdns.sock" "$NDOM" 'mta-sts.d%05d.example' "$NDOM") ||
	    die "filling from the DNS: $out"
	R[bigdns_fill]=$out
	R[rss_bigdns_1]=$(rss "$pid")
	out=$("$T/bin/fcgi-drive" -s 404 "$T/run/bigdns.sock" "$NDOM" 'mta-sts.d%05d.example' "$NDOM") ||
	    die "second pass: $out"
	R[bigdns_pass2]=$out
	R[rss_bigdns_2]=$(rss "$pid")
	say "   $NDOM NXDOMAIN outcomes from the lab: fill: $(kv "${R[bigdns_fill]}" seconds) s; all from memory: $(kv "$out" seconds) s; RSS ${R[rss_bigdns_0]} -> ${R[rss_bigdns_1]} -> ${R[rss_bigdns_2]} kB"
	stop "$pid"
}

# ===========================================================================
# 4. Stability: one FastCGI process, >= STAB_REQS requests through nginx
# ===========================================================================
part_stability() {
	local pid line rps n n2 se total=0 chunk bad=0
	say "4. Stability: one FastCGI process, >= $STAB_REQS requests through nginx (wrk)"
	spawn_fcgi "$T/run/stab.sock" "$ENV" "MTA_STS_CONF=$T/fcgi.conf" "$OURS_FCGI"
	pid=$BG
	start_nginx
	check_http $((BENCH_PORT + 3))
	total=1
	# Each wrk thread stops after 5,000 answers (wrk then idles until
	# the end of -d).
	line=$(wrk_run stab-first $((BENCH_PORT + 3)) 4 5000)
	read -r _ n n2 se <<<"$line"
	rps=20000	# a first guess, for sizing the first chunk
	total=$((total + n))
	bad=$((bad + n2 + se))
	R[stab_first_n]=$total
	R[stab_rss_first]=$(rss "$pid")
	echo "$total ${R[stab_rss_first]}" >"$OUT/stability-rss.txt"
	say "   after $total requests: RSS ${R[stab_rss_first]} kB"
	while [ "$total" -lt "$STAB_REQS" ]; do
		# Size the chunk to end just past STAB_REQS (at most 20 s).
		chunk=$(awk -v left=$((STAB_REQS - total)) -v rps="$rps" \
		    'BEGIN { s = int(left / rps * 1.1) + 1; if (s > 20) s = 20; if (s < 1) s = 1; print s }')
		line=$(wrk_run stab $((BENCH_PORT + 3)) "$chunk")
		read -r rps n n2 se <<<"$line"
		total=$((total + n))
		bad=$((bad + n2 + se))
		echo "$total $(rss "$pid")" >>"$OUT/stability-rss.txt"
		say "   after $total requests ($rps req/s): RSS $(rss "$pid") kB, non-2xx + socket errors so far $bad"
	done
	check_http $((BENCH_PORT + 3))
	total=$((total + 1))
	R[stab_n]=$total
	R[stab_rss_end]=$(rss "$pid")
	R[stab_bad]=$bad
	alive "$pid" || die "the FastCGI process died during the stability run"
	stop "$pid"
}

# ===========================================================================
# 5. Instructions per warm request (callgrind)
# ===========================================================================
# cg_fcgi NAME N CONF PROG: PROG under callgrind behind spawn-fcgi (with
# MTA_STS_CONF=$T/CONF.conf), N requests, SIGTERM; prints the total
# instruction count.
cg_fcgi() {
	local name=$1 n=$2 pid f
	f=$T/cg/$name.$n.out
	spawn_fcgi "$T/run/cg.sock" "$ENV" "MTA_STS_CONF=$T/$3.conf" \
	    "$VALGRIND" --tool=callgrind --callgrind-out-file="$f" "$4"
	pid=$BG
	"$T/bin/fcgi-drive" -e "$T/answer" "$T/run/cg.sock" "$n" "$HOST" >"$T/log/cg-drive.log" ||
	    die "callgrind $name: $(cat "$T/log/cg-drive.log")"
	stop "$pid"
	[ -s "$f" ] || die "callgrind $name: no output in $f"
	awk '/^(summary|totals):/ { print $2; exit }' "$f"
}
# cg_cgi NAME PROG CONF: one CGI exec under callgrind; the total.
cg_cgi() {
	local f=$T/cg/cgi-$1.out
	as_user env -i "${CGI_ENV[@]}" ${3:+"MTA_STS_CONF=$T/$3.conf"} \
	    valgrind --tool=callgrind --callgrind-out-file="$f" "$2" \
	    >"$T/cg/cgi-$1.answer" 2>"$T/log/cg-cgi-$1.log"
	cmp -s "$T/cg/cgi-$1.answer" "$T/answer" || die "callgrind CGI $1: wrong answer"
	awk '/^(summary|totals):/ { print $2; exit }' "$f"
}
# cg_per_request NAME: instructions per warm request by function, from the
# runs with 1 and 1 + CG_N requests, into $OUT/callgrind-fcgi-NAME-*.txt.
cg_per_request() {
	local x f
	for x in no yes; do
		for f in "$T/cg/$1.1" "$T/cg/$1.$((CG_N + 1))"; do
			callgrind_annotate --auto=no --threshold=100 \
			    --inclusive=$x "$f.out" >"$f.inclusive-$x" 2>/dev/null
		done
		{
			echo "# instructions per warm request, by function (inclusive=$x)"
			echo "# (callgrind, (run with $((CG_N + 1)) requests - run with 1) / $CG_N)"
			awk -v n="$CG_N" -f "$HERE/cg-per-request.awk" \
			    "$T/cg/$1.1.inclusive-$x" \
			    "$T/cg/$1.$((CG_N + 1)).inclusive-$x" | sort -rn | sed -n 1,40p
		} >"$OUT/callgrind-fcgi-$1-per-request-$([ $x = yes ] && echo inclusive || echo exclusive).txt"
	done
}
part_callgrind() {
	local a b
	say "5. callgrind: instructions per warm FastCGI request, (total(1 + $CG_N requests) - total(1)) / $CG_N"
	mkdir -p "$T/cg"
	[ "$(id -u)" -eq 0 ] && chown "$BENCH_USER:" "$T/cg"
	cgi one >/dev/null 2>>"$T/log/warm.err"	# a fresh entry on disk
	# ours: the first request takes the entry from cache_dir (no DNS under
	# valgrind), every later one is a memory-cache hit.
	a=$(cg_fcgi ours 1 one "$OURS_FCGI")
	b=$(cg_fcgi ours $((CG_N + 1)) one "$OURS_FCGI")
	R[cg_ours_start]=$a
	R[cg_ours]=$(( (b - a) / CG_N ))
	a=$(cg_fcgi minimal 1 one "$T/bin/minimal-fcgi")
	b=$(cg_fcgi minimal $((CG_N + 1)) one "$T/bin/minimal-fcgi")
	R[cg_minimal_start]=$a
	R[cg_minimal]=$(( (b - a) / CG_N ))
	say "   FastCGI: ours ${R[cg_ours]}, minimal ${R[cg_minimal]} instructions per request"
	cg_per_request ours
	cg_per_request minimal
	# CGI, one warm exec each (whole process, dynamic loading included).
	R[cg_cgi_ours]=$(cg_cgi ours "$OURS_CGI" one)
	R[cg_cgi_minimal]=$(cg_cgi minimal "$T/bin/minimal-cgi" "")
	R[cg_cgi_minlibs]=$(cg_cgi minlibs "$T/bin/minimal-cgi-libs" "")
	if [ -n "$HAVE_STATIC" ]; then
		R[cg_cgi_static]=$(cg_cgi static "$OURS_CGI_STATIC" one)
	fi
	cgi big >/dev/null 2>>"$T/log/warm.err"	# a fresh entry on disk
	R[cg_cgi_big]=$(cg_cgi big "$OURS_CGI" big)
	callgrind_annotate --auto=no --inclusive=no "$T/cg/cgi-ours.out" \
	    2>/dev/null | sed -n 1,45p >"$OUT/callgrind-cgi-ours.txt" || true
	callgrind_annotate --auto=no --inclusive=yes "$T/cg/cgi-big.out" \
	    2>/dev/null | sed -n 1,60p >"$OUT/callgrind-cgi-big-inclusive.txt" || true
	say "   CGI (one warm exec): ours ${R[cg_cgi_ours]}, minimal ${R[cg_cgi_minimal]} instructions"
}

# ===========================================================================
# 10. Issue 17: configurations listing 1, 10,000 and 1,000,000 domains
# ===========================================================================
# The variants: BUILD-FORM-N, BUILD new (this checkout) or old (CS_BEFORE),
# FORM main (N "domain:" lines in the configuration file) or df (the N
# names in a domains_file); the requested domain, secure.example, is the
# last of the N.  Files in $T/cs.
CS=
cs_conf() {	# cs_conf BUILD FORM N [nocache]: writes $CS/BUILD-FORM-N.conf
	local b=$1 f=$2 n=$3 c=$CS/c-$1-$2-$3
	{
		printf 'trust_anchor: %s\nunbound_conf: %s\n' "$LAB_TA" "$LAB_UNBOUND_CONF"
		[ -z "${4:-}" ] && printf 'cache_dir: %s\n' "$c"
		if [ "$f" = df ]; then
			printf 'domains_file: names-%s\n' "$n"	# relative: $CS
		else
			sed 's/^/domain: /' "$CS/names-$n"
		fi
	} >"$CS/$b-$f-$n.conf"
	mkdir -p "$c"
}
part_confscale() {
	local b f n v r line err pid q0 out name i served
	local -a vars=() usable=() specs=()
	CS=$T/cs
	mkdir -p "$CS"
	CS_NEW_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo this)
	say "10. confscale: listed domains N = $CS_NS; builds: this checkout${CS_BEFORE_DIR:+ and $CS_BEFORE_REV}; $RUNS runs"
	for n in $CS_NS; do
		awk -v n="$n" 'BEGIN { for (i = 1; i < n; i++) printf "d%07d.example\n", i
			print "secure.example" }' >"$CS/names-$n"
		for b in new ${CS_BEFORE_DIR:+old}; do
			for f in main df; do
				cs_conf "$b" "$f" "$n"
				vars+=("$b-$f-$n")
			done
		done
	done
	say "   configuration sizes: $(for n in $CS_NS; do printf '%s: %s bytes; ' "$n" "$(wc -c <"$CS/new-main-$n.conf")"; done)"
	# The helper, once per build.
	cc "${CFLAGS_H[@]}" -I"$REPO/common" -o "$T/bin/confload-new" \
	    "$HERE/confload.c" "$REPO/common/libcore.a" || die "cannot build bench/confload.c"
	if [ -n "${CS_BEFORE_DIR:-}" ]; then
		cc "${CFLAGS_H[@]}" -I"$CS_BEFORE_DIR/common" -o "$T/bin/confload-old" \
		    "$HERE/confload.c" "$CS_BEFORE_DIR/common/libcore.a" ||
		    die "cannot build bench/confload.c against $CS_BEFORE_REV"
	fi
	[ "$(id -u)" -eq 0 ] && chown -R "$BENCH_USER:" "$CS"
	chmod -R a+rX "$T/bin"

	# (a) conf_load(): time and memory, one process per sample.
	: >"$T/cs-parse.res"
	for ((r = 0; r < RUNS; r++)); do
		for v in "${vars[@]}"; do
			b=${v%%-*} n=${v##*-}
			line=$(as_user "$T/bin/confload-$b" "$n" "$CS/$v.conf" \
			    'd%07d.example' 2>&1) || true
			echo "$v $r $line" >>"$T/cs-parse.res"
		done
	done
	cp "$T/cs-parse.res" "$OUT/confscale-confload.txt"
	for v in "${vars[@]}"; do
		line=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 1p)
		if [ "$(kv "$line" ok)" = 1 ]; then
			usable+=("$v")
			n=${v##*-}
			R[cs:$v:ms]=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 's/.* ms=\([^ ]*\).*/\1/p' | median)
			R[cs:$v:rss]=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 's/.* per_domain_rss=\([^ ]*\).*/\1/p' | median)
			R[cs:$v:heap]=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 's/.* per_domain_heap=\([^ ]*\).*/\1/p' | median)
			R[cs:$v:hwm]=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 's/.* hwm_kb=\([^ ]*\).*/\1/p' | median)
			if [ "$n" -gt 1 ]; then
				R[cs:$v:lookup]=$(awk -v v="$v" '$1 == v' "$T/cs-parse.res" | sed -n 's/.* lookup_ns=\([^ ]*\).*/\1/p' | median)
				# every lookup must find its (listed) name
				awk -v v="$v" '$1 == v' "$T/cs-parse.res" | grep -q ' found=\([0-9]*\)/\1$' ||
				    die "confload $v: listed names not found: $(grep "^$v " "$T/cs-parse.res" | sed -n 1p)"
			fi
			say "   conf_load $v: ${R[cs:$v:ms]} ms, $(printf %.0f "${R[cs:$v:rss]}") B RSS / $(printf %.0f "${R[cs:$v:heap]}") B heap per listed domain, peak ${R[cs:$v:hwm]} kB"
		else
			err=$(sed -n 's/.* error=//p' <<<"$line")
			err=${err#"$CS/"}
			case $err in
			*"too large"*) R[cs:$v:why]=refused ;;
			*) R[cs:$v:why]=error ;;
			esac
			R[cs:$v:err]=${err:-$line}
			say "   conf_load $v: ${R[cs:$v:why]}: ${R[cs:$v:err]}"
		fi
	done

	# Warm every usable CGI variant: the policy into its cache_dir (one DNS
	# lookup), the stamp or index written; the second answer is checked.
	local -A prog=([new]=$OURS_CGI [old]=${CS_BEFORE_DIR:-}/cgi/mta-sts.cgi)
	local -A fprog=([new]=$OURS_FCGI [old]=${CS_BEFORE_DIR:-}/fcgi/mta-sts.fcgi)
	for v in "${usable[@]}"; do
		b=${v%%-*}
		for i in 1 2; do
			as_user env -i "${CGI_ENV[@]}" "MTA_STS_CONF=$CS/$v.conf" "${prog[$b]}" \
			    >"$T/got" 2>>"$T/log/cs-warm.err" || true
		done
		cmp -s "$T/got" "$T/answer" ||
		    die "CGI $v: wrong answer: $(head -c 300 "$T/got"); log: $(tail -3 "$T/log/cs-warm.err")"
		ls -lnA "$CS/c-$v" >"$OUT/confscale-cache_dir-$v.txt"
	done

	# (b) FastCGI: VmRSS after the first request (answered from cache_dir).
	: >"$T/cs-rss.res"
	for ((r = 0; r < RUNS; r++)); do
		for v in "${usable[@]}"; do
			b=${v%%-*}
			spawn_fcgi "$T/run/csr.sock" "$ENV" "MTA_STS_CONF=$CS/$v.conf" "${fprog[$b]}"
			pid=$BG
			out=$("$T/bin/fcgi-drive" -e "$T/answer" "$T/run/csr.sock" 1 "$HOST") ||
			    die "FastCGI $v: first request: $out; $(tail -3 "$T/log/spawn.log")"
			echo "$v $r $(rss "$pid") $(kv "$out" seconds)" >>"$T/cs-rss.res"
			stop "$pid"
		done
	done
	cp "$T/cs-rss.res" "$OUT/confscale-fcgi-rss.txt"
	for v in "${usable[@]}"; do
		R[cs:$v:fcgirss]=$(awk -v v="$v" '$1 == v { print $3 }' "$T/cs-rss.res" | median)
		R[cs:$v:fcgi1]=$(awk -v v="$v" '$1 == v { print $4 * 1000 }' "$T/cs-rss.res" | median)
		say "   FastCGI $v: VmRSS ${R[cs:$v:fcgirss]} kB after the first request (${R[cs:$v:fcgi1]} ms)"
	done

	# (c) warm CGI, all usable variants interleaved exec by exec.
	: >"$T/cs-cgi.res"
	for ((r = 0; r < RUNS; r++)); do
		specs=()
		for v in "${usable[@]}"; do
			specs+=("$(spec "cs-$v" "${prog[${v%%-*}]}" "cs/$v")")
		done
		as_user "$T/bin/execbench" -n "$CGI_N" -w 10 "${specs[@]}" \
		    >"$T/eb.out" 2>"$T/eb.err" || die "execbench: $(cat "$T/eb.err" "$T/eb.out")"
		cat "$T/eb.out" >>"$OUT/confscale-execbench.txt"
		cat "$T/eb.out" >>"$T/cs-cgi.res"
	done
	for v in "${usable[@]}"; do
		R[cs:$v:cgi]=$(awk -v v="name=cs-$v" '$1 == v { split($3, a, "="); print a[2] }' "$T/cs-cgi.res" | median)
		R[cs:$v:cgiall]=$(awk -v v="name=cs-$v" '$1 == v { split($3, a, "="); printf "%s%.0f", s, a[2]; s = " " }' "$T/cs-cgi.res")
		R[cs:$v:cgibad]=$(awk -v v="name=cs-$v" '$1 == v { split($8, a, "="); s += a[2] } END { print s + 0 }' "$T/cs-cgi.res")
		say "   CGI warm $v: ${R[cs:$v:cgi]} us (runs: ${R[cs:$v:cgiall]}; wrong answers ${R[cs:$v:cgibad]})"
	done

	# (d) FastCGI through nginx while the listing is replaced every second
	# (a copy with one more name, renamed over it), vs no reload: this
	# build with the largest N in a domains_file; the old build with
	# CS_RELOAD_OLD_N "domain:" lines (the most it accepts is ~690,000).
	n=${CS_NS##* }
	v=new-df-$n
	if [ -z "${R[cs:$v:ms]:-}" ]; then
		R[cs:reload-new:why]="not run: $v does not load (${R[cs:$v:err]:-?})"
		say "   reload: ${R[cs:reload-new:why]}"
	else
		cp "$CS/names-$n" "$CS/reload-new.list"
		{
			printf 'trust_anchor: %s\nunbound_conf: %s\n' "$LAB_TA" "$LAB_UNBOUND_CONF"
			printf 'domains_file: reload-new.list\n'
		} >"$CS/reload-new.conf"
		R[cs:reload-new:what]="$CS_NEW_REV, $n names in a domains_file, which is replaced"
		cs_reload new "$OURS_FCGI" "$CS/reload-new.conf" "$CS/reload-new.list" ""
	fi
	if [ -n "${CS_BEFORE_DIR:-}" ] && [ "$CS_RELOAD_OLD_N" -gt 0 ]; then
		n=$CS_RELOAD_OLD_N
		{
			printf 'trust_anchor: %s\nunbound_conf: %s\n' "$LAB_TA" "$LAB_UNBOUND_CONF"
			awk -v n="$n" 'BEGIN { for (i = 1; i < n; i++) printf "domain: d%07d.example\n", i
				print "domain: secure.example" }'
		} >"$CS/reload-old.conf"
		R[cs:reload-old:what]="$CS_BEFORE_REV, $n \`domain:\` lines in the configuration file, which is replaced"
		cs_reload old "$CS_BEFORE_DIR/fcgi/mta-sts.fcgi" "$CS/reload-old.conf" "$CS/reload-old.conf" "domain: "
	fi
}

# cs_reload KEY PROG CONF FILE PREFIX: part 10 (d) for one FastCGI
# program: RUNS rounds of wrk without and with FILE being replaced every
# second (PREFIX NAME appended); results in R[cs:reload-KEY:*].
cs_reload() {
	local k=reload-$1 program=$2 conf=$3 file=$4 prefix=$5
	local pid r m line i name out q served=0
	cat >"$CS/reload.sh" <<'EOF'
#!/bin/bash
# reload.sh FILE PREFIX TAG COUNT USER: COUNT times, once a second,
# replace FILE by a copy with one more line (PREFIX TAG-I.example): a new
# file renamed over the old one.  The last name goes to FILE.last.
set -eu
f=$1 prefix=$2 tag=$3 count=$4 user=$5
for ((i = 1; i <= count; i++)); do
	cp "$f" "$f.tmp"
	printf '%s%s-%d.example\n' "$prefix" "$tag" "$i" >>"$f.tmp"
	chown "$user:" "$f.tmp" 2>/dev/null || true
	mv -f "$f.tmp" "$f"
	printf '%s-%d.example\n' "$tag" "$i" >"$f.last"
	sleep 1
done
EOF
	[ "$(id -u)" -eq 0 ] && chown -R "$BENCH_USER:" "$CS"
	start_nginx
	spawn_fcgi "$T/run/cs.sock" "$ENV" "MTA_STS_CONF=$conf" "$program"
	pid=$BG
	check_http $((BENCH_PORT + 7))
	R[cs:$k:rss0]=$(rss "$pid")
	wrk_lat "cs-$k-warmup" $((BENCH_PORT + 7)) 2 >/dev/null
	: >"$T/cs-$k.res"
	for ((r = 0; r < RUNS; r++)); do
		for m in none reload; do
			if [ "$m" = reload ]; then
				bg "$T/log/cs-reload.log" bash "$CS/reload.sh" "$file" "$prefix" "$1$r" $((DUR + 1)) "$BENCH_USER"
				i=$BG
				sleep 0.2
			fi
			line=$(wrk_lat "cs-$k-$m" $((BENCH_PORT + 7)) "$DUR")
			echo "$m $r $line" >>"$T/cs-$k.res"
			if ! alive "$pid"; then
				q=0
				wait "$pid" || q=$?
				die "the FastCGI process ($1) is gone after round $((r + 1)) ($m): exit status $q (128 + N: signal N); its log: $(tail -3 "$T/log/spawn.log")"
			fi
			say "   reload $1, round $((r + 1)) $m: $(awk '{ printf "%s req/s, p99 %s ms, non-2xx %s, socket errors %s", $3, $7, $5, $6 }' <<<"$m $r $line")"
			if [ "$m" = reload ]; then
				wait "$i" || die "reload.sh: $(tail -3 "$T/log/cs-reload.log")"
				# The last name added is listed (NXDOMAIN in the lab: the
				# listed-domain 404), within 30 s.
				name=$(cat "$file.last")
				for ((q = 0; q < 300; q++)); do
					out=$(curl -s --max-time 10 -H "Host: mta-sts.$name" "http://127.0.0.1:$((BENCH_PORT + 7))$URLPATH") || true
					[ "$out" = "$name does not exist in the DNS" ] && break
					sleep 0.1
				done
				[ "$out" = "$name does not exist in the DNS" ] && served=$((served + 1))
				say "   reload $1, round $((r + 1)): the last name added, $name: $out"
			fi
		done
	done
	cp "$T/cs-$k.res" "$OUT/confscale-$k.txt"
	R[cs:$k:rss1]=$(rss "$pid")
	R[cs:$k:served]="$served of $RUNS"
	for m in none reload; do
		R[cs:$k:$m]=$(awk -v m="$m" '$1 == m { print $3 }' "$T/cs-$k.res" | median)
		R[cs:$k:${m}_p99]=$(awk -v m="$m" '$1 == m { print $7 }' "$T/cs-$k.res" | median)
		R[cs:$k:${m}_bad]=$(awk -v m="$m" '$1 == m { s += $5 + $6 } END { print s + 0 }' "$T/cs-$k.res")
		R[cs:$k:${m}_all]=$(awk -v m="$m" '$1 == m { printf "%s%.0f/%sms", s, $3, $7; s = " " }' "$T/cs-$k.res")
	done
	R[cs:$k:ratio]=$(awk '{ v[$1, $2] = $3; if ($2 > k) k = $2 }
		END { for (r = 0; r <= k; r++) print (v["none", r] > 0 ? v["reload", r] / v["none", r] : 0) }' \
	    "$T/cs-$k.res" | median)
	alive "$pid" || die "the FastCGI process ($1) died during the reload runs"
	stop "$pid"
}

# cs_table: the side-by-side table of part 10 (markdown).
cs_table() {
	local n b f v c q combo
	local -a combos=(new-main new-df)
	local -A fl=([main]='`domain:` lines' [df]='domains_file')
	local -A bl=([new]=$CS_NEW_REV [old]=${CS_BEFORE_REV:-})
	if [ -n "${CS_BEFORE_DIR:-}" ]; then
		combos+=(old-main)
		for n in $CS_NS; do
			[ -n "${R[cs:old-df-$n:ms]:-}" ] && { combos+=(old-df); break; }
		done
	fi
	echo "### 10. Configuration scale (issue 17)"
	echo
	echo "Listed domains N, the requested one (secure.example) last; medians of $RUNS runs.  Builds: ${bl[new]} (this checkout)${CS_BEFORE_REV:+ and $CS_BEFORE_REV (before)}."
	echo
	printf '| measurement | form | build |'
	for n in $CS_NS; do printf ' N=%s |' "$n"; done
	echo
	printf '|---|---|---|'
	for n in $CS_NS; do printf -- '---|'; done
	echo
	# row LABEL KEY FORMAT: one row per form and build
	row() {
		for combo in "${combos[@]}"; do
			b=${combo%-*} f=${combo#*-}
			printf '| %s | %s | %s |' "$1" "${fl[$f]}" "${bl[$b]}"
			for n in $CS_NS; do
				v=$b-$f-$n
				if [ -n "${R[cs:$v:$2]:-}" ]; then
					c=$(awk -v x="${R[cs:$v:$2]}" -v fmt="$3" 'BEGIN { printf fmt, x }')
					[ "$2" = cgi ] && [ -n "${R[cs:$b-$f-${CS_NS%% *}:cgi]:-}" ] &&
					    c="$c (**$(ratio "${R[cs:$v:cgi]}" "${R[cs:$b-$f-${CS_NS%% *}:cgi]}")x**)"
					{ [ "$2" = rss ] || [ "$2" = heap ]; } && [ "$n" -lt 100 ] && c="-"
				else
					c=${R[cs:$v:why]:-n/a}
				fi
				printf ' %s |' "$c"
			done
			echo
		done
	}
	row "conf_load(), ms" ms '%.2f'
	row "memory kept per listed domain, bytes (VmRSS growth / N)" rss '%.0f'
	row "same, malloc'd bytes per listed domain (mallinfo2)" heap '%.0f'
	row "conf_load() peak VmHWM, kB" hwm '%.0f'
	row "lookup of a listed name, ns (1,000,000 lookups of names at random; conf_find, before: conf_domain_find)" lookup '%.0f'
	row "FastCGI VmRSS after its first request, kB" fcgirss '%.0f'
	row "FastCGI first request, ms (fcgi-drive)" fcgi1 '%.1f'
	row "CGI warm with cache_dir, us per exec (ratio to N=${CS_NS%% *})" cgi '%.1f'
	echo
	for combo in new-main new-df old-main old-df; do
		q=
		for n in $CS_NS; do
			v=$combo-$n
			[ -n "${R[cs:$v:err]:-}" ] || continue
			# the same message for every N: said once
			c=${R[cs:$v:err]//$n/N}
			[ "$c" = "$q" ] && continue
			q=$c
			echo "* ${bl[${combo%-*}]}, ${fl[${combo#*-}]}, N=$n: ${R[cs:$v:why]}: \`${R[cs:$v:err]}\`"
		done
	done
	echo
	echo "FastCGI through nginx while the listing is replaced every second (wrk -t2 -c32 -d${DUR}s --latency, cached secure.example; medians of $RUNS rounds; ratio: median of the per-round ratios):"
	echo
	echo "| build and listing | req/s, no reload | req/s, reloads | ratio | p99 ms, no reload | p99 ms, reloads | non-2xx + socket errors (no reload / reloads) | last name added listed afterwards | VmRSS before -> after, kB |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for k in reload-new reload-old; do
		if [ -n "${R[cs:$k:ratio]:-}" ]; then
			echo "| ${R[cs:$k:what]} | $(printf %.0f "${R[cs:$k:none]}") | $(printf %.0f "${R[cs:$k:reload]}") | **$(ratio "${R[cs:$k:ratio]}" 1)** | ${R[cs:$k:none_p99]} | ${R[cs:$k:reload_p99]} | ${R[cs:$k:none_bad]} / ${R[cs:$k:reload_bad]} | ${R[cs:$k:served]} | ${R[cs:$k:rss0]} -> ${R[cs:$k:rss1]} |"
		elif [ -n "${R[cs:$k:why]:-}" ]; then
			echo "| ${k#reload-} | ${R[cs:$k:why]} | | | | | | | |"
		fi
	done
	echo
	for k in reload-new reload-old; do
		[ -n "${R[cs:$k:ratio]:-}" ] &&
		    echo "Per round (req/s / p99), ${k#reload-}: no reload ${R[cs:$k:none_all]}; reloads ${R[cs:$k:reload_all]}"
	done
	echo
	echo "Configuration sizes: $(for n in $CS_NS; do printf 'N=%s: %s bytes (`domain:` lines), %s bytes (domains_file); ' "$n" "$(wc -c <"$CS/new-main-$n.conf")" "$(wc -c <"$CS/names-$n")"; done)"
}

for p in $PARTS; do
	"part_$p"
done

# ===========================================================================
# The table
# ===========================================================================
yesno() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? v >= t : v <= t
	if (v !~ /^[0-9.e+-]+$/) ok = 0	# nan: nothing measured
	printf "%s", ok ? "met" : "MISSED" }'; }
{
	echo "## mta-sts-cgi benchmark $(sed -n 's/^date: //p' "$OUT/env.txt")"
	echo
	sed 's/^/    /' "$OUT/env.txt"
	echo
	echo "Figures are medians of $RUNS runs; the variants of a comparison ran interleaved in the same runs."
	echo
	echo "| # | measurement | ours | reference | ratio | target | |"
	echo "|---|---|---|---|---|---|---|"
	if want fcgi; then
		a=${R[fcgi_ours]} b=${R[fcgi_minimal]} c=${R[fcgi_static]}
		q=$(ratio "${R[fcgi_paired]}" 1)
		echo "| 1 | FastCGI via nginx, warm memory cache, req/s (wrk -t2 -c32, ${DUR}s); ratio = median of the per-run ratios (ratio of the medians: $(ratio "$a" "$b")) | $(printf %.0f "$a") | minimal libfcgi $(printf %.0f "$b") | $q | >= 0.90 | $(yesno "$q" '>=' 0.90) |"
		echo "| 1 | CPU time of the FastCGI process per request, us (/proc/PID/stat during the runs) | ${R[fcgi_ours_cpu]} | minimal ${R[fcgi_minimal_cpu]} | $(ratio "${R[fcgi_ours_cpu]}" "${R[fcgi_minimal_cpu]}") | - | |"
		echo "| 1 | same, vs nginx static file | $(printf %.0f "$a") | static $(printf %.0f "$c") | $(ratio "$a" "$c") | - | |"
		n=$((R[fcgi_ours_non2xx] + R[fcgi_ours_se]))
		echo "| 1 | non-2xx + socket errors over all runs (ours / minimal / static) | ${R[fcgi_ours_non2xx]} + ${R[fcgi_ours_se]} | ${R[fcgi_minimal_non2xx]} + ${R[fcgi_minimal_se]} / ${R[fcgi_static_non2xx]} + ${R[fcgi_static_se]} | - | 0 | $([ "$n" -eq 0 ] && echo met || echo MISSED) |"
	fi
	if want cgi; then
		a=${R[cgi_warm1]} b=${R[cgi_minimal]}
		q=$(ratio "$b" "$a")
		echo "| 2 | CGI, warm cache_dir, req/s (1e6 / median us per exec) | $(ratio 1e6 "$a" 0) ($a us) | minimal C CGI $(ratio 1e6 "$b" 0) ($b us) | $q | >= 0.70 | $(yesno "$q" '>=' 0.70) |"
		echo "| 2 | (diagnostic) minimal C CGI linked with libunbound & co., req/s | $(ratio 1e6 "$a" 0) | minimal+libs $(ratio 1e6 "${R[cgi_minlibs]}" 0) (${R[cgi_minlibs]} us) | $(ratio "${R[cgi_minlibs]}" "$a") | - | |"
		echo "| 2 | (diagnostic) minimal C CGI linked statically, req/s | - | minimal static $(ratio 1e6 "${R[cgi_minstatic]}" 0) (${R[cgi_minstatic]} us) | - | - | |"
		if [ -n "$HAVE_STATIC" ]; then
			q=$(ratio "$b" "${R[cgi_static]}")
			echo "| 2 | CGI, warm cache_dir, the static build (make static: static/mta-sts.cgi), req/s | $(ratio 1e6 "${R[cgi_static]}" 0) (${R[cgi_static]} us) | minimal C CGI $(ratio 1e6 "$b" 0) ($b us) | $q | (>= 0.70) | $(yesno "$q" '>=' 0.70) |"
			echo "| 2 | same, vs the minimal C CGI linked statically | $(ratio 1e6 "${R[cgi_static]}" 0) | minimal static $(ratio 1e6 "${R[cgi_minstatic]}" 0) | $(ratio "${R[cgi_minstatic]}" "${R[cgi_static]}") | - | |"
		fi
		echo "| 2 | CGI, cold cache (fresh cache_dir, new resolver, lab nsd warm), median ms | $(ratio "${R[cgi_cold]}" 1000) | - | - | < 10 | $(yesno "$(ratio "${R[cgi_cold]}" 1000 3)" '<=' 9.999) |"
		n=0
		for v in minimal minlibs minstatic warm1 warmbig cold ${HAVE_STATIC:+static}; do
			k=cgi_${v}_bad
			n=$((n + ${R[$k]}))
		done
		echo "| 2 | CGI answers not byte-identical to the expected 200 (all variants) | $n | - | - | 0 | $([ "$n" -eq 0 ] && echo met || echo MISSED) |"
		q=$(ratio "${R[cgi_warmbig]}" "$a")
		echo "| 3 | CGI warm, $NDOM+1 domains vs 1 domain, us per exec | ${R[cgi_warmbig]} | $a | $q | <= 1.5 | $(yesno "$q" '<=' 1.5) |"
	fi
	if want scale; then
		echo "| 3 | FastCGI VmRSS, 1 domain, after 1 request | ${R[rss_one]} kB | - | - | report | |"
		echo "| 3 | FastCGI VmRSS, $NDOM+1 domains configured, 1 cached | ${R[rss_bigdisk_0]} kB | - | - | report | |"
		echo "| 3 | FastCGI VmRSS, $NDOM policies (3 mx) cached from cache_dir files | ${R[rss_bigdisk_1]} kB (again all from memory: ${R[rss_bigdisk_2]} kB) | - | +$(( R[rss_bigdisk_1] - R[rss_bigdisk_0] )) kB = $(( (R[rss_bigdisk_1] - R[rss_bigdisk_0]) * 1024 / NDOM )) B/domain | report | |"
		echo "| 3 | FastCGI VmRSS, $NDOM NXDOMAIN outcomes cached from lab DNS | ${R[rss_bigdns_1]} kB (again all from memory: ${R[rss_bigdns_2]} kB) | - | +$(( R[rss_bigdns_1] - R[rss_bigdns_0] )) kB over ${R[rss_bigdns_0]} kB | report | |"
		echo "| 3 | same, second pass over the $NDOM NXDOMAIN domains: fresh lookups logged | $(kv "${R[bigdns_pass2]}" stderr_lines) of $NDOM | - | - | 0 expected from a cache | |"
		echo "| 3 | FastCGI direct (fcgi-drive, no nginx), $NDOM memory hits | $(kv "${R[bigdisk_pass2]}" seconds) s ($(ratio "$(kv "${R[bigdisk_pass2]}" seconds)e6" "$NDOM" 1) us/request) | - | - | - | |"
	fi
	if want stability; then
		q=$(awk -v a="${R[stab_rss_first]}" -v b="${R[stab_rss_end]}" 'BEGIN { d = (b - a) / a * 100; printf "%.2f", d < 0 ? -d : d }')
		echo "| 4 | FastCGI VmRSS after ${R[stab_first_n]} requests -> after ${R[stab_n]} | ${R[stab_rss_first]} kB -> ${R[stab_rss_end]} kB | - | $q % | < 1 % | $(yesno "$q" '<=' 0.999) |"
		echo "| 4 | non-2xx + socket errors in the stability run | ${R[stab_bad]} | - | - | 0 | $([ "${R[stab_bad]}" -eq 0 ] && echo met || echo MISSED) |"
	fi
	if want callgrind; then
		echo "| 5 | instructions per warm FastCGI request (callgrind, (I(1+$CG_N) - I(1)) / $CG_N) | ${R[cg_ours]} | minimal ${R[cg_minimal]} | $(ratio "${R[cg_ours]}" "${R[cg_minimal]}") | report | |"
		echo "| 5 | instructions, FastCGI start-up + 1st request | ${R[cg_ours_start]} | minimal ${R[cg_minimal_start]} | $(ratio "${R[cg_ours_start]}" "${R[cg_minimal_start]}") | - | |"
		echo "| 5 | instructions per warm CGI exec (whole process) | ${R[cg_cgi_ours]} | minimal ${R[cg_cgi_minimal]} | $(ratio "${R[cg_cgi_ours]}" "${R[cg_cgi_minimal]}") | - | |"
		echo "| 5 | same, minimal CGI linked with our shared libraries | ${R[cg_cgi_ours]} | minimal+libs ${R[cg_cgi_minlibs]} | $(ratio "${R[cg_cgi_ours]}" "${R[cg_cgi_minlibs]}") | - | |"
		if [ -n "$HAVE_STATIC" ]; then
			echo "| 5 | instructions per warm CGI exec, the static build | ${R[cg_cgi_static]} | minimal ${R[cg_cgi_minimal]} | $(ratio "${R[cg_cgi_static]}" "${R[cg_cgi_minimal]}") | - | |"
		fi
		echo "| 5 | instructions per warm CGI exec, $NDOM+1 domains vs 1 domain | ${R[cg_cgi_big]} | ${R[cg_cgi_ours]} | $(ratio "${R[cg_cgi_big]}" "${R[cg_cgi_ours]}") | - | |"
	fi
	if want attack; then
		for m in listed optin; do
			q=$(ratio "${R[att_${m}_ratio]}" 1)
			d="listed mode, listed dead.example"
			[ "$m" = optin ] && d="opt-in mode, random names under dead.example"
			echo "| 6 | $d: cached secure.example req/s under attack vs none (ratio: median of the per-round ratios) | $(printf %.0f "${R[att_${m}_att]}") | no attack $(printf %.0f "${R[att_${m}_none]}") | $q | >= 0.80 | $(yesno "$q" '>=' 0.80) |"
			echo "| 6 | $d: p99 latency of the cached requests, ms | ${R[att_${m}_att_p99]} under attack | ${R[att_${m}_none_p99]} no attack | - | < 50 | $(yesno "${R[att_${m}_att_p99]}" '<=' 49.999) |"
			echo "| 6 | $d: attack requests, all rounds (max latency ms) | ${R[att_${m}_amax]} ms; ${R[att_${m}_asum]} | - | - | all 503, < 3500 ms | ${R[att_${m}_aok]} |"
			echo "| 6 | $d: non-2xx + socket errors of the cached requests; measurements in which none completed | ${R[att_${m}_bad]}; ${R[att_${m}_zero]} of $((2 * RUNS)) | - | - | 0; 0 | $([ "${R[att_${m}_bad]}" -eq 0 ] && [ "${R[att_${m}_zero]}" -eq 0 ] && echo met || echo MISSED) |"
		done
	fi
	if want flood; then
		d=$(( R[flood_rss1] - R[flood_rss0] ))
		echo "| 7 | FastCGI VmRSS growth after $FLOOD_N requests with distinct random Hosts (opt-in mode) | +$d kB (${R[flood_rss0]} -> ${R[flood_rss1]} kB) | - | - | < 8192 kB | $([ "$d" -lt 8192 ] && echo met || echo MISSED) |"
		echo "| 7 | the opted-in secure.example afterwards | ${R[flood_after]} | - | - | 0 queries | ${R[flood_after_ok]} |"
	fi
	if want outage; then
		echo "| 8 | DNS outage, cached entry expired: latency of the first request, ms | ${R[out_first]} | - | - | report | |"
		echo "| 8 | same, later requests (median), ms | ${R[out_later]} | - | - | report | |"
		echo "| 8 | same, every answer the stale policy (200) | ${R[out_all]} | - | - | all 200 | ${R[out_ok]} |"
	fi
	if want timing; then
		echo "| 9 | lookup budget 2500 ms, first round 700 ms (stub, real sleep): what the second round gets, ms (median of 5) | ${R[tim_round2]} | 1800 | overhead ${R[tim_over]} ms | report | |"
		echo "| 9 | state lock held, wait 300 ms: waited before refusing, ms (median of 5; max) | ${R[tim_lock]} (max ${R[tim_lock_max]}) | 300 | - | report | |"
	fi
	echo
	echo "Per-run values:"
	echo
	if want fcgi; then
		for v in ours minimal static; do echo "    fcgi $v req/s: ${R[fcgi_${v}_all]}"; done
		echo "    fcgi ours/minimal per run: ${R[fcgi_paired_all]}"
		for v in ours minimal; do echo "    fcgi $v CPU us/request: ${R[fcgi_${v}_cpu_all]}"; done
		echo "    fcgi ours VmRSS after the runs: ${R[fcgi_rss]} kB"
	fi
	if want cgi; then
		for v in minimal minlibs minstatic warm1 warmbig cold ${HAVE_STATIC:+static}; do echo "    cgi $v median us: ${R[cgi_${v}_all]}  (stderr bytes: ${R[cgi_${v}_stderr]})"; done
	fi
	if want scale; then
		echo "    scale fill from cache_dir: ${R[bigdisk_fill]}"
		echo "    scale fill from DNS:       ${R[bigdns_fill]}"
		echo "    scale second pass (DNS):   ${R[bigdns_pass2]}"
	fi
	if want attack; then
		for m in listed optin; do echo "    attack $m (req/s / p99 per measurement): ${R[att_${m}_all]}"; done
		sed 's/^/    /' "$T/attack.res"
	fi
	if want flood; then
		echo "    flood: ${R[flood_run]}"
	fi
	if want stability; then
		echo "    stability (requests VmRSS-kB):"
		sed 's/^/      /' "$OUT/stability-rss.txt"
	fi
	if want confscale; then
		echo
		cs_table
	fi
} >"$OUT/results.md"
echo
cat "$OUT/results.md"
cp "$OUT/results.md" "$HERE/out/latest.md"
say "done in ${SECONDS}s; raw outputs in $OUT"
