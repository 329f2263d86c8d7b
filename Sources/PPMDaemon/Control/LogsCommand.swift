import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime

/// The `logs` control command: the last lines of services' output, then
/// (with `follow`) every new line as it is captured, across restarts and
/// rotations, until the client closes.
extension ControlService {
    /// Lines of history a TCP client gets at most per service (`logs -n`).
    static let maxRemoteLines = 10_000

    func logs(_ request: ControlRequest, _ connection: ControlConnection) {
        let words = request.strings("names")
        let kinds: [OutputKind]
        switch request.string("stream") ?? "out" {
        case "out": kinds = [.out]
        case "err": kinds = [.err]
        case "all": kinds = [.out, .err]
        case let other: return connection.send(ControlReply.error(request.id, "unknown stream '\(other)' (expected \"out\", \"err\" or \"all\")"))
        }
        var count = request.int("n") ?? 20
        guard count >= 0 else { return connection.send(ControlReply.error(request.id, "'n' must not be negative")) }
        // A TCP client cannot make the daemon read and hold unbounded history.
        if connection.isRemote { count = min(count, Self.maxRemoteLines) }
        let names: [String]
        switch resolve(words) {
        case .success(let n): names = n
        case .failure(let f): return connection.send(ControlReply.error(request.id, f.description))
        }
        let follow = request.bool("follow")
        if follow, names.count == 1, let kind = kinds.first, let own = ownFile(names[0], kind), kinds.allSatisfy({ ownFile(names[0], $0) != nil }) {
            return connection.send(
                ControlReply.error(
                    request.id,
                    "'\(names[0])' writes std\(kind.rawValue) to its own file \(own), which the daemon does not read: follow it with tail -F \(own)"))
        }
        var history: [JSONValue] = []
        for name in names {
            var streams: [[OutputLine]] = []
            for kind in kinds {
                let lines: [String]
                if let own = ownFile(name, kind), let spec = supervisor.snapshot(name)?.spec {
                    // A path the service's user controls: read as that user.
                    do {
                        lines = try LogText.lastLines(of: own, count: count, user: spec.user, group: spec.group)
                    } catch {
                        return connection.send(ControlReply.error(request.id, "cannot read \(name)'s std\(kind.rawValue) file: \(error.message)"))
                    }
                } else {
                    lines = LogText.lastLines(of: output.path(name, kind), count: count)
                }
                streams.append(lines.map { OutputLine(name: name, stream: kind, text: $0) })
            }
            let merged = streams.count == 2 ? LogText.merged(streams[0], streams[1], text: \.text).suffix(count) : streams[0][...]
            history += merged.map(Self.line)
        }
        connection.send(ControlReply.ok(request.id, .array(history)))
        guard follow else { return }
        let everyone = words.contains("all")
        let id = output.follow(names: everyone ? nil : Set(names), streams: Set(kinds)) { [weak connection] line in
            connection?.send(ControlReply.ok(request.id, Self.line(line)))
        }
        connection.addCleanup { [weak self] in
            guard let self else { return }
            self.queue.turnAsync { self.output.unfollow(id) }
        }
    }

    /// The file a service writes `kind` to itself (not captured), if any.
    private func ownFile(_ name: String, _ kind: OutputKind) -> String? {
        guard let spec = supervisor.snapshot(name)?.spec, let path = kind == .out ? spec.stdout : spec.stderr else { return nil }
        if path.hasPrefix("/") { return path }
        return spec.dir.map { "\($0)/\(path)" } ?? path
    }

    private static func line(_ l: OutputLine) -> JSONValue {
        .object(["name": .string(l.name), "stream": .string(l.stream.rawValue), "line": .string(l.text)])
    }
}
