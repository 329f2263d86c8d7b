#!/usr/bin/env bash
# Installs what building ppm-lua needs on a fresh Debian/Ubuntu machine:
# the Lua 5.4 headers and library (liblua5.4-dev), OpenSSL's (libssl-dev:
# TLS for the TCP listener, SHA-256/HMAC) and pkg-config; openssl itself
# for the tests (they drive `openssl s_client` and make certificates).
# With --tests (test.sh, sanitize.sh): also the real programs the tests run
# beside the daemon: systemd's `systemd-notify` and `redis-server` (sd_notify
# readiness), python3 (an HTTP server for the http probes).
set -euo pipefail
packages="liblua5.4-dev libssl-dev openssl pkg-config"
missing() { ! pkg-config --exists lua5.4 openssl 2>/dev/null || ! command -v openssl >/dev/null; }
if [ "${1:-}" = "--tests" ]; then
  packages="$packages systemd redis-server python3"
  missing() {
    ! pkg-config --exists lua5.4 openssl 2>/dev/null || ! command -v openssl >/dev/null || ! command -v systemd-notify >/dev/null \
      || ! command -v redis-server >/dev/null || ! command -v python3 >/dev/null
  }
fi
if ! missing; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "ppm-lua: installing $packages" >&2
$sudo apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $packages
