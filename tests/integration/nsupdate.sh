#!/bin/bash
# The shipped RFC 2136 publish hook, cli/hooks/nsupdate-hook, for real:
# BIND (named) serves a small zone on 127.0.0.1 and accepts updates signed
# with a TSIG key made here; mta-sts-id (policy from an override file,
# --no-verify) runs the hook with nsupdate_server/_zone/_key from its
# configuration and reads the answer back through libunbound.  After each
# bump exactly one v=STSv1 record must be there (dig), and the other TXT
# record at the name is gone too (the hook replaces the RRset).  Ports 15622
# (named).  Runs in a private network namespace when allowed.
set -u
SUITE=nsupdate
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
for p in named tsig-keygen nsupdate dig; do
	if ! command -v "$p" >/dev/null; then
		fail "BIND tools present ($p missing: tests/deps.sh installs bind9, bind9-dnsutils)"
		exit 1
	fi
done

ID=$TOP/cli/mta-sts-id
HOOK=$TOP/cli/hooks/nsupdate-hook
PORT=15622
T=$(mktemp -d /tmp/mta-sts-nsupdate.XXXXXX)
chmod 755 "$T"
NAMED_PID=
cleanup() {
	if [ -n "$NAMED_PID" ]; then
		kill "$NAMED_PID" 2>/dev/null
		wait "$NAMED_PID" 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# --- BIND: one zone, updates only with the TSIG key -----------------------
tsig-keygen -a hmac-sha256 mta-sts-test >"$T/tsig.key"
cat >"$T/pub.example.zone" <<Z
\$TTL 300
@ IN SOA ns.pub.example. hostmaster.pub.example. 1 3600 600 86400 300
@ IN NS ns.pub.example.
ns IN A 127.0.0.1
@ IN MX 10 mx.pub.example.
mx IN A 192.0.2.25
mta-sts IN A 127.0.0.1
_mta-sts IN TXT "v=STSv1; id=1"
_mta-sts IN TXT "an unrelated TXT record"
Z
cat >"$T/named.conf" <<N
include "$T/tsig.key";
options {
	directory "$T";
	pid-file "$T/named.pid";
	listen-on port $PORT { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
};
controls { };
zone "pub.example" {
	type primary;
	file "$T/pub.example.zone";
	update-policy { grant mta-sts-test name _mta-sts.pub.example. TXT; };
};
N
named -g -c "$T/named.conf" >"$T/named.log" 2>&1 &
NAMED_PID=$!
for _ in $(seq 100); do
	dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 pub.example SOA 2>/dev/null | grep -q hostmaster && break
	sleep 0.1
done
if dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 pub.example SOA 2>/dev/null | grep -q hostmaster; then
	pass "named serves pub.example on 127.0.0.1:$PORT"
else
	fail "named serves pub.example on 127.0.0.1:$PORT" "$(tail -5 "$T/named.log")"
	exit 1
fi

txt() {	# the TXT records at _mta-sts.pub.example, straight from named, sorted
	dig +short +time=2 +tries=1 -p "$PORT" @127.0.0.1 _mta-sts.pub.example TXT | sort
}

serial() {	# the zone's SOA serial
	dig +short +time=2 +tries=1 -p "$PORT" @127.0.0.1 pub.example SOA | awk '{ print $3 }'
}

# --- an unsigned update is refused ----------------------------------------
if printf 'server 127.0.0.1 %s\nupdate add _mta-sts.pub.example. 300 TXT "v=STSv1; id=666"\nsend\n' "$PORT" |
    nsupdate >"$T/nokey.log" 2>&1; then
	fail "an update without the TSIG key is refused" "$(cat "$T/nokey.log")"
elif grep -q REFUSED "$T/nokey.log" && ! txt | grep -q 666; then
	pass "an update without the TSIG key is refused"
else
	fail "an update without the TSIG key is refused" "$(cat "$T/nokey.log")"
fi

# --- mta-sts-id with the hook ---------------------------------------------
printf 'version: STSv1\nmode: enforce\nmx: mx.pub.example\nmax_age: 86400\n' >"$T/policy.txt"
cat >"$T/unbound.conf" <<U
server:
    do-not-query-localhost: no
    do-ip6: no
    outgoing-interface: 127.0.0.1
    domain-insecure: "pub.example."
stub-zone:
    name: "pub.example."
    stub-addr: 127.0.0.1@$PORT
U
cat >"$T/id.conf" <<C
unbound_conf: $T/unbound.conf
dnssec: allow-insecure
state_dir: $T/state
publish_hook: $HOOK
publish_wait: 6
nsupdate_server: 127.0.0.1@$PORT
nsupdate_zone: pub.example
nsupdate_key: $T/tsig.key
domain: pub.example
override: $T/policy.txt
C

"$ID" -c "$T/id.conf" --no-verify pub.example >"$T/out1" 2>"$T/err1"
rc=$?
id1=$(awk '$1 == "id" { print $2 }' "$T/state/pub.example.state")
serial1=$(serial)
if [ "$rc" = 0 ] && [ "$(txt)" = "\"v=STSv1; id=$id1\"" ]; then
	pass "first bump: the hook replaced the TXT RRset, exactly one v=STSv1 record"
else
	fail "first bump: the hook replaced the TXT RRset, exactly one v=STSv1 record" "rc $rc: $(cat "$T/err1") $(txt)"
fi
if grep -Eq '^published [0-9]+$' "$T/state/pub.example.state"; then
	pass "first bump: state says published (libunbound saw the id)"
else
	fail "first bump: state says published (libunbound saw the id)" "$(cat "$T/state/pub.example.state")"
fi
"$ID" -c "$T/id.conf" --no-verify --rotate pub.example >"$T/out2" 2>"$T/err2"
rc=$?
id2=$(awk '$1 == "id" { print $2 }' "$T/state/pub.example.state")
if [ "$rc" = 0 ] && [ "$id2" != "$id1" ] && [ "$(txt)" = "\"v=STSv1; id=$id2\"" ]; then
	pass "second bump: exactly one v=STSv1 record, the new id"
else
	fail "second bump: exactly one v=STSv1 record, the new id" "rc $rc: $(cat "$T/err2") $(txt)"
fi
# One update message per bump (delete and add in one transaction): named
# bumps the SOA serial once per message, so 1 -> 2 -> 3.  An add-then-
# delete hook would have made it 5.
if [ "$serial1" = 2 ] && [ "$(serial)" = 3 ]; then
	pass "two bumps, two update messages (SOA serial 1 -> 2 -> 3)"
else
	fail "two bumps, two update messages (SOA serial 1 -> 2 -> 3)" "$serial1 $(serial)"
fi

# --- --format nsupdate: server, zone lines; nsupdate -k accepts it --------
"$ID" -c "$T/id.conf" --no-verify --no-publish --rotate --format nsupdate pub.example >"$T/script" 2>"$T/err3"
id3=$(awk '$1 == "id" { print $2 }' "$T/state/pub.example.state")
want="; pub.example: rotated
server 127.0.0.1 $PORT
zone pub.example.
update delete _mta-sts.pub.example. TXT
update add _mta-sts.pub.example. 300 TXT \"v=STSv1; id=$id3\"
send"
if [ "$(cat "$T/script")" = "$want" ]; then
	pass "--format nsupdate: server and zone lines from the configuration"
else
	fail "--format nsupdate: server and zone lines from the configuration" "$(cat "$T/script")"
fi
if nsupdate -k "$T/tsig.key" <"$T/script" >"$T/ns3.log" 2>&1 && [ "$(txt)" = "\"v=STSv1; id=$id3\"" ]; then
	pass "--format nsupdate | nsupdate -k KEY: one record, the new id"
else
	fail "--format nsupdate | nsupdate -k KEY: one record, the new id" "$(cat "$T/ns3.log") $(txt)"
fi

# --- the hook refuses bad arguments ---------------------------------------
"$HOOK" pub.example www.pub.example "v=STSv1; id=1" 1 300 >/dev/null 2>"$T/bad1"
rc1=$?
"$HOOK" pub.example _mta-sts.pub.example 'v=STSv1; id=1" x' 1 300 >/dev/null 2>"$T/bad2"
rc2=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$(txt)" = "\"v=STSv1; id=$id3\"" ]; then
	pass "hook: not an _mta-sts name, a quote in the value: exit 2, nothing sent"
else
	fail "hook: not an _mta-sts name, a quote in the value: exit 2, nothing sent" "$rc1 $rc2 $(cat "$T/bad1" "$T/bad2")"
fi
exit 0
