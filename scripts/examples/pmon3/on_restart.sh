#!/bin/sh
# pmon3's on_restart script: $1 is the service as JSON (ppm-lua show NAME --json).
PROCESS_JSON="$1"
if command -v jq >/dev/null 2>&1; then
  PROCESS_NAME=$(echo "$PROCESS_JSON" | jq -r '.name')
  PROCESS_PID=$(echo "$PROCESS_JSON" | jq -r '.pid')
else
  PROCESS_NAME=$(echo "$PROCESS_JSON" | sed 's/.*"name":"\([^"]*\)".*/\1/')
  PROCESS_PID=$(echo "$PROCESS_JSON" | sed 's/.*"pid":\([0-9]*\).*/\1/')
fi
echo "process restarted: $PROCESS_NAME ($PROCESS_PID)" >> "${PPM_EXAMPLE_LOG:-/tmp/ppm-pmon3-example.log}"
