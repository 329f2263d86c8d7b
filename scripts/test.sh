#!/usr/bin/env bash
# Runs the whole test suite (unit and end-to-end) from a fresh clone. With
# arguments, they go to `swift test` as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --tests
swift build
# supervisord.conf's %(ENV_LOG_LEVEL)s, set here: a test's setenv races other tests' process spawns.
export LOG_LEVEL=info
if [ $# -gt 0 ]; then exec swift test "$@"; fi
# The chaos, end-to-end fuzz and scale tests load the machine on purpose: they
# run on their own, after the rest, so that the timing of the others is not theirs.
swift test --skip 'ChaosTests|ProtocolFuzzTests|CheckFuzzTests|ConnectionLimitTests|ScaleTests'
swift test --skip-build --filter 'ProtocolFuzzTests|CheckFuzzTests|ConnectionLimitTests|ScaleTests'
swift test --skip-build --filter ChaosTests
