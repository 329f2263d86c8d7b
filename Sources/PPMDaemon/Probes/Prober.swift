import Dispatch
import Glibc
import PPMMachine
import PPMRuntime
import PPMScript

/// Runs probes (`tcp`, `http`, `exec`) on the daemon's loop without ever
/// blocking it: non-blocking sockets in a `ReadinessSet`, commands as
/// helper processes, the timeouts in one `DeadlineTimer`. Each probe's completion is
/// called exactly once, on the loop and never inside `run`, unless the
/// probe is cancelled first. Confined to the loop queue.
final class Prober: @unchecked Sendable {
    /// Starts a helper process for an `exec` probe (output captured, ended
    /// at its timeout); returns its pid, nil when it failed (`done` then
    /// told why).
    typealias ExecLauncher = (_ spec: ServiceSpec, _ timeout: Double, _ done: @escaping (HelperResult) -> Void) -> Int32?

    let queue: DispatchQueue
    let sockets: ReadinessSet
    let clock: Scheduler
    private let launch: ExecLauncher
    /// Ends a helper still running (SIGKILL to its group).
    private let endHelper: (Int32) -> Void
    /// The spec of a service, for an `exec` probe run as it.
    var specOf: (String) -> ServiceSpec? = { _ in nil }

    /// The probes under way by deadline: each fails when its time is up,
    /// unless it is over by then.
    private let timeouts: DeadlineTimer

    init(queue: DispatchQueue, sockets: ReadinessSet, clock: Scheduler, launch: @escaping ExecLauncher, endHelper: @escaping (Int32) -> Void) {
        self.queue = queue
        self.sockets = sockets
        self.clock = clock
        self.launch = launch
        self.endHelper = endHelper
        timeouts = DeadlineTimer(scheduler: clock) { item in
            let probe = unsafeDowncast(item, to: ProbeRun.self)
            probe.finish(.failed("timed out after \(LuaSeconds.text(probe.timeout))"))
        }
    }

    /// Starts `request`; `done` gets its result once, at the latest
    /// `timeout` seconds from now. `cancel()` on the handle closes what it
    /// opened and drops the completion.
    ///
    /// The probe starts at once (its socket, its timer): what ends it
    /// while it starts (a refused connection) is delivered on a later turn.
    @discardableResult
    func run(_ request: ProbeRequest, timeout: Double, done: @escaping (ProbeResult) -> Void) -> ProbeHandle {
        let handle = ProbeHandle()
        launch(request, timeout: timeout, handle: handle, done: done)
        return handle
    }

    /// `run` for a caller that never cancels (a health check, a readiness
    /// probe): no handle is made.
    func runToEnd(_ request: ProbeRequest, timeout: Double, done: @escaping (ProbeResult) -> Void) {
        launch(request, timeout: timeout, handle: nil, done: done)
    }

    private func launch(_ request: ProbeRequest, timeout: Double, handle: ProbeHandle?, done: @escaping (ProbeResult) -> Void) {
        let probe = ProbeRun(sockets: sockets, queue: queue, buffer: buffer, done: done)
        if let handle {
            handle.onCancel { probe.cancel() }
            probe.handle = handle
        }
        probe.timeout = timeout
        probe.deadline = clock.now + timeout
        // Probes mostly end in the order they started: those over leave from the front.
        timeouts.dropFirst { unsafeDowncast($0, to: ProbeRun.self).isOver }
        timeouts.add(probe, at: probe.deadline)
        start(request, probe)
        probe.started()
    }

    /// Where HTTP answers are read into (one probe reads at a time, on the loop).
    private let buffer = ReadBuffer(size: 16 * 1024)

    private func start(_ request: ProbeRequest, _ probe: ProbeRun) {
        switch request {
        case .tcp(let address):
            do {
                let target = try ProbeTarget.tcp(address)
                probe.connect(target.endpoint) { probe.finish(ProbeResult(ok: true, message: "connected to \(target.endpoint)")) }
            } catch { probe.finish(.failed(error.message)) }
        case .http(let url, let headers):
            do {
                let (target, request) = try httpRequest(url, headers: headers)
                // The request goes out at once: the first send tells whether the connection is up.
                probe.connect(target.endpoint, optimistic: true) { HTTPExchange(probe: probe, request: request, endpoint: target.endpoint).start() }
            } catch { probe.finish(.failed(error.message)) }
        case .exec(let cmd, let service):
            startExec(cmd, service: service, probe)
        }
    }

    /// The target and request bytes of each URL checked without extra
    /// headers, made once (health checks ask for the same few every second;
    /// a URL names an address, never a name to resolve, so it stays right).
    private var httpRequests: [String: (target: ProbeTarget, request: [UInt8])] = [:]

    /// The last URL asked for, and its target and request (most checks ask for one URL: no hashing).
    private var lastHTTP: (url: String, target: ProbeTarget, request: [UInt8])?

    private func httpRequest(_ url: String, headers: [String: String]) throws(ProbeError) -> (ProbeTarget, [UInt8]) {
        if headers.isEmpty, let last = lastHTTP, last.url == url { return (last.target, last.request) }
        if headers.isEmpty, let known = httpRequests[url] {
            lastHTTP = (url, known.target, known.request)
            return known
        }
        let target = try ProbeTarget.http(url)
        let request = try HTTPExchange.request(target, headers: headers)
        if headers.isEmpty {
            if httpRequests.count >= 4096 { httpRequests.removeAll() }
            httpRequests[url] = (target, request)
        }
        return (target, request)
    }

    private func startExec(_ cmd: [String], service: String?, _ probe: ProbeRun) {
        guard !cmd.isEmpty else { return probe.finish(.failed("exec probe: empty command")) }
        var spec: ServiceSpec
        if let service {
            guard let found = specOf(service) else { return probe.finish(.failed("exec probe: no service '\(service)'")) }
            spec = found
        } else {
            spec = ServiceSpec(name: HelperProcesses.mark, cmd: cmd)
        }
        spec.name = HelperProcesses.mark
        spec.cmd = cmd
        spec.stdin = nil
        spec.stdout = nil
        spec.stderr = nil
        let timeout = max(0.001, probe.deadline - clock.now)
        let pid = launch(spec, timeout) { result in
            if let error = result.error { return probe.finish(.failed("exec probe: \(error)")) }
            let output = Array(result.stdout.utf8.prefix(ProbeResult.maxOutput))
            let code = result.status?.result
            let how = code.map { "exit status \($0)" } ?? result.status?.signal.map { "killed by SIG\(Signals.name($0))" } ?? "ended"
            probe.finish(ProbeResult(ok: code == 0, message: how, status: code.map(Int.init), output: output))
        }
        if let pid { probe.onEnd = { [endHelper] in endHelper(pid) } }
    }
}

/// Seconds as probe messages write them ("2 s", "0.5 s").
enum LuaSeconds {
    static func text(_ s: Double) -> String { s == s.rounded() ? "\(Int64(s)) s" : "\(s) s" }
}
