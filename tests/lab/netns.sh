#!/bin/bash
# tests/lab/netns.sh CMD [ARG]...
#
# Run CMD in a fresh network namespace whose only interface is lo (up),
# so the lab's servers and the program under test cannot reach, or be
# reached from, anything but each other, and fixed ports cannot clash
# with other runs.  Needs root (unshare -n) or unprivileged user
# namespaces (unshare -rn); without either, says so on stderr and runs
# CMD on the host loopback.  Exits with CMD's status.
#
# CMD sees LAB_NETNS=1 inside a namespace, LAB_NETNS=0 on the host.  The
# namespace is not a PID namespace: processes CMD leaves running keep
# it alive and are not killed with it, so CMD must stop what it starts
# (lab.sh stop works the same inside and outside).
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: netns.sh CMD [ARG]..." >&2
	exit 2
fi

# Probe first, so that a failure of CMD itself is never mistaken for
# "no namespace" and CMD never runs twice.
for opts in -n -rn; do
	if unshare $opts true 2>/dev/null; then
		exec env LAB_NETNS=1 unshare $opts -- \
			bash -c 'ip link set lo up && exec "$@"' netns.sh "$@"
	fi
done
echo "netns.sh: cannot create a network namespace; running on the host loopback" >&2
export LAB_NETNS=0
exec "$@"
