#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and ThreadSanitizer
# (or only those named: scripts/sanitize.sh thread). Each sanitizer builds
# in its own folder (.build-address, .build-thread), so the ordinary
# .build stays as it is. Slow: a full build and run per sanitizer.
# PPM_SANITIZER tells the tests, which then allow the daemon 16 times their
# memory bounds (shadow memory), nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
failed=()
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in address | thread) ;; *) echo "unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;; esac
    echo "== swift test --sanitize=$sanitizer"
    scratch=".build-$sanitizer"
    # The end-to-end tests run the ppm-lua built next to the test bundle: build it with the same sanitizer.
    if ! swift build --sanitize="$sanitizer" --scratch-path "$scratch" ||
       ! PPM_SANITIZER="$sanitizer" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ASAN_OPTIONS="detect_leaks=0" \
         swift test --sanitize="$sanitizer" --scratch-path "$scratch"; then
        failed+=("$sanitizer")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed under: ${failed[*]}" >&2
    exit 1
fi
echo "passed under: ${sanitizers[*]}"
