# tests/fuzz/lib.sh: what run.sh (libFuzzer) and
# tests/integration/fuzzreplay.sh (plain replay) share.  Sourced, not run.
#
#   FUZZ_TOP		the top of the tree
#   FUZZ_HARNESSES	the harness names: tests/fuzz/NAME.c, corpus/NAME/
#   fuzz_srcs NAME	sources and -I flags a harness needs beyond
#			libcore.a (the tlsrpt/ modules), as compiler words
#   fuzz_libs NAME	the libraries those need (pkg-config), for after
#			libcore.a on the link line
#   fuzz_make_var VAR	the value of a variable of the top Makefile
#   fuzz_core CC OUTDIR FLAGS...
#			compile the Makefile's CORE_SRCS (common/ without
#			dns.c) with CC and FLAGS into OUTDIR/libcore.a; a
#			harness links it, so only the modules it needs are
#			pulled in, and one that reaches the DNS module
#			defines its own dns_*() stubs.  On failure prints the
#			compiler's output and returns non-zero; warnings are
#			in OUTDIR/obj/*.log.

FUZZ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_HARNESSES="fuzz_conf fuzz_policy fuzz_request fuzz_mx fuzz_report fuzz_mime"

fuzz_srcs() {
	case $1 in
	fuzz_report) echo "-I$FUZZ_TOP/tlsrpt $(pkg-config --cflags json-c zlib) $FUZZ_TOP/tlsrpt/report.c $FUZZ_TOP/tlsrpt/gz.c" ;;
	fuzz_mime) echo "-I$FUZZ_TOP/tlsrpt $(pkg-config --cflags gmime-3.0) $FUZZ_TOP/tlsrpt/mime.c" ;;
	esac
}

fuzz_libs() {
	case $1 in
	fuzz_report) pkg-config --libs json-c zlib ;;
	fuzz_mime) pkg-config --libs gmime-3.0 ;;
	esac
}

fuzz_make_var() {
	make -s --no-print-directory -C "$FUZZ_TOP" -f Makefile -f - \
	    fuzz-print-var FUZZ_VAR="$1" 2>/dev/null \
	    <<<'fuzz-print-var: ; @echo $($(FUZZ_VAR))'
}

fuzz_core() {
	local cc=$1 dir=$2 src obj objs=() srcs pids=() pid rc=0
	shift 2
	srcs=$(fuzz_make_var CORE_SRCS)
	if [ -z "$srcs" ]; then
		# No make: everything in common/ but the libunbound wrapper.
		srcs=$(cd "$FUZZ_TOP" && ls common/*.c | grep -v '^common/dns\.c$')
	fi
	mkdir -p "$dir/obj"
	for src in $srcs; do
		obj=$dir/obj/$(basename "$src" .c).o
		objs+=("$obj")
		"$cc" "$@" -c -o "$obj" "$FUZZ_TOP/$src" \
		    >"$obj.log" 2>&1 &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	if [ "$rc" -ne 0 ]; then
		cat "$dir"/obj/*.log
		return 1
	fi
	rm -f "$dir/libcore.a"
	ar rcs "$dir/libcore.a" "${objs[@]}"
}
