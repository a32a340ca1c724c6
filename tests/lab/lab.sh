#!/bin/bash
# tests/lab/lab.sh - run the hermetic DNS lab for the integration tests.
#
#   lab.sh start DIR [PORT] [DEADPORT]   build zones in DIR (mkzones.sh), start
#                                        nsd on 127.0.0.1@PORT (default 15353) and
#                                        the blackhole on 127.0.0.1@DEADPORT
#                                        (default 15354), wait until nsd answers,
#                                        write DIR/lab.env and print it on stdout
#   lab.sh stop DIR                      stop both; waits until they are gone;
#                                        safe to repeat, safe on a half-started lab
#   lab.sh stopnsd DIR                   stop only nsd (the blackhole stays)
#   lab.sh startnsd DIR                  start nsd again on the same files
#   lab.sh setmx DIR NAME ["PREF HOST"]...
#                                        replace NAME's MX RRset (no pairs: none),
#                                        re-sign its zone, make nsd reload it and
#                                        wait until nsd serves the new SOA serial
#   lab.sh settlsa DIR NAME ["USAGE SELECTOR MTYPE HEX"]...
#                                        the same for NAME's TLSA RRset
#   lab.sh settxt DIR NAME ["TEXT"]...  the same for NAME's TXT RRset
#   lab.sh queries DIR                   print the number of queries nsd has
#                                        answered since it started (remote
#                                        control: nsd-control stats_noreset)
#
# DIR/lab.env holds shell assignments: LAB_DIR LAB_PORT LAB_DEADPORT
# LAB_NSD_PID LAB_BLACKHOLE_PID LAB_TA LAB_UNBOUND_CONF.  Everything
# listens on 127.0.0.1 only.  Exit status: 0 ok, 1 failure, 2 usage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BLACKHOLE=$HERE/blackhole
. "$HERE/zonelib.sh"

DIR='' PORT='' DEADPORT='' NSD_PID='' BH_PID=''

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage:" >&2
	sed -n '3,22s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# alive PID: the process exists and is not a zombie.  This matters here:
# nsd's processes are reparented to PID 1 when nsd daemonizes, and on
# this sandbox PID 1 reaps orphans only every second or two, so a dead
# nsd lingers as a zombie (with no sockets) long after it has exited.
alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# cmdline_has PID TEXT: PID's command line contains TEXT.  Guards every
# kill against a PID that was reused by some unrelated process.
cmdline_has() {
	local c
	c=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $c == *"$2"* ]]
}

# port_in_use PROTO PORT: a udp socket is bound to PORT, or a tcp socket
# listens on it, on any address.  Checked before starting a server: a
# second nsd on a busy port fails, and the old one would answer for it.
port_in_use() {
	local hex files=/proc/net/$1
	hex=$(printf '%04X' "$2")
	[ -r "/proc/net/${1}6" ] && files="$files /proc/net/${1}6"
	# shellcheck disable=SC2086
	awk -v p="$hex" -v proto="$1" '
		FNR > 1 { n = split($2, a, ":")
			  if (a[n] == p && (proto == "udp" || $4 == "0A")) f = 1 }
		END { exit !f }' $files
}

set_dir() {
	[ -n "$1" ] || usage
	DIR=$1
}

write_env() {
	{
		printf 'LAB_DIR=%q\n' "$DIR"
		printf 'LAB_PORT=%q\n' "$PORT"
		printf 'LAB_DEADPORT=%q\n' "$DEADPORT"
		printf 'LAB_NSD_PID=%q\n' "$NSD_PID"
		printf 'LAB_BLACKHOLE_PID=%q\n' "$BH_PID"
		printf 'LAB_TA=%q\n' "$DIR/root.ds"
		printf 'LAB_UNBOUND_CONF=%q\n' "$DIR/unbound.conf"
	} >"$DIR/lab.env.tmp"
	mv "$DIR/lab.env.tmp" "$DIR/lab.env"
}

# load_env: read DIR/lab.env; false if there is none.
load_env() {
	# shellcheck disable=SC2034  # LAB_TA, LAB_UNBOUND_CONF: derived from DIR
	local LAB_DIR LAB_PORT LAB_DEADPORT LAB_NSD_PID LAB_BLACKHOLE_PID LAB_TA LAB_UNBOUND_CONF
	[ -f "$DIR/lab.env" ] || return 1
	# shellcheck source=/dev/null
	. "$DIR/lab.env"
	DIR=$LAB_DIR PORT=$LAB_PORT DEADPORT=$LAB_DEADPORT
	NSD_PID=$LAB_NSD_PID BH_PID=$LAB_BLACKHOLE_PID
}

need_env() {
	[ -d "$DIR" ] || die "$DIR: no such directory"
	DIR=$(cd "$DIR" && pwd)
	load_env || die "$DIR/lab.env missing: run lab.sh start first"
}

# wait_gone MS PID...: wait up to MS milliseconds for every PID to die.
wait_gone() {
	local ms=$1 end p
	shift
	end=$(($(now_ms) + ms))
	while :; do
		for p in "$@"; do
			alive "$p" && break
			p=
		done
		[ -z "${p:-}" ] && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

# Build the blackhole if it is missing or stale: through the Makefile
# rule, or by hand with the same flags if the Makefile cannot run.
ensure_blackhole() {
	[ -x "$BLACKHOLE" ] && [ "$BLACKHOLE" -nt "$BLACKHOLE.c" ] && return 0
	make -s -C "$REPO" tests/lab/blackhole >&2 ||
		${CC:-cc} -O2 -g -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
			-Wstrict-prototypes -Wmissing-prototypes \
			-o "$BLACKHOLE" "$BLACKHOLE.c" >&2 ||
		die "cannot build $BLACKHOLE"
}

start_blackhole() {
	local end
	port_in_use udp "$DEADPORT" || port_in_use tcp "$DEADPORT" &&
		die "port $DEADPORT (DEADPORT) is already in use"
	# Background child of this script; it outlives us and is stopped by
	# PID.  Its output goes to a file so that a caller reading our
	# stdout through a pipe is not kept waiting for EOF.
	"$BLACKHOLE" 127.0.0.1 "$DEADPORT" </dev/null >>"$DIR/blackhole.log" 2>&1 &
	BH_PID=$!
	write_env
	end=$(($(now_ms) + 2000))
	until port_in_use udp "$DEADPORT" && port_in_use tcp "$DEADPORT"; do
		alive "$BH_PID" || die "blackhole exited: $(cat "$DIR/blackhole.log")"
		[ "$(now_ms)" -ge "$end" ] && die "blackhole did not bind port $DEADPORT"
		sleep 0.01
	done
}

stop_blackhole() {
	if [ -n "$BH_PID" ] && alive "$BH_PID" &&
	    cmdline_has "$BH_PID" "blackhole 127.0.0.1 $DEADPORT"; then
		kill -TERM "$BH_PID" 2>/dev/null || true
		if ! wait_gone 2000 "$BH_PID"; then
			kill -KILL "$BH_PID" 2>/dev/null || true
			wait_gone 2000 "$BH_PID" || die "blackhole $BH_PID does not die"
		fi
	fi
	BH_PID=
}

# nsd_ready: every zone answers its SOA authoritatively.  nsd starts and
# answers even when a zone file fails to load, so "." alone is not enough.
nsd_ready() {
	local z out
	for z in $LAB_ZONES; do
		out=$(drill -p "$PORT" @127.0.0.1 "$z" SOA 2>/dev/null) || return 1
		[[ $out == *"rcode: NOERROR"* && $out == *"flags: qr aa "* ]] || return 1
	done
}

start_nsd() {
	local end t0
	if [ -n "$NSD_PID" ] && alive "$NSD_PID"; then
		die "nsd is already running (pid $NSD_PID)"
	fi
	port_in_use udp "$PORT" || port_in_use tcp "$PORT" &&
		die "port $PORT is already in use"
	rm -f "$DIR/nsd.pid"
	t0=$(now_ms)
	# nsd daemonizes (fork + setsid) and writes DIR/nsd.pid itself.
	nsd -c "$DIR/nsd.conf" </dev/null >>"$DIR/nsd.out" 2>&1 ||
		die "nsd failed to start: $(tail -n 5 "$DIR/nsd.out" "$DIR/nsd.log" 2>/dev/null)"
	end=$((t0 + 5000))
	NSD_PID=
	while :; do
		if [ -z "$NSD_PID" ] && [ -s "$DIR/nsd.pid" ]; then
			NSD_PID=$(cat "$DIR/nsd.pid")
			write_env
		fi
		if [ -n "$NSD_PID" ]; then
			alive "$NSD_PID" || die "nsd exited: $(tail -n 5 "$DIR/nsd.log" 2>/dev/null)"
			nsd_ready && break
		fi
		[ "$(now_ms)" -ge "$end" ] &&
			die "nsd did not serve every zone on 127.0.0.1@$PORT within 5 s$(
				printf '\n'; grep -s error "$DIR/nsd.log" | tail -n 3 | sed 's/^/  /')"
		sleep 0.02
	done
}

# nsd_members: live processes of our nsd.  nsd runs as three processes
# (xfrd = the PID in nsd.pid, main, server) in a session of its own.
nsd_members() {
	local p
	[ -n "$NSD_PID" ] || return 0
	for p in $(pgrep -s "$NSD_PID" 2>/dev/null || true) "$NSD_PID"; do
		alive "$p" && cmdline_has "$p" "$DIR/nsd.conf" && echo "$p"
	done | sort -u
}

# stop_nsd: SIGTERM to xfrd, which shuts the others down, and wait until
# all three are gone (about 0.1 s; the port is free by then).  SIGKILL
# what is left after 5 s so no process ever outlives a stop.
stop_nsd() {
	local members
	[ -n "$NSD_PID" ] || NSD_PID=$(cat "$DIR/nsd.pid" 2>/dev/null || true)
	members=$(nsd_members)
	if [ -n "$members" ]; then
		if alive "$NSD_PID"; then
			kill -TERM "$NSD_PID" 2>/dev/null || true
		else
			# shellcheck disable=SC2086
			kill -TERM $members 2>/dev/null || true
		fi
		# shellcheck disable=SC2086
		if ! wait_gone 5000 $members; then
			echo "lab.sh: nsd did not exit in 5 s, killing it" >&2
			# shellcheck disable=SC2086
			kill -KILL $members 2>/dev/null || true
			# shellcheck disable=SC2086
			wait_gone 2000 $members || die "nsd processes $members do not die"
		fi
	fi
	NSD_PID=
	# nsd leaves its control socket behind (it may be in /tmp, see
	# mkzones.sh); the next start makes a new one.
	local ctl
	ctl=$(ctl_socket)
	[ -z "$ctl" ] || rm -f "$ctl"
}

# ctl_socket: the path of nsd's control socket, from nsd.conf.
ctl_socket() {
	awk '$1 == "control-interface:" { print $2; exit }' "$DIR/nsd.conf" 2>/dev/null
}

cmd_start() {
	set_dir "${1:-}"
	PORT=${2:-15353} DEADPORT=${3:-15354}
	[ $# -le 3 ] || usage
	case $PORT$DEADPORT in *[!0-9]*) usage ;; esac
	[ "$PORT" != "$DEADPORT" ] || die "PORT and DEADPORT must differ"
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	if [ -f "$DIR/lab.env" ]; then
		local port=$PORT deadport=$DEADPORT
		load_env
		if { [ -n "$NSD_PID" ] && alive "$NSD_PID"; } ||
		    { [ -n "$BH_PID" ] && alive "$BH_PID"; }; then
			die "a lab is already running in $DIR: lab.sh stop $DIR first"
		fi
		PORT=$port DEADPORT=$deadport NSD_PID='' BH_PID=''
	fi
	rm -f "$DIR/lab.env" "$DIR/nsd.log" "$DIR/nsd.out" "$DIR/blackhole.log"
	ensure_blackhole
	"$HERE/mkzones.sh" "$DIR" "$PORT" "$DEADPORT"
	write_env
	# Whatever fails from here on, take down what was started.
	trap 'if [ $? -ne 0 ]; then stop_nsd; stop_blackhole; write_env; fi' EXIT
	start_blackhole
	start_nsd
	write_env
	trap - EXIT
	cat "$DIR/lab.env"
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	set_dir "$1"
	[ -d "$DIR" ] || return 0
	DIR=$(cd "$DIR" && pwd)
	if ! load_env; then
		# never started or lab.env lost: fall back to nsd's own pid file
		[ -f "$DIR/nsd.pid" ] || return 0
		NSD_PID=$(cat "$DIR/nsd.pid")
		stop_nsd
		return 0
	fi
	stop_nsd
	stop_blackhole
	write_env
}

cmd_stopnsd() {
	[ $# -eq 1 ] || usage
	set_dir "$1"
	need_env
	stop_nsd
	write_env
}

cmd_startnsd() {
	[ $# -eq 1 ] || usage
	set_dir "$1"
	need_env
	trap 'if [ $? -ne 0 ]; then stop_nsd; write_env; fi' EXIT
	start_nsd
	write_env
	trap - EXIT
}

# zone_serial ZONE: the SOA serial nsd serves for ZONE.
zone_serial() {
	drill -p "$PORT" @127.0.0.1 "$1" SOA 2>/dev/null |
		awk '$1 !~ /^;/ && $4 == "SOA" { print $7; exit }'
}

cmd_setmx() {
	local owner rr pref host extra lines=
	[ $# -ge 2 ] || usage
	set_dir "$1"
	need_env
	owner=${2,,}
	owner=${owner%.}.
	shift 2
	for rr in "$@"; do
		read -r pref host extra <<<"$rr" || true
		if ! [[ $pref =~ ^[0-9]{1,5}$ ]] || [ "$pref" -gt 65535 ] ||
		    [ -z "$host" ] || [ -n "$extra" ]; then
			die "bad MX \"$rr\": want \"PREF HOST\""
		fi
		lines+="$owner IN MX $pref ${host%.}."$'\n'
	done
	set_rrset "$owner" MX "$lines"
}

cmd_settlsa() {
	local owner rr u s m hex extra lines=
	[ $# -ge 2 ] || usage
	set_dir "$1"
	need_env
	owner=${2,,}
	owner=${owner%.}.
	shift 2
	for rr in "$@"; do
		read -r u s m hex extra <<<"$rr" || true
		if ! [[ $u =~ ^[0-9]{1,3}$ && $s =~ ^[0-9]{1,3}$ &&
		    $m =~ ^[0-9]{1,3}$ && $hex =~ ^([0-9a-fA-F]{2})+$ ]] ||
		    [ "$u" -gt 255 ] || [ "$s" -gt 255 ] || [ "$m" -gt 255 ] ||
		    [ -n "$extra" ]; then
			die "bad TLSA \"$rr\": want \"USAGE SELECTOR MTYPE HEX\""
		fi
		lines+="$owner IN TLSA $u $s $m $hex"$'\n'
	done
	set_rrset "$owner" TLSA "$lines"
}

cmd_settxt() {
	local owner rr lines=
	[ $# -ge 2 ] || usage
	set_dir "$1"
	need_env
	owner=${2,,}
	owner=${owner%.}.
	shift 2
	for rr in "$@"; do
		case $rr in
		*'"'*|*'\'*|'') die "bad TXT \"$rr\": no quotes or backslashes, not empty" ;;
		esac
		lines+="$owner IN TXT \"$rr\""$'\n'
	done
	set_rrset "$owner" TXT "$lines"
}

# set_rrset OWNER TYPE LINES: replace OWNER's TYPE records in its zone's
# source by LINES, bump the serial, re-sign, and have nsd serve it.
set_rrset() {
	local owner=$1 type=$2 lines=$3 zone src serial end t0
	zone=$(zone_for_owner "$owner")
	[ -n "$zone" ] || die "$owner is in no zone the lab serves"
	src=$DIR/zones/$(zone_base "$zone").zone
	# Drop the owner's lines of the type, append the new ones, bump the serial.
	awk -v o="$owner" -v t="$type" '!(tolower($1) == o && $2 == "IN" && $3 == t)' "$src" >"$src.tmp"
	printf '%s' "$lines" >>"$src.tmp"
	mv "$src.tmp" "$src"
	bump_serial "$src"
	sign_zone "$DIR" "$zone"
	serial=$(awk '$3 == "SOA" { print $6; exit }' "$src")
	# nsd not running (stopnsd): the next startnsd loads the new file.
	alive "${NSD_PID:-0}" || return 0
	# SIGHUP makes nsd 4.6 re-read zone files whose mtime changed (no
	# remote-control needed).  Wait until the new serial is served, so
	# a test can query right after setmx returns.
	t0=$(now_ms)
	end=$((t0 + 5000))
	kill -HUP "$NSD_PID"
	until [ "$(zone_serial "$zone")" = "$serial" ]; do
		[ "$(now_ms)" -ge "$end" ] && die "nsd did not load serial $serial of $zone within 5 s"
		sleep 0.01
	done
}

# cmd_queries DIR: nsd's query counter (num.queries: every query nsd has
# received since it started, answered or not; lab.sh's own readiness and
# serial checks count too, so compare two readings).  nsd-control talks
# to the unix socket named in nsd.conf (mkzones.sh), no keys.  Queries to
# the blackhole (dead.example.) never reach nsd and are not counted.
cmd_queries() {
	local out n
	[ $# -eq 1 ] || usage
	set_dir "$1"
	need_env
	alive "${NSD_PID:-0}" || die "nsd is not running in $DIR"
	out=$(nsd-control -c "$DIR/nsd.conf" stats_noreset 2>&1) ||
		die "nsd-control stats_noreset: $out"
	n=$(awk -F= '$1 == "num.queries" { print $2; f = 1 } END { exit !f }' <<<"$out") ||
		die "no num.queries in nsd-control's output: $(head -n 3 <<<"$out")"
	[[ $n =~ ^[0-9]+$ ]] || die "bad num.queries: $n"
	echo "$n"
}

case ${1:-} in
queries) shift; cmd_queries "$@" ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
stopnsd) shift; cmd_stopnsd "$@" ;;
startnsd) shift; cmd_startnsd "$@" ;;
setmx) shift; cmd_setmx "$@" ;;
settlsa) shift; cmd_settlsa "$@" ;;
settxt) shift; cmd_settxt "$@" ;;
*) usage ;;
esac
