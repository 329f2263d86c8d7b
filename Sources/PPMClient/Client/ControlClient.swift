import CSystem
import Glibc
package import PPMMachine
import SystemCalls

/// The CLI's end of the control socket (or of a TCP listener, in TLS): one
/// blocking connection.
package final class ControlClient {
    /// Why a request got no result.
    package enum Failure: Error, CustomStringConvertible {
        /// Nothing listens on the socket (exit code 3).
        case noDaemon(String)
        /// The daemon answered with an error (exit code 1).
        case failed(String)
        /// The daemon hung up (it exited, or re-executed itself: `upgrade`).
        case closed

        /// The message for the user.
        package var description: String {
            switch self {
            case .noDaemon(let path): "no daemon answers on \(path) (start one with `ppm-lua daemon`)"
            case .failed(let message): message
            case .closed: "the daemon closed the connection"
            }
        }
    }

    let channel: ClientChannel
    /// Reply lines, cut from what the channel reads.
    var framer = LineFramer()
    private(set) var nextID: Int64 = 0

    /// The default of `answerTimeout` for the CLI's commands.
    package static let standardAnswerTimeout = 30.0
    /// Seconds a request waits for the daemon's first reply line (nil:
    /// forever); past it the request fails: "the daemon did not answer within 30 s".
    package var answerTimeout: Double?
    /// When the reply to the last request must have begun (monotonic).
    private var answerDeadline: Double?

    /// Connects to the daemon's socket.
    package init(socket path: String) throws(Failure) {
        let sock = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { throw .noDaemon(path) }
        let rc = UnixAddress.with(path) { connect(sock, $0, $1) } ?? -1
        guard rc == 0 else {
            Glibc.close(sock)
            throw .noDaemon(path)
        }
        channel = ClientChannel(plain: sock)
    }

    /// A client over a connected channel (a TCP one, see `ControlEndpoint`).
    package init(_ channel: ClientChannel) {
        self.channel = channel
    }

    /// The pid a TCP listener's daemon gave when it admitted this client.
    package var remotePid: Int32?

    /// The daemon's pid (the peer's on a unix socket, the one a TCP
    /// listener gave otherwise): the same process after an `upgrade` (it
    /// re-executes in place), gone after a `quit`.
    package var daemonPid: Int32? {
        let pid = ppm_peer_pid(channel.fd)
        return pid > 0 ? Int32(pid) : remotePid
    }

    /// The daemon's pid when it is a process of this machine (a unix
    /// socket's peer), else nil.
    package var localDaemonPid: Int32? {
        let pid = ppm_peer_pid(channel.fd)
        return pid > 0 ? Int32(pid) : nil
    }

    /// Sends one request and returns its result.
    package func call(_ cmd: String, _ args: [String: JSONValue] = [:]) throws(Failure) -> JSONValue {
        try callRaw(cmd, args).value
    }

    /// Sends one request and returns its result with the bytes it came in
    /// (for `--json`, which prints them as received). Without `parsing`,
    /// the result is checked but not built (`value` is null): the cheap way
    /// to pass a large result on.
    package func callRaw(_ cmd: String, _ args: [String: JSONValue] = [:], parsing: Bool = true) throws(Failure) -> ControlResult {
        try send(cmd, args)
        return try receiveRaw(parsing: parsing)
    }

    /// Sends a request without waiting (for following commands).
    package func send(_ cmd: String, _ args: [String: JSONValue] = [:]) throws(Failure) {
        nextID += 1
        let line = ControlRequest(id: .int(nextID), cmd: cmd, args: args).line + "\n"
        answerDeadline = answerTimeout.map { SystemClock.monotonic() + $0 }
        guard channel.send(Array(line.utf8)) else {
            // A daemon that refuses a client says why before it hangs up.
            _ = try receiveReply(timeout: 1)
            throw .closed
        }
    }

    /// Reads the next reply's result (streams send several).
    package func receive() throws(Failure) -> JSONValue {
        try receiveRaw().value
    }

    /// Reads the next reply's result with the bytes it came in (progress
    /// replies are skipped).
    package func receiveRaw(parsing: Bool = true) throws(Failure) -> ControlResult {
        while true {
            if case .result(let r)? = try receiveReply(parsing: parsing) { return r }
        }
    }

    /// One reply line: the result, or progress of a request that asked for it.
    package enum Reply {
        /// `{"progress": ...}`: more replies follow.
        case progress(JSONValue)
        /// The final reply's result.
        case result(ControlResult)
    }

    /// Interrupts this connection's running `eval` from another thread
    /// (Ctrl-C in the REPL): the daemon stops this client's chunk and no other.
    package var interrupter: Interrupter { Interrupter(channel: channel) }

    /// Ends this connection from another thread: a `receive` blocked on it
    /// throws `.closed` (`ppm-lua top` leaving a followed log).
    package var hangUp: @Sendable () -> Void {
        let channel = channel
        return { channel.hangUp() }
    }

    /// Sends `interrupt` on a connection while its owner waits for a reply;
    /// the reply to the interrupt itself is skipped by `receive`.
    package struct Interrupter: Sendable {
        fileprivate static let requestID = "interrupt"
        /// `ControlCommand.interrupt` (the command table is PPMProtocol's).
        private static let command = "interrupt"
        let channel: ClientChannel

        /// Asks the daemon to stop the chunk this connection sent.
        package func interrupt() {
            _ = channel.send(Array((ControlRequest(id: .string(Self.requestID), cmd: Self.command).line + "\n").utf8))
        }
    }

    /// Reads the next reply (not one to an `Interrupter`); nil when `timeout`
    /// seconds pass without one. Without `parsing`, a result is checked but not built.
    package func receiveReply(timeout: Double? = nil, parsing: Bool = true) throws(Failure) -> Reply? {
        var next: (line: [UInt8], reply: JSONValue, member: JSONMemberRange?)?
        while next == nil {
            guard let line = try readLine(timeout: timeout) else { return nil }
            let parsed = line.withUnsafeBufferPointer { bytes in
                Result { () throws(JSONParseError) in try JSONReader.parse(bytes, capturing: "result", skippingCaptured: !parsing) }
            }
            guard case .success(let (reply, member)) = parsed, reply.objectValue != nil else {
                throw .failed("malformed reply from the daemon: \(String(decoding: line, as: UTF8.self))")
            }
            // Skipped: the reply to an interrupt, and a TCP listener's hello.
            if reply["id"] != .string(Interrupter.requestID) && (reply["hello"] == nil || reply["id"] != nil) { next = (line, reply, member) }
        }
        guard let (line, reply, member) = next else { return nil }
        guard reply["ok"]?.boolValue == true else { throw .failed(reply["error"]?.stringValue ?? "request failed") }
        if let progress = reply["progress"] { return .progress(progress) }
        guard let member else { return .result(ControlResult(value: .null, raw: ArraySlice("null".utf8), items: [])) }
        return .result(ControlResult(value: reply["result"] ?? .null, raw: line[member.value], items: member.elements.map { line[$0] }))
    }

    /// The next line, without its newline; nil when `timeout` passes first.
    package func readLine(timeout: Double?) throws(Failure) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Replies have no length limit: the framer never refuses one.
            if let line = try? framer.nextLine() { return line }
            let read = chunk.withUnsafeMutableBytes { buffer in Result { () throws(Failure) in try readSome(into: buffer, timeout: timeout) } }
            guard let n = try read.get() else { return nil }
            framer.append(chunk[0..<n])
        }
    }

    /// Reads what the daemon sent next into `buffer` (at least one byte);
    /// nil when `timeout` passes first. Throws once the daemon has hung up,
    /// or when it has not begun to answer within `answerTimeout`.
    func readSome(into buffer: UnsafeMutableRawBufferPointer, timeout: Double?) throws(Failure) -> Int? {
        let answerLeft = answerDeadline.map { max(0, $0 - SystemClock.monotonic()) }
        let wait = [timeout, answerLeft].compactMap { $0 }.min()
        guard let n = channel.read(into: buffer, timeout: wait) else {
            if answerLeft != nil && answerLeft == wait, let limit = answerTimeout {
                throw .failed("the daemon did not answer within \(Self.seconds(limit)) (--timeout to wait longer)")
            }
            return nil
        }
        if n <= 0, let alert = channel.tlsFailure, alert.contains("alert") {
            throw .failed("the daemon refused this client's certificate (is it signed by the daemon's CA?): \(alert)")
        }
        if n <= 0 { throw .closed }
        answerDeadline = nil  // it answers: what follows may take its time (a stop waits for its services)
        return n
    }
}

extension ControlClient {
    /// "30 s", "2.5 s".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && value < 1e9 ? "\(Int(value)) s" : "\(value) s"
    }
}
