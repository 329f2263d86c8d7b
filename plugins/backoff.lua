--[[ backoff: exponential backoff, the daemon's default restart policy (SPEC 5.1).

  restart = require("backoff"){ interval = 1, max = 60, reset_after = 10, always = false }

Options (durations are seconds or text such as "500ms", "5m"):
  interval     the first delay (default 1 s)
  max          the longest delay (default 60 s)
  reset_after  a run at least this long starts a new streak (default 10 s)
  always       also restart after a clean exit (default false)

For each exit the daemon asks about (never for a stop that was asked for):
  crashed   (exit status other than 0, or a signal other than a SIGTERM the
            daemon did not send): restart after interval * 2^(n-1) seconds,
            at most max, where n counts the crashes in a row, this one
            included: ev.crashes, which a clean exit, a start or restart on
            request, or a run of the daemon's reset_after (ppm.settings
            {backoff = {reset_after = ...}}, default 10 s) set back to zero.
            A run of this policy's own reset_after also makes n = 1.
  finished  (status 0, or a SIGTERM nobody asked for): stay down; with
            always = true, restart after interval.
  A service declared with once = true stays down.

This file is what the daemon does by default: restart = "on-failure" is
require("backoff"){} and restart = "always" is require("backoff"){always = true},
both with the options of ppm.settings{backoff = ...}. For those two the daemon
runs the same rule in Swift (Sources/PPMMachine/Supervisor/Supervisor+Run.swift, policy() and
apply()) so that a crash is answered without a Lua call: restart latency is a
benchmark figure. Tests/PPMScriptTests/BackoffPluginTests.swift feeds the same
exits to both and checks every decision matches; change them together.
Copy this file next to your config under another name to make your own.
]]

---@param options? ppm.plugins.backoff.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.Policy
return function(options)
  local o = ppm.options("backoff", options, {
    interval = { "duration", 1 }, max = { "duration", 60 },
    reset_after = { "duration", 10 }, always = { "boolean", false },
  })
  return function(ev, svc)
    if svc and svc.spec and svc.spec.once then return "stop" end
    if ev.outcome ~= "crashed" and not o.always then return "stop" end
    local n = ev.crashes or 0
    if n < 1 or (ev.runtime or 0) >= o.reset_after then n = 1 end
    return { action = "restart", after = math.min(o.interval * 2.0 ^ (n - 1), o.max) }
  end
end
