-- pmtr-jobs.lua: the jobs of pmtr's manual (pmtr.conf), translated. Shows
-- pmtr's restart rule (restart after any exit; exit 33 stays down; a job that
-- exits within 10 s waits 10 s), dir/out/err, env, ulimit, user, depends,
-- bounce, and a setup job with wait + once that the other jobs wait for.
-- The programs are stand-ins (sh, sleep) so that it runs anywhere; the pmtr
-- line each one replaces is in its comment.
-- Run it:   ppm-lua check scripts/examples/pmtr-jobs.lua
--           ppm-lua daemon -c scripts/examples/pmtr-jobs.lua
-- Edit and save the file while the daemon runs: pmtr applies changes at once, and so does ppm-lua.

local pmtr = require("pmtr") {} -- status 33 = do not restart; < 10 s = wait 10 s
local here = ppm.config_path and ppm.config_path:match("^(.*)/") or "."
local scratch = os.getenv("TMPDIR") or "/tmp"

-- `user` needs the daemon to run as root; as anyone else the job runs as the daemon's user.
local function running_as_root()
  for line in io.lines("/proc/self/status") do
    local uid = line:match("^Uid:%s+(%d+)")
    if uid then return uid == "0" end
  end
end

-- job { name create-ramdisk  cmd /bin/mkdir -p /dev/shm/ws/data  wait  once }
-- Later jobs start only once it has exited; it is never restarted.
ppm.service {
  name = "create-ramdisk",
  cmd = { "/bin/mkdir", "-p", scratch .. "/ppm-pmtr-example/data" },
  wait = true,
  once = true,
}

-- job { name rest_server  cmd /usr/bin/python rest.py }
ppm.service {
  name = "rest_server",
  cmd = { "/bin/sh", "-c", "while true; do echo serving; sleep 5; done" },
  restart = pmtr,
}

-- job { name ws-server  dir /home/maps  cmd /usr/bin/node maps.js  err /tmp/maps.err }
ppm.service {
  name = "ws-server",
  dir = scratch,
  cmd = { "/bin/sh", "-c", "echo listening >&2; exec sleep 3600" },
  stderr = scratch .. "/maps.err",
  restart = pmtr,
}

-- job { name demux  cmd /usr/bin/demux -v  dir /data  err demux.err  out demux.out }
-- (pmtr's out/err/in are files; ppm-lua's stdout/stderr/stdin, relative to dir)
ppm.service {
  name = "demux",
  dir = scratch,
  cmd = { "/bin/sh", "-c", "while true; do echo frame; sleep 2; done" },
  stdout = "demux.out",
  stderr = "demux.err",
  stdin = "/dev/null",
  restart = pmtr,
}

-- job { name proxy  cmd /usr/bin/proxy -c /etc/proxy.cfg  depends { /etc/proxy.cfg } }
-- Restarted when the content of a file it depends on changes.
ppm.service {
  name = "proxy",
  cmd = { "/bin/sh", "-c", "exec sleep 3600" },
  depends = { here .. "/pmtr-jobs.lua" },
  restart = pmtr,
}

-- job { name thermostat  dir /home/thermo  cmd /usr/bin/python therm.py  bounce every 1h
--       ulimit { -n infinity  -l infinity }  user nobody }
ppm.service {
  name = "thermostat",
  dir = scratch,
  cmd = { "/bin/sh", "-c", "exec sleep 86400" },
  bounce = "1h",                                         -- restarted every hour
  -- -n, -l (soft and hard); raising a hard limit needs root
  ulimit = { nofile = 4096, memlock = running_as_root() and "infinity" or nil },
  user = running_as_root() and "nobody" or nil,
  restart = pmtr,
}

-- job { name trends  dir /home/trends  cmd /usr/bin/python trends.py  bounce every 1d
--       err trends.err  ulimit -n infinity  depends { trends.conf db.conf }  user pyuser  env DEBUG=1 }
ppm.service {
  name = "trends",
  dir = scratch,
  cmd = { "/bin/sh", "-c", "echo \"DEBUG=$DEBUG\"; exec sleep 86400" },
  bounce = "1d",
  stderr = "trends.err",
  env = { DEBUG = "1" },
  ulimit = { nofile = 4096 },
  restart = pmtr,
}

-- A job that tells pmtr not to restart it: exit status 33.
ppm.service { name = "one-and-done", cmd = { "/bin/sh", "-c", "echo finished; exit 33" }, restart = pmtr }

-- job { name old-job ... disable }: defined but inert.
ppm.service { name = "old-job", cmd = "/bin/sleep 60", disabled = true }
