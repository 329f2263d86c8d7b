import Glibc
package import PPMMachine

/// The captured stdout and stderr of every service that names no files of
/// its own: `<directory>/NAME.out.log` and `NAME.err.log`, rotated by size,
/// read on the loop's queue (one pipe per stream, kept across restarts).
/// Followers and output hooks see each line once it is in the file; with
/// none, no line is ever turned into a String.
///
/// Confined to the loop's queue.
package final class OutputCapture {
    /// Where the log files are.
    package let directory: String
    /// The daemon-wide policy (`ppm.settings`); a service's own fields override it.
    package var policy: LogPolicy
    /// The output hooks.
    package weak var hooks: OutputHooks?
    /// Where copies of the pipes are kept; nil: nowhere.
    package var keeper: PipeKeeper?
    /// Told when the keeper could not keep a stream's pipe (the service's
    /// output on it will not survive a killed daemon), with the reason.
    package var onUnkept: ((_ name: String, _ stream: OutputKind, _ reason: String) -> Void)?

    /// Reads at most this many buffers (1 MiB) when a process exits: a
    /// grandchild that keeps writing cannot hold the loop.
    private static let drainLimit = 16
    private let watcher: ReadinessWatcher
    private let buffer = ReadBuffer()
    var streams: [String: [OutputKind: CapturedStream]] = [:]
    /// Write ends opened for the spawn under way, closed by `spawned`.
    private var temporaries: [Int32] = []
    private var followers: [Int: (names: Set<String>?, streams: Set<OutputKind>, send: (OutputLine) -> Void)] = [:]
    private var nextFollower = 0
    /// Told of the first stream whose file cannot be written (a full disk)
    /// and, with nil, when every stream writes again (see OutputCapture+Disk).
    package var onProblem: ((WriteFailure?) -> Void)?
    /// Runs a closure on the loop after some seconds: the retries of stalled streams.
    package var schedule: ((Double, @escaping () -> Void) -> Void)?
    /// Why the log files cannot be written now (nil: they can).
    package internal(set) var problem: WriteFailure?
    /// Streams whose file cannot be written, by stream, with their service.
    var stalled: [ObjectIdentifier: (name: String, stream: CapturedStream)] = [:]
    var retryArmed = false

    /// The log files open at once (the least recently written is closed to make room).
    let openFiles: OpenLogFiles

    /// Capture into `directory`, reading each pipe when `watcher` says it
    /// has input, with at most `openFiles` log files open at once.
    package init(directory: String, watcher: ReadinessWatcher, policy: LogPolicy = .standard, openFiles: Int = 64) {
        self.directory = directory
        self.watcher = watcher
        self.policy = policy
        self.openFiles = OpenLogFiles(capacity: openFiles)
    }

    /// The log file of one stream of a service.
    package func path(_ name: String, _ kind: OutputKind) -> String { "\(directory)/\(name)\(kind.fileSuffix)" }

    /// The pipe ends for a new process of `spec`: a stream the spec sends to
    /// a file of its own is not captured. Starts counting lines for the
    /// next exit's tail.
    package func childOutput(for spec: ServiceSpec) -> ChildOutput {
        let policy = self.policy.overridden(by: spec)
        var output = ChildOutput()
        if spec.stdout == nil, let s = stream(spec.name, .out, policy) { output.stdout = end(of: s) }
        if spec.stderr == nil, let s = stream(spec.name, .err, policy) { output.stderr = end(of: s) }
        return output
    }

    /// Closes the write ends opened for the last `childOutput` (the child has its own now).
    package func spawned() {
        for fd in temporaries { close(fd) }
        temporaries.removeAll(keepingCapacity: true)
    }

    private func end(of stream: CapturedStream) -> Int32 {
        let (fd, temporary) = stream.childEnd()
        if temporary { temporaries.append(fd) }
        return fd
    }

    /// After a process of `name` exited: reads what its pipes hold, writes a
    /// partial last line, and returns up to the last 10 lines it wrote to
    /// stderr (stdout when it wrote nothing there), or nil.
    package func exited(_ name: String) -> String? {
        guard let own = streams[name] else { return nil }
        for s in own.values {
            s.drain(buffer, rounds: Self.drainLimit)
            s.flushPartial(buffer)
        }
        let lines = [OutputKind.err, .out].lazy.compactMap { own[$0]?.file.tail(10) }.first { !$0.isEmpty }
        return lines.map { $0.joined(separator: "\n") }
    }

    /// Takes over pipes a previous daemon made (`NAME.out` / `NAME.err` →
    /// both ends) and starts reading them at once: their writers may run.
    package func restore(_ pipes: [String: (read: Int32, write: Int32)]) {
        for (key, fds) in pipes {
            guard let dot = key.lastIndex(of: "."), let kind = OutputKind(rawValue: String(key[key.index(after: dot)...])) else {
                close(fds.read)
                close(fds.write)
                continue
            }
            let name = String(key[..<dot])
            streams[name]?[kind]?.close()
            let s = CapturedStream(
                name: name, kind: kind, file: LogFile(path: path(name, kind), policy: policy, openFiles: openFiles), watcher: watcher,
                buffer: buffer, readFD: fds.read, writeFD: fds.write)
            s.file.mark()
            register(s, name, kind)
            if keeper != nil { s.releaseWriteEnd() }  // the holder has it already
        }
    }

    /// The captured streams of `name`.
    func capturedStreams(of name: String) -> [CapturedStream] { streams[name].map { Array($0.values) } ?? [] }

    /// Names with captured streams.
    package var names: [String] { Array(streams.keys) }

    /// Drains and closes the streams of a removed service.
    package func remove(_ name: String) {
        guard let own = streams.removeValue(forKey: name) else { return }
        for kind in own.keys { keeper?.release(key(name, kind)) }
        for s in own.values {
            s.drain(buffer, rounds: Self.drainLimit)
            s.flushPartial(buffer)
            s.close()
            streamFailed(name, s, nil)
        }
    }

    /// Drains and closes every stream (the daemon is exiting).
    package func closeAll() {
        for name in Array(streams.keys) { remove(name) }
    }

    /// Sends every line that arrives from now on for `names` (nil: every
    /// service) on `kinds` to `send`; returns an id for `unfollow`.
    package func follow(names: Set<String>?, streams kinds: Set<OutputKind>, send: @escaping (OutputLine) -> Void) -> Int {
        nextFollower += 1
        followers[nextFollower] = (names, kinds, send)
        return nextFollower
    }

    /// Stops a follower.
    package func unfollow(_ id: Int) { followers[id] = nil }

    private func stream(_ name: String, _ kind: OutputKind, _ policy: LogPolicy) -> CapturedStream? {
        if let s = streams[name]?[kind] {
            s.file.policy = policy
            s.file.mark()
            return s
        }
        guard
            let s = CapturedStream(
                name: name, kind: kind, file: LogFile(path: path(name, kind), policy: policy, openFiles: openFiles), watcher: watcher,
                buffer: buffer)
        else {
            return nil
        }
        s.file.mark()
        register(s, name, kind)
        if let keeper {
            if let reason = keeper.keep(key(name, kind), read: s.readFD, write: s.writeFD) { onUnkept?(name, kind, reason) }
            s.releaseWriteEnd()
        }
        return s
    }

    private func key(_ name: String, _ kind: OutputKind) -> String { "\(name).\(kind.rawValue)" }

    private func register(_ s: CapturedStream, _ name: String, _ kind: OutputKind) {
        s.owner = self
        streams[name, default: [:]][kind] = s
    }

    /// Whether anyone wants the lines of `name` now: a follower or an output hook.
    func wantsLines(of name: String) -> Bool { !followers.isEmpty || hooks?.listensToOutput(of: name) == true }

    /// Sends a run of complete lines of `name`'s `kind` to followers and hooks.
    func deliver(_ name: String, _ kind: OutputKind, _ run: UnsafeRawBufferPointer) {
        var parts = run.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        let lines = parts.map { String(decoding: $0, as: UTF8.self) }
        for f in followers.values where f.streams.contains(kind) && (f.names?.contains(name) ?? true) {
            for line in lines { f.send(OutputLine(name: name, stream: kind, text: line)) }
        }
        if hooks?.listensToOutput(of: name) == true { hooks?.output(name, kind, lines) }
    }
}
