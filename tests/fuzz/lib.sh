# tests/fuzz/lib.sh: what run.sh (libFuzzer) and
# tests/integration/fuzzreplay.sh (plain replay) share.  Sourced, not run.
#
#   FUZZ_TOP		the top of the tree
#   FUZZ_HARNESSES	the harness names: tests/fuzz/NAME.c, corpus/NAME/
#   fuzz_make_var VAR	the value of a variable of the top Makefile
#   fuzz_extra HARNESS	the cli/ and tlsrpt/ sources (not in libcore.a),
#			their -I flags and libraries a harness links besides
#			libcore.a, as compiler arguments; cli/ is on the
#			include path of every harness
#   fuzz_core CC OUTDIR FLAGS...
#			compile the Makefile's CORE_SRCS (common/ without
#			dns.c) with CC and FLAGS into OUTDIR/libcore.a; a
#			harness links it, so only the modules it needs are
#			pulled in, and one that reaches the DNS module
#			defines its own dns_*() stubs.  On failure prints the
#			compiler's output and returns non-zero; warnings are
#			in OUTDIR/obj/*.log.

FUZZ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_HARNESSES="fuzz_conf fuzz_policy fuzz_request fuzz_mx fuzz_http fuzz_idstate
    fuzz_report fuzz_mime"

fuzz_make_var() {
	make -s --no-print-directory -C "$FUZZ_TOP" -f Makefile -f - \
	    fuzz-print-var FUZZ_VAR="$1" 2>/dev/null \
	    <<<'fuzz-print-var: ; @echo $($(FUZZ_VAR))'
}

fuzz_extra() {
	local ssl
	case $1 in
	fuzz_http)
		ssl=$(fuzz_make_var SSL_LIBS)
		echo "$FUZZ_TOP/cli/fetch.c ${ssl:--lssl -lcrypto}" ;;
	fuzz_idstate)
		echo "$FUZZ_TOP/cli/idstate.c" ;;
	fuzz_report)	# tlsrpt/: json-c, zlib
		echo "-I$FUZZ_TOP/tlsrpt $FUZZ_TOP/tlsrpt/report.c" \
		    "$FUZZ_TOP/tlsrpt/gz.c $(pkg-config --cflags --libs json-c zlib)" ;;
	fuzz_mime)	# tlsrpt/: GMime
		echo "-I$FUZZ_TOP/tlsrpt $FUZZ_TOP/tlsrpt/mime.c" \
		    "$(pkg-config --cflags --libs gmime-3.0)" ;;
	esac
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
