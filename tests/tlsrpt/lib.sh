# tests/tlsrpt/lib.sh: report fixtures for the TLS-RPT intake tests.
# Sourced, not run.  Needs TOP (tests/integration/lib.sh).
#
#   rpt_fixtures DIR   DIR/{rfc8460,google,microsoft}.json from the files
#                      here, dated yesterday (RPT_START = yesterday 00:00Z,
#                      RPT_END = today 00:00Z), and a .json.gz of each
#   rpt_small FILE ID DAYS_AGO [DOMAIN]
#                      a small valid report with report-id ID ending
#                      DAYS_AGO days before today 00:00Z
#   rpt_deep FILE N    a report object whose "x" member nests N arrays

RPT_START=$(date -u -d 'yesterday 00:00' +%Y-%m-%dT%H:%M:%SZ)
RPT_END=$(date -u -d 'today 00:00' +%Y-%m-%dT%H:%M:%SZ)

rpt_fixtures() {
	local f
	for f in rfc8460 google microsoft; do
		sed -e "s/@START@/$RPT_START/g" -e "s/@END@/$RPT_END/g" \
		    "$TOP/tests/tlsrpt/$f.json" >"$1/$f.json" || return 1
		gzip -n -c "$1/$f.json" >"$1/$f.json.gz" || return 1
	done
	chmod a+r "$1"/*.json "$1"/*.json.gz
}

rpt_small() {
	local s e
	s=$(date -u -d "today 00:00 $(($3 + 1)) days ago" +%Y-%m-%dT%H:%M:%SZ)
	e=$(date -u -d "today 00:00 $3 days ago" +%Y-%m-%dT%H:%M:%SZ)
	printf '{"organization-name":"Small Reporter","date-range":{"start-datetime":"%s","end-datetime":"%s"},"contact-info":"r@small.example","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-domain":"%s"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}\n' \
	    "$s" "$e" "$2" "${4:-secure.example}" >"$1"
	chmod a+r "$1"
}

rpt_deep() {
	local i open= close=
	for ((i = 0; i < $2; i++)); do open+='['; close+=']'; done
	printf '{"organization-name":"o","x":%s1%s}\n' "$open" "$close" >"$1"
	chmod a+r "$1"
}
