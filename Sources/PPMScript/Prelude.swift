/// The Lua side of the `ppm` module: builds the user-facing table (callable
/// `ppm.log`, timer handles with `:cancel()`) over the host functions.
let preludeSource = #"""
local host, version, config_path, home = ...
local ppm = {}
for _, k in ipairs({ "service", "get", "list", "start", "stop", "restart", "signal", "remove",
                     "on", "off", "spawn", "stats", "events", "settings", "shutdown", "reload", "first_start", "json" }) do
  ppm[k] = host[k]
end
local function logger(level)
  return function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    host.log(level, table.concat(parts, " ", 1, parts.n))
  end
end
ppm.log = setmetatable({ info = logger("info"), warn = logger("warn"), error = logger("error") },
                       { __call = function(_, ...) return logger("info")(...) end })
local Timer = {}
Timer.__index = Timer
function Timer:cancel() host.cancel_timer(self.id) end
local function timer(kind)
  return function(seconds, fn)
    -- Called through pcall, the host names no line; error(_, 2) names the caller's.
    local ok, id = pcall(host.timer, kind, seconds, fn)
    if not ok then error(id, 2) end
    return setmetatable({ id = id }, Timer)
  end
end
ppm.after = timer("after")
local Listener = {}
Listener.__index = Listener
function Listener:close() host.udp_close(self.id) end
ppm.udp = {
  send = host.udp_send,
  listen = function(url, fn) return setmetatable({ id = host.udp_listen(url, fn) }, Listener) end,
}
ppm.every = timer("every")
ppm.sleep = host.sleep
ppm.probe = { tcp = host.probe_tcp, http = host.probe_http, exec = host.probe_exec }
-- Checks a plugin's options (see PluginOptions.swift); errors point at the
-- line that called the plugin's constructor.
function ppm.options(plugin, given, declared)
  local filled, err = host.options(plugin, given, declared)
  if not filled then error(err, 3) end
  return filled
end
ppm.version = version
ppm.config_path = config_path
ppm.home = home
-- Set here, not from Swift: a copy through Swift would lose the metatables.
_G.ppm = ppm
package.loaded.ppm = ppm
"""#
