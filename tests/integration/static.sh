#!/bin/bash
# make static: the fully static mta-sts.cgi serves a correct policy from the
# local signed lab while running in an empty root (a chroot holding nothing
# but the binary, its configuration, the trust anchor and the libunbound
# stub file).  Also reports the sizes of the static binaries.
set -u
SUITE=static
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "static binary in an empty root (chroot needs root)"
	exit 0
fi
if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
T=$(mktemp -d /tmp/mta-sts-static.XXXXXX)
cleanup() {
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# A private copy of the tree: the objects of the test build may carry
# sanitizer instrumentation that a static link cannot take.
mkdir "$T/src"
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$T/src")
# Plain flags: a sanitizer build of the suite passes its CFLAGS down
# through MAKEFLAGS, and -static cannot take -fsanitize=address.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$T/src" static \
    CFLAGS="-O2 -g" LDFLAGS= >"$T/make.log" 2>&1; then
	fail "make static" "$(tail -5 "$T/make.log")"
	exit 0
fi
S=$T/src/static
pass "make static: $(cd "$S" && for f in *; do printf '%s %s bytes; ' "$f" "$(stat -c %s "$f")"; done)"
for f in mta-sts.cgi mta-sts.fcgi mta-sts-id; do
	if file "$S/$f" 2>/dev/null | grep -q 'statically linked' ||
	    ! ldd "$S/$f" >/dev/null 2>&1; then
		pass "static/$f has no shared library dependencies"
	else
		fail "static/$f has no shared library dependencies" "$(ldd "$S/$f" 2>&1 | head -3)"
	fi
done

lab_up "$T/lab" 15373 15374
R=$T/root
mkdir "$R"
cp "$S/mta-sts.cgi" "$R/"
cp "$LAB_TA" "$R/root.ds"
cp "$LAB_UNBOUND_CONF" "$R/unbound.conf"
printf 'trust_anchor: /root.ds\nunbound_conf: /unbound.conf\nmode: enforce\nmax_age: 86400\ndomain: secure.example\n' >"$R/mta-sts.conf"
inside=$(cd "$R" && find . | sort | tr '\n' ' ')

# the CGI variables, exactly, and nothing else from the host
env -i MTA_STS_CONF=/mta-sts.conf REQUEST_METHOD=GET \
    HTTP_HOST=mta-sts.secure.example REQUEST_URI=/.well-known/mta-sts.txt \
    /usr/sbin/chroot "$R" /mta-sts.cgi >"$T/have" 2>"$T/err"
want_response 200 "$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n' >"$T/want"
[ -s "$T/have" ] || echo "    stderr: $(head -c 300 "$T/err")"
same_bytes "static CGI in an empty root ($inside) serves the lab's validated policy" "$T/have" "$T/want"
env -i MTA_STS_CONF=/mta-sts.conf REQUEST_METHOD=GET \
    HTTP_HOST=mta-sts.bogus.example REQUEST_URI=/.well-known/mta-sts.txt \
    /usr/sbin/chroot "$R" /mta-sts.cgi >"$T/have" 2>"$T/err"
printf 'domain: bogus.example\n' >>"$R/mta-sts.conf"
env -i MTA_STS_CONF=/mta-sts.conf REQUEST_METHOD=GET \
    HTTP_HOST=mta-sts.bogus.example REQUEST_URI=/.well-known/mta-sts.txt \
    /usr/sbin/chroot "$R" /mta-sts.cgi >"$T/have" 2>"$T/err"
want_response 503 "DNSSEC validation failed for bogus.example MX; the policy cannot be trusted
" >"$T/want"
same_bytes "static CGI in an empty root still refuses a bogus answer" "$T/have" "$T/want"
exit 0
