#!/usr/bin/env bash
# The chaos test for longer than CI's 20 s: scripts/chaos.sh [SECONDS] (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
PPM_CHAOS_SECONDS="${1:-600}" swift test --filter ChaosTests
