import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// The control commands (SPEC 7), one method each. Every reply goes through
/// `connection.send`; failures become `{"ok": false, "error": ...}`.
extension ControlService {
    /// Serves one request as a turn of the loop: the inputs it sends run
    /// right after it (and after any Lua it ran).
    func handle(_ request: ControlRequest, _ connection: ControlConnection, call: LuaCallID? = nil) {
        LoopConfinement.check(queue)
        noteRequest(request, remote: connection.isRemote)
        loop.turn { serve(request, connection, call: call) }
        if let call { connection.evalFinished(call) }
        // Services added or removed: their `depends` are followed or dropped.
        if ControlCommand(named: request.cmd)?.addsOrRemovesServices == true { root.followDepends() }
    }

    private func serve(_ request: ControlRequest, _ connection: ControlConnection, call: LuaCallID?) {
        let reply: Reply = { result in
            switch result {
            case .success(let value): connection.send(ControlReply.ok(request.id, value))
            case .failure(let failure): connection.send(ControlReply.error(request.id, failure.description))
            }
        }
        guard let command = ControlCommand(named: request.cmd) else { return reply(.failure(Self.unknown(request.cmd))) }
        switch command {
        case .status: reply(.success(status()))
        case .ls: list(request, connection)
        case .show: reply(show(request, masked: connection.isRemote))
        case .why: reply(why(request))
        case .events: events(request, connection)
        case .start: start(request, reply)
        case .stop, .restart, .rm: stopping(command, request, connection, reply)
        case .signal: reply(signal(request))
        case .eval: reply(eval(request, call: call))
        case .complete: reply(complete(request))
        case .add: add(request, reply)
        case .scale: root.scale(request, reply)
        case .export: reply(.success(.string(export(masked: connection.isRemote))))
        case .stats: stats(request, connection)
        case .logs: logs(request, connection)
        case .watch: watch(request, connection)
        case .reload:
            if quitting { return reply(.failure(ControlFailure("the daemon is shutting down"))) }
            if request.args["dry_run"]?.boolValue == true { return reply(root.reloadPlan().map(\.planJSON)) }
            reply(root.reload(trigger: "ppm-lua reload").map(\.json))
        case .quit: quitting(request, connection, reply)
        case .upgrade:
            // The reply goes out first; the socket closes with the exec.
            reply(.success(.object(["pid": .int(Int64(getpid())), "binary": .string(Upgrader.executablePath())])))
            connection.afterReplies { [self] in
                queue.turnAsync { [self] in
                    if quitting { return }
                    let why = upgrader.reexec(cause: "upgrade")
                    loop.record(JournalNote("daemon_error", fields: ["error": .string(why)]))
                }
            }
        case .interrupt, .auth:
            // Answered before the loop: `interrupt` by the connection's
            // server, `auth` by a plaintext TCP listener; nowhere else.
            reply(.failure(Self.unknown(request.cmd)))
        }
    }

    /// `unknown command 'lss' (did you mean 'ls'?)`.
    static func unknown(_ cmd: String) -> ControlFailure {
        ControlFailure("unknown command '\(cmd)'\(Suggest.hint(cmd, in: ControlCommand.clientNames))")
    }

    private func status() -> JSONValue {
        .object(
            cgroups.status.merging(disk.status) { $1 }.merging([
                "pid": .int(Int64(getpid())), "uptime": .double(scheduler.now - startedAt), "version": .string(options.version),
                "config": .init(options.configPath), "home": .string(options.locations.home),
                "socket": .string(options.locations.socket), "listen": .init(remote.endpoint?.description),
                "metrics": .init(root.metricsEndpoint),
                "forward": forwarder.status,
                "services": .init(supervisor.names.count),
                "state_writes": .init(loop.store?.writes ?? 0),
                "hooks": .object(["calls": .init(host.hookCalls), "seconds": .double(host.hookSeconds)]),
                "reload_error": root.reloadFailure.map { f in
                    .object(["time": .double(f.time), "utc": .string(ServiceEvent.utc(f.time)), "error": .string(f.error)])
                } ?? .null,
            ]) { $1 })
    }

    /// `ls`: every service object, written straight to bytes; with
    /// `fields`, only those members of each (what the table shows).
    private func list(_ request: ControlRequest, _ connection: ControlConnection) {
        var only: ServiceSnapshot.Selection?
        if let given = request.args["fields"] {
            guard let array = given.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
                return connection.send(ControlReply.error(request.id, "ls: 'fields' must be an array of member names"))
            }
            let fields = array.compactMap(\.stringValue)
            if let unknown = fields.first(where: { !ServiceSnapshot.memberNames.contains($0) }) {
                let hint = Suggest.hint(unknown, in: ServiceSnapshot.memberNames)
                return connection.send(ControlReply.error(request.id, "ls: unknown field '\(unknown)'\(hint)"))
            }
            only = ServiceSnapshot.Selection(Set(fields))
        }
        // Sent in parts as it is written: the client reads and checks the
        // first services while the daemon writes the rest (10,000 services
        // are 6.5 MB), and no buffer of the whole reply is made.
        let count = supervisor.names.count
        let room = Self.listPart + (64 << 10)
        var writer = ControlReply.okLineStart(request.id, capacity: min(room, count * (only == nil ? 800 : 160) + 4))
        writer.appendByte(UInt8(ascii: "["))
        let sendPart = { (writer: inout JSONWriter) in
            if writer.bytes.count >= Self.listPart { connection.send(part: writer.takeBytes(capacity: room), last: false) }
        }
        if only == nil && !connection.isRemote {
            // Whole objects for a local client: written from the records.
            let placement = cgroups.serviceCgroups
            supervisor.writeList(to: &writer, cgroup: { placement?.directory(for: $0) }, written: sendPart)
        } else {
            var first = true
            supervisor.eachSnapshot { service in
                if !first { writer.appendByte(UInt8(ascii: ",")) }
                first = false
                cgroups.fillCgroup(&service)
                if connection.isRemote { service.spec = SecretEnv.masked(service.spec) }
                service.write(to: &writer, only: only)
                sendPart(&writer)
            }
        }
        writer.appendByte(UInt8(ascii: "]"))
        writer.appendByte(UInt8(ascii: "}"))
        connection.send(part: writer.bytes, last: true)
    }

    /// The size of the parts an `ls` reply is sent in.
    static let listPart = 256 << 10

    private func name(_ request: ControlRequest) -> Result<String, ControlFailure> {
        guard let name = request.string("name") else { return .failure(ControlFailure("missing argument 'name'")) }
        guard supervisor.snapshot(name) != nil else { return .failure(unknownService(name)) }
        return .success(name)
    }

    private func show(_ request: ControlRequest, masked: Bool) -> Result<JSONValue, ControlFailure> {
        name(request).map { name in
            var snapshot = supervisor.snapshot(name)!
            if masked { snapshot.spec = SecretEnv.masked(snapshot.spec) }
            guard case .object(var o) = cgroups.withCgroup(snapshot).json else { return snapshot.json }
            o["spec"] = SpecJSON.encode(snapshot.spec)
            if let limits = cgroups.limits(snapshot.spec) { o["limits"] = limits }
            o.merge(notify.fields(of: name)) { $1 }
            // Its output waits in its pipe while its log file cannot be written.
            if let failure = output.writeProblem(name) {
                o[failure.isFull ? "disk_full" : "write_error"] = .object(["path": .string(failure.path), "error": .string(failure.description)])
            }
            return .object(o)
        }
    }

    /// Names for CLI words (`web`, `all`, `@group`); unknown words fail.
    func resolve(_ words: [String]) -> Result<[String], ControlFailure> {
        guard !words.isEmpty else { return .failure(ControlFailure("no service named")) }
        var names: [String] = []
        // Each name once, in the order first named: a set, not a scan of the
        // list (that was 50 million string compares for `all` at 10,000).
        var seen: Set<String> = []
        for word in words {
            guard let found = supervisor.resolve(word) else {
                return .failure(ControlFailure(word.hasPrefix("@") ? "no service in group '\(word.dropFirst())'" : "unknown service '\(word)'"))
            }
            for n in found where seen.insert(n).inserted { names.append(n) }
        }
        return .success(names)
    }

    /// `stats`: one /proc pass for every service, off the loop on the
    /// daemon's side thread (the loop keeps answering meanwhile); CPU % over the interval since the last
    /// sample. A service with a cgroup counts every process in it.
    private func stats(_ request: ControlRequest, _ connection: ControlConnection) {
        // On the loop only what the supervisor holds (no snapshot made);
        // the groups, the /proc reading and the reply on the side thread.
        var rows: [StatsReply.Row] = []
        rows.reserveCapacity(supervisor.names.count)
        supervisor.forEachRun { spec, pid, uptime, restarts in
            rows.append(StatsReply.Row(name: spec.name, pid: pid, uptime: uptime, restarts: restarts, limits: cgroups.limits(spec)))
        }
        let serviceCgroups = cgroups.serviceCgroups
        sideWork.perform { [rows] in
            let groups = rows.compactMap { row in row.pid.map { StatsGroup(pgid: $0, cgroup: serviceCgroups?.directory(for: row.name)) } }
            let usage = StatsSampler.shared.usage(of: groups)
            connection.send(bytes: StatsReply.line(request.id, rows: rows, usage: usage))
        }
    }

    /// `export`: the live services as a config `check` accepts.
    private func export(masked: Bool) -> String {
        var text = "-- ppm-lua export: the services of the daemon (pid \(getpid())) as a config.\n"
        var exportedTemplates: Set<String> = []
        for var snapshot in supervisor.list() {
            // The copies of an `instances` template are the template once, with the count it runs.
            if let template = root.exportedTemplate(of: snapshot.spec) {
                guard exportedTemplates.insert(template.name).inserted else { continue }
                snapshot.spec = template
            }
            snapshot.spec = root.collapsingCopies(snapshot.spec)
            if masked { snapshot.spec = SecretEnv.masked(snapshot.spec) }
            text += "\n"
            if !snapshot.spec.scriptedFields.isEmpty {
                text += "-- \(snapshot.spec.scriptedFields.joined(separator: ", ")): Lua functions, not exported\n"
            }
            text += SpecLua.statement(snapshot.spec)
        }
        return text
    }

    /// Drops the frames of the REPL's own printer (and of the sandbox's
    /// wrappers) from a traceback; an error raised at the printer's level
    /// (`return io.read()`, a tail call) keeps its message without the position.
    static func withoutPrinterFrames(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, first.hasPrefix("inspect:"), let cut = first.firstRange(of: ": ") {
            lines[0] = first[cut.upperBound...]
        }
        return lines.enumerated()
            .filter { i, line in i == 0 || !(line.contains("inspect:") || line.contains("(...tail calls...)") || line.contains("\thardening:")) }
            .map { $0.1.replacing("in local 'fn'", with: "in main chunk") }
            .joined(separator: "\n")
    }

    private func events(_ request: ControlRequest, _ connection: ControlConnection) {
        let name = request.string("name")
        if let name, supervisor.snapshot(name) == nil, !journal.mentions(name) {
            return connection.send(ControlReply.error(request.id, "unknown service '\(name)'"))
        }
        var list = JSONWriter()
        list.appendByte(UInt8(ascii: "["))
        // `after`: a follower coming back (after an upgrade) asks for what it missed.
        let backlog =
            request.int("after").map { journal.lines(after: Int64($0), name: name) } ?? journal.lastLines(request.int("n") ?? 20, name: name)
        for (i, line) in backlog.enumerated() {
            if i > 0 { list.appendByte(UInt8(ascii: ",")) }
            list.appendRaw(line.utf8)
        }
        list.appendByte(UInt8(ascii: "]"))
        connection.send(bytes: ControlReply.okLine(request.id, rawResult: list.bytes))
        guard request.bool("follow") else { return }
        let observer = journal.addObserver { [weak connection] entry in
            guard let connection, name == nil || entry.name == name else { return }
            connection.send(ControlReply.ok(request.id, entry.json))
        }
        connection.addCleanup { [weak self] in
            guard let self else { return }
            self.queue.turnAsync { self.journal.removeObserver(observer) }
        }
    }

    private func eval(_ request: ControlRequest, call: LuaCallID?) -> Result<JSONValue, ControlFailure> {
        guard let code = request.string("code") else { return .failure(ControlFailure("missing argument 'code'")) }
        let budget = request.args["timeout"]?.doubleValue ?? EvalTimeout.standard
        if let problem = EvalTimeout.problem(budget) { return .failure(ControlFailure(problem)) }
        do {
            let result = try host.eval(code, budget: budget, call: call)
            var o: [String: JSONValue] = ["values": .init(result.values), "output": .string(result.output)]
            if !result.warnings.isEmpty { o["warnings"] = .init(result.warnings) }
            return .success(.object(o))
        } catch let e as LuaError {
            let message: String
            switch e {
            case .timeout(let s, let tb): message = "chunk stopped: ran past its \(s) s budget" + (tb.isEmpty ? "" : "\n" + tb)
            case .interrupted(let tb): message = "interrupted" + (tb.isEmpty ? "" : "\n" + tb)
            case .memoryLimit(let bytes): message = "chunk stopped: Lua memory limit of \(bytes) bytes reached"
            default: message = e.fullText
            }
            return .failure(ControlFailure(Self.withoutPrinterFrames(message)))
        } catch {
            return .failure(ControlFailure("\(error)"))
        }
    }

    private func complete(_ request: ControlRequest) -> Result<JSONValue, ControlFailure> {
        guard let text = request.string("text") else { return .failure(ControlFailure("missing argument 'text'")) }
        do {
            return .success(.object(["completions": .init(try host.complete(text))]))
        } catch {
            return .failure(ControlFailure("completion failed: \((error as? LuaError)?.fullText ?? "\(error)")"))
        }
    }
}
