import ArgumentParser
import Glibc
import LuaKit
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// `ppm-lua check FILE`: loads a config without starting anything.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load a config without starting anything and list its services.")

    @Argument(help: "The config file.")
    var file: String

    @Flag(help: "Print the services as JSON.")
    var json = false

    func run() throws {
        let host: ConfigLoader
        do {
            let home = Locations().home
            host = try ConfigLoader(
                context: .init(
                    version: PPMLua.version, configPath: file, home: home,
                    pluginFolders: Locations.pluginFolders()))
            try host.loadConfig(path: file)
        } catch let e as LuaError {
            printError(e.message)
            throw ExitCode(1)
        }
        let specs = host.declared
        for spec in specs {
            for pattern in spec.depends where FileGlob(pattern).matches().isEmpty {
                Console.error("warning: service '\(spec.name)': depends pattern '\(pattern)' matches no file\n")
            }
        }
        warnOfUnavailableLimits(specs, cgroups: host.cgroups)
        if json { return printJSON(.array(specs.map(SpecJSON.full))) }
        print("\(file): \(specs.count) service\(specs.count == 1 ? "" : "s")")
        guard !specs.isEmpty else { return }
        printTable(
            ["NAME", "AUTOSTART", "RESTART", "COMMAND"],
            specs.map { spec in
                [
                    spec.instances.map { "\(spec.name)@1…\(spec.name)@\($0)" } ?? spec.name,
                    spec.disabled ? "disabled" : spec.autostart ? "yes" : "no",
                    spec.once ? "once" : spec.restart.rawValue, ShellWords.join(spec.cmd),
                ]
            })
        let once = Set(specs.filter(\.once).map(\.name))
        for spec in specs {
            for required in spec.requires where once.contains(required) && spec.requireConditions[required] == nil {
                print(
                    "note: '\(spec.name)' requires '\(required)', a once job: it starts once \(required) has exited 0 "
                        + "(requires = { \(required) = \"started\" } starts it beside it)")
            }
        }
    }

    /// SPEC 10: a limit no cgroup controller here can enforce is a warning
    /// (the daemon journals `limits_unavailable` and starts the service without it).
    private func warnOfUnavailableLimits(_ specs: [ServiceSpec], cgroups: Bool) {
        guard specs.contains(where: { !$0.limits.isEmpty }) else { return }
        let off = "services run without cgroups (turned off by ppm.settings { cgroups = false })"
        let (usable, missing) = cgroups ? LimitControllers.probe() : ([], ["memory": off, "pids": off, "cpu": off, "io": off])
        for spec in specs {
            let fields = spec.limits.fieldNames.filter { !usable.contains(LimitControllers.needed([$0]).first ?? "io") }
            guard !fields.isEmpty else { continue }
            let why = LimitControllers.needed(fields).sorted().compactMap { missing[$0] }.joined(separator: "; ")
            Console.error("warning: service '\(spec.name)': \(fields.joined(separator: ", ")) cannot be enforced here: \(why)\n")
        }
    }
}
