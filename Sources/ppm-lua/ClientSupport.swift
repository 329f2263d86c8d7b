import ArgumentParser
import FoundationEssentials
import Glibc
import PPMMachine
import PPMProtocol
import PPMRuntime

/// The `--socket` option: the daemon's, and every client's.
struct SocketOption: ParsableArguments {
    @Option(help: "The control socket (default: $PPM_LUA_SOCKET or <home>/ppm.sock).")
    var socket: String?

    var locations: Locations { Locations(socket: socket) }
}

/// Where the daemon is: the unix socket, or a daemon's TCP listener (TLS
/// 1.3) with the token that is its pre-shared key, or the certificates of
/// mutual TLS (`eval` and `repl`, whose `--timeout` is the chunk's, take
/// only these).
struct EndpointOptions: ParsableArguments {
    @OptionGroup var local: SocketOption

    @Option(help: "A daemon's TCP listener, HOST:PORT (default: $PPM_LUA_HOST).")
    var host: String?

    @Option(help: "The file holding the listener's shared secret (default: $PPM_LUA_TOKEN_FILE).")
    var tokenFile: String?

    @Option(help: "With --host: the local address to connect from (to match an allow list).")
    var bind: String?

    @Option(help: "With --host, mutual TLS: the CA certificate that signs the daemon's certificate.")
    var ca: String?

    @Option(help: "With --host, mutual TLS: this client's certificate (signed by the daemon's CA).")
    var cert: String?

    @Option(help: "With --host, mutual TLS: the key of --cert.")
    var key: String?

    func validate() throws {
        if local.socket != nil && host != nil { throw ValidationError("--socket and --host exclude each other") }
    }

    var locations: Locations { local.locations }

    /// `--socket`, else `--host` or `$PPM_LUA_HOST`, else the default socket.
    func endpoint() throws -> ControlEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let remote = local.socket == nil ? host ?? environment["PPM_LUA_HOST"].flatMap { $0.isEmpty ? nil : $0 } : nil
        guard let remote else { return .socket(locations.socket) }
        let files = [ca, cert, key]
        if files.contains(where: { $0 != nil }) {
            guard let ca, let cert, let key else {
                printError("\(remote): mutual TLS needs --ca, --cert and --key together")
                throw ExitCode(1)
            }
            return .host(remote, credentials: .certificates(ca: ca, cert: cert, key: key), bind: bind)
        }
        guard let token = tokenFile ?? environment["PPM_LUA_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            printError("\(remote): a TCP listener needs its token: --token-file FILE or PPM_LUA_TOKEN_FILE (or --ca, --cert and --key)")
            throw ExitCode(1)
        }
        return .host(remote, credentials: .token(token), bind: bind)
    }

    /// Connects, or exits 3 naming the socket or host (1 when refused);
    /// each request then fails when no answer starts within `answerTimeout` seconds.
    func connect(answerTimeout: Double?) throws -> ControlClient {
        let endpoint = try endpoint()
        do {
            let client = try endpoint.connect()
            client.answerTimeout = answerTimeout
            return client
        } catch { throw fail(error) }
    }
}

/// Options every client command takes: where the daemon is, and how long
/// to wait for it to answer.
struct ClientOptions: ParsableArguments {
    @OptionGroup var endpointOptions: EndpointOptions

    @Option(help: "Seconds to wait for the daemon to start answering (0: forever).")
    var timeout: Double = ControlClient.standardAnswerTimeout

    func validate() throws {
        if !(timeout >= 0) { throw ValidationError("--timeout must be 0 or more seconds") }
    }

    var locations: Locations { endpointOptions.locations }

    func endpoint() throws -> ControlEndpoint { try endpointOptions.endpoint() }

    /// The endpoint and timeout these options name (exits 1 when the
    /// endpoint's options do not go together).
    func target() throws -> DaemonTarget { DaemonTarget(endpoint: try endpoint(), timeout: timeout) }

    /// Connects (`DaemonTarget.connect`).
    func connect() throws -> ControlClient { try target().connect() }

    /// One request; failures exit 1 (or 3 without a daemon).
    func call(_ cmd: String, _ args: [String: JSONValue] = [:]) throws -> JSONValue {
        let client = try connect()
        do { return try client.call(cmd, args) } catch { throw fail(error) }
    }

    /// One request, with the result's bytes as the daemon sent them
    /// (without `parsing`, only checked: for `--json`, which prints them).
    func callRaw(_ cmd: String, _ args: [String: JSONValue] = [:], parsing: Bool = true) throws -> ControlResult {
        let client = try connect()
        do { return try client.callRaw(cmd, args, parsing: parsing) } catch { throw fail(error) }
    }
}

/// Prints `ppm-lua: message` on stderr and gives the exit code to throw.
func fail(_ error: Error) -> ExitCode {
    if let e = error as? ControlClient.Failure {
        printError(e.description)
        if case .noDaemon = e { return ExitCode(3) }
        return ExitCode(1)
    }
    printError("\(error)")
    return ExitCode(1)
}

func printError(_ message: String) {
    Console.error("ppm-lua: \(message)\n")
}

/// Prints JSON on one line.
func printJSON(_ value: JSONValue) {
    print(value.text)
}

/// Prints JSON text received from the daemon as it is, on one line (the
/// reader has checked it is UTF-8, so the bytes go out unchanged).
/// Written to standard output as they are, with no String made of them
/// (`ls --json` at 10,000 services is 6.5 MB), after what `print` holds.
func printJSON(raw: ArraySlice<UInt8>) {
    fflush(nil)
    raw.withUnsafeBytes { writeOut($0) }
    [UInt8(10)].withUnsafeBytes { writeOut($0) }
}

/// Writes all of `bytes` to standard output (a failed write drops the rest, as `print` does).
private func writeOut(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let n = write(1, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}

/// Left-aligned columns with a header row; `colour` styles the cells of
/// some columns (not the header), after their width is measured.
func printTable(_ header: [String], _ rows: [[String]], colour: [Int: (String) -> String] = [:]) {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    for (r, row) in ([header] + rows).enumerated() {
        let line = row.enumerated().map { i, cell in
            let styled = r > 0 ? colour[i]?(cell) ?? cell : cell
            return i == row.count - 1 ? styled : styled + String(repeating: " ", count: max(0, widths[i] - cell.count))
        }.joined(separator: "  ")
        print(line)
    }
}

/// `text` followed by spaces up to `width` characters.
func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// "3s", "4m12s", "2h03m", "5d02h".
func formatDuration(_ seconds: Double?) -> String {
    guard let seconds else { return "-" }
    let s = Int(seconds)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(twoDigits(s % 60))s" }
    if s < 86400 { return "\(s / 3600)h\(twoDigits(s % 3600 / 60))m" }
    return "\(s / 86400)d\(twoDigits(s % 86400 / 3600))h"
}

/// The STATE cell of `ls`: the state, or `scheduled, next 12:05:00`
/// (local time) for a service idle until a schedule's next time (`cron`).
func displayState(_ s: JSONValue) -> String {
    let state = s["state"]?.stringValue ?? "?"
    return scheduledNext(s) ?? state
}

/// `scheduled, next 12:05:00` when the service waits for a schedule's next time, else nil.
func scheduledNext(_ s: JSONValue) -> String? {
    guard s["state"]?.stringValue == "waiting", s["scheduled"]?.boolValue == true, let due = s["starts_in"]?.doubleValue else { return nil }
    var t = time_t((SystemClock.wall() + due).rounded())
    var local = tm()
    localtime_r(&t, &local)
    return "scheduled, next \(twoDigits(Int(local.tm_hour))):\(twoDigits(Int(local.tm_min))):\(twoDigits(Int(local.tm_sec)))"
}

/// "07" for 7.
private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// `exit 3`, `KILL`, or "-".
func formatExit(_ exit: JSONValue?) -> String {
    guard let exit, exit != .null else { return "-" }
    if let sig = exit["signal"]?.intValue { return "signal \(Signals.name(Int32(sig)))" }
    if let code = exit["result"]?.intValue { return "exit \(code)" }
    return "-"
}
