import ArgumentParser
import Dispatch
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMTerminal
import SystemCalls

/// `ppm-lua top` (SPEC 11): a live full-screen view of the services, fed
/// by one `watch` subscription; keys select, restart, stop or start a
/// service, and show its log or its events.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Show the services live, full screen (↑/↓ j/k r s l e / q).")
    @OptionGroup var client: ClientOptions

    func run() throws {
        guard FullScreen.isTerminal else {
            printError("top needs a terminal: standard input and output must be one (use 'ppm-lua ls' or 'ppm-lua stats' in scripts)")
            throw ExitCode(1)
        }
        let connection = try client.connect()
        let first: JSONValue
        do { first = try connection.call(ControlCommand.watch.rawValue) } catch { throw fail(error) }
        let session = TopSession(client: client, connection: connection, first: first)
        let ending = session.run()
        if let ending {
            printError(ending)
            throw ExitCode(1)
        }
    }
}

/// One run of `top`: the screen loop on the main thread, the subscription,
/// the pane's stream and the actions on threads of their own.
final class TopSession: @unchecked Sendable {
    private let client: ClientOptions
    private let mailbox = TopMailbox()
    private var feed = TopFeed()
    private var screen: TopScreen
    private var diff = FrameDiff()
    /// The pane's generation: lines of a closed pane are dropped.
    private var paneGeneration = 0
    /// Ends the open pane's stream.
    private var endPane: (@Sendable () -> Void)?
    private let actions = DispatchQueue(label: "ppm-lua.top.actions")

    init(client: ClientOptions, connection: ControlClient, first: JSONValue) {
        self.client = client
        let size = FullScreen.size()
        screen = TopScreen(width: size.width, height: size.height)
        feed.apply(first, now: SystemClock.monotonic())
        subscribe(connection, daemon: feed.daemonPid)
    }

    /// Runs until `q`, Ctrl-C, a signal or the daemon's end; the terminal
    /// is restored on each. Returns the error to print, if the run ended on one.
    func run() -> String? {
        guard let terminal = FullScreen() else { return "top needs a terminal" }
        defer { terminal.restore() }
        while true {
            draw(terminal)
            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: mailbox.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: terminal.signals, events: Int16(POLLIN), revents: 0),
            ]
            // Wakes each second: the uptimes move on.
            _ = poll(&fds, nfds_t(fds.count), 1000)
            for sig in terminal.pendingSignals() {
                if sig == SIGWINCH {
                    let size = FullScreen.size()
                    (screen.width, screen.height) = (size.width, size.height)
                    diff.invalidate()
                } else {
                    return nil
                }
            }
            if fds[0].revents != 0 {
                let bytes = terminal.readKeys()
                if bytes.isEmpty { return nil }  // the terminal went away
                for key in TopKey.parse(bytes) {
                    if let action = screen.handle(key), perform(action) { return nil }
                }
            }
            for item in mailbox.take() {
                switch item {
                case .watch(let message): feed.apply(message, now: SystemClock.monotonic())
                case .watchEnded(let why): return why
                case .paneLine(let generation, let line): if generation == paneGeneration { screen.pane?.append(line) }
                case .message(let text): screen.message = text
                }
            }
        }
    }

    private func draw(_ terminal: FullScreen) {
        let now = SystemClock.monotonic()
        screen.rows = feed.rows(now: now)
        screen.daemonPid = feed.daemonPid
        screen.daemonUptime = feed.daemonStartedAt.map { now - $0 }
        terminal.write(diff.update(to: screen.frame()))
    }

    /// Carries `action` out; true when it ends the session.
    private func perform(_ action: TopScreen.Action) -> Bool {
        switch action {
        case .quit: return true
        case .restart(let name): command("restart", name, done: "restarted")
        case .stop(let name): command("stop", name, done: "stopped")
        case .start(let name): command("start", name, done: "started")
        case .logs(let name):
            openPane("logs of \(name)", "logs", ["names": .init([name]), "n": .init(TopPane.limit), "follow": .bool(true), "stream": .string("all")])
            { line in
                (line["stream"]?.stringValue == "err" ? "[err] " : "") + (line["line"]?.stringValue ?? "")
            }
        case .events(let name):
            openPane("events of \(name)", "events", ["name": .string(name), "n": .init(TopPane.limit), "follow": .bool(true)]) { event in
                EventColumns().line(event)
            }
        case .closePane:
            endPane?()
            endPane = nil
            paneGeneration += 1
        }
        return false
    }

    /// Runs `cmd` on `name` on a connection of its own; the footer says how it went.
    private func command(_ cmd: String, _ name: String, done: String) {
        screen.message = "\(cmd) \(name)…"
        let client = client
        let mailbox = mailbox
        actions.async {
            do {
                _ = try client.endpointOptions.connect(answerTimeout: nil).call(cmd, ["names": .init([name])])
                mailbox.post(.message("\(done) \(name)"))
            } catch {
                mailbox.post(.message("\(cmd) \(name): \(error)"))
            }
        }
    }

    /// Shows the pane titled `title` with what `cmd` sends (its backlog, then what follows).
    private func openPane(_ title: String, _ cmd: String, _ args: [String: JSONValue], _ text: @escaping @Sendable (JSONValue) -> String) {
        paneGeneration += 1
        let generation = paneGeneration
        screen.pane = TopPane(title: title)
        let connection: ControlClient
        do { connection = try client.endpointOptions.connect(answerTimeout: nil) } catch {
            screen.pane?.append("\(error)")
            return
        }
        endPane = connection.hangUp
        let mailbox = mailbox
        let reader = UncheckedBox(connection)
        DispatchQueue(label: "ppm-lua.top.pane").async {
            do {
                let backlog = try reader.value.call(cmd, args)
                for item in backlog.arrayValue ?? [] { mailbox.post(.paneLine(pane: generation, text(item))) }
                while true { mailbox.post(.paneLine(pane: generation, text(try reader.value.receive()))) }
            } catch {
                if !Reconnect.isHangUp(error) { mailbox.post(.paneLine(pane: generation, "\(error)")) }
            }
        }
    }

    /// Reads the subscription on a thread of its own; after an `upgrade`
    /// (the same daemon process answers again) it subscribes again.
    private func subscribe(_ connection: ControlClient, daemon: Int32?) {
        let mailbox = mailbox
        let client = client
        let reader = UncheckedBox(connection)
        DispatchQueue(label: "ppm-lua.top.watch").async {
            var connection = reader.value
            while true {
                do {
                    mailbox.post(.watch(try connection.receive()))
                } catch  where Reconnect.isHangUp(error) {
                    guard let (again, first) = try? Reconnect.resume(client.target(), pid: daemon, { try $0.call(ControlCommand.watch.rawValue) })
                    else {
                        return mailbox.post(.watchEnded("the daemon went away (its connection closed)"))
                    }
                    connection = again
                    mailbox.post(.watch(first))
                } catch {
                    return mailbox.post(.watchEnded("\(error)"))
                }
            }
        }
    }
}

/// A value moved to another thread that only that thread uses from then on.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
