#!/bin/bash
# tests/run.sh: run every test and print one line per test, then the total.
# Each test program prints lines starting with PASS, FAIL or SKIP; this
# script passes them through and counts them.  A test program that exits
# non-zero without printing a FAIL line is counted as one failure.
set -u
cd "$(dirname "$0")/.."

pass=0 fail=0 skip=0
tally() {	# tally NAME CMD... : run one test program and count its lines
	local name=$1 out rc line nfail=0
	shift
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass=$((pass + 1)) ;;
		FAIL\ *) fail=$((fail + 1)); nfail=$((nfail + 1)) ;;
		SKIP\ *) skip=$((skip + 1)) ;;
		'') continue ;;
		esac
		printf '%s\n' "$line"
	done <<<"$out"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		printf 'FAIL %s: exited with status %d\n' "$name" "$rc"
		fail=$((fail + 1))
	fi
}

for t in tests/unit/t_*; do
	case $t in *.c|*.o|*.dSYM) continue ;; esac
	[ -x "$t" ] || continue
	tally "$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	tally "$(basename "$t" .sh)" bash "$t"
done

[ "$skip" -gt 0 ] && printf '%d skipped\n' "$skip"
printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
