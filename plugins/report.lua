--[[ report: send the services' status as UDP datagrams (pmtr "report to").

  require("report"){ to = "udp://127.0.0.1:9999", every = 10 }

Options:
  to     where to send: udp://HOST:PORT with a numeric IPv4 or [IPv6] address
         or localhost (required)
  every  seconds between reports (default 10)

A report is sent once the daemon runs, then every `every` seconds. It is
plain text, one line per service after a header:

  ppm-lua 0.1.0 myhost 1732390000 3
  web enabled running 3605
  migrate enabled finished 0
  nightly disabled stopped 0

header: "ppm-lua", version, host name, unix time, number of services;
then NAME, enabled or disabled (disabled: state "disabled" or stopped on
request), the state, and the seconds the current process has run (0 when
none runs). A status that does not fit one datagram (about 60 KB) is sent
as several, each with the header. Sending never blocks the daemon; a
failing send is logged once until one succeeds again. Returns a handle
whose cancel() stops the reports.
]]

local LIMIT = 60000

local function hostname()
  local f = io.open("/proc/sys/kernel/hostname")
  if not f then return "localhost" end
  local name = f:read("l") or "localhost"
  f:close()
  return name
end

---@param options ppm.plugins.report.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.HookHandle
return function(options)
  local o = ppm.options("report", options, { to = { "string" }, every = { "duration", 10 } })
  if not (o.to and (o.to:match("^udp://[%d%.]+:%d+$") or o.to:match("^udp://%[[%x:%.]+%]:%d+$")
                        or o.to:match("^udp://localhost:%d+$"))) then
    error("report: option 'to' must be udp://HOST:PORT with a numeric address or localhost, e.g. report{ to = \"udp://127.0.0.1:9999\" }", 2)
  end
  if o.every <= 0 then error("report: option 'every' must be more than 0 seconds", 2) end
  local host, failing = hostname(), false
  local function send()
    local services = ppm.list()
    local header = ("ppm-lua %s %s %d %d"):format(ppm.version, host, os.time(), #services)
    local lines, size = { header }, #header
    local function flush()
      local ok, err = ppm.udp.send(o.to, table.concat(lines, "\n") .. "\n")
      if not ok and not failing then ppm.log.warn(("report to %s: %s"):format(o.to, tostring(err))) end
      failing = not ok
      lines, size = { header }, #header
    end
    for _, s in ipairs(services) do
      local enabled = (s.state == "disabled" or s.state == "stopped") and "disabled" or "enabled"
      local line = ("%s %s %s %d"):format(s.name, enabled, s.state, math.floor(s.uptime or 0))
      if size + #line + 1 > LIMIT and #lines > 1 then flush() end
      lines[#lines + 1] = line
      size = size + #line + 1
    end
    flush()
  end
  local first = ppm.after(0, send)
  local timer = ppm.every(o.every, send)
  return { cancel = function() first:cancel() timer:cancel() end }
end
