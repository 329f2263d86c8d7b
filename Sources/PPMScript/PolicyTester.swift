import FoundationEssentials
import LuaKit
import PPMMachine
import SystemCalls

/// `ppm-lua test`: runs a config's or a plugin's policies offline, without
/// starting anything. A test file gets `expect(policy, event).to_be(action)`
/// and `load_config(path)`; a recorded journal is replayed through the
/// services' policies, each decision printed.
package final class PolicyTester {
    package let host: ConfigLoader
    private var harness: LuaTable = LuaTable()

    /// Prepares a state for `file` (which runs with `run`).
    package init(file: String, home: String, pluginFolders: [String]) throws {
        host = try ConfigLoader(context: .init(version: "test", configPath: file, home: home, pluginFolders: pluginFolders))
        host.lua.output = { try? writeAll(1, $0) }
        let calls = OfflineCalls()
        host.offline = calls
        let service = host.lua.function("service_policy") { [unowned host] args in
            [host.offlinePolicy(try args.string(1)).map { .table($0) } ?? .nil]
        }
        let take = host.lua.function("take_calls") { _ in
            [
                .table(
                    LuaTable(
                        array: calls.take().map { call in
                            var t = LuaTable()
                            t["call"] = .string(call.call)
                            t["target"] = .string(call.target)
                            t["text"] = .string(call.text)
                            return .table(t)
                        }))
            ]
        }
        let made = try host.lua.call(try host.lua.load(policyTesterSource, chunkName: "=ppm-lua test"), [service, take])
        guard case .table(let t)? = made.first else { throw LuaError.conversion("the test harness did not load") }
        harness = t
    }

    /// Runs the test file (or config); throws what stopped it before its
    /// end (the expectations met before then still count: `summary`).
    package func run(_ file: String) throws {
        try host.loadConfig(path: file)
    }

    /// The expectations checked so far, and how many failed.
    package func summary() throws -> (checked: Int, failed: Int) {
        guard case .function(let f) = harness["summary"] else { return (0, 0) }
        let values = try host.lua.call(f)
        return (Int(values.first?.integerValue ?? 0), Int(values.dropFirst().first?.integerValue ?? 0))
    }

    /// Replays the exits of a journal (`events.jsonl`) through the
    /// services the file declares; returns a line per decision and how
    /// many of them failed (a hook that raised).
    package func replay(journal path: String) throws -> (lines: [String], failed: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LuaError.syntax("\(path): cannot read the journal") }
        guard case .function(let decide) = harness["describe"] else { return ([], 0) }
        var lines: [String] = []
        var failed = 0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let event = try? JSONValue.parse(bytes: line), event["type"]?.stringValue == "exit",
                event["outcome"]?.stringValue != "stopped", let name = event["name"]?.stringValue
            else { continue }
            guard host.offlinePolicy(name) != nil else { continue }
            let answer = try host.lua.call(decide, [LuaValue(json: event)])
            lines.append(answer.first?.stringValue ?? "?")
            if answer.dropFirst().first == .boolean(false) { failed += 1 }
        }
        return (lines, failed)
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
    local service_policy, take_calls = ...
    local checked, failed = 0, 0
    local last_calls = {}  -- what the hooks of the last expect called, not matched yet

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
      if not p then error(("no service named '%s' in this file"):format(name), 0) end
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
      if type(policy) ~= "function" then error("expect: the policy must be a function or a service name", 0) end
      local e = complete(ev)
      return policy(e, { name = e.name, state = e.outcome, starts = e.starts, crashes = e.crashes, spec = {} })
    end

    -- Runs a decision; its hooks' ppm.* calls are recorded, an error is returned.
    local function run(policy, ev)
      take_calls()
      local ok, answer = pcall(decide, policy, ev)
      return ok, answer, take_calls()
    end

    -- Seconds rounded for reading: 45.8554 -> "45.9", 4 -> "4", 0.04 -> "0.04".
    local function seconds(x)
      local s = ("%.1f"):format(x):gsub("%.0$", "")
      if s == "0" then s = ("%.2g"):format(x) end
      return s
    end

    -- "restart", "restart after 2", "stop", "fatal" or "nil".
    local function show(a)
      if type(a) == "table" then
        local after = tonumber(a.after)
        if a.action == "restart" and after and after > 0 then return "restart after " .. seconds(after) end
        return tostring(a.action)
      end
      return tostring(a)
    end

    local function texts(calls)
      local t = {}
      for i, c in ipairs(calls) do t[i] = c.text end
      return table.concat(t, ", ")
    end

    local function where(level)
      local info = debug.getinfo(level, "Sl")
      return info and (info.short_src .. ":" .. (info.currentline or 0)) or "?"
    end

    function expect(policy, ev)
      local at = where(3)
      local ok, answer, calls = run(policy, ev)
      last_calls = calls
      if not ok then
        checked, failed = checked + 1, failed + 1
        print(("FAIL  %s: error: %s"):format(at, tostring(answer)))
        return { to_be = function() return false end }
      end
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

    -- A call the hooks of the last expect made: expect_call("start", "diskcleaner").
    function expect_call(call, target)
      if type(call) ~= "string" then error("expect_call: the call's name (\"start\", \"spawn\"...) must be a string", 2) end
      local at = where(3)
      for _, c in ipairs(take_calls()) do last_calls[#last_calls + 1] = c end
      checked = checked + 1
      local wanted = ("ppm.%s(%s)"):format(call, target and ("%q"):format(target) or "...")
      for i, c in ipairs(last_calls) do
        local word = c.target:match("^%S+")
        if c.call == call and (target == nil or c.target == target or (call == "spawn" and word == target)) then
          table.remove(last_calls, i)
          print(("ok    %s: %s"):format(at, c.text))
          return true
        end
      end
      failed = failed + 1
      print(("FAIL  %s: expected %s, got %s"):format(at, wanted, #last_calls > 0 and texts(last_calls) or "no call"))
      return false
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
        local ok, answer, calls = run(ev.name, ev)
        answer = ok and show(answer) or ("error: " .. tostring(answer))
        if ok and #calls > 0 then answer = answer .. ", then " .. texts(calls) end
        local how = ev.signal and ("signal " .. (ev.signame or ev.signal)) or ("status " .. tostring(ev.result))
        return ("%s  %-16s exit %-12s after %6.1f s, crash #%d  ->  %s"):format(
          ev.utc or "", ev.name, how, ev.runtime or 0, ev.crashes or 0, answer), ok
      end,
    }
    """#
