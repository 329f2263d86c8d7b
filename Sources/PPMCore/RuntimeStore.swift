/// The services added at run time, persisted under `<home>` so that they
/// come back when the daemon starts again (written atomically).
public struct RuntimeStore {
    /// One persisted service: its spec and whether it was stopped on request.
    public struct Entry: Equatable {
        public var spec: ServiceSpec
        public var stopped: Bool
        public init(spec: ServiceSpec, stopped: Bool) {
            self.spec = spec
            self.stopped = stopped
        }
    }

    public let path: String

    public init(path: String) { self.path = path }

    public func load() -> [Entry] {
        guard let data = FileContents.read(path), let json = try? JSONValue.parse(data) else { return [] }
        return (json["services"]?.arrayValue ?? []).compactMap { item in
            guard let spec = item["spec"].flatMap(SpecJSON.decode) else { return nil }
            return Entry(spec: spec, stopped: item["stopped"]?.boolValue ?? false)
        }
    }

    public func save(_ entries: [Entry]) throws {
        let list = entries.map { JSONValue.object(["spec": SpecJSON.encode($0.spec), "stopped": .bool($0.stopped)]) }
        try AtomicFile.write(JSONValue.object(["version": .int(1), "services": .array(list)]).text + "\n", to: path)
    }
}
