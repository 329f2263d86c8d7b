-- peter-crash-notification.lua: PETeR example 3, "crash notification". When
-- P1 crashes it is restarted and, at the same time, a notification program
-- runs with UTC, NAME, RES and SIG replaced by the crash's values. PETeR
-- mails; this one appends to <home>/notifications.log (put your mailer there).
-- Run it:   ppm-lua daemon -c scripts/examples/peter-crash-notification.lua
--           cat ~/.local/state/ppm-lua/notifications.log

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1

-- <program name="P1"> ... <exit signal="0"><start name="FailNotification"/><start/></exit>
ppm.service {
  name = "P1",
  cmd = { "/bin/sh", "-c", "sleep " .. 20 * scale .. "; exit 2" }, -- crashes now and then
  restart = function() return "restart" end,                   -- <start/>: again at once
}

-- <program name="FailNotification"><cmd>mail -text "UTC:Program NAME failed (RES/SIG)."</cmd>
-- The notify plugin runs it through ppm.spawn, so the daemon never waits for it.
require("notify") {
  cmd = { "/bin/sh", "-c", "echo 'UTC:Program NAME failed (RES/SIG).' >> '" .. ppm.home .. "/notifications.log'" },
  on = { "crash" },
  services = { "P1" },
}
