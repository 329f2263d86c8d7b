import LuaKit
import PPMClient
import PPMMachine
import PPMProtocol
import PPMScript

/// The control commands that act on services (`start stop restart signal
/// rm add quit`). Each reply is one item per service (`ServiceOutcome`);
/// with `"progress": true` the commands that wait for processes to go also
/// send `{"progress": {"stopping": [...]}}` at once and
/// `{"progress": {"done": item}}` as each service completes.
extension ControlService {
    /// `start`: replies once the spawns are done (after the `pre_start`
    /// commands of those that have them), with what each service does now.
    func start(_ request: ControlRequest, _ reply: @escaping Reply) {
        let names: [String]
        switch resolve(request.strings("names")) {
        case .success(let n): names = n
        case .failure(let f): return reply(.failure(f))
        }
        // A run-time service stopped on request is recorded as such: its start is, first.
        durably(names.map { .held($0, false) }, reply, unchanged: "nothing started") { [self] in
            var already: [String: ServiceOutcome] = [:]
            for n in names {
                if let s = supervisor.snapshot(n), s.state.hasProcess {
                    already[n] = ServiceOutcome(name: n, message: "already running (pid \(s.pid.map(String.init) ?? "-"))", pid: s.pid)
                }
                loop.send(.start(n, cause: "cli"))
            }
            if names.isEmpty { return loop.whenSettled { reply(.success(.array([]))) } }
            var left = names.count
            for n in names {
                loop.send(
                    .whenStarted(
                        n,
                        waiter: loop.waiter { [loop, supervisor] in
                            left -= 1
                            guard left == 0 else { return }
                            loop.whenSettled {
                                reply(
                                    .success(
                                        .array(
                                            names.map { n in
                                                if let outcome = already[n] { return outcome.json }
                                                guard let s = supervisor.snapshot(n) else {
                                                    return ServiceOutcome(name: n, message: "removed meanwhile").json
                                                }
                                                return ServiceOutcome.started(s, verb: "started").json
                                            })))
                            }
                        }))
            }
        }
    }

    /// `stop`, `restart`, `rm` (`del`, `drop`): each waits until the
    /// service's processes are gone (and, for `restart`, the new one runs).
    func stopping(_ command: ControlCommand, _ request: ControlRequest, _ connection: ControlConnection, _ reply: @escaping Reply) {
        let all = command == .rm && (request.bool("all") || request.cmd == "drop")
        if all && supervisor.names.isEmpty { return reply(.success(.array([]))) }
        let names: [String]
        switch resolve(all ? supervisor.names : request.strings("names")) {
        case .success(let n): names = n
        case .failure(let f): return reply(.failure(f))
        }
        // What run-time services' records say changes first: on disk, or refused.
        let changes: [StateChange] = names.map { n in command == .rm ? .forgotten(n) : .held(n, command == .stop) }
        let unchanged = [.rm: "nothing removed", .stop: "nothing stopped"][command] ?? "nothing restarted"
        durably(changes, reply, unchanged: unchanged) { [self] in stop(names, command, request, connection, reply) }
    }

    /// The stopping part of `stopping`, once the records are on disk.
    private func stop(
        _ names: [String], _ command: ControlCommand, _ request: ControlRequest, _ connection: ControlConnection, _ reply: @escaping Reply
    ) {
        let progress = request.bool("progress")
        var results: [String: JSONValue] = [:]
        var left = names.count
        let complete = { [loop] (name: String, outcome: ServiceOutcome) in
            results[name] = outcome.json
            if progress { connection.send(ControlReply.progress(request.id, .object(["done": outcome.json]))) }
            left -= 1
            if left == 0 { loop.whenSettled { reply(.success(.array(names.compactMap { results[$0] }))) } }
        }
        var signalled: [JSONValue] = []
        for n in names {
            guard let before = supervisor.snapshot(n) else {
                complete(n, ServiceOutcome(name: n, message: "removed meanwhile"))
                continue
            }
            if before.state.hasProcess { signalled.append(ServiceOutcome.stopping(before)) }
            let asked = scheduler.now
            switch command {
            case .stop:
                guard before.state.hasProcess else {
                    loop.send(.stop(n, cause: "cli"))  // held down, and a pending start is cancelled
                    complete(n, ServiceOutcome.notRunning(before))
                    continue
                }
                loop.send(
                    .stop(
                        n,
                        waiter: loop.waiter { [supervisor, scheduler] in
                            complete(n, ServiceOutcome.stopped(before, after: supervisor.snapshot(n), took: scheduler.now - asked))
                        }, cause: "cli"))
            case .restart:
                loop.send(
                    .restart(
                        n,
                        waiter: loop.waiter { [supervisor] in
                            guard let after = supervisor.snapshot(n) else {
                                return complete(n, ServiceOutcome(name: n, message: "removed meanwhile"))
                            }
                            var outcome = ServiceOutcome.started(after, verb: before.pid == nil ? "started" : "restarted")
                            if outcome.ok, let old = before.pid, let new = after.pid { outcome.message = "restarted (pid \(old) → \(new))" }
                            complete(n, outcome)
                        }, cause: "cli"))
            default:
                loop.send(
                    .remove(
                        n,
                        waiter: loop.waiter { [unowned self, supervisor, scheduler] in
                            host.forget(n)  // the Lua state of now (a reload may have replaced it)
                            guard before.state.hasProcess else { return complete(n, ServiceOutcome(name: n, message: "removed")) }
                            var outcome = ServiceOutcome.stopped(before, after: supervisor.snapshot(n), took: scheduler.now - asked, verb: "stopped")
                            outcome.message = "removed, " + outcome.message
                            complete(n, outcome)
                        }))
            }
        }
        if progress && !signalled.isEmpty {
            connection.send(ControlReply.progress(request.id, .object(["stopping": .array(signalled)])))
        }
    }

    /// `signal`: signals those that run. A name given explicitly that does
    /// not run fails; with `all` or `@group` it is only reported.
    func signal(_ request: ControlRequest) -> Result<JSONValue, ControlFailure> {
        guard let text = request.string("signal"), let sig = Signals.number(text) else {
            return .failure(ControlFailure("unknown signal '\(request.string("signal") ?? "")'"))
        }
        let words = request.strings("names")
        let explicit = Set(words.filter { $0 != "all" && !$0.hasPrefix("@") })
        return resolve(words).map { names in
            .array(
                names.map { n in
                    guard let s = supervisor.snapshot(n), s.state.hasProcess, let pid = s.pid else {
                        let ok = !explicit.contains(n)
                        return ServiceOutcome(name: n, ok: ok, message: ok ? "not running, not signalled" : "not running").json
                    }
                    loop.send(.signal(n, sig))
                    return ServiceOutcome(name: n, message: "sent \(Signals.name(sig)) (pid \(pid))", pid: pid).json
                })
        }
    }

    /// `add`: a run-time service, validated like `ppm.service{}` and
    /// persisted (its record written and fsynced before it starts; a home
    /// that cannot be written refuses it). Replies once its first spawn is
    /// done; a service whose first spawn fails is not kept, and the reply says why.
    func add(_ request: ControlRequest, _ reply: @escaping Reply) {
        let cmd = request.strings("cmd")
        guard let program = cmd.first else { return reply(.failure(ControlFailure("add needs a command: ppm-lua add [options] -- CMD [ARG...]"))) }
        let name = request.string("name") ?? String(program.split(separator: "/").last ?? Substring(program))
        if supervisor.snapshot(name) != nil {
            return reply(.failure(ControlFailure("a service named '\(name)' already exists; choose another name with --name")))
        }
        var table = LuaTable()
        table["name"] = .string(name)
        table["cmd"] = .table(LuaTable(array: cmd.map { .string($0) }))
        for key in ["dir", "user", "restart"] {
            if let v = request.string(key) { table[key] = .string(v) }
        }
        if let env = request.args["env"], env != .null { table["env"] = LuaValue(json: env) }
        if request.bool("once") { table["once"] = .boolean(true) }
        let live: LiveService
        do {
            live = try host.checkLive(table)
        } catch let e as LuaHostError {
            return reply(.failure(ControlFailure(e.message)))
        } catch {
            return reply(.failure(ControlFailure("\(error)")))
        }
        // Its record is on disk before it runs, and before the client hears of it.
        durably(
            [.saved(live.spec, held: live.held)], reply, unchanged: "'\(name)' not added",
            refused: { [unowned self] in host.forget(name) }
        ) { [unowned self] in
            host.add(live)
            loop.whenSettled { [unowned self, supervisor, loop] in
                guard let s = supervisor.snapshot(name) else { return reply(.failure(ControlFailure("'\(name)' was removed meanwhile"))) }
                guard s.pid == nil, let error = s.lastError else { return reply(.success(s.json)) }
                loop.send(.remove(name, waiter: loop.waiter { [unowned self] in host.forget(name) }))
                reply(.failure(ControlFailure("cannot start '\(name)': \(error); not added")))
            }
        }
    }

    /// `quit`: stops every service, then replies with each one that ran
    /// (the daemon exits right after).
    func quitting(_ request: ControlRequest, _ connection: ControlConnection, _ reply: @escaping Reply) {
        let running = supervisor.list().filter { $0.state.hasProcess }
        let progress = request.bool("progress")
        if progress && !running.isEmpty {
            connection.send(ControlReply.progress(request.id, .object(["stopping": .array(running.map(ServiceOutcome.stopping))])))
        }
        let asked = scheduler.now
        var outcomes: [String: ServiceOutcome] = [:]
        // Each service's waiter is told as its process ends; the shutdown's after all of them.
        for before in running {
            loop.send(
                .whenGone(
                    before.name,
                    waiter: loop.waiter { [unowned self] in
                        let outcome = ServiceOutcome.stopped(before, after: supervisor.snapshot(before.name), took: scheduler.now - asked)
                        outcomes[before.name] = outcome
                        if progress { connection.send(ControlReply.progress(request.id, .object(["done": outcome.json]))) }
                    }))
        }
        root.quit {
            reply(.success(.array(running.map { (outcomes[$0.name] ?? ServiceOutcome(name: $0.name, message: "stopped")).json })))
        }
    }

    // The home's disk: run-time changes reach it before a client hears of them.

    /// Runs `body` as a turn of the loop once `changes` are on disk (written
    /// and fsynced; at once when they change nothing). When they cannot be
    /// written, `refused` runs instead and the reply is the cause, e.g.
    /// `no space left on /var/lib/ppm-lua; 'web' not added`: nothing changed.
    func durably(
        _ changes: [StateChange], _ reply: @escaping Reply, unchanged: String,
        refused: @escaping () -> Void = {}, _ body: @escaping () -> Void
    ) {
        var answeredAtOnce = true
        store.commit(changes) { [self] failure in
            if let failure {
                refused()
                return reply(.failure(ControlFailure("\(failure); \(unchanged)")))
            }
            // At once: still inside the request's turn. Later: a turn of its own.
            if answeredAtOnce { return body() }
            loop.turn(body)
            root.followDepends()
        }
        answeredAtOnce = false
    }
}
