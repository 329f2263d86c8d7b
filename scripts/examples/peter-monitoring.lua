-- peter-monitoring.lua: PETeR example 2, "monitoring". A main program runs
-- with a disk-space monitor. When the disk is nearly full the monitor exits
-- with status 1: that stops the main program and starts a disk cleaner. When
-- the cleaner is done (status 0) the main program and the monitor start again.
-- Run it:   ppm-lua daemon -c scripts/examples/peter-monitoring.lua
--           DISK_LIMIT=0 ppm-lua daemon -c ...   (any disk counts as full: watch the cycle)
--           ppm-lua events -f

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1
local limit = os.getenv("DISK_LIMIT") or "95" -- percent of / in use that counts as critical

-- <program name="p1"><cmd>/usr/local/bin/bigprogram</cmd></program>
ppm.service { name = "p1", cmd = { "sleep", "86400" } }

-- <program name="diskspace"> ... <exit result="1"><stop name="p1"/><start name="diskcleaner"/></exit>
ppm.service {
  name = "diskspace",
  env = { LIMIT = limit, EVERY = tostring(5 * scale) },
  cmd = { "/bin/sh", "-c", [[
    while [ "$(df --output=pcent / | tail -n 1 | tr -dc 0-9)" -lt "$LIMIT" ]; do sleep "$EVERY"; done
    echo "disk space critical" >&2; exit 1]] },
  on_exit = function(ev)
    if ev.result == 1 then
      ppm.stop("p1")
      ppm.start("diskcleaner")
      return "stop"
    end
  end,
}

-- <program name="diskcleaner"> <init/> ... <exit result="0"><start name="p1"/><start name="diskspace"/></exit>
ppm.service {
  name = "diskcleaner",
  cmd = { "/bin/sh", "-c", "echo cleaning; sleep " .. 1 * scale },
  autostart = false, -- <init/>: started only by the monitor
  on_exit = function(ev)
    if ev.result == 0 then
      ppm.start("p1")
      ppm.start("diskspace")
    end
    return "stop"
  end,
}
