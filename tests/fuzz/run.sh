#!/bin/bash
# tests/fuzz/run.sh [SECONDS] [HARNESS...]: build each libFuzzer harness
# with clang (-fsanitize=fuzzer,address,undefined) and run it for SECONDS
# (default 60) on a copy of its seed corpus, with tests/fuzz/mta-sts.dict.
# Then print one line per harness:
#
#	fuzz_conf: 1234567 executions, 20576 exec/s, 0 crashes, corpus 15 -> 402
#
# Everything is built and run in a temporary directory; nothing is written
# into the tree.  An input that crashes a harness is kept, with libFuzzer's
# log, in a directory named on the output (FUZZ_ARTIFACTS, default
# /tmp/mta-sts-fuzz-artifacts.XXXXXX); to make it a regression test, copy it
# to tests/fuzz/corpus/HARNESS/crash-SHORTNAME (make check replays every
# file there).  Saved crash-* inputs that still crash are left out of the
# fuzzing corpus (libFuzzer would stop on them at once) and listed as
# "known".
#
# Environment: CLANG (default clang), FUZZ_ARTIFACTS, FUZZ_FLAGS (more
# libFuzzer options, e.g. "-max_len=70000").
# Exit status: 0 when no harness crashed, 1 otherwise, 2 on a build error.
set -u
. "$(dirname "$0")/lib.sh"

SECONDS_EACH=60
case ${1:-} in
'' | *[!0-9]*) ;;
*) SECONDS_EACH=$1; shift ;;
esac
HARNESSES=${*:-$FUZZ_HARNESSES}
CLANG=${CLANG:-clang}
FUZZ_FLAGS=${FUZZ_FLAGS:-}

T=$(mktemp -d /tmp/mta-sts-fuzz.XXXXXX)
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS_FUZZ="-g -O1 -fno-omit-frame-pointer $SAN -D_GNU_SOURCE \
    -I$FUZZ_TOP/common -I$FUZZ_TOP/cli -I$FUZZ_TOP/tests/fuzz"
# shellcheck disable=SC2086
if ! fuzz_core "$CLANG" "$T/core" $CFLAGS_FUZZ -fsanitize=fuzzer-no-link; then
	echo "run.sh: cannot build common/ with $CLANG" >&2
	exit 2
fi

export TMPDIR=$T		# fuzz_request's configuration files
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

artifacts=
keep_artifact() {	# keep_artifact HARNESS FILE LOG
	if [ -z "$artifacts" ]; then
		artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d /tmp/mta-sts-fuzz-artifacts.XXXXXX)}
		mkdir -p "$artifacts"
	fi
	cp "$2" "$artifacts/$1-$(basename "$2")"
	cp "$3" "$artifacts/$1-$(basename "$2").log"
}

status=0
for h in $HARNESSES; do
	src=$FUZZ_TOP/tests/fuzz/$h.c
	if [ ! -f "$src" ]; then
		echo "run.sh: no harness $src" >&2
		exit 2
	fi
	# shellcheck disable=SC2086
	if ! "$CLANG" $CFLAGS_FUZZ -fsanitize=fuzzer -o "$T/$h" "$src" \
	    $(fuzz_extra "$h") "$T/core/libcore.a" >"$T/$h.build" 2>&1; then
		cat "$T/$h.build" >&2
		exit 2
	fi

	# The seed corpus, without saved crash inputs that still crash.
	mkdir -p "$T/corpus/$h" "$T/art/$h"
	known=0
	for f in "$FUZZ_TOP/tests/fuzz/corpus/$h"/*; do
		[ -f "$f" ] || continue
		case $(basename "$f") in
		crash-*)
			if ! ( "$T/$h" "$f" >"$T/$h.known" 2>&1; exit $? ) \
			    2>/dev/null; then
				known=$((known + 1))
				echo "$h: known crash, left out: $(basename "$f")"
				continue
			fi ;;
		esac
		cp "$f" "$T/corpus/$h/"
	done
	seeds=$(find "$T/corpus/$h" -type f | wc -l)

	# In a subshell that waits itself: no "Aborted" notice from bash.
	# shellcheck disable=SC2086
	( "$T/$h" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -dict="$FUZZ_TOP/tests/fuzz/mta-sts.dict" -print_final_stats=1 \
	    -artifact_prefix="$T/art/$h/" $FUZZ_FLAGS "$T/corpus/$h" \
	    >"$T/$h.log" 2>&1; exit $? ) 2>/dev/null
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$h.log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$T/$h.log" | tail -1)
	ncorpus=$(find "$T/corpus/$h" -type f | wc -l)
	crashes=0
	for a in "$T/art/$h"/*; do
		[ -f "$a" ] || continue
		crashes=$((crashes + 1))
		keep_artifact "$h" "$a" "$T/$h.log"
	done
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		# Died without an artifact (out of memory in libFuzzer itself...).
		crashes=1
		keep_artifact "$h" "$T/$h.log" "$T/$h.log"
	fi
	line="$h: ${execs:-0} executions, ${rate:-0} exec/s, $crashes crashes"
	line="$line, corpus $seeds -> $ncorpus"
	[ "$known" -gt 0 ] && line="$line ($known known crash inputs left out)"
	echo "$line"
	if [ "$crashes" -gt 0 ]; then
		status=1
		{
			if grep -q 'property broken' "$T/$h.log"; then
				grep -m1 -B1 'property broken' "$T/$h.log"
			else
				grep -m1 -E 'ERROR: |runtime error' "$T/$h.log"
				# The frames in our own sources.
				grep -E '^ *#[0-9]+ .* in ' "$T/$h.log" |
				    grep -F "$FUZZ_TOP/" | head -4
			fi
		} | sed 's/^/    /'
	fi
done
[ -n "$artifacts" ] && echo "crash inputs and logs kept in $artifacts"
exit "$status"
