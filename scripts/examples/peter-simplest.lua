-- peter-simplest.lua: PETeR example 1, "simplest form". One program,
-- restarted as soon as it exits (PETeR's default action), whatever its status.
-- Run it:   ppm-lua daemon -c scripts/examples/peter-simplest.lua
--           ppm-lua ls; ppm-lua events -f      (PETeR <info/> and <log/>)
--
-- <program name="p1"><cmd>sleep 60</cmd></program>

local scale = tonumber(os.getenv("EXAMPLE_TIME_SCALE")) or 1 -- tests run the examples faster

ppm.service {
  name = "p1",
  cmd = { "sleep", tostring(60 * scale) },
  restart = function() return "restart" end, -- at once, every time (no backoff)
}
