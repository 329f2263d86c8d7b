import FoundationEssentials
import LuaKit
import PPMMachine
import SystemCalls

/// `ppm-lua test`: runs a config's or a plugin's policies offline, without
/// starting anything. A test file gets `expect(policy, event).to_be(action)`
/// and `load_config(path)`; a recorded journal is replayed through the
/// services' policies, each decision printed.
public final class PolicyTester {
    public let host: ConfigLoader
    private var harness: LuaTable = LuaTable()

    /// Prepares a state for `file` (which runs with `run`).
    public init(file: String, home: String, pluginFolders: [String]) throws {
        host = try ConfigLoader(context: .init(version: "test", configPath: file, home: home, pluginFolders: pluginFolders))
        host.lua.output = { try? writeAll(1, $0) }
        let service = host.lua.function("service_policy") { [unowned host] args in
            [host.offlinePolicy(try args.string(1)).map { .table($0) } ?? .nil]
        }
        let made = try host.lua.call(try host.lua.load(policyTesterSource, chunkName: "=ppm-lua test"), [service])
        guard case .table(let t)? = made.first else { throw LuaError.conversion("the test harness did not load") }
        harness = t
    }

    /// Runs the test file (or config); returns (expectations, failures).
    public func run(_ file: String) throws -> (checked: Int, failed: Int) {
        try host.loadConfig(path: file)
        return try summary()
    }

    private func summary() throws -> (checked: Int, failed: Int) {
        guard case .function(let f) = harness["summary"] else { return (0, 0) }
        let values = try host.lua.call(f)
        return (Int(values.first?.integerValue ?? 0), Int(values.dropFirst().first?.integerValue ?? 0))
    }

    /// Replays the exits of a journal (`events.jsonl`) through the
    /// services the file declares; returns a line per decision.
    public func replay(journal path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LuaError.syntax("\(path): cannot read the journal") }
        guard case .function(let decide) = harness["describe"] else { return [] }
        var lines: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let event = try? JSONValue.parse(bytes: line), event["type"]?.stringValue == "exit",
                  event["outcome"]?.stringValue != "stopped", let name = event["name"]?.stringValue else { continue }
            guard host.offlinePolicy(name) != nil else { continue }
            let text = try host.lua.call(decide, [LuaValue(json: event)]).first?.stringValue ?? "?"
            lines.append(text)
        }
        return lines
    }
}

extension ConfigLoader {
    /// What decides a declared service's exits, for `ppm-lua test`: its
    /// `on_exit`, its policy function, or the default as plugin options.
    func offlinePolicy(_ name: String) -> LuaTable? {
        guard let spec = declared.first(where: { $0.name == name }) else { return nil }
        var t = LuaTable()
        let scripts = state.scripts[name]
        if let f = scripts?.onExit { t["on_exit"] = .function(f) }
        if let f = scripts?.policy { t["policy"] = .function(f) }
        t["restart"] = .string(spec.once || spec.restart == .never ? "never" : spec.restart.rawValue)
        t["interval"] = .number(settings.backoff.interval)
        t["max"] = .number(settings.backoff.max)
        t["reset_after"] = .number(settings.backoff.resetAfter)
        return t
    }
}

/// The Lua side of `ppm-lua test`.
let policyTesterSource = #"""
local service_policy = ...
local checked, failed = 0, 0

-- An event table with what a synthetic one leaves out filled in.
local function complete(ev, name)
  local e = {}
  for k, v in pairs(ev or {}) do e[k] = v end
  e.type = e.type or "exit"
  e.name = e.name or name or "test"
  if e.outcome == nil and e.type == "exit" then
    local clean = e.result == 0 or e.signal == 15 or (e.result == nil and e.signal == nil)
    e.outcome = clean and "finished" or "crashed"
  end
  if e.crashes == nil then e.crashes = e.outcome == "crashed" and 1 or 0 end
  e.runtime = e.runtime or 0
  e.starts = e.starts or 1
  e.time = e.time or os.time()
  e.utc = e.utc or os.date("!%Y-%m-%dT%H:%M:%S.000Z", math.floor(e.time))
  return e
end

-- The decision of a declared service: on_exit, then its policy, then the default.
local function decide_service(name, ev)
  local p = service_policy(name)
  if not p then error(("no service named '%s' in this file"):format(name), 4) end
  local svc = { name = name, state = ev.outcome, starts = ev.starts, crashes = ev.crashes, spec = {} }
  local answer
  if p.on_exit then answer = p.on_exit(ev) end
  if answer == nil and p.policy then answer = p.policy(ev, svc) end
  if answer ~= nil then return answer end
  if p.restart == "never" then return "stop" end
  return require("backoff") { interval = p.interval, max = p.max, reset_after = p.reset_after, always = p.restart == "always" }(ev, svc)
end

local function decide(policy, ev)
  if type(policy) == "string" then return decide_service(policy, complete(ev, policy)) end
  if type(policy) ~= "function" then error("expect: the policy must be a function or a service name", 3) end
  local e = complete(ev)
  return policy(e, { name = e.name, state = e.outcome, starts = e.starts, crashes = e.crashes, spec = {} })
end

-- "restart", "restart after 2", "stop", "fatal" or "nil".
local function show(a)
  if type(a) == "table" then
    local after = tonumber(a.after)
    if a.action == "restart" and after and after > 0 then return ("restart after %g"):format(after) end
    return tostring(a.action)
  end
  return tostring(a)
end

local function where(level)
  local info = debug.getinfo(level, "Sl")
  return info and (info.short_src .. ":" .. (info.currentline or 0)) or "?"
end

function expect(policy, ev)
  local answer = decide(policy, ev)
  local at = where(3)
  return {
    to_be = function(wanted)
      checked = checked + 1
      local got, want = show(answer), show(wanted)
      if got == want then
        print(("ok    %s: %s"):format(at, got))
      else
        failed = failed + 1
        print(("FAIL  %s: expected %s, got %s"):format(at, want, got))
      end
      return got == want
    end,
  }
end

function load_config(path)
  local folder = ppm.config_path and ppm.config_path:match("^(.*)/") or "."
  if not path:match("^/") then path = folder .. "/" .. path end
  local chunk, err = loadfile(path)
  if not chunk then error(err, 2) end
  return chunk()
end

return {
  summary = function() return checked, failed end,
  describe = function(ev)
    local answer = show(decide_service(ev.name, complete(ev, ev.name)))
    local how = ev.signal and ("signal " .. (ev.signame or ev.signal)) or ("status " .. tostring(ev.result))
    return ("%s  %-16s exit %-12s after %6.1f s, crash #%d  ->  %s"):format(
      ev.utc or "", ev.name, how, ev.runtime or 0, ev.crashes or 0, answer)
  end,
}
"""#
