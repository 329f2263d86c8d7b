#!/usr/bin/env bash
# Fuzzing (docs/internals/tests.md):
#   scripts/fuzz.sh [SECONDS]          coverage-guided libFuzzer runs of the byte-level
#                                      targets (json, lines, shellwords), SECONDS each
#                                      (default 60), then the end-to-end fuzz tests of the
#                                      control protocol and the config loader for as long
#   scripts/fuzz.sh --libfuzzer [SECONDS] [TARGET...]   only the libFuzzer targets
#   scripts/fuzz.sh --e2e [SECONDS]                     only the end-to-end fuzz tests
# Seeds: fuzz/corpus/<target>/ (committed); what libFuzzer finds beyond them
# goes to .build/fuzz/corpus/<target>/, crashes to .build/fuzz/crash-*.
# Set PPM_FUZZ_SEED to replay an end-to-end run (its seed is printed on failure).
set -euo pipefail
# A crash report from libFuzzer and ASan, not from Swift's backtracer (which trips ASan).
export SWIFT_BACKTRACE=enable=no
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
    --libfuzzer) mode=libfuzzer; shift ;;
    --e2e) mode=e2e; shift ;;
esac
seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json lines shellwords)

# The sources each target is built from (compiled into the target's module).
sources_for() {
    case "$1" in
        json) echo Sources/PPMMachine/JSON/JSONReader.swift Sources/PPMMachine/JSON/JSONValue.swift Sources/PPMMachine/JSON/JSONWriter.swift ;;
        lines) echo Sources/PPMRuntime/Logs/LineSplitter.swift ;;
        shellwords) echo Sources/PPMScript/ShellWords.swift ;;
        *) echo "unknown fuzz target: $1 (json, lines, shellwords)" >&2; exit 2 ;;
    esac
}

run_libfuzzer() {
    local out=.build/fuzz
    mkdir -p "$out"
    # Toolchains without libFuzzer: a note, and (PPM_FUZZ_OPTIONAL=1, as CI sets) no failure.
    printf '@_cdecl("LLVMFuzzerTestOneInput") public func f(_ d: UnsafePointer<UInt8>, _ n: Int) -> Int32 { 0 }\n' > "$out/probe.swift"
    if ! swiftc -sanitize=fuzzer -parse-as-library "$out/probe.swift" -o "$out/probe" 2> /dev/null; then
        echo "libFuzzer (swiftc -sanitize=fuzzer) is not available in this toolchain; the end-to-end fuzz tests still run" >&2
        [ "${PPM_FUZZ_OPTIONAL:-0}" = 1 ] && return 0
        exit 3
    fi
    for t in "${targets[@]}"; do
        local srcs
        srcs=$(sources_for "$t")
        echo "== building fuzz target $t"
        # shellcheck disable=SC2086
        swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name ppm-fuzz -module-name "Fuzz_$t" \
            "fuzz/targets/$t.swift" $srcs -o "$out/$t" 2> "$out/$t.build.log" \
            || { cat "$out/$t.build.log" >&2; exit 1; }
        mkdir -p "$out/corpus/$t"
        local max_len=4096
        [ "$t" = lines ] && max_len=8192
        echo "== fuzzing $t for ${seconds}s"
        # New inputs go to the first folder; the committed seeds are only read.
        "$out/$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
            "$out/corpus/$t" "fuzz/corpus/$t" 2> "$out/$t.log" \
            || { tail -40 "$out/$t.log" >&2; echo "fuzz target $t failed; input saved as $out/crash-$t-*" >&2; exit 1; }
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$t.log" | sed "s/^/   /"
    done
}

run_e2e() {
    swift build
    echo "== end-to-end fuzzing for ${seconds}s per suite"
    PPM_FUZZ_SECONDS="$seconds" swift test --skip-build --filter 'ProtocolFuzzTests|ConfigFuzzTests|CheckFuzzTests'
}

case "$mode" in
    libfuzzer) run_libfuzzer ;;
    e2e) run_e2e ;;
    all) run_libfuzzer; run_e2e ;;
esac
