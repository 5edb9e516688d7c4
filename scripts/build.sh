#!/bin/bash
# Build kperf in ./build (configure it first if needed).  With CI=true,
# warnings are errors.  Extra arguments go to meson, e.g.
#   scripts/build.sh -Dbuildtype=release
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2046
kperf_build build $(kperf_werror) "$@"
