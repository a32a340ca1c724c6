#!/bin/bash
# tests/lab/mkzones.sh DIR PORT DEADPORT
#
# Build a hermetic signed DNS tree for the integration tests in DIR:
# keys, zone files, signed zones, nsd.conf for one nsd on 127.0.0.1@PORT,
# the trust anchor DIR/root.ds, and DIR/unbound.conf for libunbound.
# Earlier output in DIR is replaced; nothing outside DIR is touched
# (except nsd's control socket, in /tmp when DIR's path is too long for
# one, see below) and nothing is started (lab.sh does that).  Zone contents are below.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: mkzones.sh DIR PORT DEADPORT" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/zonelib.sh"

DIR=$1 PORT=$2 DEADPORT=$3
case $PORT$DEADPORT in *[!0-9]*)
	echo "mkzones.sh: ports must be numbers" >&2
	exit 2 ;;
esac
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)	# absolute: nsd.conf and unbound.conf name files in it
rm -rf "$DIR/keys" "$DIR/zones" "$DIR/zone.list" "$DIR/xfrd.state"
mkdir -p "$DIR/keys" "$DIR/zones"
Z=$DIR/zones

# newkey ZONE: make an ECDSAP256SHA256 key with flags 257 and print its
# basename.  With a single key per zone ldns-signzone signs every RRset
# with it (a CSK), which keeps the chain as short as it can be.
newkey() {
	(cd "$DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$1")
}
# csk ZONE: make the zone's signing key and remember it for sign_zone.
csk() {
	local k
	k=$(newkey "$1")
	echo "$k" >"$DIR/keys/$(zone_base "$1").csk"
	echo "$k"
}
# ds KEYBASE: the SHA-256 DS record ldns-keygen wrote, comment stripped.
ds() {
	sed 's/;.*//' "$DIR/keys/$1.ds" | awk 'NF'
}
# soa ZONE: the one-line SOA that bump_serial understands.
soa() {
	local mname
	[ "$1" = . ] && mname=ns. || mname=ns.$1
	printf '%s IN SOA %s hostmaster.%s 1 3600 600 86400 300\n' "$1" "$mname" "$mname"
}

K_ROOT=$(csk .)
K_EXAMPLE=$(csk example.)
K_SECURE=$(csk secure.example.)
K_BOGUS=$(csk bogus.example.)
K_EXPIRED=$(csk expired.example.)
csk badds.example. >/dev/null
# Never published anywhere: its DS goes into example. as badds's DS, so
# the DS matches no DNSKEY in badds.example.
K_BADDS_OTHER=$(newkey badds.example.)
# dead.example. is never served; its DS makes the validator insist on
# fetching its DNSKEY from the dead server.
K_DEAD=$(newkey dead.example.)

# Every record has an absolute owner name so lab.sh setmx can find and
# rewrite lines with plain text tools.  TTL 300 throughout.
{
	echo "\$TTL 300"
	soa .
	echo '. IN NS ns.'
	echo 'ns. IN A 127.0.0.1'
	echo 'example. IN NS ns.example.'
	echo 'ns.example. IN A 127.0.0.1'
	ds "$K_EXAMPLE"
} >"$Z/root.zone"

{
	echo "\$TTL 300"
	soa example.
	cat <<'EOF'
example. IN NS ns.example.
ns.example. IN A 127.0.0.1
; Delegations.  One nsd serves every child itself, so it answers for
; them directly and resolvers never follow this glue (which has no port).
secure.example. IN NS ns.secure.example.
ns.secure.example. IN A 127.0.0.1
insecure.example. IN NS ns.insecure.example.
ns.insecure.example. IN A 127.0.0.1
bogus.example. IN NS ns.bogus.example.
ns.bogus.example. IN A 127.0.0.1
expired.example. IN NS ns.expired.example.
ns.expired.example. IN A 127.0.0.1
badds.example. IN NS ns.badds.example.
ns.badds.example. IN A 127.0.0.1
; not served by nsd: the resolver's stub sends it to the blackhole
dead.example. IN NS ns.dead.example.
ns.dead.example. IN A 127.0.0.1
; In-zone test names, signed with example.'s key.
nullmx.example. IN MX 0 .
_mta-sts.nullmx.example. IN TXT "v=STSv1; id=1"
nomx.example. IN A 192.0.2.30
_mta-sts.nomx.example. IN TXT "v=STSv1; id=1"
nomx6.example. IN AAAA 2001:db8::30
_mta-sts.nomx6.example. IN TXT "v=STSv1; id=1"
_mta-sts.noaddr.example. IN TXT "v=STSv1; id=1"
mixednull.example. IN MX 0 .
mixednull.example. IN MX 10 mx.mixednull.example.
mx.mixednull.example. IN A 192.0.2.31
_mta-sts.mixednull.example. IN TXT "v=STSv1; id=1"
badmx.example. IN MX 10 mx_1.badmx.example.
_mta-sts.badmx.example. IN TXT "v=STSv1; id=1"
optin.example. IN MX 10 mail.optin.example.
mail.optin.example. IN A 192.0.2.32
_mta-sts.optin.example. IN TXT "v=STSv1; id=1"
nooptin.example. IN MX 10 mail.nooptin.example.
mail.nooptin.example. IN A 192.0.2.33
wrongtxt.example. IN MX 10 mail.wrongtxt.example.
mail.wrongtxt.example. IN A 192.0.2.34
_mta-sts.wrongtxt.example. IN TXT "v=spf1 -all"
cnamemx.example. IN MX 10 mail.cnamemx.example.
mail.cnamemx.example. IN CNAME mx1.secure.example.
_mta-sts.cnamemx.example. IN TXT "v=STSv1; id=1"
; mta-sts-id --check (tests/integration/check.sh): TXT defects, a TXT
; record reached through a CNAME, TLS-RPT missing or without rua.
_mta-sts.multitxt.example. IN TXT "v=STSv1; id=20240101000000"
_mta-sts.multitxt.example. IN TXT "v=STSv1; id=20240101000001"
_mta-sts.othertxt.example. IN TXT "v=STSv1; id=20240101000000"
_mta-sts.othertxt.example. IN TXT "site-verification=abc"
_mta-sts.badid.example. IN TXT "v=STSv1; id=2024-01-01"
cnametxt.example. IN MX 10 mx1.secure.example.
_mta-sts.cnametxt.example. IN CNAME _mta-sts.secure.example.
_smtp._tls.cnametxt.example. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@cnametxt.example"
norpt.example. IN MX 10 mx1.secure.example.
_mta-sts.norpt.example. IN TXT "v=STSv1; id=20240101000000"
badrpt.example. IN MX 10 mx1.secure.example.
_mta-sts.badrpt.example. IN TXT "v=STSv1; id=20240101000000"
_smtp._tls.badrpt.example. IN TXT "v=TLSRPTv1;"
; mta-sts-id --check, DANE (tests/integration/checkdane.sh): the TLSA
; records at _25._tcp.mx.dane.example and _25._tcp.mx2.dane.example are
; set by the test (lab.sh settlsa); danebogus.example's MX host has a
; bogus TLSA RRset (bogus.example); deadmx.example's MX host is in the
; dead zone.
dane.example. IN MX 10 mx.dane.example.
dane.example. IN MX 20 mx2.dane.example.
mx.dane.example. IN A 192.0.2.40
mx2.dane.example. IN A 192.0.2.41
_mta-sts.dane.example. IN TXT "v=STSv1; id=20240101000000"
_smtp._tls.dane.example. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@dane.example"
danebogus.example. IN MX 10 mx1.bogus.example.
_mta-sts.danebogus.example. IN TXT "v=STSv1; id=20240101000000"
deadmx.example. IN MX 10 mx.dead.example.
_mta-sts.deadmx.example. IN TXT "v=STSv1; id=20240101000000"
EOF
	ds "$K_SECURE"
	ds "$K_BOGUS"
	ds "$K_EXPIRED"
	ds "$K_BADDS_OTHER" | sed 's/^[^[:space:]]*/badds.example./'
	ds "$K_DEAD"
} >"$Z/example.zone"

# The MX set is mixed-case, unsorted, and names mx2 twice (10 and 30) on
# purpose: the program must sort, lowercase and deduplicate.
{
	echo "\$TTL 300"
	soa secure.example.
	cat <<'EOF'
secure.example. IN NS ns.secure.example.
ns.secure.example. IN A 127.0.0.1
secure.example. IN MX 10 MX2.Secure.Example.
secure.example. IN MX 20 mx1.secure.example.
secure.example. IN MX 30 mx2.secure.example.
secure.example. IN MX 5 Zz.secure.example.
mx1.secure.example. IN A 192.0.2.11
mx1.secure.example. IN AAAA 2001:db8::11
mx2.secure.example. IN A 192.0.2.12
zz.secure.example. IN A 192.0.2.13
_mta-sts.secure.example. IN TXT "v=STSv1; id=20240101000000"
mta-sts.secure.example. IN A 127.0.0.1
_smtp._tls.secure.example. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@secure.example"
EOF
} >"$Z/secure.example.zone"

{
	echo "\$TTL 300"
	soa insecure.example.
	cat <<'EOF'
insecure.example. IN NS ns.insecure.example.
ns.insecure.example. IN A 127.0.0.1
insecure.example. IN MX 10 mx.insecure.example.
mx.insecure.example. IN A 192.0.2.20
_mta-sts.insecure.example. IN TXT "v=STSv1; id=1"
; mta-sts-id --check: a domain whose only defect is the unsigned zone
sub.insecure.example. IN MX 10 mx.insecure.example.
_mta-sts.sub.insecure.example. IN TXT "v=STSv1; id=20240101000000"
_smtp._tls.sub.insecure.example. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@insecure.example"
; mta-sts-id --check: TLSA records that no validator can trust
_25._tcp.mx.insecure.example. IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
EOF
} >"$Z/insecure.example.zone"

# bogus, expired and badds look alike; only the way they are signed or
# delegated differs.
n=21
for name in bogus expired badds; do
	zone=$name.example.
	{
		echo "\$TTL 300"
		soa "$zone"
		echo "$zone IN NS ns.$zone"
		echo "ns.$zone IN A 127.0.0.1"
		echo "$zone IN MX 10 mx1.$zone"
		echo "mx1.$zone IN A 192.0.2.$n"
		echo "_mta-sts.$zone IN TXT \"v=STSv1; id=1\""
		# the policy host, for real MTA-STS clients (webclient.sh),
		# and a TLSA RRset that sign_zone makes bogus (checkdane.sh)
		if [ "$name" = bogus ]; then
			echo "mta-sts.$zone IN A 127.0.0.1"
			echo "_25._tcp.mx1.$zone IN TLSA 3 1 1 1111111111111111111111111111111111111111111111111111111111111111"
		fi
	} >"$Z/$name.example.zone"
	n=$((n + 1))
done

for zone in $LAB_ZONES; do
	sign_zone "$DIR" "$zone"
	# nsd would start without a zone it cannot parse; fail here instead
	nsd-checkzone "$zone" "$Z/$(zone_base "$zone").zone.signed" >/dev/null
done

# Trust anchor: the private root's DS.  Our program loads it itself
# (ub_ctx_add_ta_file), so unbound.conf deliberately has none.
ds "$K_ROOT" >"$DIR/root.ds"

# nsd's control socket.  A unix socket path must fit in sun_path (107
# bytes + NUL); a deep DIR can exceed that, then the socket goes to /tmp
# under a name derived from DIR (one per lab directory).
CTL=$DIR/nsd.ctl
if [ "${#CTL}" -gt 100 ]; then
	CTL=/tmp/mta-sts-lab-$(printf '%s' "$DIR" | cksum | cut -d' ' -f1).ctl
fi

{
	cat <<EOF
# nsd for the mta-sts-cgi DNS lab, generated by tests/lab/mkzones.sh.
server:
    ip-address: 127.0.0.1@$PORT
    do-ip4: yes
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$Z"
    database: ""
    zonelistfile: "$DIR/zone.list"
    xfrdfile: "$DIR/xfrd.state"
    xfrdir: "$DIR"
    pidfile: "$DIR/nsd.pid"
    logfile: "$DIR/nsd.log"
    server-count: 1
    verbosity: 1
    minimal-responses: yes
    refuse-any: yes
    hide-version: yes
    # Debian builds nsd with response rate limiting on (200 qps per
    # source): back-to-back test runs from 127.0.0.1 got dropped or
    # truncated answers and stalled for up to 1.5 s.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
# Remote control on a unix socket (no TLS keys needed for a path), for
# the query counter (lab.sh queries: nsd-control stats_noreset).  Zones
# are still reloaded with SIGHUP (lab.sh setmx).
remote-control:
    control-enable: yes
    control-interface: $CTL
EOF
	for zone in $LAB_ZONES; do
		printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone.signed"\n' \
			"$zone" "$(zone_base "$zone")"
	done
} >"$DIR/nsd.conf"

# libunbound config.  Stubs for every zone that holds delegations ("."
# and "example."), because glue carries no port: a resolver following
# ns.example. A 127.0.0.1 would query port 53.  isprime stays off for
# the same reason.  dead.example. goes to the blackhole on DEADPORT.
cat >"$DIR/unbound.conf" <<EOF
# libunbound config for the mta-sts-cgi DNS lab (tests/lab/mkzones.sh).
# No trust anchor here: load $DIR/root.ds separately.
server:
    do-not-query-localhost: no
    do-ip6: no
    outgoing-interface: 127.0.0.1
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "example."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "dead.example."
    stub-addr: 127.0.0.1@$DEADPORT
EOF

nsd-checkconf "$DIR/nsd.conf"
