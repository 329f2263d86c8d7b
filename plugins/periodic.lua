--[[ periodic: run a job again a fixed time after each run (PETeR periodic jobs).

  ppm.service { name = "status-mail", cmd = "./ml.pl -m info",
                start_after = 10, restart = require("periodic"){ every = 120 } }

Options:
  every  seconds (or "2m") between the end of one run and the start of the next (required)

Every exit, clean or not, is answered with a restart after `every`. The
first run is at daemon start, or `start_after` later.
]]

---@param options ppm.plugins.periodic.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.Policy
return function(options)
  local o = ppm.options("periodic", options, { every = { "duration" } })
  if not o.every or o.every <= 0 then
    error("periodic: option 'every' is required: the seconds between runs, e.g. periodic{ every = \"2m\" }", 2)
  end
  local answer = { action = "restart", after = o.every }
  return function() return answer end
end
