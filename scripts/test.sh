#!/usr/bin/env bash
# Runs the whole test suite (unit and end-to-end) from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build
swift test "$@"
