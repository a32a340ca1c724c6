#!/bin/bash
# Integration tests of mta-sts-id's publish hook (cli/publish.c): the hook
# replaces _mta-sts.secure.example's TXT record in the signed DNS lab
# (tests/lab, nsd on 127.0.0.1), and mta-sts-id must see the new id in the
# DNS, through libunbound and DNSSEC, before it records it as published.
# --no-verify throughout: publish before bump is tested in cli.sh.
# Ports 15620 (nsd) and 15621 (blackhole).  Runs in a private network
# namespace when allowed.
set -u
SUITE=publish
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

ID=$TOP/cli/mta-sts-id
PORT=15620
DEADPORT=15621
T=$(mktemp -d /tmp/mta-sts-publish.XXXXXX)
STATE=$T/state
NAME=_mta-sts.secure.example
cleanup() {
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$T/lab" "$PORT" "$DEADPORT"

# The hooks.  Each logs its arguments and the five variables, one line.
cat >"$T/hook" <<H
#!/bin/bash
printf '%s|' "\$@" "\$MTA_STS_DOMAIN" "\$MTA_STS_NAME" "\$MTA_STS_VALUE" \\
    "\$MTA_STS_ID" "\$MTA_STS_TTL" >>"$T/hook.log"
echo >>"$T/hook.log"
echo "hook says hello"
exec "$TOP/tests/lab/lab.sh" settxt "$T/lab" "\$2" "\$3"
H
cat >"$T/failhook" <<H
#!/bin/bash
echo "fail \$4" >>"$T/hook.log"
echo "no API token" >&2
exit 3
H
cat >"$T/noophook" <<H
#!/bin/bash
echo "noop \$4" >>"$T/hook.log"
H
# Adds a second v=STSv1 record instead of replacing: never published.
cat >"$T/addhook" <<H
#!/bin/bash
echo "add \$4" >>"$T/hook.log"
exec "$TOP/tests/lab/lab.sh" settxt "$T/lab" "\$2" "v=STSv1; id=1" "\$3"
H
chmod 755 "$T"/hook "$T"/failhook "$T"/noophook "$T"/addhook
: >"$T/hook.log"

cat >"$T/id.conf" <<C
trust_anchor: $LAB_TA
unbound_conf: $LAB_UNBOUND_CONF
mode: enforce
max_age: 86400
state_dir: $STATE
publish_hook: $T/hook
publish_wait: 4
domain: secure.example
C

# stsrecords: the v=STSv1 TXT records at NAME, straight from nsd, sorted.
stsrecords() {
	drill -p "$PORT" @127.0.0.1 "$NAME" TXT 2>/dev/null |
		awk '$1 !~ /^;/ && $4 == "TXT" { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' |
		grep 'v=STSv1' | sort
}
# state_field KEY: the value of KEY in secure.example's state file.
state_field() { awk -v k="$1" '$1 == k { print $2 }' "$STATE/secure.example.state"; }

run_id() {	# run_id ARGS...: stdout to $T/out, stderr to $T/err, rc to $rc
	"$ID" -c "$T/id.conf" --no-verify "$@" >"$T/out" 2>"$T/err.raw"
	rc=$?
	sed 's/^mta-sts-id\[[0-9]*\]: //' "$T/err.raw" >"$T/err"
}

# --- 1. first id: the hook runs once, the DNS shows it, state "published" -
run_id secure.example
id1=$(state_field id)
want_out="; secure.example: first id
$NAME. 300 IN TXT \"v=STSv1; id=$id1\""
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$want_out" ]; then
	pass "first id: exit 0, the zone line printed"
else
	fail "first id: exit 0, the zone line printed" "rc $rc: $(cat "$T/out" "$T/err")"
fi
want_log="secure.example|$NAME|v=STSv1; id=$id1|$id1|300|secure.example|$NAME|v=STSv1; id=$id1|$id1|300|"
if [ "$(cat "$T/hook.log")" = "$want_log" ]; then
	pass "the hook ran once, with the five arguments and variables"
else
	fail "the hook ran once, with the five arguments and variables" "$(cat "$T/hook.log")"
fi
if grep -qx "hook says hello" "$T/err"; then
	pass "the hook's standard output goes to our standard error"
else
	fail "the hook's standard output goes to our standard error" "$(cat "$T/err")"
fi
pub=$(state_field published)
if [[ $pub =~ ^[0-9]+$ ]] && [ "$pub" -ge "$(state_field issued)" ]; then
	pass "state: \"published <time>\" after the DNS showed the id"
else
	fail "state: \"published <time>\" after the DNS showed the id" "$(cat "$STATE/secure.example.state")"
fi
if [ "$(stsrecords)" = "\"v=STSv1; id=$id1\"" ]; then
	pass "DNS: exactly one v=STSv1 record, the new id"
else
	fail "DNS: exactly one v=STSv1 record, the new id" "$(stsrecords)"
fi

# --- 2. unchanged: the hook does not run ---------------------------------
: >"$T/hook.log"
run_id secure.example
if [ "$rc" = 0 ] && [ ! -s "$T/hook.log" ] && [ "$(state_field id)" = "$id1" ]; then
	pass "unchanged id: exit 0, the hook not run"
else
	fail "unchanged id: exit 0, the hook not run" "rc $rc, log $(cat "$T/hook.log")"
fi

# --- 3. a second bump replaces the record --------------------------------
run_id --rotate secure.example
id2=$(state_field id)
if [ "$rc" = 0 ] && [ "$id2" != "$id1" ] &&
    [ "$(stsrecords)" = "\"v=STSv1; id=$id2\"" ] && [ "$(wc -l <"$T/hook.log")" = 1 ]; then
	pass "rotate: the hook replaced the record, exactly one v=STSv1 record"
else
	fail "rotate: the hook replaced the record, exactly one v=STSv1 record" "rc $rc $id1 $id2: $(stsrecords)"
fi

# --- 4. a failing hook: exit 7, "published no", --check warns ------------
: >"$T/hook.log"
run_id --rotate --publish-hook "$T/failhook" secure.example
id3=$(state_field id)
want_err="secure.example: id $id3 issued, not published: publish hook $T/failhook exited 3; the next run tries again"
if [ "$rc" = 7 ] && grep -qxF "$want_err" "$T/err" && grep -qx "no API token" "$T/err"; then
	pass "failing hook: exit 7 and the reason"
else
	fail "failing hook: exit 7 and the reason" "rc $rc: $(cat "$T/err")"
fi
if [ "$(state_field published)" = no ] && [ "$(stsrecords)" = "\"v=STSv1; id=$id2\"" ] &&
    grep -qF "v=STSv1; id=$id3" "$T/out"; then
	pass "failing hook: state \"published no\", DNS unchanged, the record still printed"
else
	fail "failing hook: state \"published no\", DNS unchanged, the record still printed" "$(state_field published) $(stsrecords)"
fi
"$ID" -c "$T/id.conf" --check --no-smtp --timeout 2 secure.example >"$T/check" 2>&1
want="id $id3 was issued but never published (the publish hook failed, or the DNS did not show it in time; the DNS has id $id2); run mta-sts-id to try again"
if grep -qF "$want" "$T/check" && grep -F "$want" "$T/check" | grep -q WARNING; then
	pass "--check: WARNING for an id issued but never published"
else
	fail "--check: WARNING for an id issued but never published" "$(cat "$T/check")"
fi

# --- 5. the next run retries with the configured hook --------------------
: >"$T/hook.log"
run_id secure.example
if [ "$rc" = 0 ] && [ "$(state_field id)" = "$id3" ] && [[ $(state_field published) =~ ^[0-9]+$ ]] &&
    [ "$(stsrecords)" = "\"v=STSv1; id=$id3\"" ] && [ "$(wc -l <"$T/hook.log")" = 1 ] &&
    grep -q "unchanged" "$T/out"; then
	pass "next run: the same id published, exit 0"
else
	fail "next run: the same id published, exit 0" "rc $rc: $(cat "$T/err") $(stsrecords)"
fi

# --- 6. the hook says yes, the DNS does not show it ----------------------
run_id --rotate --publish-hook "$T/noophook" secure.example
id4=$(state_field id)
want_err="secure.example: id $id4 issued, not published: the publish hook succeeded but after 4 s the DNS still answers $NAME TXT: id $id3, not $id4; the next run tries again"
if [ "$rc" = 7 ] && grep -qxF "$want_err" "$T/err" && [ "$(state_field published)" = no ]; then
	pass "hook exit 0 but DNS unchanged: exit 7, not published"
else
	fail "hook exit 0 but DNS unchanged: exit 7, not published" "rc $rc: $(cat "$T/err")"
fi

# --- 7. a hook that adds a second record: never counts as published ------
run_id --publish-hook "$T/addhook" secure.example
if [ "$rc" = 7 ] && grep -qF "$NAME TXT: 2 records begin with \"v=STSv1\"" "$T/err" && [ "$(state_field published)" = no ]; then
	pass "two v=STSv1 records (add, not replace): exit 7, not published"
else
	fail "two v=STSv1 records (add, not replace): exit 7, not published" "rc $rc: $(cat "$T/err")"
fi
run_id secure.example
if [ "$rc" = 0 ] && [ "$(stsrecords)" = "\"v=STSv1; id=$id4\"" ]; then
	pass "the replacing hook repairs it: one record"
else
	fail "the replacing hook repairs it: one record" "rc $rc: $(stsrecords)"
fi

# --- 8. --no-publish: issued, "published no", hook not run ---------------
: >"$T/hook.log"
run_id --rotate --no-publish secure.example
if [ "$rc" = 0 ] && [ ! -s "$T/hook.log" ] && [ "$(state_field published)" = no ] &&
    [ "$(stsrecords)" = "\"v=STSv1; id=$id4\"" ]; then
	pass "--no-publish: exit 0, hook not run, state \"published no\""
else
	fail "--no-publish: exit 0, hook not run, state \"published no\"" "rc $rc: $(cat "$T/err")"
fi

# --- 9. a state file of an older version (no "published") loads ----------
id5=$(state_field id)
grep -v '^published ' "$STATE/secure.example.state" >"$T/old.state"
cp "$T/old.state" "$STATE/secure.example.state"
run_id secure.example
if [ "$rc" = 0 ] && [ ! -s "$T/hook.log" ] && cmp -s "$T/old.state" "$STATE/secure.example.state" &&
    grep -qx "; secure.example: unchanged" "$T/out"; then
	pass "old state file (no published line): loads, kept, hook not run"
else
	fail "old state file (no published line): loads, kept, hook not run" "rc $rc $id5: $(cat "$T/err")"
fi

# --- 10. hook that cannot run; usage errors ------------------------------
run_id --rotate --publish-hook "$T/nonexistent" secure.example
if [ "$rc" = 7 ] && grep -qF "publish hook $T/nonexistent: No such file or directory" "$T/err" &&
    grep -qF "exited 127" "$T/err"; then
	pass "missing hook: exit 7, the reason"
else
	fail "missing hook: exit 7, the reason" "rc $rc: $(cat "$T/err")"
fi
run_id --publish-hook hook secure.example
rc1=$rc
run_id --publish-hook "$T/hook" --no-publish secure.example
if [ "$rc1" = 2 ] && [ "$rc" = 2 ]; then
	pass "usage: relative hook path, --publish-hook with --no-publish: exit 2"
else
	fail "usage: relative hook path, --publish-hook with --no-publish: exit 2" "$rc1 $rc"
fi
# --- 12 (below). refresh, with a fake clock from outside (faketime) -------
refresh_tests() {
	if ! command -v faketime >/dev/null; then
		fail "faketime present (tests/deps.sh installs faketime)"
		return
	fi
	local before after
	# ThreadSanitizer reports libfaketime's own clock locks in the
	# preloaded library: the plain and ASan passes run these checks.
	if ldd "$ID" 2>/dev/null | grep -q libtsan; then
		skip "refresh under faketime (a ThreadSanitizer build: libfaketime cannot be preloaded into it)"
		return
	fi
	# libfaketime is preloaded; an ASan build wants to come first.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	sed 's/^publish_wait: 4$/publish_wait: 4\nrefresh: off/' "$T/id.conf" >"$T/off.conf"
	sed 's/^publish_wait: 4$/publish_wait: 4\nrefresh: 1h/' "$T/id.conf" >"$T/hour.conf"
	before=$(state_field id)
	faketime -f '+5d' "$ID" -c "$T/off.conf" --no-verify secure.example >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 0 ] && [ "$(state_field id)" = "$before" ] &&
	    grep -qx "; secure.example: unchanged" "$T/out"; then
		pass "refresh: off: an id 5 days old is kept"
	else
		fail "refresh: off: an id 5 days old is kept" "rc $rc: $(cat "$T/out" "$T/err")"
	fi
	faketime -f '+2h' "$ID" -c "$T/hour.conf" --no-verify secure.example >"$T/out" 2>"$T/err"
	rc=$?
	after=$(state_field id)
	if [ "$rc" = 0 ] && [ "$after" != "$before" ] &&
	    grep -qx "; secure.example: refresh (id older than 3600 seconds)" "$T/out" &&
	    [ "$(stsrecords)" = "\"v=STSv1; id=$after\"" ]; then
		pass "refresh: 1h: an id 2 hours old is replaced and published"
	else
		fail "refresh: 1h: an id 2 hours old is replaced and published" "rc $rc: $(cat "$T/out" "$T/err")"
	fi
	before=$after
	faketime -f '+25h' "$ID" -c "$T/id.conf" --no-verify secure.example >"$T/out" 2>"$T/err"
	rc1=$?
	faketime -f '+27h' "$ID" -c "$T/id.conf" --no-verify secure.example >"$T/out2" 2>"$T/err2"
	rc=$?
	after=$(state_field id)
	if [ "$rc1" = 0 ] && grep -qx "; secure.example: unchanged" "$T/out" &&
	    [ "$rc" = 0 ] && [ "$after" != "$before" ] &&
	    grep -qx "; secure.example: daily refresh (id older than 24 hours)" "$T/out2" &&
	    [ "$(stsrecords)" = "\"v=STSv1; id=$after\"" ]; then
		pass "refresh: default 24h: kept at 23 h, replaced and published at 25 h"
	else
		fail "refresh: default 24h: kept at 23 h, replaced and published at 25 h" "$rc1 $rc: $(cat "$T/out" "$T/out2" "$T/err2")"
	fi
}

# --- 11. --format json: one document, exact bytes -------------------------
# Repair the state first (the last run left "published no").
run_id secure.example
idj=$(state_field id)
issued=$(state_field issued)
pub=$(state_field published)
"$ID" -c "$T/id.conf" --no-verify --format json secure.example nomx.example >"$T/json" 2>"$T/json.err"
rc=$?
printf '{"records":[\n{"domain":"secure.example","name":"_mta-sts.secure.example","ttl":300,"value":"v=STSv1; id=%s","id":"%s","why":"unchanged","issued":%s,"published":%s,"policy":{"mode":"enforce","max_age":86400,"mx":["mx1.secure.example","mx2.secure.example","zz.secure.example"]}}\n]}\n' \
    "$idj" "$idj" "$issued" "$pub" >"$T/json.want"
if [ "$rc" = 3 ]; then
	same_bytes "--format json: the record and state of the domain that worked, one document" "$T/json" "$T/json.want"
else
	fail "--format json: exit 3 (nomx.example is not listed)" "rc $rc: $(cat "$T/json.err")"
fi
"$ID" -c "$T/id.conf" --no-verify --format json nomx.example >"$T/json" 2>/dev/null
printf '{"records":[]}\n' >"$T/json.want"
same_bytes "--format json: every domain failed: an empty list" "$T/json" "$T/json.want"

# Last: the fake clock leaves ids issued in the future.
refresh_tests
exit 0
