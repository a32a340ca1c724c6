# tests/lab/zonelib.sh - zone helpers shared by mkzones.sh and lab.sh.
# Sourced, not run.  Callers use `set -euo pipefail`.
#
# Layout of a lab directory DIR (made by mkzones.sh):
#   DIR/keys/BASE.csk          basename of the zone's one signing key (CSK)
#   DIR/keys/K<zone>+013+N.*   ldns-keygen output (.key .private .ds)
#   DIR/zones/BASE.zone        unsigned source, every owner name absolute
#   DIR/zones/BASE.zone.signed what nsd serves (a plain copy for insecure.)
# BASE is the zone name without its final dot, "root" for ".".

# Zones served by nsd.  dead.example. is deliberately not among them.
LAB_ZONES=". example. secure.example. insecure.example. bogus.example. expired.example. badds.example."

# zone_base ZONE: file base name for ZONE.
zone_base() {
	case $1 in
	.) echo root ;;
	*) echo "${1%.}" ;;
	esac
}

# zone_for_owner OWNER: the served zone that holds OWNER (longest suffix
# match), or nothing.  OWNER must be lowercase and absolute.
zone_for_owner() {
	local owner=$1 z best=
	for z in $LAB_ZONES; do
		if [ "$z" = . ] || [ "$owner" = "$z" ] || [ "${owner%."$z"}" != "$owner" ]; then
			[ ${#z} -gt ${#best} ] && best=$z
		fi
	done
	# dead.example. is delegated away from example., so example. does
	# not really hold names below it.
	case $owner in dead.example. | *.dead.example.) best= ;; esac
	echo "$best"
}

# bump_serial FILE: add one to the SOA serial of an unsigned zone file
# (our files have the SOA on one line: OWNER IN SOA MNAME RNAME SERIAL ...).
bump_serial() {
	awk '$3 == "SOA" && !done { $6 = $6 + 1; done = 1 } { print }' "$1" >"$1.tmp"
	mv "$1.tmp" "$1"
}

# sign_zone DIR ZONE: (re)build DIR/zones/BASE.zone.signed from the
# unsigned file, applying the zone's deliberate defect.  The result is
# renamed into place so nsd never reads a half-written file.
sign_zone() {
	local dir=$1 zone=$2 base src out key
	base=$(zone_base "$zone")
	src=$dir/zones/$base.zone
	out=$src.signed
	case $zone in
	insecure.example.)
		# served unsigned: the parent has NS but no DS for it
		cp "$src" "$out.tmp" ;;
	*)
		key=$dir/keys/$(cat "$dir/keys/$base.csk")
		case $zone in
		expired.example.)
			# validity entirely in the past; val-sig-skew cannot save it
			ldns-signzone -i 20200101000000 -e 20200201000000 \
				-f "$out.tmp" "$src" "$key" ;;
		*)
			# default validity: now .. now+4 weeks
			ldns-signzone -f "$out.tmp" "$src" "$key" ;;
		esac ;;
	esac
	if [ "$zone" = bogus.example. ]; then
		# Change the preference of the first apex MX after signing and
		# keep its RRSIG, so the MX RRset fails validation while every
		# other RRset (TXT, DNSKEY, ...) still validates.
		# The TLSA RRset of mx1 gets other data the same way.
		awk -F'\t' -v OFS='\t' '
			!done && $1 == "bogus.example." && $4 == "MX" {
				split($5, r, " "); $5 = (r[1] + 1) " " r[2]; done = 1
			}
			$1 == "_25._tcp.mx1.bogus.example." && $4 == "TLSA" {
				sub(/1111/, "2222", $5)
			}
			{ print }
			END { if (!done) exit 1 }' "$out.tmp" >"$out.tmp2" || {
			echo "sign_zone: bogus.example. has no MX to tamper with" >&2
			return 1
		}
		mv "$out.tmp2" "$out.tmp"
	fi
	mv "$out.tmp" "$out"
}
