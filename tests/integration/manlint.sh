#!/bin/bash
# Every man page in the tree passes mandoc -Tlint at warning level.
set -u
SUITE=man
. "$(dirname "$0")/lib.sh"
if ! command -v mandoc >/dev/null; then
	fail "mandoc is installed (tests/deps.sh installs it)"
	exit 0
fi
cd "$TOP"
for page in $(git ls-files '*.[1-9]' 2>/dev/null || ls cgi/*.8 cli/*.8 common/*.5); do
	if out=$(mandoc -Tlint -Wwarning "$page" 2>&1); then
		pass "mandoc -Tlint $page"
	else
		fail "mandoc -Tlint $page" "$out"
	fi
done
