-- peter-periodic-status.lua: PETeR example 4, "periodic status". A status
-- job starts 10 s after the daemon, then again 120 s after each run.
-- Run it:   ppm-lua daemon -c scripts/examples/peter-periodic-status.lua
--           ppm-lua logs PeriodicStatus -f

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1

-- <program name="P1"><cmd>...</cmd></program>
ppm.service { name = "P1", cmd = { "sleep", "86400" } }

-- <program name="PeriodicStatus"><cmd>./ml.pl -m info</cmd>
--   <init><start after="10"/></init> <actions><exit result="0"><start after="120"/></exit></actions>
ppm.service {
  name = "PeriodicStatus",
  cmd = { "/bin/sh", "-c", "echo \"status at $(date +%T): $(uptime)\"" },
  start_after = 10 * scale,
  restart = require("periodic") { every = 120 * scale },
}
