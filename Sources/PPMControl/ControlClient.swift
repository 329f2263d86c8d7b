import Foundation
import PPMCore

/// The CLI's end of the control socket: one blocking connection.
public final class ControlClient {
    public enum Failure: Error, CustomStringConvertible {
        /// Nothing listens on the socket (exit code 3).
        case noDaemon(String)
        /// The daemon answered with an error (exit code 1).
        case failed(String)

        public var description: String {
            switch self {
            case .noDaemon(let path): "no daemon answers on \(path) (start one with `ppm-lua daemon`)"
            case .failed(let message): message
            }
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 0

    public init(socket path: String) throws(Failure) {
        let sock = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { throw .noDaemon(path) }
        let rc = UnixAddress.with(path) { connect(sock, $0, $1) } ?? -1
        guard rc == 0 else {
            Foundation.close(sock)
            throw .noDaemon(path)
        }
        fd = sock
    }

    deinit { Foundation.close(fd) }

    /// Sends one request and returns its result.
    public func call(_ cmd: String, _ args: [String: JSONValue] = [:]) throws(Failure) -> JSONValue {
        try send(cmd, args)
        return try receive()
    }

    /// Sends a request without waiting (for following commands).
    public func send(_ cmd: String, _ args: [String: JSONValue] = [:]) throws(Failure) {
        nextID += 1
        let line = ControlRequest(id: .int(nextID), cmd: cmd, args: args).line + "\n"
        let ok = AtomicFile.writeAll(fd, line)
        guard ok else { throw .failed("the daemon closed the connection") }
    }

    /// Reads the next reply's result (streams send several).
    public func receive() throws(Failure) -> JSONValue {
        guard let line = readLine() else { throw .failed("the daemon closed the connection") }
        guard let reply = try? JSONValue.parse(line) else { throw .failed("malformed reply from the daemon: \(line)") }
        if reply["ok"]?.boolValue == true { return reply["result"] ?? .null }
        throw .failed(reply["error"]?.stringValue ?? "request failed")
    }

    private func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let n = Foundation.read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }
}
