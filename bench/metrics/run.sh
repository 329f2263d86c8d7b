#!/usr/bin/env bash
# bench/metrics/run.sh [--services N] [--scrapes N]
#
# The metrics endpoint at 1000 services (issue #27): builds ppm-lua as
# bench/run does (release, static Swift runtime, .build-bench), then
# measure.py runs it with the endpoint off and on and prints one row:
# RSS off / on, /metrics response time, the loop's and the side thread's CPU
# per scrape, `status` while scrapes run. Results: bench/metrics/results.md.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/../.." && pwd)"
(cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --product ppm-lua 2>&1 | tail -n 2) >&2
(cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --product ppm-lua-full 2>&1 | tail -n 2) >&2
PPM="$(cd "$REPO" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --show-bin-path)/ppm-lua"
exec python3 "$BENCH/measure.py" --ppm "$PPM" "$@"
