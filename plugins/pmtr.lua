--[[ pmtr: the restart rule of pmtr.

  restart = require("pmtr"){ status = 33, min_runtime = 10, delay = 10 }

Options:
  status       the exit status that means "do not restart me" (default 33)
  min_runtime  a run shorter than this is "too fast" (default 10 s)
  delay        how long a too-fast job waits before its restart (default 10 s)

Every exit restarts the job, clean or not, except an exit with `status`,
which leaves it down (finished or crashed, by its outcome). A job that ran
less than min_runtime is restarted after `delay`; one that ran longer is
restarted at once.
]]

---@param options? ppm.plugins.pmtr.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.Policy
return function(options)
  local o = ppm.options("pmtr", options, {
    status = { "integer", 33 }, min_runtime = { "duration", 10 }, delay = { "duration", 10 },
  })
  return function(ev)
    if ev.result == o.status then return "stop" end
    if (ev.runtime or 0) < o.min_runtime then return { action = "restart", after = o.delay } end
    return "restart"
  end
end
