#!/bin/bash
# The mail intake of TLS-RPT reports (RFC 8460 section 5.3),
# tlsrpt/mta-sts-tlsrpt-mail, fed real MIME messages as an MTA's pipe
# delivery does (one message on stdin, run as an unprivileged user):
# Google-style and Microsoft-style report mails (application/tlsrpt+gzip,
# their attachment names, base64, RFC 2231 continued file names, a
# multipart/report inside a multipart/mixed), a plain .json attachment,
# and the exit codes an MTA acts on: 0 stored or duplicate, 65
# (EX_DATAERR) for a message without a valid report, 75 (EX_TEMPFAIL)
# when report_dir cannot be written.  Concurrent deliveries store a
# report once.  Then mta-sts-id --report (text and JSON, byte for byte)
# and the "reports" finding of mta-sts-id --check against the signed DNS
# lab and a real nginx serving the policy.
# Ports: 15530-15531 (DNS lab), 18571 (HTTPS).  Runs in a private network
# namespace when allowed.
set -u
SUITE=tlsrpt-mail
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi
. "$TOP/tests/web/lib.sh"
. "$TOP/tests/tlsrpt/lib.sh"

MAIL=$TOP/tlsrpt/mta-sts-tlsrpt-mail
ID=$TOP/cli/mta-sts-id
LABPORT=${TLSRPT_LAB_PORT:-15530}
DEADPORT=${TLSRPT_LAB_DEADPORT:-15531}
HTTPS=${TLSRPT_HTTPS_PORT:-18571}
T=$(mktemp -d /tmp/mta-sts-tlsrpt-mail.XXXXXX)
chmod 755 "$T"
WEB_UP=
cleanup() {
	[ -n "$WEB_UP" ] && web_nginx_fcgi_stop "$T/web" >/dev/null 2>&1
	"$TOP/tests/lab/lab.sh" stop "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# The MTA runs the program as an unprivileged user: nobody, when we are
# root (the program refuses to run as root).
if [ "$(id -u)" -eq 0 ]; then
	AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	OWNER=nobody
else
	AS=()
	OWNER=$(id -un)
fi
R=$T/reports
mkdir -p "$R" "$T/in" "$T/mail"
chown "$OWNER" "$R"
printf 'report_dir: %s\nstate_dir: %s/state\n' "$R" "$T" >"$T/mail.conf"
chmod 644 "$T/mail.conf"

rpt_fixtures "$T/in"
for style in google microsoft json noreport; do
	src=google
	[ "$style" = microsoft ] && src=microsoft
	[ "$style" = json ] && src=rfc8460
	python3 "$TOP/tests/tlsrpt/mkmail.py" "$style" "$T/in/$src.json" \
	    "$T/mail/$style.eml" || { fail "mkmail.py $style"; exit 1; }
done
chmod a+r "$T"/mail/*

# deliver NAME WANT_RC WANT_STDERR MESSAGE [CONF]: one pipe delivery.
deliver() {
	local name=$1 rc=$2 want=$3 msg=$4 conf=${5:-$T/mail.conf} have hrc
	"${AS[@]}" env MTA_STS_CONF="$conf" "$MAIL" <"$msg" >"$T/out" 2>"$T/err"
	hrc=$?
	have=$(sed 's/^mta-sts-tlsrpt-mail\[[0-9]*\]: //' "$T/err")
	if [ "$hrc" = "$rc" ] && [ "$have" = "$want" ] && [ ! -s "$T/out" ]; then
		pass "$name: exit $rc"
	else
		fail "$name: exit $rc" "have: exit $hrc: $have" "want: $want"
	fi
}

E=$(printf '%011d' "$(date -u -d "$RPT_END" +%s)")
GID=${RPT_START//:/%3A}_secure.example
deliver "Google-style mail" 0 \
    "stored ${RPT_START}_secure.example from Google Inc. ($E-$GID.json)" "$T/mail/google.eml"
if cmp -s "$R/$E-$GID.json" "$T/in/google.json" &&
    [ "$(stat -c %U:%a "$R/$E-$GID.json")" = "$OWNER:640" ]; then
	pass "the attachment is stored decompressed, byte for byte, owned by $OWNER, mode 640"
else
	fail "the attachment is stored decompressed, byte for byte, owned by $OWNER, mode 640" \
	    "$(ls -l "$R")"
fi
deliver "Google-style mail again (the MTA retried)" 0 \
    "duplicate ${RPT_START}_secure.example from Google Inc. ($E-$GID.json)" "$T/mail/google.eml"
deliver "Microsoft-style mail (nested multipart, RFC 2231 file name)" 0 \
    "stored 133760000000000000+secure.example from Microsoft Corporation ($E-133760000000000000+secure.example.json)" \
    "$T/mail/microsoft.eml"
deliver "plain .json attachment (the RFC 8460 example)" 0 \
    "stored 5065427c-23d3-47ca-b6e0-946ea0e8c4be from Company-X ($E-5065427c-23d3-47ca-b6e0-946ea0e8c4be.json)" \
    "$T/mail/json.eml"
deliver "a mail without a report" 65 \
    "rejected: no TLS-RPT report in the message (no application/tlsrpt+gzip or +json part, no .json.gz, .json or .gz attachment)" \
    "$T/mail/noreport.eml"
printf '{"organization-name":"x"}\n' >"$T/in/bad.json"
python3 "$TOP/tests/tlsrpt/mkmail.py" json "$T/in/rfc8460.json" "$T/mail/bad.eml"
python3 - "$T/mail/bad.eml" "$T/in/bad.json" <<'PY'
import sys, email
from email.policy import SMTP
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=SMTP)
for p in m.iter_attachments():
    p.set_content(open(sys.argv[2], "rb").read(), maintype="application",
                  subtype="json", filename=p.get_filename())
open(sys.argv[1], "wb").write(m.as_bytes())
PY
chmod a+r "$T/mail/bad.eml"
name="small-reporter.example!company-y.example!$(date -u -d "$RPT_START" +%s)!$(date -u -d "$RPT_END" +%s).json"
deliver "a report missing its fields" 65 \
    "rejected application/json $name: not a TLS-RPT report: report: missing \"report-id\"" \
    "$T/mail/bad.eml"
# Noise, the same bytes every run (a test must not depend on luck).
python3 -c 'import random, sys; random.seed(20261130); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(4096)))' >"$T/mail/noise"
chmod a+r "$T/mail/noise"
deliver "random bytes" 65 "rejected: not an RFC 5322 message" "$T/mail/noise"

# A gzip bomb: 32 MiB of zeros, refused at report_max_size once inflated.
head -c 33554432 /dev/zero | gzip -n -9 >"$T/in/bomb.json.gz"
python3 - "$T/in/bomb.json.gz" "$T/mail/bomb.eml" <<'PY'
import sys
from email.message import EmailMessage
from email.policy import SMTP
m = EmailMessage(policy=SMTP)
m["From"] = "x@example.org"
m["Subject"] = "Report Domain: secure.example"
m.set_content("report\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="tlsrpt+gzip", filename="bomb.json.gz")
open(sys.argv[2], "wb").write(m.as_bytes())
PY
chmod a+r "$T/mail/bomb.eml"
deliver "gzip bomb ($(stat -c %s "$T/in/bomb.json.gz") bytes inflating to 32 MiB)" 65 \
    "rejected application/tlsrpt+gzip bomb.json.gz: gzip: more than 10485760 bytes once decompressed" \
    "$T/mail/bomb.eml"
printf 'report_dir: %s\nreport_max_size: 1024\n' "$R" >"$T/small.conf"
chmod 644 "$T/small.conf"
deliver "a message larger than report_max_size allows" 65 \
    "rejected: the message is larger than 1049966 bytes (report_max_size 1024, base64-encoded, plus headers)" \
    <(head -c 1100000 /dev/zero) "$T/small.conf"

# Temporary failures: the MTA keeps the message and retries.
rpt_small "$T/in/new.json" new-one 0
python3 "$TOP/tests/tlsrpt/mkmail.py" microsoft "$T/in/new.json" "$T/mail/new.eml"
chmod a+r "$T/mail/new.eml"
chmod 0555 "$R"
"${AS[@]}" env MTA_STS_CONF="$T/mail.conf" "$MAIL" <"$T/mail/new.eml" 2>"$T/err"
rc=$?
have=$(sed 's/^mta-sts-tlsrpt-mail\[[0-9]*\]: //; s/\.tmp-[0-9]*:/.tmp-PID:/' "$T/err")
want="application/tlsrpt+gzip enterprise.protection.outlook.com!secure.example!$(date -u -d 'yesterday 00:00' +%s)!$(date -u -d 'today 00:00' +%s).json.gz: cannot store new-one: creating .tmp-PID: Permission denied"
[ "$rc" = 75 ] && [ "$have" = "$want" ] && pass "report_dir not writable: exit 75" ||
    fail "report_dir not writable: exit 75" "have: exit $rc: $have" "want: $want"
chmod 0750 "$R"
deliver "the same mail once report_dir is writable" 0 \
    "stored new-one from Small Reporter ($E-new-one.json)" "$T/mail/new.eml"
rm -f "$R/$E-new-one.json"
printf 'report_dir: %s/ro/reports\n' "$T" >"$T/ro.conf"
mkdir -m 0555 "$T/ro"
chmod 644 "$T/ro.conf"
deliver "report_dir missing, parent not writable" 75 \
    "application/tlsrpt+gzip google.com!secure.example!$(date -u -d "$RPT_START" +%s)!$(date -u -d "$RPT_END" +%s).json.gz: cannot store ${RPT_START}_secure.example: report directory $T/ro/reports: Permission denied" \
    "$T/mail/google.eml" "$T/ro.conf"
printf 'report_max_count: 0\n' >"$T/badconf.conf"
chmod 644 "$T/badconf.conf"
deliver "a configuration error" 75 \
    "configuration: $T/badconf.conf:1: invalid report_max_count \"0\" (expected 1..1000000)" \
    "$T/mail/google.eml" "$T/badconf.conf"
if [ "$(id -u)" -eq 0 ]; then
	MTA_STS_CONF=$T/mail.conf "$MAIL" <"$T/mail/google.eml" 2>"$T/err"
	rc=$?
	[ "$rc" = 75 ] && grep -q 'refusing to run as root' "$T/err" &&
	    pass "as root: refuses, exit 75" || fail "as root: refuses, exit 75" "exit $rc: $(cat "$T/err")"
fi
"$MAIL" -x </dev/null 2>"$T/err"
[ $? = 64 ] && [ "$(tail -1 "$T/err")" = "usage: mta-sts-tlsrpt-mail [-c FILE]" ] &&
    pass "usage error: exit 64 (EX_USAGE)" || fail "usage error: exit 64 (EX_USAGE)" "$(cat "$T/err")"

# Concurrent deliveries: 8 copies of one report and 8 different reports.
mkdir -p "$T/conc"
for i in 1 2 3 4 5 6 7 8; do
	rpt_small "$T/conc/r$i.json" "conc-$i" 2
	python3 "$TOP/tests/tlsrpt/mkmail.py" google "$T/conc/r$i.json" "$T/conc/r$i.eml"
done
rpt_small "$T/conc/same.json" conc-same 2
python3 "$TOP/tests/tlsrpt/mkmail.py" microsoft "$T/conc/same.json" "$T/conc/same.eml"
chmod a+r "$T"/conc/*
pids=()
for i in 1 2 3 4 5 6 7 8; do
	"${AS[@]}" env MTA_STS_CONF="$T/mail.conf" "$MAIL" <"$T/conc/same.eml" 2>"$T/conc/same$i.err" &
	pids+=($!)
	"${AS[@]}" env MTA_STS_CONF="$T/mail.conf" "$MAIL" <"$T/conc/r$i.eml" 2>"$T/conc/r$i.err" &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
stored=$(cat "$T"/conc/same*.err | grep -c ': stored conc-same ')
dups=$(cat "$T"/conc/same*.err | grep -c ': duplicate conc-same ')
files=$(find "$R" -name '*-conc-*.json' | wc -l)
if [ "$bad" -eq 0 ] && [ "$stored" -eq 1 ] && [ "$dups" -eq 7 ] && [ "$files" -eq 9 ]; then
	pass "16 concurrent deliveries: all exit 0, the shared report stored once (7 duplicates), 9 files"
else
	fail "16 concurrent deliveries: all exit 0, the shared report stored once (7 duplicates), 9 files" \
	    "non-zero exits $bad, stored $stored, duplicates $dups, files $files"
fi
rm -f "$R"/*-conc-*.json
if [ -z "$(find "$R" -name '.tmp-*')" ]; then
	pass "no temporary file left in report_dir"
else
	fail "no temporary file left in report_dir" "$(ls -a "$R")"
fi

# --- mta-sts-id --report ---------------------------------------------------------
"$ID" --report -c "$T/mail.conf" --all >"$T/out" 2>"$T/err"
rc=$?
cat >"$T/want" <<W
company-y.example: 1 report from 1 reporter, $RPT_START to $RPT_END
  sessions: 5326 succeeded, 303 failed
  reporter Company-X: 1 report, 5326 succeeded, 303 failed
  mx mx-backup.mail.company-y.example: 3 failed
    validation-failure: 3 (Company-X)
  mx mx1.mail.company-y.example: 100 failed
    certificate-expired: 100 (Company-X)
  mx mx2.mail.company-y.example: 200 failed
    starttls-not-supported: 200 (Company-X)
secure.example: 2 reports from 2 reporters, $RPT_START to $RPT_END
  sessions: 1540 succeeded, 7 failed
  reporter Google Inc.: 1 report, 1200 succeeded, 0 failed
  reporter Microsoft Corporation: 1 report, 340 succeeded, 7 failed
  mx mx2.secure.example: 7 failed
    certificate-host-mismatch: 7 (Microsoft Corporation)
W
[ "$rc" = 0 ] && [ ! -s "$T/err" ] && pass "--report --all: exit 0, nothing on stderr" ||
    fail "--report --all: exit 0, nothing on stderr" "exit $rc: $(cat "$T/err")"
same_bytes "--report --all: text, byte for byte" "$T/out" "$T/want"
"$ID" --report -c "$T/mail.conf" --format json --days 3 SECURE.example. other.example >"$T/out" 2>"$T/err"
printf '%s\n' "{\"days\":3,\"domains\":[{\"domain\":\"secure.example\",\"reports\":2,\"start\":\"$RPT_START\",\"end\":\"$RPT_END\",\"successful\":1540,\"failed\":7,\"reporters\":[{\"organization\":\"Google Inc.\",\"reports\":1,\"successful\":1200,\"failed\":0},{\"organization\":\"Microsoft Corporation\",\"reports\":1,\"successful\":340,\"failed\":7}],\"mx\":[{\"host\":\"mx2.secure.example\",\"failed\":7,\"results\":[{\"result-type\":\"certificate-host-mismatch\",\"failed\":7,\"reporters\":[\"Microsoft Corporation\"]}]}]},{\"domain\":\"other.example\",\"reports\":0,\"successful\":0,\"failed\":0,\"reporters\":[],\"mx\":[]}]}" >"$T/want"
same_bytes "--report --format json --days 3 DOMAIN...: JSON, byte for byte" "$T/out" "$T/want"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null; then
	pass "--report --format json: python3 reads it as JSON"
else
	fail "--report --format json: python3 reads it as JSON"
fi
rpt_small "$T/in/old.json" old-one 20
cp "$T/in/old.json" "$R/$(printf '%011d' "$(date -u -d 'today 00:00 20 days ago' +%s)")-old-one.json"
printf 'not json' >"$R/09999999999-garbage.json"
"$ID" --report -c "$T/mail.conf" --days 1 secure.example >"$T/out" 2>"$T/err"
rc=$?
printf 'secure.example: 2 reports from 2 reporters, %s to %s\n' "$RPT_START" "$RPT_END" >"$T/want"
if [ "$rc" = 0 ] && [ "$(head -1 "$T/out")" = "$(cat "$T/want")" ] &&
    [ "$(cat "$T/err")" = "mta-sts-id: 1 file in $R could not be read as reports; skipped" ]; then
	pass "--report --days 1: an old report left out, a corrupt file skipped with a warning"
else
	fail "--report --days 1: an old report left out, a corrupt file skipped with a warning" \
	    "exit $rc: $(head -1 "$T/out") | $(cat "$T/err")"
fi
"$ID" --report -c "$T/mail.conf" --days 30 secure.example >"$T/out" 2>/dev/null
[ "$(head -1 "$T/out")" = "secure.example: 3 reports from 3 reporters, $(date -u -d 'today 00:00 21 days ago' +%Y-%m-%dT%H:%M:%SZ) to $RPT_END" ] &&
    pass "--report --days 30: the old report counted" ||
    fail "--report --days 30: the old report counted" "$(head -1 "$T/out")"
rm -f "$R/09999999999-garbage.json"
for args in "--days 0 x.example" "--days 367 x.example" "--days x x.example" \
    "--rotate x.example" "--timeout 5 x.example" "--all x.example" "" \
    "--format zone x.example" "bad..name"; do
	# shellcheck disable=SC2086
	"$ID" --report -c "$T/mail.conf" $args >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] && pass "--report $args: usage error, exit 2" ||
	    fail "--report $args: usage error, exit 2" "exit $rc"
done

# --- mta-sts-id --check: the "reports" finding -----------------------------------
if ! why=$(web_can_run); then
	skip "--check reports finding against the lab and nginx ($why)"
	exit 0
fi
lab_up "$T/lab" "$LABPORT" "$DEADPORT"
chmod -R a+rX "$T/lab"
policy testing 604800 mx1.secure.example mx2.secure.example zz.secure.example >"$T/testing.txt"
printf 'trust_anchor: %s\nunbound_conf: %s\ndomain: secure.example\noverride: %s\n' \
    "$LAB_TA" "$LAB_UNBOUND_CONF" "$T/testing.txt" >"$T/server.conf"
chmod 644 "$T/server.conf" "$T/testing.txt"
if ! web_pki "$T/web" mta-sts.secure.example >"$T/web.log" 2>&1 ||
    ! web_nginx_fcgi_start "$T/web" "$HTTPS" "$T/server.conf" >>"$T/web.log" 2>&1; then
	fail "nginx + FastCGI start on port $HTTPS" "$(tail -5 "$T/web.log")"
	exit 1
fi
WEB_UP=1
mkdir -p "$T/state"
# check NAME CONF DOMAIN WANT_LINE: the "reports" line of --check.
check() {
	local name=$1 conf=$2 dom=$3 want=$4 have
	"$ID" --check --no-smtp -c "$conf" --ca-file "$T/web/ca.crt" \
	    --connect-to ":443:127.0.0.1:$HTTPS" "$dom" >"$T/out" 2>"$T/err"
	have=$(grep '^  [A-Z]* reports: ' "$T/out")
	if [ "$have" = "$want" ]; then
		pass "--check $name: $want"
	else
		fail "--check $name" "have: $have" "want: $want" "$(head -c 600 "$T/out" | tr '\n' '|')"
	fi
}
ckconf() {	# ckconf FILE REPORT_DIR [EXTRA LINE]
	printf 'trust_anchor: %s\nunbound_conf: %s\nstate_dir: %s\nreport_dir: %s\n%s\n' \
	    "$LAB_TA" "$LAB_UNBOUND_CONF" "$T/state" "$2" "${3:-}" >"$1"
}
ckconf "$T/ck.conf" "$R"
check "failures below report_critical" "$T/ck.conf" secure.example \
    "  WARNING reports: 7 of 1547 sessions failed in the last 7 days (0.4%) from 2 reporters; most: certificate-host-mismatch at mx2.secure.example (7)"
ckconf "$T/ck0.conf" "$R" "report_critical: 0"
check "failures at report_critical 0" "$T/ck0.conf" secure.example \
    "  CRITICAL reports: 7 of 1547 sessions failed in the last 7 days (0.4%) from 2 reporters; most: certificate-host-mismatch at mx2.secure.example (7)"
mkdir -p "$T/clean"
cp "$R/$E-$GID.json" "$T/clean/"
ckconf "$T/ckclean.conf" "$T/clean"
check "no failures, mode testing served" "$T/ckclean.conf" secure.example \
    "  OK reports: mode testing for 1 day, 1200 sessions from 1 reporter, 0 failures: ready to enforce"
check "no reports, no state" "$T/ckclean.conf" cnametxt.example \
    "  WARNING reports: no TLS-RPT report in $T/clean for the last 7 days: check the rua of _smtp._tls.cnametxt.example and the report intake"
ckconf "$T/cknone.conf" "$T/no-such-dir"
check "no report_dir: no reports finding" "$T/cknone.conf" secure.example ""
exit 0
