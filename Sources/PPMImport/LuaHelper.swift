/// Lua written once at the top of an imported config when a service needs
/// it: the plugin loader, and the inline policies that stand in for the
/// bundled plugins (SPEC 5.4) when those are not installed.
package enum LuaHelper: String, CaseIterable, Sendable {
    /// `plugin(name)`: require, or nil when the plugin is not installed.
    case plugin
    /// `pmtr{status, min_runtime, delay}`: the `pmtr` plugin or an inline policy.
    case pmtr
    /// `cron_next(expr, from)`: the next time a cron expression matches.
    case cronNext
    /// `cron{expr}`: the `cron` plugin or an inline policy.
    case cron
    /// `restart_at(name, expr)`: restarts a service at the times of a cron expression.
    case restartAt
    /// `supervisord{autorestart, exitcodes, startsecs, startretries}`.
    case supervisord
    /// `pm2{min_uptime, max_restarts, restart_delay, exp_backoff_restart_delay, stop_exit_codes}`.
    case pm2
    /// `peter_fill(cmd, ev)`: PETeR's NAME PID RES SIG UTC placeholders.
    case peterFill

    /// Helpers this one calls.
    var needs: [LuaHelper] {
        switch self {
        case .pmtr: [.plugin]
        case .cron: [.plugin, .cronNext]
        case .restartAt: [.cronNext]
        default: []
        }
    }

    /// The Lua source, comments included.
    var source: String {
        switch self {
        case .plugin:
            return #"""
                -- Loads a plugin; nil when it is not installed (one that fails to load is an error).
                local function plugin(name)
                  local ok, mod = pcall(require, name)
                  if ok then return mod end
                  if not string.find(tostring(mod), "module '" .. name .. "' not found", 1, true) then error(mod, 0) end
                  return nil
                end
                """#
        case .pmtr:
            return #"""
                -- pmtr's restart rules: a job is restarted after any exit except exit status 33,
                -- and one that ran less than 10 s waits 10 s first. The `pmtr` plugin has them;
                -- this policy stands in when it is not installed.
                local pmtr = plugin("pmtr") or function(o)
                  return function(ev)
                    if ev.result == o.status then return "stop" end
                    if ev.runtime < o.min_runtime then return { action = "restart", after = o.delay } end
                    return { action = "restart", after = 0 }
                  end
                end
                """#
        case .cronNext:
            return #"""
                -- The first time after `from` (unix seconds) that a cron expression matches: 5 fields
                -- (minute hour day month weekday) or 6 (seconds first); * ? lists ranges steps and
                -- JAN-DEC / SUN-SAT names. Day and weekday, when both are set, match either (cron).
                local cron_next
                do
                  local names = { jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6, jul = 7, aug = 8, sep = 9,
                                  oct = 10, nov = 11, dec = 12, sun = 0, mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6 }
                  local function value(word) return tonumber(word) or names[word:lower()] end
                  local function field(text, lo, hi)
                    local set = {}
                    for part in text:gmatch("[^,]+") do
                      local range, step = part:match("^([^/]+)/(%d+)$")
                      range, step = range or part, tonumber(step) or 1
                      local a, b
                      if range == "*" or range == "?" then
                        a, b = lo, hi
                      else
                        local x, y = range:match("^(%w+)-(%w+)$")
                        a = value(x or range)
                        b = y and value(y) or (part:find("/", 1, true) and hi or a)
                      end
                      if not a or not b or step < 1 then error("bad cron field '" .. text .. "'", 0) end
                      for v = a, b, step do set[v] = true end
                    end
                    return set
                  end
                  local parsed = {}
                  local function parse(expr)
                    if parsed[expr] then return parsed[expr] end
                    local f = {}
                    for word in expr:gmatch("%S+") do f[#f + 1] = word end
                    if #f == 5 then table.insert(f, 1, "0") end
                    if #f ~= 6 then error("a cron expression has 5 or 6 fields: " .. expr, 0) end
                    local c = { sec = field(f[1], 0, 59), min = field(f[2], 0, 59), hour = field(f[3], 0, 23),
                                day = field(f[4], 1, 31), month = field(f[5], 1, 12), wday = field(f[6], 0, 7),
                                anyday = f[4] == "*" or f[4] == "?", anywday = f[6] == "*" or f[6] == "?" }
                    if c.wday[7] then c.wday[0] = true end
                    parsed[expr] = c
                    return c
                  end
                  local function day_matches(c, t)
                    local d, w = c.day[t.day], c.wday[t.wday - 1]
                    if c.anyday then return w end
                    if c.anywday then return d end
                    return d or w
                  end
                  function cron_next(expr, from)
                    local c = parse(expr)
                    local t = os.date("*t", math.floor(from) + 1)
                    for _ = 1, 100000 do
                      if not c.month[t.month] then t.month, t.day, t.hour, t.min, t.sec = t.month + 1, 1, 0, 0, 0
                      elseif not day_matches(c, t) then t.day, t.hour, t.min, t.sec = t.day + 1, 0, 0, 0
                      elseif not c.hour[t.hour] then t.hour, t.min, t.sec = t.hour + 1, 0, 0
                      elseif not c.min[t.min] then t.min, t.sec = t.min + 1, 0
                      elseif not c.sec[t.sec] then t.sec = t.sec + 1
                      else return os.time(t) end
                      t.isdst = nil
                      t = os.date("*t", os.time(t))
                    end
                    error("cron expression never matches: " .. expr, 0)
                  end
                end
                """#
        case .cron:
            return #"""
                -- PPM schedules: after each run the service starts again at the next time its cron
                -- expression matches. The `cron` plugin does this for five fields; this policy
                -- stands in when it is not installed, and for six fields (seconds first), which
                -- the plugin's minute-by-minute schedule does not have.
                local cron_plugin = plugin("cron")
                local function cron(o)
                  local _, fields = o[1]:gsub("%S+", "")
                  if cron_plugin and fields == 5 then return cron_plugin(o) end
                  cron_next(o[1], os.time())  -- a bad expression fails here, when the config loads
                  return function()
                    return { action = "restart", after = math.max(0, cron_next(o[1], os.time()) - os.time()) }
                  end
                end
                """#
        case .restartAt:
            return #"""
                -- Restarts the service `name` at every time its cron expression matches.
                local function restart_at(name, expr)
                  local function arm()
                    ppm.after(math.max(1, cron_next(expr, os.time()) - os.time()), function()
                      ppm.restart(name)
                      arm()
                    end)
                  end
                  arm()
                end
                """#
        case .supervisord:
            return #"""
                -- supervisord's restart rules. A process that exits less than `startsecs` after
                -- it started failed to start: it is tried again after 1, 2, 3 ... s, and is FATAL
                -- after `startretries` failed tries. Otherwise `autorestart` decides: true restarts,
                -- false does not, "unexpected" restarts unless the exit status is in `exitcodes`.
                local function supervisord(o)
                  local tries = {}
                  return function(ev)
                    if ev.runtime < o.startsecs then
                      tries[ev.name] = (tries[ev.name] or 0) + 1
                      if tries[ev.name] > o.startretries then
                        tries[ev.name] = nil
                        return "fatal"
                      end
                      return { action = "restart", after = tries[ev.name] }
                    end
                    tries[ev.name] = nil
                    local expected = false
                    for _, code in ipairs(o.exitcodes) do expected = expected or ev.result == code end
                    if o.autorestart == true or (o.autorestart == "unexpected" and not expected) then
                      return { action = "restart", after = 0 }
                    end
                    return "stop"
                  end
                end
                """#
        case .pm2:
            return #"""
                -- pm2's restart rules: any exit restarts the app except a `stop_exit_codes` status,
                -- after `restart_delay` ms, or after a delay that starts at `exp_backoff_restart_delay`
                -- ms and grows 1.5x per restart up to 15 s (reset by a 30 s run). A run shorter than
                -- `min_uptime` ms is unstable; more than `max_restarts` unstable runs in a row: fatal.
                local function pm2(o)
                  local unstable, backoff = {}, {}
                  return function(ev)
                    for _, code in ipairs(o.stop_exit_codes or {}) do
                      if ev.result == code then return "stop" end
                    end
                    unstable[ev.name] = ev.runtime * 1000 < o.min_uptime and (unstable[ev.name] or 0) + 1 or 0
                    if unstable[ev.name] > o.max_restarts then
                      unstable[ev.name] = nil
                      return "fatal"
                    end
                    local delay = o.restart_delay or 0
                    if o.exp_backoff_restart_delay then
                      if ev.runtime > 30 then backoff[ev.name] = nil end
                      backoff[ev.name] = backoff[ev.name] and math.min(backoff[ev.name] * 1.5, 15000) or o.exp_backoff_restart_delay
                      delay = backoff[ev.name]
                    end
                    return { action = "restart", after = delay / 1000 }
                  end
                end
                """#
        case .peterFill:
            return #"""
                -- PETeR placeholders: the words NAME, PID, RES, SIG and UTC in a command become the
                -- values of the exit that started it (0 when absent).
                local function peter_fill(cmd, ev)
                  local values = { NAME = ev.name, PID = ev.pid or 0, RES = ev.result or 0, SIG = ev.signal or 0,
                                   UTC = ev.utc or os.date("!%Y-%m-%dT%H:%M:%SZ") }
                  return (cmd:gsub("%u+", function(word) return values[word] and tostring(values[word]) end))
                end
                """#
        }
    }
}
