-- ready-and-healthy.lua: readiness and health (docs/guide/ready-and-healthy.md).
-- A migration that must succeed, a web server that is ready when it answers
-- HTTP and is restarted when its health check fails three times, a worker
-- that says it is ready with a log line, and one that uses sd_notify.
-- Run it:   ppm-lua daemon -c scripts/examples/ready-and-healthy.lua
--           ppm-lua ls; ppm-lua show web; ppm-lua health @app
-- Make web unhealthy: rm /tmp/ppm-lua-demo-www/health  (it is restarted).
-- The long-running services are in group `app`: `ppm-lua health` with no name
-- would also ask for `migrate`, which is `finished` once it has done its job.

-- A one-shot job: `web` starts only once it exited 0.
ppm.service {
  name = "migrate",
  once = true,
  cmd = { "/bin/sh", "-c", "mkdir -p /tmp/ppm-lua-demo-www && echo ok > /tmp/ppm-lua-demo-www/health && sleep 1" },
}

-- Ready when a GET answers 2xx/3xx; then checked every 5 s.
ppm.service {
  name = "web",
  groups = { "app" },
  cmd = { "python3", "-m", "http.server", "8765", "--bind", "127.0.0.1", "--directory", "/tmp/ppm-lua-demo-www" },
  requires = { "migrate" },
  ready = { http = "http://127.0.0.1:8765/" },
  health = { http = "http://127.0.0.1:8765/health", every = "5s", timeout = "2s", failures = 3 },
  on_health = function(ev)
    print(ev.name .. " is " .. ev.type .. (ev.error and (": " .. ev.error) or ""))
    if ev.type == "unhealthy" then
      -- Put the file back, then restart it.
      ppm.spawn { cmd = { "/bin/sh", "-c", "echo ok > /tmp/ppm-lua-demo-www/health" } }
      return "restart"
    end
  end,
}

-- Ready when it prints a line matching the Lua pattern.
ppm.service {
  name = "worker",
  groups = { "app" },
  cmd = { "/bin/sh", "-c", "echo warming up; sleep 2; echo 'worker ready, 4 threads'; while true; do sleep 5; echo tick; done" },
  ready = { log = "ready, %d+ threads" },
  requires = { web = "healthy" },
}

-- sd_notify, as a systemd Type=notify program would.
ppm.service {
  name = "notifier",
  groups = { "app" },
  cmd = { "/bin/sh", "-c", "sleep 1; systemd-notify --ready --status='serving'; exec sleep 100000" },
  ready = "notify",
  ready_timeout = "20s",
}

ppm.on("ready", function(ev) print(ev.name .. " ready after " .. string.format("%.1f", ev.after) .. " s") end)
