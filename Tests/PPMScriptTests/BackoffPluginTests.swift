import LuaKit
import PPMMachine
import PPMMachineTesting
import Testing

@testable import PPMScript

/// The daemon's default policy is plugins/backoff.lua run in Swift: these
/// tests feed the same exits to both and check that every decision is the same.
@Suite struct BackoffPluginTests {
    /// A decision as text: "stop", "fatal" or "restart after SECONDS".
    struct Decision: Equatable, CustomStringConvertible {
        var action: String
        var after: Double?
        var description: String { after.map { "\(action) after \($0)" } ?? action }
        static func == (a: Decision, b: Decision) -> Bool {
            a.action == b.action && abs((a.after ?? -1) - (b.after ?? -1)) < 1e-9
        }
    }

    /// Runs `steps` exits of a service under the Swift default (`restart`)
    /// and asks the plugin (built by `plugin`) about each same event.
    func compare(restart: String, settings: String, plugin: String, seed: UInt64) throws {
        let rig = try ScriptRig(
            """
            \(settings)
            plugin = require("backoff")\(plugin)
            ppm.on("exit", function(ev) last = ev end)
            function decide()
              local a = plugin(last, ppm.get("s"))
              if type(a) == "table" then return a.action, a.after end
              return a
            end
            ppm.service { name = "s", cmd = "/bin/s", restart = "\(restart)" }
            """)
        var random = seed
        func next(_ n: UInt64) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % n)
        }
        let statuses: [PPMMachine.ExitStatus] = [.exited(0), .exited(1), .exited(3), .signaled(9), .signaled(15)]
        let runtimes: [Double] = [0.1, 1, 2.5, 9.9, 10, 30]
        var decisions = 0
        var maxCrashes = 0
        for _ in 0..<300 {
            guard rig.state("s") == .running else {
                rig.loop.send(.start("s"))
                continue
            }
            rig.clock.advance(runtimes[next(UInt64(runtimes.count))])
            rig.exit("s", statuses[next(UInt64(statuses.count))])
            let swift: Decision
            switch rig.state("s") {
            case .waiting: swift = Decision(action: "restart", after: rig.clock.pending.first)
            case .running: swift = Decision(action: "restart", after: 0)
            case .crashed, .finished: swift = Decision(action: "stop")
            case let other: swift = Decision(action: "\(other.map { "\($0)" } ?? "gone")")
            }
            let answer = try rig.host.lua.run("return decide()", chunkName: "=t")
            let lua = Decision(action: answer.first?.stringValue ?? "nil", after: answer.count > 1 ? answer[1].numberValue : nil)
            let event = try rig.host.lua.run("return ppm.json(last)", chunkName: "=t").first?.stringValue ?? ""
            #expect(lua == swift, "seed \(seed), event \(event)")
            decisions += 1
            maxCrashes = max(maxCrashes, rig.supervisor.snapshot("s")?.crashes ?? 0)
            if next(6) == 0, let due = rig.clock.pending.first {  // a failed spawn counts as a crash
                rig.spawner.failing = ["s"]
                rig.clock.advance(due)
                rig.spawner.failing = []
            }
            // To the restart, so that the next run's time is only its own.
            if let due = rig.clock.pending.first { rig.clock.advance(due) }
        }
        #expect(decisions > 100)
        #expect(maxCrashes >= 4, "the exits reached long streaks")
    }

    @Test func onFailureIsTheBackoffPlugin() throws {
        for seed in [1, 2, 3] as [UInt64] {
            try compare(restart: "on-failure", settings: "", plugin: "{}", seed: seed)
        }
    }

    @Test func alwaysIsTheBackoffPluginWithAlways() throws {
        try compare(restart: "always", settings: "", plugin: "{ always = true }", seed: 4)
    }

    @Test func settingsAreTheBackoffPluginsOptions() throws {
        try compare(
            restart: "on-failure",
            settings: "ppm.settings { backoff = { interval = 0.5, max = 5, reset_after = 3 } }",
            plugin: "{ interval = 0.5, max = \"5s\", reset_after = 3 }", seed: 5)
        try compare(
            restart: "always",
            settings: "ppm.settings { backoff = { interval = 2, max = 100, reset_after = 20 } }",
            plugin: "{ interval = 2, max = 100, reset_after = 20, always = true }", seed: 6)
    }
}
