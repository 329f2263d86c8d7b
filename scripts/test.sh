#!/usr/bin/env bash
# Runs the whole test suite (unit and end-to-end) from a fresh clone. With
# arguments, they go to `swift test` as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build
if [ $# -gt 0 ]; then exec swift test "$@"; fi
# The chaos test loads the machine on purpose: it runs on its own, after the rest.
swift test --skip ChaosTests
swift test --skip-build --filter ChaosTests
