#!/bin/bash
# make install / uninstall into a temporary DESTDIR, honouring PREFIX,
# BINDIR, MANDIR and SYSCONFDIR; the compiled-in default paths follow.
set -u
SUITE=install
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/mta-sts-install.XXXXXX)
trap 'rm -rf "$T"' EXIT

make -s -C "$TOP" install DESTDIR="$T/d" PREFIX=/opt/mts MANDIR=/opt/mts/man \
    >"$T/log" 2>&1 || fail "make install" "$(tail -3 "$T/log")"
have=$(cd "$T/d" && find . -type f | sort | tr '\n' ' ')
want="./opt/mts/bin/mta-sts-id ./opt/mts/bin/mta-sts-tlsrpt-mail ./opt/mts/bin/mta-sts-tlsrpt.cgi ./opt/mts/bin/mta-sts.cgi ./opt/mts/bin/mta-sts.fcgi ./opt/mts/lib/systemd/system/mta-sts-id.service ./opt/mts/lib/systemd/system/mta-sts-id.timer ./opt/mts/libexec/mta-sts/nsupdate-hook ./opt/mts/man/man5/mta-sts.conf.5 ./opt/mts/man/man8/mta-sts-id.8 ./opt/mts/man/man8/mta-sts-tlsrpt.8 ./opt/mts/man/man8/mta-sts.cgi.8 "
if [ "$have" = "$want" ]; then
	pass "make install DESTDIR PREFIX MANDIR: the expected tree"
else
	fail "make install DESTDIR PREFIX MANDIR: the expected tree" "have: $have" "want: $want"
fi
if [ "$(stat -c %a "$T/d/opt/mts/bin/mta-sts.cgi")" = 755 ] &&
    [ "$(stat -c %a "$T/d/opt/mts/man/man5/mta-sts.conf.5")" = 644 ]; then
	pass "make install: modes 755 for programs, 644 for pages"
else
	fail "make install: modes 755 for programs, 644 for pages"
fi
# The systemd units: paths filled in, and systemd-analyze accepts them
# (installed under a PREFIX of their own so that ExecStart exists).
if grep -qx "ExecStart=/opt/mts/bin/mta-sts-id -c /opt/mts/etc/mta-sts.conf --all" \
    "$T/d/opt/mts/lib/systemd/system/mta-sts-id.service" &&
    [ "$(stat -c %a "$T/d/opt/mts/lib/systemd/system/mta-sts-id.service")" = 644 ]; then
	pass "make install: mta-sts-id.service with BINDIR and SYSCONFDIR filled in"
else
	fail "make install: mta-sts-id.service with BINDIR and SYSCONFDIR filled in" \
	    "$(grep ExecStart "$T/d/opt/mts/lib/systemd/system/mta-sts-id.service")"
fi
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify of the units (systemd-analyze not installed)"
else
	make -s -C "$TOP" install PREFIX="$T/p" >"$T/log2" 2>&1 ||
	    fail "make install PREFIX=$T/p" "$(tail -3 "$T/log2")"
	if MANPATH="$T/p/share/man" systemd-analyze verify "$T/p/lib/systemd/system/mta-sts-id.service" \
	    "$T/p/lib/systemd/system/mta-sts-id.timer" >"$T/verify" 2>&1 &&
	    [ ! -s "$T/verify" ]; then
		pass "systemd-analyze verify: mta-sts-id.service and .timer, no complaint"
	elif grep -qiE "failed to (connect|initialize|set up)|not booted|No such file or directory.*(dbus|bus)" "$T/verify"; then
		skip "systemd-analyze verify cannot run here: $(head -1 "$T/verify")"
	else
		fail "systemd-analyze verify: mta-sts-id.service and .timer, no complaint" "$(cat "$T/verify")"
	fi
	make -s -C "$TOP" uninstall PREFIX="$T/p" >/dev/null 2>&1
fi
make -s -C "$TOP" uninstall DESTDIR="$T/d" PREFIX=/opt/mts MANDIR=/opt/mts/man \
    >"$T/log" 2>&1
left=$(cd "$T/d" && find . -type f | wc -l)
if [ "$left" -eq 0 ]; then
	pass "make uninstall removes every installed file"
else
	fail "make uninstall removes every installed file" "$left left"
fi

# The default configuration path follows SYSCONFDIR (a build of its own).
rm -rf "$T/src" && mkdir "$T/src"
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$T/src") 2>/dev/null
if make -s -C "$T/src" cgi/mta-sts.cgi SYSCONFDIR=/srv/etc >"$T/log" 2>&1 &&
    strings "$T/src/cgi/mta-sts.cgi" | grep -qx '/srv/etc/mta-sts.conf'; then
	pass "SYSCONFDIR=/srv/etc: the default configuration is /srv/etc/mta-sts.conf"
else
	fail "SYSCONFDIR=/srv/etc: the default configuration is /srv/etc/mta-sts.conf" "$(tail -3 "$T/log")"
fi
exit 0
