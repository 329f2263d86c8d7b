--[[ exec_hooks: run a script when a service is restarted or fails (pmon3 on_process_*_exec).

  require("exec_hooks"){ on_restart = "/etc/ppm-lua/on_restart.sh", on_failure = "/etc/ppm-lua/on_failure.sh" }

Options:
  on_restart  a program run each time a service starts again (every start after its first)
  on_failure  a program run when a service crashes and is not restarted
              (state crashed afterwards, e.g. restart = "never" or once = true)
              or becomes fatal
  services    only these services (a name or an array; default every service)
  env         variables added to the programs' environment (a table)

Each program gets one argument: the service as JSON, the fields of
`ppm-lua show NAME --json` (name, state, pid, starts, restarts, crashes,
last_exit, cmd, spec ...), e.g. PROCESS_NAME=$(echo "$1" | jq -r .name).
It runs through ppm.spawn: the daemon never waits for it. Returns a handle
whose cancel() removes the hooks.
]]

---@param options ppm.plugins.exec_hooks.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.HookHandle
return function(options)
  local o = ppm.options("exec_hooks", options, {
    on_restart = { "string" }, on_failure = { "string" }, services = { "strings" }, env = { "table" },
  })
  if not o.on_restart and not o.on_failure then
    error("exec_hooks: give on_restart, on_failure or both (paths of programs to run)", 2)
  end
  local wanted
  if o.services then
    wanted = {}
    for _, name in ipairs(o.services) do wanted[name] = true end
  end
  local function run(program, name)
    if wanted and not wanted[name] then return end
    local svc = ppm.get(name)
    if not svc then return end
    ppm.spawn({ program, ppm.json(svc) }, { env = o.env, on_exit = function(result)
      if result.type == "spawn_failed" then ppm.log.warn("exec_hooks: " .. tostring(result.error)) end
    end })
  end
  local handles = {}
  if o.on_restart then
    handles[#handles + 1] = ppm.on("start", function(ev)
      if ev.starts > 1 then run(o.on_restart, ev.name) end
    end)
  end
  if o.on_failure then
    handles[#handles + 1] = ppm.on("exit", function(ev)
      if ev.outcome ~= "crashed" then return end
      -- The policy decides after the hooks: look once it has.
      ppm.after(0, function()
        local svc = ppm.get(ev.name)
        if svc and svc.state == "crashed" then run(o.on_failure, ev.name) end
      end)
    end)
    handles[#handles + 1] = ppm.on("fatal", function(ev) run(o.on_failure, ev.name) end)
  end
  return { cancel = function() for _, h in ipairs(handles) do ppm.off(h) end end }
end
