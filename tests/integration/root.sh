#!/bin/bash
# The stance on root: started as root, the programs switch to the owner of
# the configuration file when that is an ordinary user, and otherwise to
# nobody, with a warning in the log: no request is answered as root.
set -u
SUITE=root
KEEP_OWNERS=1
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "privilege switching (needs root to test)"
	exit 0
fi
T=$(mktemp -d /tmp/mta-sts-root.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0711 "$T"
printf 'version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n' >"$T/policy.txt"
chmod 0600 "$T/policy.txt"		# root only
printf 'domain: example.com\noverride: policy.txt\n' >"$T/mta-sts.conf"
chmod 0644 "$T/mta-sts.conf"

get() {
	run_cgi "$T/have" "$T/err" "$T/mta-sts.conf" REQUEST_METHOD=GET \
	    HTTP_HOST=mta-sts.example.com REQUEST_URI=/.well-known/mta-sts.txt
}

get
want_response 503 "the policy override for example.com is invalid; see the server log
" >"$T/want"
same_bytes "configuration owned by root: answered as nobody (a root-only override is unreadable)" \
    "$T/have" "$T/want"
if grep -qF "running as root: $T/mta-sts.conf is owned by root; switched to nobody (uid 65534 gid 65534)" "$T/err"; then
	pass "configuration owned by root: warning logged"
else
	fail "configuration owned by root: warning logged" "log: $(tr '\n' '|' <"$T/err")"
fi

chmod 0644 "$T/policy.txt"
get
want_response 200 "$(policy enforce 86400 mx.example.com)"$'\n' >"$T/want"
same_bytes "configuration owned by root: a world-readable override is served as nobody" \
    "$T/have" "$T/want"
chmod 0600 "$T/policy.txt"
run_cgi "$T/have" "$T/err" "$T/missing.conf" REQUEST_METHOD=GET \
    HTTP_HOST=www.example REQUEST_URI=/.well-known/mta-sts.txt
if grep -qF "running as root: $T/missing.conf is missing or unreadable; switched to nobody" "$T/err"; then
	pass "configuration missing: switched to nobody, warning logged"
else
	fail "configuration missing: switched to nobody, warning logged" "log: $(tr '\n' '|' <"$T/err")"
fi

chown 65534:65534 "$T/mta-sts.conf"
get
want_response 503 "the policy override for example.com is invalid; see the server log
" >"$T/want"
same_bytes "configuration owned by uid 65534: root-only override unreadable after the switch" \
    "$T/have" "$T/want"
if grep -qF "$T/policy.txt: Permission denied" "$T/err"; then
	pass "after the switch: the permission error is logged"
else
	fail "after the switch: the permission error is logged" "log: $(tr '\n' '|' <"$T/err")"
fi
chown 65534:65534 "$T/policy.txt"
get
want_response 200 "$(policy enforce 86400 mx.example.com)"$'\n' >"$T/want"
same_bytes "files owned by uid 65534: served with that user's rights" "$T/have" "$T/want"
exit 0
