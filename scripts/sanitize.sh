#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and ThreadSanitizer
# (or only those named: scripts/sanitize.sh thread; arguments after `--` go
# to swift test: scripts/sanitize.sh thread -- --filter Adoption). Each
# process writes its reports to .build-SANITIZER/reports, listed at the end
# (an ASan error or a TSan warning fails the run). Each sanitizer builds
# in its own folder (.build-address, .build-thread), so the ordinary
# .build stays as it is. Slow: a full build and run per sanitizer.
# PPM_SANITIZER tells the tests, which then allow the daemon 16 times their
# memory bounds (shadow memory), nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --tests
sanitizers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sanitizers+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift  # the rest goes to swift test (e.g. --filter AdoptionTests)
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
failed=()
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in address | thread) ;; *) echo "unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;; esac
    echo "== swift test --sanitize=$sanitizer"
    scratch=".build-$sanitizer"
    # Every process writes its reports here (a daemon's stderr may go nowhere a test shows).
    reports="$PWD/$scratch/reports"
    rm -rf "$reports" && mkdir -p "$reports"
    # The end-to-end tests run the ppm-lua built next to the test bundle: build it with the same sanitizer.
    if ! swift build --sanitize="$sanitizer" --scratch-path "$scratch" ||
       ! PPM_SANITIZER="$sanitizer" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$reports/report suppressions=$PWD/scripts/tsan-suppressions.txt" \
         ASAN_OPTIONS="detect_leaks=0 log_path=$reports/report" \
         swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@"; then
        failed+=("$sanitizer")
    fi
    # A report is an ERROR (ASan) or a ThreadSanitizer WARNING; other lines are
    # notes (ASan warns "ignoring requested __asan_handle_no_return" when the
    # spawner's clone(CLONE_VM|CLONE_VFORK) child execs from its own stack).
    for r in "$reports"/*; do
        [ -e "$r" ] || continue
        if grep -qE "ERROR: |WARNING: ThreadSanitizer" "$r"; then
            echo "== $sanitizer report $r:"
            grep -E "WARNING|ERROR|SUMMARY|^    #[0-5] " "$r" | head -40
            [[ " ${failed[*]} " == *" $sanitizer "* ]] || failed+=("$sanitizer")
        else
            echo "== $sanitizer note $r: $(head -1 "$r")"
        fi
    done
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed under: ${failed[*]}" >&2
    exit 1
fi
echo "passed under: ${sanitizers[*]}"
