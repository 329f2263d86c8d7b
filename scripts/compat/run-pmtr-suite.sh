#!/usr/bin/env bash
# Runs pmtr's own end-to-end suite (tests/test_e2e.sh of github.com/troydhanson/pmtr)
# against scripts/compat/pmtr, inside a PID namespace of its own: the suite cleans up with
# `pkill -f` and `pkill -9 -f "sleep 6[0-9]"`, which must not reach anything else on the machine.
#
#   scripts/compat/run-pmtr-suite.sh [PMTR]
#
# PMTR is a pmtr checkout (a folder with tests/test_e2e.sh) or a git directory of one;
# without it the repository is cloned (depth 1) into a temporary folder. Nothing of pmtr
# is kept in this repository. Needs `unshare` (util-linux) and root or user namespaces.
# Prints the suite's own output; its exit status is the suite's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pmtr-suite.XXXXXX")"
trap 'rm -rf "$work"' EXIT
source="${1:-}"
if [ -z "$source" ]; then
  git clone --quiet --depth 1 https://github.com/troydhanson/pmtr "$work/pmtr"
  suite="$work/pmtr/tests"
elif [ -f "$source/tests/test_e2e.sh" ]; then
  suite="$source/tests"
elif git --git-dir="$source" rev-parse --verify -q HEAD >/dev/null; then
  mkdir -p "$work/pmtr"
  git --git-dir="$source" archive HEAD tests | tar -x -C "$work/pmtr"
  suite="$work/pmtr/tests"
else
  echo "run-pmtr-suite: $source is neither a pmtr checkout nor a git directory of one" >&2
  exit 1
fi
export PPM_LUA="${PPM_LUA:-$(cd "$here/../.." && pwd)/.build/debug/ppm-lua}"
[ -x "$PPM_LUA" ] || { echo "run-pmtr-suite: $PPM_LUA is missing: run swift build first (or set PPM_LUA)" >&2; exit 1; }
namespace=(unshare --pid --fork --mount-proc)
if [ "$(id -u)" -ne 0 ]; then namespace=(unshare --user --map-root-user --pid --fork --mount-proc); fi
# The suite's first argument is the pmtr program to test.
exec "${namespace[@]}" bash "$suite/test_e2e.sh" "$here/pmtr"
