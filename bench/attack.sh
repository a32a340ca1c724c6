#!/bin/bash
# bench/attack.sh: the benchmarks of issue 11 in one run (about 5 minutes):
# warm FastCGI vs the minimal libfcgi responder (part fcgi), cached traffic
# under an attack of dead-DNS requests in listed and opt-in mode (attack),
# memory after 100,000 random Hosts (flood), latency during a DNS outage
# (outage), the real-clock timings the unit tests no longer assert (timing).
# Run as root; knobs and output as for bench/run.sh (see
# bench/README.md).
exec "$(dirname "$0")/run.sh" fcgi attack flood outage timing
