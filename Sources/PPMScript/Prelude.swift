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
    -- ppm.metric (see ScriptState+Metrics.swift): objects over a family id.
    local Metric = {}
    Metric.__index = Metric
    local function metric_op(op)
      return function(self, n, labels)
        if type(n) == "table" and labels == nil then n, labels = nil, n end
        local ok, err = pcall(host.metric_update, self.id, op, n, labels)
        if not ok then error(err, 2) end
      end
    end
    Metric.inc, Metric.dec, Metric.set, Metric.observe = metric_op("inc"), metric_op("dec"), metric_op("set"), metric_op("observe")
    function Metric:get(labels)
      local ok, v = pcall(host.metric_value, self.id, labels)
      if not ok then error(v, 2) end
      return v
    end
    local function metric(kind)
      return function(name, help, labels, buckets)
        local ok, id = pcall(host.metric_define, kind, name, help, labels, buckets)
        if not ok then error(id, 2) end
        return setmetatable({ id = id, name = name, kind = kind }, Metric)
      end
    end
    ppm.metric = { counter = metric("counter"), gauge = metric("gauge"), histogram = metric("histogram") }
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
