#!/bin/bash
# bench/confscale.sh: issue 17's figures (bench/README.md, figure 10):
# configurations listing 1, 10,000 and 1,000,000 domains, this checkout
# side by side with the build of CS_BEFORE (default d9d4618).  The same
# as bench/run.sh confscale.  RUNS=3 is plenty (the 1,000,000 runs are
# the heavy part).
exec "$(dirname "$0")/run.sh" confscale "$@"
