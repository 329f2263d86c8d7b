#!/usr/bin/env bash
# Builds ppm-lua and runs the supervisor on the bundled demo config.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build
bin="$(swift build --show-bin-path)/ppm-lua"
"$bin" --version
