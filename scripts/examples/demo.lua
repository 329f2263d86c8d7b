-- ppm-lua demo: a few services and hooks. Try:
--   ppm-lua check scripts/examples/demo.lua
--   ppm-lua daemon -c scripts/examples/demo.lua

-- A long-running service; output goes to <home>/logs/ticker.out.log.
ppm.service {
  name = "ticker",
  cmd = { "/bin/sh", "-c", "while true; do date; sleep 1; done" },
  groups = { "demo" },
}

-- A service that crashes: restarted with exponential backoff (1, 2, 4 ... s).
ppm.service {
  name = "flaky",
  cmd = "/bin/sh -c 'echo starting; sleep 1; exit 3'",
  groups = { "demo" },
  on_exit = function(ev)
    ppm.log(("flaky exited with %s after %.1f s (crash #%d)"):format(ev.result, ev.runtime, ev.crashes))
    if ev.crashes >= 4 then return "fatal" end -- give up after four crashes in a row
  end,
}

-- A one-shot job that later services wait for (pmtr "wait").
ppm.service {
  name = "setup",
  cmd = { "/bin/sh", "-c", "echo preparing; sleep 0.5" },
  once = true,
  wait = true,
}

-- Started only on request: ppm-lua start manual
ppm.service { name = "manual", cmd = "/bin/sleep 3600", autostart = false }

-- A global hook: every start is logged.
ppm.on("start", function(ev) ppm.log("started " .. ev.name .. " as pid " .. ev.pid) end)
