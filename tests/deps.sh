#!/bin/bash
# tests/deps.sh [install]: make sure the Debian packages that building,
# the demo and the tests need are installed.
#   tests/deps.sh           install what is missing (as root), or say what to run
#   tests/deps.sh install   apt-get update + install everything (CI)
set -euo pipefail

PACKAGES=(
	# build
	gcc make pkg-config libc6-dev libunbound-dev libevent-dev libfcgi-dev
	# run time data: the root trust anchor our built-in one is checked against
	dns-root-data
	# DNS lab: nsd serving a signed tree, ldns-keygen/-signzone, drill
	nsd ldnsutils
	# FastCGI tests: cgi-fcgi and spawn-fcgi
	libfcgi-bin spawn-fcgi
	# network namespaces, curl for fetches
	iproute2 util-linux curl ca-certificates
	libssl-dev	# mta-sts-id: the HTTPS client of the live policy check
	libjson-c-dev zlib1g-dev libgmime-3.0-dev	# TLS-RPT: report JSON, gzip, mail (tlsrpt/)
	# man page checks
	mandoc
	# check.sh: small policy and SMTP servers for --check findings
	python3
	apache2 libapache2-mod-fcgid lighttpd lighttpd-mod-openssl nginx fcgiwrap openssl postfix-mta-sts-resolver	# web tests: the servers of htaccess-examples/, a real MTA-STS client
	faketime	# publish.sh: the refresh setting under a fake clock
	systemd	# install.sh: systemd-analyze verify of the shipped units
	bind9 bind9-dnsutils	# nsupdate.sh: named taking TSIG-signed RFC 2136 updates, nsupdate, dig, tsig-keygen
	pebble certbot caddy	# acme.sh, caddy.sh: the ACME test CA, certbot --webroot, Caddy's on-demand TLS (mod_md is in apache2)
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
	    missing+=("$p")
done

if [ "${1:-}" != install ] && [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]}" >&2
	echo "run as root: apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
    "${PACKAGES[@]}" >/dev/null
echo "installed: ${PACKAGES[*]}"
