#!/usr/bin/env bash
# Installs what building ppm-lua needs on a fresh Debian/Ubuntu machine:
# the Lua 5.4 headers and library (liblua5.4-dev), OpenSSL's (libssl-dev:
# TLS for the TCP listener, SHA-256/HMAC) and pkg-config; openssl itself
# for the tests (they drive `openssl s_client` and make certificates).
# With --tests (test.sh, sanitize.sh): also the real programs the tests run
# beside the daemon: systemd's `systemd-notify` and `redis-server` (sd_notify
# readiness), python3 (an HTTP server for the http probes), tmux (drives
# `ppm-lua top` on a real terminal) and prometheus
# (`prometheus` and `promtool`: a real server scrapes the metrics endpoint).
set -euo pipefail
packages="liblua5.4-dev libssl-dev openssl pkg-config"
missing() { ! pkg-config --exists lua5.4 openssl 2>/dev/null || ! command -v openssl >/dev/null; }
if [ "${1:-}" = "--tests" ]; then
  packages="$packages systemd redis-server python3 tmux"
  missing() {
    ! pkg-config --exists lua5.4 openssl 2>/dev/null || ! command -v openssl >/dev/null || ! command -v systemd-notify >/dev/null \
      || ! command -v redis-server >/dev/null || ! command -v python3 >/dev/null || ! command -v tmux >/dev/null
  }
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if missing; then
  echo "ppm-lua: installing $packages" >&2
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $packages
fi
# Prometheus is for one test suite only: where it cannot be installed, that
# suite is skipped with its reason, and the rest runs.
if [ "${1:-}" = "--tests" ] && ! { command -v prometheus && command -v promtool; } >/dev/null; then
  echo "ppm-lua: installing prometheus (the metrics tests scrape the daemon with it)" >&2
  { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus; } \
    || echo "ppm-lua: warning: prometheus could not be installed; PrometheusTests will be skipped" >&2
fi
