import ArgumentParser
import PPMClient
import PPMClientCommands
import PPMMachine

/// `ppm-lua scale NAME N`: how many copies an `instances` service runs.
struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Run N copies of a service declared with `instances` (starts or stops only the difference; kept).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @Flag(help: "Print the reply as JSON: name, count, started, stopped.") var json = false
    @Argument(help: "The service declared with `instances = N` (its copies are NAME@1 …).") var name: String
    @Argument(help: "How many copies to run (1 to \(ServiceInstances.maximum)).") var count: String

    func validate() throws {
        guard let n = Int(count), (1...ServiceInstances.maximum).contains(n) else {
            throw ValidationError("scale: the count must be a whole number from 1 to \(ServiceInstances.maximum), got '\(count)'")
        }
    }

    func run() throws {
        let n = Int(count) ?? 1
        let reply = try client.callRaw("scale", ["name": .string(name.hasPrefix("@") ? String(name.dropFirst()) : name), "count": .init(n)])
        if json { return printJSON(raw: reply.raw) }
        if output.quiet { return }
        let value = reply.value
        let started = value["started"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let stopped = value["stopped"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var what: [String] = []
        if !started.isEmpty { what.append("started \(started.joined(separator: ", "))") }
        if !stopped.isEmpty { what.append("stopped \(stopped.joined(separator: ", "))") }
        print(
            "\(value["name"]?.stringValue ?? name): \(n) instance\(n == 1 ? "" : "s")"
                + (what.isEmpty ? " (unchanged)" : " (\(what.joined(separator: "; ")))"))
    }
}
