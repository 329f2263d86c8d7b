--[[ limit: give up on a service that restarts too often (PETeR "reached a limit").

  restart = require("limit"){ restarts = 5, within = 60, policy = require("pmtr"){} }

Options:
  restarts  how many restarts are allowed within the window (default 5)
  within    the window, a duration (default 60 s)
  policy    the policy that decides otherwise (default require("backoff"){})

Asks `policy` first. When it answers a restart and that would make more than
`restarts` restarts within the last `within` seconds (by the event's time),
the answer becomes "fatal": the service stays down as fatal until started by
hand. Other answers pass through. A policy that answers nil gets backoff's
answer. Restarts are counted per service, so one limit may serve many.
]]

local backoff = require("backoff")

local function is_restart(action)
  return action == "restart" or (type(action) == "table" and action.action == "restart")
end

---@param options? ppm.plugins.limit.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.Policy
return function(options)
  local o = ppm.options("limit", options, {
    restarts = { "integer", 5 }, within = { "duration", 60 }, policy = { "function" },
  })
  local default = backoff {}
  local policy = o.policy or default
  local history = {} -- service name -> times of its recent restarts
  return function(ev, svc)
    local action = policy(ev, svc)
    if action == nil then action = default(ev, svc) end
    if not is_restart(action) then return action end
    local recent = {}
    for _, t in ipairs(history[ev.name] or {}) do
      if ev.time - t < o.within then recent[#recent + 1] = t end
    end
    recent[#recent + 1] = ev.time
    if #recent > o.restarts then
      history[ev.name] = nil
      ppm.log.warn(("%s restarted %d times within %g s: giving up (fatal)"):format(ev.name, #recent, o.within))
      return "fatal"
    end
    history[ev.name] = recent
    return action
  end
end
