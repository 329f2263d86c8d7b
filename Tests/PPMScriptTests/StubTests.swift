import Foundation
import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// `plugins/types/ppm.d.lua` against the running code: every name a config
/// can use is annotated, so the stubs cannot drift from the daemon.
@Suite struct StubTests {
    let stubs: String
    let lines: [Substring]

    init() throws {
        stubs = try String(contentsOfFile: bundledPlugins + "/types/ppm.d.lua", encoding: .utf8)
        lines = stubs.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The `---@field` names right under `---@class NAME` (or `(exact) NAME`).
    func fields(of className: String) -> Set<String> {
        let heads = ["---@class \(className)", "---@class (exact) \(className)"]
        guard let at = lines.firstIndex(where: { line in heads.contains { line == $0 || line.hasPrefix($0 + ":") } }) else { return [] }
        var names: Set<String> = []
        for line in lines[(at + 1)...] {
            guard line.hasPrefix("---@field ") else { break }
            names.insert(String(line.dropFirst(10).prefix { $0 != " " }).replacingOccurrences(of: "?", with: ""))
        }
        return names
    }

    /// Output hooks get the service as `ppm.get` returns it, not its name.
    @Test func outputHooksTakeTheServiceSnapshot() {
        let onOutput = lines.first { $0.hasPrefix("---@field on_output? ") } ?? ""
        #expect(onOutput.contains("svc: ppm.Snapshot)"), "\(onOutput)")
        #expect(!stubs.contains("svc: string"))
    }

    @Test func stubsAreLua() throws {
        let lua = try LuaState(memoryLimit: 8 << 20)
        _ = try lua.load(stubs, chunkName: "=ppm.d.lua")
    }

    @Test func everyFunctionOfThePPMModuleIsAnnotated() throws {
        let host = try load("")
        let listed =
            try host.lua.run(
                """
                local names = {}
                local function walk(t, prefix)
                  for k, v in pairs(t) do
                    names[#names + 1] = prefix .. k .. ":" .. type(v)
                    if type(v) == "table" then walk(v, prefix .. k .. ".") end
                  end
                end
                walk(ppm, "ppm.")
                table.sort(names)
                return table.concat(names, " ")
                """, chunkName: "=t"
            ).first?.stringValue ?? ""
        let entries = listed.split(separator: " ").map { $0.split(separator: ":").map(String.init) }
        #expect(entries.count > 25)
        let moduleFields = fields(of: "ppm")
        for entry in entries {
            let (path, type) = (entry[0], entry[1])
            switch type {
            case "function": #expect(stubs.contains("function \(path)("), "\(path) is not in ppm.d.lua")
            case "table": #expect(stubs.contains("\(path) = {}"), "\(path) is not in ppm.d.lua")
            default: #expect(moduleFields.contains(String(path.dropFirst(4))), "\(path) is not a field of class ppm")
            }
        }
    }

    @Test func everyServiceFieldAndSettingIsAnnotated() {
        let spec = fields(of: "ppm.ServiceSpec")
        for name in SpecReader.fields { #expect(spec.contains(name), "ppm.service field '\(name)' is not in ppm.d.lua") }
        #expect(spec.count == SpecReader.fields.count, "ppm.d.lua annotates fields ppm.service refuses")
        let settings = fields(of: "ppm.Settings")
        for key in ScriptState.settingKeys { #expect(settings.contains(key), "ppm.settings key '\(key)' is not in ppm.d.lua") }
        #expect(settings.count == ScriptState.settingKeys.count)
        let listen = fields(of: "ppm.ListenSettings")
        for key in ListenSettings.fields { #expect(listen.contains(key), "ppm.settings listen field '\(key)' is not in ppm.d.lua") }
        #expect(listen.count == ListenSettings.fields.count)
        let metrics = fields(of: "ppm.MetricsSettings")
        #expect(metrics == Set(MetricsSettings.fields), "ppm.settings metrics fields in ppm.d.lua: \(metrics)")
    }

    @Test func everyEventFieldAndTypeIsAnnotated() throws {
        var exit = ServiceEvent(
            kind: .exit, name: "x", pid: 1, status: .signaled(9), runtime: 1, starts: 1, crashes: 1,
            outcome: .crashed, time: 0, error: "e")
        exit.tail = "last line"
        let adopted = ServiceEvent(kind: .exit, name: "x", status: .unknown, starts: 1, crashes: 0, time: 0)
        let event = fields(of: "ppm.Event")
        for key in Set(exit.fields.keys).union(adopted.fields.keys).union(["type", "name", "time", "result"]) {
            #expect(event.contains(key), "event field '\(key)' is not in ppm.d.lua")
        }
        // The event types ppm.on accepts, from its own error message.
        let host = try load("")
        var types: [String] = []
        do { _ = try host.lua.run("ppm.on('bogus', print)", chunkName: "=t") } catch {
            let text = "\(error)"
            if let open = text.range(of: "(expected "), let close = text[open.upperBound...].firstIndex(of: ")") {
                types = text[open.upperBound..<close].components(separatedBy: ", ")
            }
        }
        #expect(types.contains("adopted"))
        for type in types where type != "*" && type != "output" {
            #expect(
                lines.contains { $0.hasPrefix("---@alias ppm.EventType") && $0.contains("\"\(type)\"") },
                "event type '\(type)' is not in ppm.d.lua")
        }
    }

    @Test func everyBundledPluginAndOptionIsAnnotated() throws {
        let plugins = try FileManager.default.contentsOfDirectory(atPath: bundledPlugins)
            .filter { $0.hasSuffix(".lua") }.map { String($0.dropLast(4)) }.sorted()
        #expect(plugins.count >= 9)
        let host = try load("")
        for plugin in plugins {
            // Each constructor declares its options to ppm.options first: record them.
            let declared =
                try host.lua.run(
                    """
                    local real, keys = ppm.options, {}
                    ppm.options = function(_, _, declared)
                      for k in pairs(declared) do keys[#keys + 1] = math.type(k) and ("[" .. k .. "]") or k end
                      error("recorded")
                    end
                    pcall(require("\(plugin)"), {})
                    ppm.options = real
                    return table.concat(keys, " ")
                    """, chunkName: "=t"
                ).first?.stringValue ?? ""
            let options = declared.split(separator: " ").map(String.init)
            #expect(!options.isEmpty, "plugin \(plugin) declares no options")
            let annotated = fields(of: "ppm.plugins.\(plugin).Options")
            for option in options { #expect(annotated.contains(option), "option '\(option)' of plugin \(plugin) is not in ppm.d.lua") }
            #expect(annotated.count == options.count, "ppm.d.lua annotates options plugin \(plugin) refuses")
            let source = try String(contentsOfFile: bundledPlugins + "/\(plugin).lua", encoding: .utf8)
            #expect(source.contains(" ppm.plugins.\(plugin).Options "), "plugins/\(plugin).lua does not annotate its constructor's options")
        }
    }
}
