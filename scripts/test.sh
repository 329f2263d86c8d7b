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
# Each run has a deadline far above its usual length: a hang fails with
# the processes it left instead of running into CI's own limit.
bounded() {
    local seconds=$1
    shift
    "$@" &
    local run=$!
    (
        sleep "$seconds" >/dev/null 2>&1 </dev/null
        echo "test.sh: '$*' did not end within $seconds s; what runs now:" >&2
        ps -eo pid,ppid,stat,etimes,wchan:24,args --forest >&2 || true
        pkill -TERM -P "$run" || true
        kill -TERM "$run" || true
    ) &
    local watcher=$!
    local status=0
    wait "$run" || status=$?
    kill "$watcher" 2>/dev/null || true
    return "$status"
}
bounded 2400 swift test --skip 'ChaosTests|ProtocolFuzzTests|CheckFuzzTests|ConnectionLimitTests|ScaleTests'
bounded 900 swift test --skip-build --filter 'ProtocolFuzzTests|CheckFuzzTests|ConnectionLimitTests|ScaleTests'
bounded 900 swift test --skip-build --filter ChaosTests
