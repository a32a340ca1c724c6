# cg-per-request.awk: what one request costs, function by function.
#
#   callgrind_annotate --auto=no --threshold=100 [--inclusive=yes] A.out >a
#   (same for B.out) >b
#   awk -v n=N -f cg-per-request.awk a b
#
# A is a run with 1 request, B the same run with 1 + N requests; prints
# (B - A) / N instructions per function (exclusive or inclusive, as the
# listings were made), largest first is left to `sort -rn`.  Lines whose
# difference is under 0.5 instructions per request are left out.
/^ *[0-9][0-9,]* +\(/ {
	v = $1
	gsub(",", "", v)
	k = $0
	sub(/^ *[0-9][0-9,]* +\([^)]*\) +/, "", k)
	# call lines, and the duplicate "file:function" lines without
	# the object name that --inclusive=yes adds
	if (k ~ /^=>/ || (k !~ / \[/ && k != "PROGRAM TOTALS"))
		next
	if (FNR == NR)
		a[k] = v
	else
		b[k] = v
	seen[k] = 1
}
END {
	for (k in seen) {
		d = (b[k] - a[k]) / n
		if (d >= 0.5 || d <= -0.5)
			printf "%10.0f  %s\n", d, k
	}
}
