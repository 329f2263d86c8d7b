--[[ notify: run a command when services crash, stop, fail… (PETeR notification programs).

  require("notify"){ cmd = "/usr/local/bin/alert UTC: NAME failed (RES/SIG)", on = { "crash", "fatal" } }

Options:
  cmd       the command: a string (split into words as `cmd` of ppm.service is)
            or an array of strings (required)
  on        event types to react to: "crash" (an exit whose outcome is
            crashed), "exit", "start", "stop", "spawn_failed", "fatal"
            (default { "crash", "fatal" })
  services  only these services (a name or an array; default every service)

The words NAME, PID, RES, SIG and UTC in the command are replaced by the
service's name, the process id, the exit status, the signal number and the
event's ISO-8601 UTC time; an absent value becomes 0. The command runs
through ppm.spawn: the daemon never waits for it; a command that cannot
start is logged. Returns a handle whose cancel() removes the hooks.
]]

local TYPES = { crash = "exit", exit = "exit", start = "start", stop = "stop", spawn_failed = "spawn_failed", fatal = "fatal" }

local PLACEHOLDERS = { NAME = "name", PID = "pid", RES = "result", SIG = "signal", UTC = "utc" }

local function expand(word, ev)
  return (word:gsub("%f[%w_]([A-Z]+)%f[^%w_]", function(key)
    local field = PLACEHOLDERS[key]
    if field then return tostring(ev[field] or 0) end
  end))
end

---@param options ppm.plugins.notify.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.HookHandle
return function(options)
  local o = ppm.options("notify", options, {
    cmd = { "any" }, on = { "strings", { "crash", "fatal" } }, services = { "strings" },
  })
  local cmd = o.cmd
  local array = type(cmd) == "table"
  if not (type(cmd) == "string" and cmd ~= "") and not (array and #cmd > 0) then
    error("notify: option 'cmd' is required: a command string or an array of strings", 2)
  end
  local wanted
  if o.services then
    wanted = {}
    for _, name in ipairs(o.services) do wanted[name] = true end
  end
  local handles = {}
  for _, kind in ipairs(o.on) do
    local type_ = TYPES[kind]
    if not type_ then
      error(("notify: unknown event '%s' in 'on' (expected crash, exit, start, stop, spawn_failed or fatal)"):format(kind), 2)
    end
    handles[#handles + 1] = ppm.on(type_, function(ev)
      if kind == "crash" and ev.outcome ~= "crashed" then return end
      if wanted and not wanted[ev.name] then return end
      local command
      if array then
        command = {}
        for i, word in ipairs(cmd) do command[i] = expand(word, ev) end
      else
        command = expand(cmd, ev)
      end
      ppm.spawn(command, { on_exit = function(result)
        if result.type == "spawn_failed" then ppm.log.warn("notify: " .. tostring(result.error)) end
      end })
    end)
  end
  return { cancel = function() for _, h in ipairs(handles) do ppm.off(h) end end }
end
