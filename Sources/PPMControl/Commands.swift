import Dispatch
import Glibc
import LuaKit
import PPMCore
import PPMScript

/// The control commands (SPEC 7), one method each. Every reply goes through
/// `connection.send`; failures become `{"ok": false, "error": ...}`.
extension Daemon {
    /// Serves one request as a turn of the loop: the inputs it sends run
    /// right after it (and after any Lua it ran).
    func handle(_ request: ControlRequest, _ connection: ControlConnection, call: LuaCallID? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        loop.turn { serve(request, connection, call: call) }
        if let call { connection.evalFinished(call) }
    }

    private func serve(_ request: ControlRequest, _ connection: ControlConnection, call: LuaCallID?) {
        let reply: (Result<JSONValue, ControlFailure>) -> Void = { result in
            switch result {
            case .success(let value): connection.send(ControlReply.ok(request.id, value))
            case .failure(let failure): connection.send(ControlReply.error(request.id, failure.description))
            }
        }
        switch request.cmd {
        case "status": reply(.success(status()))
        case "ls", "list", "info": reply(.success(.array(supervisor.list().map(\.json))))
        case "show", "desc": reply(show(request))
        case "events": events(request, connection)
        case "start", "stop", "restart": control(request, reply)
        case "signal": reply(signal(request))
        case "rm", "del", "drop": remove(request, reply)
        case "eval": reply(eval(request, call: call))
        case "add", "exec": add(request, reply)
        case "export": reply(.success(.string(export())))
        case "stats": stats(request, connection)
        case "logs": logs(request, connection)
        case "reload": reply(.failure(ControlFailure("reload is not supported yet; restart the daemon to apply a new config")))
        case "quit": quit { reply(.success(.bool(true))) }
        case "upgrade":
            // The reply goes out first; the socket closes with the exec.
            reply(.success(.object(["pid": .int(Int64(getpid())), "binary": .string(Self.executablePath())])))
            connection.afterReplies { [self] in
                queue.async { [self] in
                    if quitting { return }
                    let why = reexec(cause: "upgrade")
                    journal.record("daemon_error", name: nil, time: scheduler.wallNow, fields: ["error": .string(why)])
                }
            }
        default:
            let known = ["status", "stats", "logs", "upgrade", "ls", "show", "events", "start", "stop", "restart", "signal", "rm", "eval", "add", "export", "reload", "quit"]
            let hint = Suggest.hint(request.cmd, in: known)
            reply(.failure(ControlFailure("unknown command '\(request.cmd)'\(hint)")))
        }
    }

    private func status() -> JSONValue {
        .object([
            "pid": .int(Int64(getpid())), "uptime": .double(scheduler.now - startedAt), "version": .string(options.version),
            "config": .init(options.configPath), "home": .string(options.locations.home),
            "socket": .string(options.locations.socket), "services": .init(supervisor.names.count),
            "state_writes": .init(loop.store?.writes ?? 0),
            "hooks": .object(["calls": .init(host.hookCalls), "seconds": .double(host.hookSeconds)]),
        ])
    }

    private func name(_ request: ControlRequest) -> Result<String, ControlFailure> {
        guard let name = request.string("name") else { return .failure(ControlFailure("missing argument 'name'")) }
        guard supervisor.snapshot(name) != nil else { return .failure(ControlFailure("unknown service '\(name)'")) }
        return .success(name)
    }

    private func show(_ request: ControlRequest) -> Result<JSONValue, ControlFailure> {
        name(request).map { name in
            let snapshot = supervisor.snapshot(name)!
            guard case .object(var o) = snapshot.json else { return snapshot.json }
            o["spec"] = SpecJSON.encode(snapshot.spec)
            return .object(o)
        }
    }

    /// Names for CLI words (`web`, `all`, `@group`); unknown words fail.
    func resolve(_ words: [String]) -> Result<[String], ControlFailure> {
        guard !words.isEmpty else { return .failure(ControlFailure("no service named")) }
        var names: [String] = []
        for word in words {
            guard let found = supervisor.resolve(word) else {
                return .failure(ControlFailure(word.hasPrefix("@") ? "no service in group '\(word.dropFirst())'" : "unknown service '\(word)'"))
            }
            for n in found where !names.contains(n) { names.append(n) }
        }
        return .success(names)
    }

    private func control(_ request: ControlRequest, _ reply: @escaping (Result<JSONValue, ControlFailure>) -> Void) {
        let names: [String]
        switch resolve(request.strings("names")) {
        case .success(let n): names = n
        case .failure(let f): return reply(.failure(f))
        }
        switch request.cmd {
        case "start":
            for n in names { loop.send(.start(n)) }
            reply(.success(.init(names)))
        case "restart":
            for n in names { loop.send(.restart(n)) }
            reply(.success(.init(names)))
        default:
            var left = names.count
            let waiter = { [loop] in
                loop.waiter {
                    left -= 1
                    if left == 0 { reply(.success(.init(names))) }
                }
            }
            for n in names { loop.send(.stop(n, waiter: waiter())) }
        }
    }

    private func signal(_ request: ControlRequest) -> Result<JSONValue, ControlFailure> {
        guard let text = request.string("signal"), let sig = Signals.number(text) else {
            return .failure(ControlFailure("unknown signal '\(request.string("signal") ?? "")'"))
        }
        return resolve(request.strings("names")).flatMap { names in
            if let idle = names.first(where: { supervisor.snapshot($0)?.pid == nil }) {
                return .failure(ControlFailure("\(SupervisorError.notRunning(idle))"))
            }
            for n in names { loop.send(.signal(n, sig)) }
            return .success(.init(names))
        }
    }

    private func remove(_ request: ControlRequest, _ reply: @escaping (Result<JSONValue, ControlFailure>) -> Void) {
        let all = request.bool("all") || request.cmd == "drop"
        let words = all ? supervisor.names : request.strings("names")
        if all && words.isEmpty { return reply(.success(.array([]))) }
        switch resolve(words) {
        case .failure(let f): reply(.failure(f))
        case .success(let names):
            var left = names.count
            for n in names {
                loop.send(.remove(n, waiter: loop.waiter { [host] in
                    host.forget(n)
                    left -= 1
                    if left == 0 { reply(.success(.init(names))) }
                }))
            }
        }
    }

    /// `stats`: one /proc pass for every service, off the loop (the loop
    /// keeps answering meanwhile); CPU % over the interval since the last sample.
    private func stats(_ request: ControlRequest, _ connection: ControlConnection) {
        let services = supervisor.list()
        let groups = services.compactMap(\.pid)
        DispatchQueue.global(qos: .utility).async {
            let usage = StatsSampler.shared.usage(groups: groups)
            let rows: [JSONValue] = services.map { s in
                let u = s.pid.flatMap { usage[$0] } ?? .none
                return .object([
                    "name": .string(s.name), "pid": .init(s.pid), "cpu": .double(u.cpu), "rss": .int(u.rss),
                    "pids": .array(u.pids.map { .int(Int64($0)) }), "uptime": .init(s.uptime), "restarts": .init(s.restarts),
                ])
            }
            connection.send(ControlReply.ok(request.id, .array(rows)))
        }
    }

    /// `add`: a run-time service, validated like `ppm.service{}` and persisted.
    private func add(_ request: ControlRequest, _ reply: @escaping (Result<JSONValue, ControlFailure>) -> Void) {
        let cmd = request.strings("cmd")
        guard let program = cmd.first else { return reply(.failure(ControlFailure("add needs a command: ppm-lua add [options] -- CMD [ARG...]"))) }
        var table = LuaTable()
        let name = request.string("name") ?? String(program.split(separator: "/").last ?? Substring(program))
        table["name"] = .string(name)
        table["cmd"] = .table(LuaTable(array: cmd.map { .string($0) }))
        for key in ["dir", "user", "restart"] {
            if let v = request.string(key) { table[key] = .string(v) }
        }
        if let env = request.args["env"], env != .null { table["env"] = LuaValue(json: env) }
        if request.bool("once") { table["once"] = .boolean(true) }
        do {
            try host.addLive(table)
        } catch let e as LuaHostError {
            return reply(.failure(ControlFailure(e.message)))
        } catch {
            return reply(.failure(ControlFailure("\(error)")))
        }
        loop.whenSettled { [supervisor] in reply(.success(supervisor.snapshot(name)?.json ?? .null)) }
    }

    /// `export`: the live services as a config `check` accepts.
    private func export() -> String {
        var text = "-- ppm-lua export: the services of the daemon (pid \(getpid())) as a config.\n"
        for snapshot in supervisor.list() {
            text += "\n"
            if !snapshot.spec.scriptedFields.isEmpty {
                text += "-- \(snapshot.spec.scriptedFields.joined(separator: ", ")): Lua functions, not exported\n"
            }
            text += SpecJSON.lua(snapshot.spec)
        }
        return text
    }

    /// Drops the frames of the REPL's own printer from a traceback.
    static func withoutPrinterFrames(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("inspect:") && !$0.contains("(...tail calls...)") }
            .map { $0.replacing("in local 'fn'", with: "in main chunk") }
            .joined(separator: "\n")
    }

    private func events(_ request: ControlRequest, _ connection: ControlConnection) {
        let name = request.string("name")
        if let name, supervisor.snapshot(name) == nil, journal.last(journal.capacity, name: name).isEmpty {
            return connection.send(ControlReply.error(request.id, "unknown service '\(name)'"))
        }
        let entries = journal.last(request.int("n") ?? 20, name: name)
        connection.send(ControlReply.ok(request.id, .array(entries.map(\.json))))
        guard request.bool("follow") else { return }
        let observer = journal.addObserver { [weak connection] entry in
            guard let connection, name == nil || entry.name == name else { return }
            connection.send(ControlReply.ok(request.id, entry.json))
        }
        connection.addCleanup { [weak self] in
            guard let self else { return }
            self.queue.async { self.journal.removeObserver(observer) }
        }
    }

    private func eval(_ request: ControlRequest, call: LuaCallID?) -> Result<JSONValue, ControlFailure> {
        guard let code = request.string("code") else { return .failure(ControlFailure("missing argument 'code'")) }
        let budget = request.args["timeout"]?.doubleValue ?? EvalTimeout.standard
        if let problem = EvalTimeout.problem(budget) { return .failure(ControlFailure(problem)) }
        do {
            let result = try host.eval(code, budget: budget, call: call)
            return .success(.object(["values": .init(result.values), "output": .string(result.output)]))
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
}
