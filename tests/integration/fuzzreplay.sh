#!/bin/bash
# Replays the fuzzing corpora in make check: every harness of tests/fuzz/ is
# built with the ordinary C compiler (no libFuzzer) and tests/fuzz/replay.c,
# with the Makefile's warning flags and, when the compiler has them, the
# address and undefined-behaviour sanitizers, into a temporary directory;
# then every file of tests/fuzz/corpus/HARNESS/ (seeds, and crash-* inputs
# saved from fuzzing runs) is fed to it.  One line per harness:
#
#	PASS fuzz: replay fuzz_conf (15 inputs)
#
# FAIL when an input breaks a property, crashes, leaks or trips a
# sanitizer, with the input's name and the first lines of the report.
set -u
SUITE=fuzz
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/fuzz/lib.sh"

CC=${CC:-cc}
T=$(mktemp -d /tmp/mta-sts-fuzzreplay.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

read -ra WARN <<<"$(fuzz_make_var WARNFLAGS)"
[ "${#WARN[@]}" -gt 0 ] || WARN=(-Wall -Wextra -Wformat=2 -Wshadow \
    -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes)

# The sanitizers, when this compiler can build and run a program with them.
SAN=()
printf 'int main(void) { return 0; }\n' >"$T/san.c"
if "$CC" -fsanitize=address,undefined -o "$T/san" "$T/san.c" \
    >/dev/null 2>&1 && "$T/san" >/dev/null 2>&1; then
	# shellcheck disable=SC2054	# the commas belong to the flags
	SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
	    -fno-omit-frame-pointer)
	san_note="with ASan+UBSan"
else
	san_note="without sanitizers ($CC cannot build with them)"
fi
FLAGS=(-g -O1 "${WARN[@]}" "${SAN[@]}" -D_GNU_SOURCE -I"$TOP/common"
    -I"$TOP/cli" -I"$TOP/tests/fuzz")

if ! out=$(fuzz_core "$CC" "$T/core" "${FLAGS[@]}" 2>&1); then
	fail "build common/ for the replay ($san_note)" \
	    "$(printf '%s\n' "$out" | head -20)"
	exit 1
fi

export TMPDIR=$T		# fuzz_request writes its configuration here
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for h in $FUZZ_HARNESSES; do
	corpus=$TOP/tests/fuzz/corpus/$h
	read -ra extra <<<"$(fuzz_extra "$h")"
	if ! "$CC" "${FLAGS[@]}" -o "$T/$h" "$TOP/tests/fuzz/replay.c" \
	    "$TOP/tests/fuzz/$h.c" "${extra[@]}" "$T/core/libcore.a" \
	    >"$T/$h.build" 2>&1; then
		fail "replay $h: build ($san_note)" \
		    "$(head -20 "$T/$h.build")"
		continue
	fi
	if [ -s "$T/$h.build" ]; then
		fail "replay $h: builds without warnings" \
		    "$(head -20 "$T/$h.build")"
	fi
	n=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
	if [ "$n" -eq 0 ]; then
		fail "replay $h: seed corpus present" "no files in $corpus"
		continue
	fi
	# The subshell (not an exec: it must wait itself) keeps bash's own
	# "Aborted" notice out of the output.
	if ( "$T/$h" "$corpus" >"$T/$h.out" 2>"$T/$h.err"; exit $? ) \
	    2>/dev/null &&
	    grep -qx "replayed $n inputs" "$T/$h.out"; then
		pass "replay $h ($n inputs)"
	else
		last=$(grep '^replay: ' "$T/$h.err" | tail -1)
		mapfile -t report < <(grep -v -e '^replay: ' -e '^=*$' \
		    "$T/$h.err" | head -8)
		fail "replay $h ($n inputs)" "last input: ${last#replay: }" \
		    "${report[@]}"
	fi
done
exit 0
