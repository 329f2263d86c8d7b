--[[ cron: start a service at the times of a cron expression (PPM schedules).

  restart = require("cron"){ "*/5 * * * *" }          -- every five minutes
  restart = require("cron"){ "30 2 * * mon-fri" }     -- 02:30 on weekdays
  restart = require("cron"){ "@hourly" }

The expression has five fields, in local time:
  minute 0-59, hour 0-23, day of month 1-31, month 1-12 or jan-dec,
  day of week 0-7 or sun-sat (0 and 7 are Sunday).
Each field is `*`, a number or name, a range `a-b`, a step `*/n`, `a-b/n` or
`a/n` (from a to the end), or a list of those separated by commas. When both
day fields are restricted, a day matching either one is due (as in cron).
@yearly (@annually), @monthly, @weekly, @daily (@midnight) and @hourly are
accepted too. A wrong expression is an error naming it and the field.

Options:
  [1]    the expression (required)
  clock  a function returning the current unix time (default os.time);
         tests use it to be near a minute boundary

The service does not start when the daemon starts (or when it is added)
unless the current minute is due: it waits for the next due minute. After
each run, whatever its outcome, it waits for the next due minute after its
exit; a run that lasts past due minutes skips them. While it waits, `ls`
shows it as "scheduled, next HH:MM:SS", and its runs are not counted as
restarts (the policy answers { action = "restart", after = S, scheduled = true }).
]]

local FIELDS = {
  { name = "minute", min = 0, max = 59 },
  { name = "hour", min = 0, max = 23 },
  { name = "day of month", min = 1, max = 31 },
  { name = "month", min = 1, max = 12,
    names = { jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6, jul = 7, aug = 8, sep = 9, oct = 10, nov = 11, dec = 12 } },
  { name = "day of week", min = 0, max = 7, names = { sun = 0, mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6 } },
}

local MACROS = {
  ["@yearly"] = "0 0 1 1 *", ["@annually"] = "0 0 1 1 *", ["@monthly"] = "0 0 1 * *",
  ["@weekly"] = "0 0 * * 0", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *", ["@hourly"] = "0 * * * *",
}

-- Parses one field into a set of allowed values; nil and a message on error.
local function parse_field(text, field)
  local set, any = {}, text:sub(1, 1) == "*"
  local function value(word)
    local n = tonumber(word)
    if n == nil and field.names then n = field.names[word:lower()] end
    if n == nil or n ~= math.floor(n) or n < field.min or n > field.max then
      return nil, ("'%s' is not a %s (%d-%d%s)"):format(word, field.name, field.min, field.max,
        field.names and " or a name" or "")
    end
    return n
  end
  for part in (text .. ","):gmatch("([^,]*),") do
    local range, step = part:match("^([^/]+)/(%d+)$")
    if range == nil then range = part end
    step = tonumber(step or 1)
    if step < 1 then return nil, ("step '%s' must be at least 1"):format(part) end
    local first, last
    if range == "*" then
      first, last = field.min, field.max
    else
      local a, b = range:match("^([^-]+)-([^-]+)$")
      local err
      if a then
        first, err = value(a)
        if not first then return nil, err end
        last, err = value(b)
        if not last then return nil, err end
        if last < first then return nil, ("range '%s' runs backwards"):format(range) end
      else
        if range == "" then return nil, ("empty item in '%s'"):format(text) end
        first, err = value(range)
        if not first then return nil, err end
        last = part:find("/") and field.max or first
      end
    end
    for v = first, last, step do set[v] = true end
  end
  return set, nil, any
end

-- Parses an expression into five sets; raises an error naming it.
local function parse(expression)
  local text = MACROS[expression] or expression
  local words = {}
  for w in text:gmatch("%S+") do words[#words + 1] = w end
  if #words ~= 5 then
    error(("cron: '%s' must have five fields (minute hour day month weekday), found %d"):format(expression, #words), 3)
  end
  local spec = {}
  for i, field in ipairs(FIELDS) do
    local set, err, any = parse_field(words[i], field)
    if not set then error(("cron: '%s': %s field: %s"):format(expression, field.name, err), 3) end
    spec[i] = set
    spec[i].any = any
  end
  if spec[5][7] then spec[5][0] = true end
  return spec
end

local function day_matches(spec, t)
  local dom, dow = spec[3][t.day], spec[5][t.wday - 1]
  if spec[3].any or spec[5].any then return dom and dow end
  return dom or dow
end

-- The first due minute at or after unix time `from` (a minute boundary), or nil within ~5 years.
local function next_due(spec, from)
  local t = os.date("*t", from)
  t.sec = 0
  for _ = 1, 100000 do
    local time = os.time(t)
    t = os.date("*t", time)
    if t.year > os.date("*t", from).year + 5 then return nil end
    if not spec[4][t.month] then
      t.month, t.day, t.hour, t.min = t.month + 1, 1, 0, 0
    elseif not day_matches(spec, t) then
      t.day, t.hour, t.min = t.day + 1, 0, 0
    elseif not spec[2][t.hour] then
      t.hour, t.min = t.hour + 1, 0
    elseif not spec[1][t.min] then
      t.min = t.min + 1
    else
      return time
    end
  end
  return nil
end

---@param options ppm.plugins.cron.Options (types for editors: plugins/types/ppm.d.lua)
---@return ppm.Policy
return function(options)
  local o = ppm.options("cron", options, { [1] = { "string" }, clock = { "function", os.time } })
  if not o[1] then error("cron: the expression is required, e.g. cron{ \"*/5 * * * *\" }", 2) end
  local spec = parse(o[1])
  local expression = o[1]
  if not next_due(spec, (o.clock() // 60) * 60) then
    error(("cron: '%s' is never due"):format(expression), 2)
  end
  -- Seconds from `now` to the next due minute: 0 within a due minute when `current` counts.
  local function wait(now, current)
    local minute = (math.floor(now) // 60) * 60
    local due = next_due(spec, current and minute or minute + 60)
    if due == nil then return nil end
    return math.max(0, due - now)
  end
  -- The exit's own time, unless a clock was given: then the clock is the only time there is.
  local policy = function(ev)
    local now = (o.clock == os.time and ev.time) or o.clock()
    local after = wait(now, false)
    if after == nil then return "stop" end
    return { action = "restart", after = after, scheduled = true }  -- idle until then: not a restart
  end
  return ppm.first_start(policy, function() return wait(o.clock(), true) end)
end
