#!/bin/bash
# tests/web/policycheck.sh, the strict RFC 8461 syntax check the web tests
# run on every policy they are served: it accepts canonical policies and
# rejects each way a strict sender would refuse one.
set -u
SUITE=webcheck
. "$(dirname "$0")/lib.sh"
CHECK=$TOP/tests/web/policycheck.sh
T=$(mktemp -d /tmp/mta-sts-webcheck.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The cases are printf formats, on purpose (SC2059).
# good NAME BYTES (printf format): accepted.
good() {
	# shellcheck disable=SC2059
	printf "$2" >"$T/p"
	if out=$("$CHECK" "$T/p" 2>&1); then
		pass "accepted: $1"
	else
		fail "accepted: $1" "$out"
	fi
}
# bad NAME BYTES WANT: rejected, with a message containing WANT.
bad() {
	# shellcheck disable=SC2059
	printf "$2" >"$T/p"
	if out=$("$CHECK" "$T/p" 2>&1); then
		fail "rejected: $1" "accepted: $(cat -A "$T/p" | tr '\n' '|')"
	elif [[ $out == *"$3"* ]]; then
		pass "rejected: $1"
	else
		fail "rejected: $1" "message: $out" "want: $3"
	fi
}

V='version: STSv1\r\n'
good "canonical enforce policy" "${V}mode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n"
good "mode none with an mx line" "${V}mode: none\r\nmx: example.com\r\nmax_age: 0\r\n"
good "wildcard, A-label, max_age 31557600" "${V}mode: testing\r\nmx: *.mail.example.com\r\nmx: xn--bcher-kva.example\r\nmax_age: 31557600\r\n"
"$CHECK" "$T/missing" >/dev/null 2>&1
if [ $? -eq 2 ]; then pass "usage error: exit 2"; else fail "usage error: exit 2"; fi

M='mode: enforce\r\n' X='mx: mx.example.com\r\n' A='max_age: 86400\r\n'
bad "empty file" "" "empty"
bad "LF line ends" 'version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n' "bare LF"
bad "bare CR inside a line" "${V}${M}mx: mx.example.com\rx\r\n${A}" "bare CR"
bad "no line end after the last line" "${V}${M}${X}max_age: 86400" "no line end"
bad "CR without LF at the end" "${V}${M}${X}max_age: 86400\r" "does not end in CRLF"
bad "two CRLF at the end (blank line)" "${V}${M}${X}${A}\r\n" "blank line"
bad "blank line between fields" "${V}\r\n${M}${X}${A}" "blank line"
bad "version not first" "${M}${V}${X}${A}" "version is not the first line"
bad "version twice" "${V}${M}${V}${X}${A}" "version appears 2 times"
bad "version STSv2" "version: STSv2\r\n${M}${X}${A}" "want STSv1"
bad "key in upper case" "Version: STSv1\r\n${M}${X}${A}" "unknown key \"Version\""
bad "unknown key" "${V}${M}${X}${A}nmx: mx.example.com\r\n" "unknown key \"nmx\""
bad "blank before the colon" "version : STSv1\r\n${M}${X}${A}" "unknown key"
bad "no blank after the colon" "${V}mode:enforce\r\n${X}${A}" "one space after the colon"
bad "two blanks after the colon" "${V}mode:  enforce\r\n${X}${A}" "one space after the colon"
bad "trailing blank" "${V}mode: enforce \r\n${X}${A}" "trailing blank"
bad "tab" "${V}mode:\tenforce\r\n${X}${A}" "outside printable ASCII"
bad "leading blank" "${V} mode: enforce\r\n${X}${A}" "leading blank"
bad "line without a colon" "${V}${M}${X}${A}# comment\r\n" "exactly one \":\""
bad "two colons" "${V}${M}mx: mx.example.com:25\r\n${A}" "exactly one \":\""
bad "mode twice" "${V}${M}${M}${X}${A}" "mode appears 2 times"
bad "mode strict" "${V}mode: strict\r\n${X}${A}" "mode \"strict\""
bad "no mx (enforce)" "${V}${M}${A}" "no mx line"
bad "no mx (mode none)" "${V}mode: none\r\n${A}" "no mx line"
bad "mx in upper case" "${V}${M}mx: MX.example.com\r\n${A}" "not a lower-case A-label"
bad "mx with a trailing dot" "${V}${M}mx: mx.example.com.\r\n${A}" "not a lower-case A-label"
bad "mx an IP address" "${V}${M}mx: 192.0.2.1\r\n${A}" "not a lower-case A-label"
bad "mx one label" "${V}${M}mx: localhost\r\n${A}" "not a lower-case A-label"
bad "mx label starting with a hyphen" "${V}${M}mx: -mx.example.com\r\n${A}" "not a lower-case A-label"
bad "mx label of 64 characters" "${V}${M}mx: $(printf 'a%.0s' $(seq 64)).example.com\r\n${A}" "not a lower-case A-label"
bad "mx U-label (UTF-8)" "${V}${M}mx: b\xc3\xbccher.example\r\n${A}" "outside printable ASCII"
bad "mx underscore" "${V}${M}mx: mx_1.example.com\r\n${A}" "not a lower-case A-label"
bad "mx twice" "${V}${M}${X}${X}${A}" "twice"
bad "mx not sorted" "${V}${M}mx: mx2.example.com\r\nmx: mx1.example.com\r\n${A}" "not sorted"
bad "max_age missing" "${V}${M}${X}" "max_age appears 0 times"
bad "max_age 31557601" "${V}${M}${X}max_age: 31557601\r\n" "> 31557600"
bad "max_age with a leading zero" "${V}${M}${X}max_age: 086400\r\n" "leading zero"
bad "max_age with a sign" "${V}${M}${X}max_age: +86400\r\n" "1-10 digits"
bad "max_age of 11 digits" "${V}${M}${X}max_age: 10000000000\r\n" "1-10 digits"
bad "max_age 1d" "${V}${M}${X}max_age: 1d\r\n" "1-10 digits"
bad "fields out of order" "${V}${X}${M}${A}" "canonical order"
bad "NUL byte" "${V}${M}mx: mx.exa\000mple.com\r\n${A}" "NUL"
{
	printf '%b' "${V}${M}"
	for i in $(seq 500); do printf 'mx: mx%04d.example.com\r\n' "$i"; done
	printf '%b' "$A"
} >"$T/p"
if out=$("$CHECK" "$T/p" 2>&1); then
	fail "rejected: 10 KiB or more" "accepted $(wc -c <"$T/p") bytes"
elif [[ $out == *"at most 10239"* ]]; then
	pass "rejected: 10 KiB or more"
else
	fail "rejected: 10 KiB or more" "$out"
fi
exit 0
