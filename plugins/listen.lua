--[[ listen: enable and disable services with UDP datagrams (pmtr "listen on").

  require("listen"){ on = "udp://127.0.0.1:10000" }

Options:
  on  the address to listen on: udp://HOST:PORT with a numeric IPv4 or
      [IPv6] address, 0.0.0.0 for every interface, or localhost (required)

Each datagram holds lines "enable NAME" or "disable NAME". disable stops the
service and keeps it down (as ppm-lua stop); enable starts it again (as
ppm-lua start). Unknown services and malformed lines are logged and
ignored. The effect lasts until the next reload or daemon start: then the
services this plugin disabled start again and the config decides. Anyone
who can send to the address can stop your services: listen on loopback or
a trusted network only. Returns a handle whose close() stops listening.
]]

local function load_names(path)
  local names, f = {}, io.open(path)
  if f then
    for line in f:lines() do if line ~= "" then names[line] = true end end
    f:close()
  end
  return names
end

local function save_names(path, names)
  local f = io.open(path, "w")
  if not f then return end
  for name in pairs(names) do f:write(name, "\n") end
  f:close()
end

---@param options ppm.plugins.listen.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.plugins.ListenHandle
return function(options)
  local o = ppm.options("listen", options, { on = { "string" } })
  if not (o.on and (o.on:match("^udp://[%d%.]+:%d+$") or o.on:match("^udp://%[[%x:%.]+%]:%d+$")
                        or o.on:match("^udp://localhost:%d+$"))) then
    error("listen: option 'on' must be udp://HOST:PORT with a numeric address or localhost, e.g. listen{ on = \"udp://127.0.0.1:10000\" }", 2)
  end
  local record = ppm.home .. "/listen-disabled"
  local disabled = {}
  -- What a previous config disabled lasts only until now: start it again.
  ppm.after(0, function()
    for name in pairs(load_names(record)) do
      local svc = ppm.get(name)
      if svc and svc.state == "stopped" then ppm.start(name) end
    end
    os.remove(record)
  end)
  return ppm.udp.listen(o.on, function(text, from)
    for line in text:gmatch("[^\r\n]+") do
      local verb, name = line:match("^%s*(%a+)%s+(%S+)%s*$")
      if (verb == "enable" or verb == "disable") and ppm.get(name) then
        ppm.log(("listen: %s %s (from %s)"):format(verb, name, from))
        if verb == "disable" then ppm.stop(name) else ppm.start(name) end
        disabled[name] = verb == "disable" or nil
        save_names(record, disabled)
      elseif verb == "enable" or verb == "disable" then
        ppm.log.warn(("listen: unknown service '%s' (from %s)"):format(name, from))
      else
        ppm.log.warn(("listen: ignored %q from %s (expected 'enable NAME' or 'disable NAME')"):format(line, from))
      end
    end
  end)
end
