#!/bin/sh
# pmon3's on_failure script: $1 is the service as JSON (ppm-lua show NAME --json).
echo "process failed: $1" >> "${PPM_EXAMPLE_LOG:-/tmp/ppm-pmon3-example.log}"
