import Glibc
import PPMMachine
import PPMRuntime
import PPMScript
import SystemCalls

/// Output forwarding (SPEC 11): every captured line, once it is in its log
/// file, also goes to the daemon's stdout (`NAME | line` or JSON Lines) or to
/// journald, as the service's `forward`, else `ppm-lua daemon --forward`,
/// else `ppm.settings { forward = ... }` says. It follows the output capture
/// as `logs -f` does, so the files are written first and never wait for it;
/// a stuck stdout or a full journal socket drops forwarded lines, counted in
/// `status` and, every few seconds while it lasts, in the event journal.
///
/// Confined to the loop's queue.
final class Forwarder {
    /// `ppm-lua daemon --forward…` (nil: not given).
    let commandLine: ForwardMode?
    /// The config's `forward` setting now.
    var setting: () -> ForwardMode? = { nil }
    /// A service's own `forward` (nil: none or no such service).
    var serviceMode: (String) -> ForwardMode? = { _ in nil }
    /// The main process of a service (journald's `SYSLOG_PID`).
    var pid: (String) -> Int32? = { _ in nil }
    /// Journals a note (`forward_dropped`).
    var record: (JournalNote) -> Void = { _ in }
    /// Runs a closure on the loop after some seconds.
    var schedule: (Double, @escaping () -> Void) -> Void = { _, _ in }
    /// The wall clock (unix seconds).
    var now: () -> Double = { SystemClock.wall() }

    private let output: OutputCapture
    private let environment: [String: String]
    private var follower: Int?
    private var modes: [String: ForwardMode] = [:]
    /// The default mode `modes` were worked out with.
    private var modesDefault: ForwardMode = .off
    private lazy var stdout = StdoutSink()
    private lazy var journal = JournalSink(environment: environment)
    private var usedStdout = false
    private var usedJournal = false
    private var retryArmed = false
    private var flushArmed = false
    private var noteArmed = false
    /// Drops already journaled.
    private var journaledDrops = 0

    /// Forwards `output`'s lines; `environment` may name the journal's sockets (tests).
    init(output: OutputCapture, commandLine: ForwardMode?, environment: [String: String]) {
        self.output = output
        self.commandLine = commandLine
        self.environment = environment
    }

    /// The mode of services that name none.
    var defaultMode: ForwardMode { commandLine ?? setting() ?? .off }

    /// Follows the capture while any service may forward (`specs` are the
    /// configured ones); called at start and after a reload.
    func refresh(specs: [ServiceSpec]) {
        modes.removeAll()
        let wanted = defaultMode != .off || specs.contains { ($0.forward ?? .off) != .off }
        if wanted && follower == nil {
            follower = output.follow(names: nil, streams: [.out, .err]) { [unowned self] line in self.forward(line) }
        } else if !wanted, let id = follower {
            output.unfollow(id)
            follower = nil
        }
    }

    /// Lines dropped so far (stdout stuck, journal socket full).
    var dropped: Int { (usedStdout ? stdout.dropped : 0) + (usedJournal ? journal.dropped : 0) }

    /// What `status` shows: `{mode, forwarded, dropped}`.
    var status: JSONValue {
        let forwarded = (usedStdout ? stdout.forwarded : 0) + (usedJournal ? journal.forwarded : 0)
        return .object(["mode": .string(defaultMode.rawValue), "forwarded": .init(forwarded), "dropped": .init(dropped)])
    }

    /// `ppm_forward_lines_total` and `ppm_forward_dropped_lines_total` for `/metrics`.
    func writeMetrics(to w: inout ExpositionWriter) {
        guard case .object(let figures) = status else { return }
        w.family("ppm_forward_lines_total", type: "counter", help: "Captured lines forwarded to stdout or journald.")
        w.sample("ppm_forward_lines_total", Double(figures["forwarded"]?.intValue ?? 0))
        w.family(
            "ppm_forward_dropped_lines_total", type: "counter",
            help: "Forwarded lines dropped (stdout not read, journal socket full); the log files have them.")
        w.sample("ppm_forward_dropped_lines_total", Double(dropped))
    }

    private func mode(of name: String) -> ForwardMode {
        let fallback = defaultMode
        if fallback != modesDefault {  // `ppm.settings` changed it (the REPL, eval)
            modes.removeAll()
            modesDefault = fallback
        }
        if let known = modes[name] { return known }
        let mode = serviceMode(name) ?? fallback
        if modes.count < 100_000 { modes[name] = mode }
        return mode
    }

    private func forward(_ line: OutputLine) {
        let before = dropped
        switch mode(of: line.name) {
        case .off: return
        case .stdout:
            usedStdout = true
            stdout.write(ForwardFormat.prefixed(line.name, line.stream, line.text))
        case .json:
            usedStdout = true
            stdout.write(ForwardFormat.json(line.name, line.stream, line.text, time: now()))
        case .journal:
            usedJournal = true
            journal.send(line.name, line.stream, line.text, time: now(), pid: pid(line.name))
        }
        if usedStdout && stdout.pending { flushSoon() }
        if dropped > before { armNote() }
    }

    /// Writes the lines of this burst in one go once the loop is done with it.
    private func flushSoon() {
        guard !flushArmed, !retryArmed else { return }
        flushArmed = true
        schedule(0) { [weak self] in
            guard let self else { return }
            self.flushArmed = false
            self.stdout.flush()
            if self.stdout.pending { self.armRetry() }
        }
    }

    /// Writes what waits for stdout again shortly (no writability watch: a timer while stuck).
    private func armRetry() {
        guard !retryArmed else { return }
        retryArmed = true
        schedule(0.2) { [weak self] in
            guard let self else { return }
            self.retryArmed = false
            self.stdout.flush()
            if self.stdout.pending { self.armRetry() }
        }
    }

    /// Journals the drops of the last 5 seconds once.
    private func armNote() {
        guard !noteArmed else { return }
        noteArmed = true
        schedule(5) { [weak self] in
            guard let self else { return }
            self.noteArmed = false
            let total = self.dropped
            guard total > self.journaledDrops else { return }
            self.record(
                JournalNote(
                    "forward_dropped",
                    fields: ["lines": .init(total - self.journaledDrops), "total": .init(total), "mode": .string(self.defaultMode.rawValue)]))
            self.journaledDrops = total
        }
    }
}
