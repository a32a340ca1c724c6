#!/bin/bash
# tests/web/policycheck.sh FILE: check an MTA-STS policy file (the body we
# serve) against the strictest rules real senders apply (RFC 8461 section
# 3.2 and ../shared/notes/parser-strictness.md: postfix-tlspol, mox,
# go-mtasts, chasquid, KumoMTA, checkdmarc), plus our canonical form.
# Prints "policycheck: FILE: ok" and exits 0, or one line per violation on
# stderr and exits 1.  Rules:
#   bytes       1..10239 bytes (chasquid reads 10 KiB), ASCII 0x20-0x7e
#               plus CR LF only (no NUL, tab, other controls, 8-bit)
#   lines       every line ends in CRLF (no bare LF or CR), the file ends
#               in exactly one CRLF, no blank line (tlspol, mox, go-mtasts
#               reject the whole policy), no leading or trailing blank
#   fields      "key: value": key lower-case and one of version, mode, mx,
#               max_age (checkdmarc: unknown keys are errors; keys are
#               case-sensitive), exactly one ":" per line (go-mtasts), one
#               space after it, a value without blanks
#   version     first line, exactly "version: STSv1", once
#   mode        exactly once: enforce, testing or none
#   mx          at least one, in every mode (chasquid and Stalwart reject
#               "none" without mx); lower-case A-label hostnames (mox):
#               letters, digits, hyphens, labels of 1-63 not starting or
#               ending in "-", at least two labels, total <= 253, no
#               trailing dot, last label not all digits (no IP addresses,
#               tlspol); an optional "*." prefix; no duplicates
#   max_age     exactly once, 1-10 digits, no leading zero, 0..31557600
#   canonical   (ours) version, mode, mx lines sorted, max_age, in that order
set -u
export LC_ALL=C

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: policycheck.sh FILE" >&2
	exit 2
fi
f=$1
errs=()
err() { errs+=("policycheck: $f: $*"); }

size=$(wc -c <"$f")
if [ "$size" -eq 0 ]; then
	err "empty"
elif [ "$size" -ge 10240 ]; then
	err "$size bytes; the strictest senders read at most 10239"
fi
if [ "$(tr -d '\000' <"$f" | wc -c)" -ne "$size" ]; then
	err "NUL byte"
fi
if [ "$(tr -d '\000\r\n -~' <"$f" | wc -c)" -ne 0 ]; then
	err "bytes outside printable ASCII, CR and LF"
fi
if [ "$size" -ge 2 ] && [ "$(tail -c 2 "$f" | od -An -tx1 | tr -d ' \n')" != 0d0a ]; then
	err "does not end in CRLF"
fi

# The field rules, line by line (a line = bytes up to LF; its CR must be
# the last byte before the LF and appear nowhere else).
awk_out=$(tr -d '\000' <"$f" | awk '
function bad(m) { printf "line %d: %s\n", NR, m; n_bad++ }
function hostname_ok(h,    n, i, l, lab) {
	if (h ~ /^\*\./) h = substr(h, 3)
	if (length(h) > 253 || h ~ /\.$/) return 0
	n = split(h, lab, ".")
	if (n < 2) return 0
	for (i = 1; i <= n; i++) {
		l = lab[i]
		if (l !~ /^[a-z0-9-]+$/ || length(l) > 63 || l ~ /^-/ || l ~ /-$/) return 0
	}
	if (lab[n] ~ /^[0-9]+$/) return 0
	return 1
}
{
	line = $0
	if (line !~ /\r$/) { bad("no CR before the LF (bare LF)"); } else line = substr(line, 1, length(line) - 1)
	if (index(line, "\r")) bad("bare CR inside the line")
	if (line == "") { bad("blank line"); next }
	if (line ~ /^[ \t]/) bad("leading blank")
	if (line ~ /[ \t]$/) bad("trailing blank")
	c = gsub(/:/, ":", line)
	if (c != 1) { bad("want exactly one \":\", found " c); next }
	i = index(line, ":")
	key = substr(line, 1, i - 1); val = substr(line, i + 1)
	if (val !~ /^ [^ \t]+$/) bad("want \"key: value\" with one space after the colon and no blank in the value")
	sub(/^ /, "", val)
	if (key !~ /^(version|mode|mx|max_age)$/) { bad("unknown key \"" key "\""); next }
	seen[key]++
	order = order substr(key, 1, 2) " "
	if ((NR == 1) != (key == "version")) bad("version is not the first line")
	if (key == "version") {
		if (val != "STSv1") bad("version \"" val "\", want STSv1")
	} else if (key == "mode") {
		if (val !~ /^(enforce|testing|none)$/) bad("mode \"" val "\"")
	} else if (key == "mx") {
		if (!hostname_ok(val)) bad("mx \"" val "\" is not a lower-case A-label hostname")
		if (val in mx) bad("mx \"" val "\" twice")
		mx[val] = 1
		if (last_mx != "" && val < last_mx) bad("mx \"" val "\" not sorted (after \"" last_mx "\")")
		last_mx = val
	} else if (key == "max_age") {
		if (val !~ /^[0-9]+$/ || length(val) > 10 || (length(val) > 1 && val ~ /^0/))
			bad("max_age \"" val "\" is not 1-10 digits without a leading zero")
		else if (val + 0 > 31557600) bad("max_age " val " > 31557600")
	}
}
END {
	if (NR == 0) exit
	if (seen["version"] != 1) printf "version appears %d times, want 1\n", seen["version"]
	if (seen["mode"] != 1) printf "mode appears %d times, want 1\n", seen["mode"]
	if (seen["max_age"] != 1) printf "max_age appears %d times, want 1\n", seen["max_age"]
	if (seen["mx"] < 1) print "no mx line (needed in every mode)"
	if (order !~ /^ve mo (mx )*ma $/) print "fields not in canonical order (version, mode, mx..., max_age): " order
}')
if [ -n "$awk_out" ]; then
	while IFS= read -r l; do err "$l"; done <<<"$awk_out"
fi
# A final line without LF is invisible to the line rules above.
if [ "$size" -gt 0 ] && [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' \n')" != 0a ]; then
	err "the last line has no line end"
fi

if [ ${#errs[@]} -gt 0 ]; then
	printf '%s\n' "${errs[@]}" >&2
	exit 1
fi
echo "policycheck: $f: ok"
