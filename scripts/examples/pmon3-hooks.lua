-- pmon3-hooks.lua: pmon3's event handling with custom scripts
-- (on_process_restart_exec, on_process_failure_exec) and its exec flags.
-- Each script gets the service's JSON (the fields of `ppm-lua show NAME --json`)
-- as its first argument; these two append a line to <home>/pmon3-events.log.
-- Run it:   ppm-lua daemon -c scripts/examples/pmon3-hooks.lua
--           cat ~/.local/state/ppm-lua/pmon3-events.log
-- The pmon3 commands map to: exec → add, ls, desc → show, stop, restart,
-- del → rm, drop, kill → quit, init → start all, log → logs, logf → logs -f.

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1
local here = ppm.config_path and ppm.config_path:match("^(.*)/") or "."

require("exec_hooks") {
  on_restart = here .. "/pmon3/on_restart.sh",
  on_failure = here .. "/pmon3/on_failure.sh",
  env = { PPM_EXAMPLE_LOG = ppm.home .. "/pmon3-events.log" },
}

-- pmon3 exec ./bin/gin --args "-prjHome=`pwd`": restarted when it fails.
ppm.service {
  name = "gin",
  cmd = { "/bin/sh", "-c", "echo serving; sleep " .. 3 * scale .. "; exit 1" },
  -- restarted with backoff, but only three times in ten minutes: then it fails for good
  restart = require("limit") { restarts = 3, within = 600, policy = require("backoff") { interval = 1 * scale } },
}

-- pmon3 exec ./bin/job --no-autorestart: a failure is reported, not restarted.
ppm.service {
  name = "job",
  cmd = { "/bin/sh", "-c", "sleep " .. 1 * scale .. "; exit 4" },
  restart = "never",
}
