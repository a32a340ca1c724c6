#!/bin/bash
# Cache tests against the local signed DNS lab: cache hits need no DNS,
# entries expire with the TTL, serve-stale within and beyond stale_max
# (nsd stopped), corrupt and unwritable cache entries, concurrent CGI
# processes writing one entry, and the FastCGI memory cache.
set -u
SUITE=cache
. "$(dirname "$0")/lib.sh"

if [ -z "${MTA_STS_IN_NETNS:-}" ]; then
	exec "$TOP/tests/lab/netns.sh" env MTA_STS_IN_NETNS=1 bash "$0" "$@"
fi

T=$(mktemp -d /tmp/mta-sts-cache.XXXXXX)
LABDIR=$T/lab
FCGI_PID=
cleanup() {
	[ -n "$FCGI_PID" ] && kill "$FCGI_PID" 2>/dev/null && wait "$FCGI_PID" 2>/dev/null
	"$TOP/tests/lab/lab.sh" stop "$LABDIR" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

lab_up "$LABDIR" 15363 15364
# lab CMD [ARGS...]: lab.sh CMD LABDIR ARGS...
lab() {
	local cmd=$1
	shift
	"$TOP/tests/lab/lab.sh" "$cmd" "$LABDIR" "$@" >>"$T/lab.log" 2>&1 ||
	    fail "lab.sh $cmd $*" "$(tail -3 "$T/lab.log")"
}

# mkconf NAME EXTRA...: a configuration serving secure.example.
mkconf() {
	local name=$1
	shift
	{
		printf 'trust_anchor: %s\nunbound_conf: %s\n' "$LAB_TA" "$LAB_UNBOUND_CONF"
		printf '%s\n' "$@"
		printf 'mode: enforce\nmax_age: 86400\ndomain: secure.example\n'
	} >"$T/$name.conf"
}
# get CONF: one CGI GET for mta-sts.secure.example into $T/have, log in $T/err.
get() {
	run_cgi "$T/have" "$T/err" "$1" REQUEST_METHOD=GET \
	    HTTP_HOST=mta-sts.secure.example REQUEST_URI=/.well-known/mta-sts.txt
}
OLD="$(policy enforce 86400 mx1.secure.example mx2.secure.example zz.secure.example)"$'\n'
want_response 200 "$OLD" >"$T/want.old"
want_response 503 "DNS lookup of secure.example MX failed temporarily; try again later
" >"$T/want.503"

# --- a fresh entry answers without any DNS ---------------------------------
mkdir "$T/c1"
mkconf c1 "cache_dir: $T/c1"
get "$T/c1.conf"
same_bytes "first request: 200 from the DNS" "$T/have" "$T/want.old"
if head -1 "$T/c1/secure.example.cache" 2>/dev/null | grep -qx 'mta-sts-cgi-cache 2'; then
	pass "first request: entry written to cache_dir"
else
	fail "first request: entry written to cache_dir" "$(ls -la "$T/c1")"
fi
q0=$(lab_queries)
get "$T/c1.conf"
same_bytes "second request: 200 from cache_dir" "$T/have" "$T/want.old"
no_query "cache_dir hit made no DNS query (nsd's counter)" "$q0"
lab stopnsd
get "$T/c1.conf"
same_bytes "nsd stopped: fresh cache entry still answers 200" "$T/have" "$T/want.old"

# --- expiry by TTL, then serve-stale within and beyond stale_max -------------
lab startnsd
mkdir "$T/c2" "$T/c3"
mkconf c2 "cache_dir: $T/c2" "cache_max_ttl: 1" "stale_max: 3600" "fail_ttl: 1"
mkconf c3 "cache_dir: $T/c3" "cache_max_ttl: 1" "stale_max: 1"
get "$T/c2.conf"
get "$T/c3.conf"
lab stopnsd
sleep 2.2
get "$T/c2.conf"
same_bytes "expired entry, DNS down, within stale_max: stale policy served" "$T/have" "$T/want.old"
if grep -qF "serving the policy looked up" "$T/err"; then
	pass "serve-stale is logged"
else
	fail "serve-stale is logged" "log: $(tr '\n' '|' <"$T/err")"
fi
get "$T/c3.conf"
same_bytes "expired entry, DNS down, beyond stale_max: 503" "$T/have" "$T/want.503"

# --- entry expired by TTL is looked up again ----------------------------------
lab startnsd
lab setmx secure.example "10 mx9.secure.example"
NEW="$(policy enforce 86400 mx9.secure.example)"$'\n'
want_response 200 "$NEW" >"$T/want.new"
get "$T/c1.conf"
same_bytes "within the TTL: the cached policy, not the changed MX" "$T/have" "$T/want.old"
# c2 remembers the failed lookup above for fail_ttl (1 s): let it pass.
sleep 1.1
get "$T/c2.conf"
same_bytes "after the TTL: the changed MX looked up again" "$T/have" "$T/want.new"

# --- corrupt, foreign-format and unwritable entries ---------------------------
mkdir "$T/c4"
mkconf c4 "cache_dir: $T/c4"
printf 'mta-sts-cgi-cache 1\ndomain secure.example\nrc ok\n\0garbage' >"$T/c4/secure.example.cache"
get "$T/c4.conf"
same_bytes "corrupt entry ignored: answer from the DNS" "$T/have" "$T/want.new"
if grep -qF "cache entry ignored: $T/c4/secure.example.cache: " "$T/err"; then
	pass "corrupt entry: logged"
else
	fail "corrupt entry: logged" "log: $(tr '\n' '|' <"$T/err")"
fi
if grep -qx 'mx mx9.secure.example' "$T/c4/secure.example.cache"; then
	pass "corrupt entry: replaced by a valid one"
else
	fail "corrupt entry: replaced by a valid one" "$(head -c 200 "$T/c4/secure.example.cache")"
fi
: >"$T/notadir"
mkconf c5 "cache_dir: $T/notadir"
get "$T/c5.conf"
same_bytes "unusable cache_dir: still serves" "$T/have" "$T/want.new"
if grep -qF "secure.example: cache not written: " "$T/err"; then
	pass "unusable cache_dir: logged"
else
	fail "unusable cache_dir: logged" "log: $(tr '\n' '|' <"$T/err")"
fi

# --- concurrent CGI processes writing the same entry --------------------------
mkdir "$T/c6"
mkconf c6 "cache_dir: $T/c6"
for i in $(seq 1 20); do
	run_cgi "$T/par.$i" "$T/par.$i.err" "$T/c6.conf" REQUEST_METHOD=GET \
	    HTTP_HOST=mta-sts.secure.example REQUEST_URI=/.well-known/mta-sts.txt &
done
wait
bad=0
for i in $(seq 1 20); do cmp -s "$T/par.$i" "$T/want.new" || bad=$((bad + 1)); done
if [ "$bad" -eq 0 ]; then
	pass "20 concurrent CGI processes: all 200 with the same bytes"
else
	fail "20 concurrent CGI processes: all 200 with the same bytes" "$bad differ"
fi
left=$(find "$T/c6" -type f ! -name '.conf-index.*' | wc -l)
if [ "$left" -eq 1 ] && grep -qx end "$T/c6/secure.example.cache"; then
	pass "20 concurrent writers: one complete entry, no temporary files left"
else
	fail "20 concurrent writers: one complete entry, no temporary files left" "$(ls -la "$T/c6")"
fi

# --- FastCGI: memory cache honours the TTL -----------------------------------
# libunbound keeps a cache of its own (capped by cache_max_ttl, like ours),
# which would answer a second request without a query to nsd even if the
# memory cache were gone.  So the FastCGI gets an unbound.conf whose
# caches hold one entry per table (size 0, one slab: libunbound keeps
# only the entry it inserted last), and a request for another domain
# (optin.example) in between pushes secure.example out of them: only our
# memory cache can then answer secure.example without a query to nsd.
# (Checked: with server_cache() returning NULL the next two checks fail.)
{
	cat "$LAB_UNBOUND_CONF"
	printf 'server:\n'
	for c in msg rrset key; do
		printf '    %s-cache-size: 0\n    %s-cache-slabs: 1\n' "$c" "$c"
	done
} >"$T/nocache-unbound.conf"
mkconf f1 "cache_max_ttl: 2"
sed -i "s|^unbound_conf: .*|unbound_conf: $T/nocache-unbound.conf|" "$T/f1.conf"
printf 'domain: optin.example
' >>"$T/f1.conf"
give_away
spawn-fcgi -n -s "$T/fcgi.sock" -- /usr/bin/env MTA_STS_CONF="$T/f1.conf" "$FCGI" \
    >/dev/null 2>&1 &
FCGI_PID=$!
for i in $(seq 1 100); do [ -S "$T/fcgi.sock" ] && break; sleep 0.05; done
# fget [DOMAIN]: one FastCGI GET for mta-sts.DOMAIN (secure.example).
fget() {
	env -i REQUEST_METHOD=GET HTTP_HOST="mta-sts.${1:-secure.example}" \
	    REQUEST_URI=/.well-known/mta-sts.txt \
	    cgi-fcgi -bind -connect "$T/fcgi.sock" >"$T/have" 2>/dev/null
}
q0=$(lab_queries)
fget
same_bytes "FastCGI: first request" "$T/have" "$T/want.new"
q1=$(lab_queries)
if [ "$q0" != "?" ] && [ "$q1" != "?" ] && [ "$q1" -gt "$q0" ]; then
	pass "FastCGI: first request asked nsd ($((q1 - q0)) queries)"
else
	fail "FastCGI: first request asked nsd" "nsd query counter: $q0 before, $q1 after"
fi
fget optin.example
if head -n 1 "$T/have" | grep -q '^Status: 200 OK'; then
	pass "FastCGI: another domain in between (optin.example: 200)"
else
	fail "FastCGI: another domain in between (optin.example: 200)" "$(head -n 1 "$T/have")"
fi
lab setmx secure.example "10 mx1.secure.example" "20 mx2.secure.example" "5 zz.secure.example"
q0=$(lab_queries)
fget
same_bytes "FastCGI: within the TTL, the remembered policy, not the changed MX" "$T/have" "$T/want.new"
no_query "FastCGI: within the TTL, answered from memory (no DNS query)" "$q0"
# libunbound's worker thread reads the clock lazily, so its cache can
# serve a record a moment past its TTL: allow a whole second of margin.
sleep 3.2
fget
same_bytes "FastCGI: after the TTL, looked up again" "$T/have" "$T/want.old"
exit 0
