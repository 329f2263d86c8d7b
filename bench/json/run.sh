#!/bin/sh
# Builds the JSON micro-benchmark in release mode and runs it.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${TMPDIR:-/tmp}/ppm-json-bench
swiftc -O -module-name JSONBench -o "$out" \
    "$root/bench/json/main.swift" "$root"/Sources/PPMMachine/JSON/JSONValue.swift \
    "$root"/Sources/PPMMachine/JSON/JSONWriter.swift "$root"/Sources/PPMMachine/JSON/JSONReader.swift 2>&1 | grep -v warning || true
"$out"
