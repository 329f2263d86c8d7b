#!/bin/sh
# Builds the stats micro-benchmark in release mode and runs it: ./run.sh [EXTRA_PROCESSES]
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${TMPDIR:-/tmp}/ppm-stats-bench
core="$root/Sources/PPMCore"
swiftc -O -module-name StatsBench -o "$out" "$root/bench/stats/main.swift" \
    "$core/ProcessTable.swift" "$core/StatsSampler.swift" "$core/ProcessStats.swift" \
    "$core/JSONValue.swift" "$core/JSONWriter.swift" "$core/JSONReader.swift"
"$out" "$@"
