-- ppm-services.lua: PPM's services (partner-pm.yml): long-running services
-- restarted with exponential backoff (interval * 2^(n-1)), one-shot services,
-- and a scheduled one. Also what `ppm add` does at run time:
--   ppm-lua add --name my_test_service --env RUST_LOG=trace -- sh -c "while true; do echo world; sleep 30; done"
--   ppm-lua add --name my_oneshot_service --once -- ls -la
-- Run it:   ppm-lua daemon -c scripts/examples/ppm-services.lua
--           ppm-lua ls; ppm-lua stats; ppm-lua export   (PPM show-configuration)

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1

-- Default policy: a crash restarts after 1, 2, 4 ... s (at most 60); a clean exit stays finished.
ppm.service {
  name = "my_test_service",
  env = { RUST_LOG = "trace" },
  cmd = { "sh", "-c", "while true; do echo world; sleep " .. 30 * scale .. "; done" },
}

-- Backoff tuned: starts at 2 s, at most 2 minutes.
ppm.service {
  name = "crashy",
  cmd = { "sh", "-c", "echo trying; sleep " .. 1 * scale .. "; exit 1" },
  restart = require("backoff") { interval = 2 * scale, max = 120 * scale },
}

-- A one-shot service: runs once, ends `finished` (or `crashed`) and stays down.
ppm.service { name = "my_oneshot_service", cmd = { "ls", "-la" }, once = true }

-- A scheduled service: every day at 03:15.
ppm.service {
  name = "nightly_backup",
  cmd = { "sh", "-c", "echo backing up" },
  restart = require("cron") { "15 3 * * *" },
}
