#!/bin/sh
# Builds the stats micro-benchmark in release mode and runs it: ./run.sh [EXTRA_PROCESSES]
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${TMPDIR:-/tmp}/ppm-stats-bench
proc="$root/Sources/PPMRuntime/Proc"
json="$root/Sources/PPMMachine/JSON"
swiftc -O -module-name StatsBench -o "$out" "$root/bench/stats/main.swift" \
    "$proc/ProcessTable.swift" "$proc/KernelFileReader.swift" "$proc/ProcessEntry.swift" "$proc/StatsSampler.swift" "$proc/GroupUsage.swift" \
    "$proc/StatsGroup.swift" "$proc/ProcessStats.swift" \
    "$json/JSONValue.swift" "$json/JSONWriter.swift" "$json/JSONReader.swift"
"$out" "$@"
