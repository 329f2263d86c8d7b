-- demo.lua: the README's quick start. Shows a flaky service restarted with
-- exponential backoff, a hook printing every event table, a periodic job, a
-- one-shot setup job that the others wait for, and a service started on request.
-- Run it:   scripts/run-example.sh            (or scripts/run-example.sh --foreground)
--           ppm-lua check scripts/examples/demo.lua
--           ppm-lua daemon -c scripts/examples/demo.lua

-- A one-shot job that later services wait for (pmtr "wait" + "once").
ppm.service {
  name = "setup",
  cmd = { "/bin/sh", "-c", "echo preparing; sleep 0.5" },
  once = true,
  wait = true,
}

-- A long-running service; its output goes to <home>/logs/ticker.out.log.
ppm.service {
  name = "ticker",
  cmd = { "/bin/sh", "-c", "while true; do date; sleep 1; done" },
  groups = { "demo" },
}

-- A service that crashes every second: restarted after 1, 2, 4, 8, 8 ... s.
-- The policy is the bundled plugins/backoff.lua (the default, with options).
ppm.service {
  name = "flaky",
  cmd = "/bin/sh -c 'echo starting; sleep 1; echo oops >&2; exit 3'",
  groups = { "demo" },
  restart = require("backoff") { interval = 1, max = 8 },
  on_exit = function(ev)
    if ev.crashes >= 6 then return "fatal" end -- give up after six crashes in a row
    return nil                                -- nil: the restart policy decides
  end,
}

-- A periodic job: runs, exits, and runs again 5 s after each exit.
ppm.service {
  name = "report",
  cmd = { "/bin/sh", "-c", "echo services report at $(date +%T)" },
  restart = require("periodic") { every = 5 },
}

-- Started only on request: ppm-lua start manual
ppm.service { name = "manual", cmd = "/bin/sleep 3600", autostart = false }

-- A global hook: every exit's event table, as JSON, in the daemon's log.
ppm.on("exit", function(ev) ppm.log("exit event: " .. ppm.json(ev)) end)
