import Glibc
import PPMMachine
import PPMProtocol
import SystemCalls

/// One HTTP/1.1 GET over a connected probe socket: writes the request as
/// the socket takes it, then reads the answer through `HTTPResponseParser`.
/// A 2xx or 3xx status passes; the body (at most 64 KiB) is the output.
final class HTTPExchange {
    private let probe: ProbeRun
    private let endpoint: IPEndpoint
    private var unsent: ArraySlice<UInt8>
    private var parser = HTTPResponseParser()
    /// Whether the connection may still be under way (nothing sent yet).
    private var connecting = true

    init(probe: ProbeRun, request: [UInt8], endpoint: IPEndpoint) {
        self.probe = probe
        self.endpoint = endpoint
        unsent = request[...]
    }

    /// The request bytes: the Host header, `Connection: close`, then the
    /// extra fields (a `Host` among them replaces the default one). A name
    /// or value that would break the request's framing is refused.
    static func request(_ target: ProbeTarget, headers: [String: String]) throws(ProbeError) -> [UInt8] {
        var fields = ["Host": target.authority, "User-Agent": "ppm-lua probe", "Accept": "*/*"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != 58 }) else {
                throw ProbeError("bad header name '\(HTTPResponseParser.clip(name))'")
            }
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw ProbeError("the value of header '\(name)' holds a line break")
            }
            guard name.lowercased() != "connection", name.lowercased() != "content-length", name.lowercased() != "transfer-encoding" else {
                throw ProbeError("header '\(name)' is set by the probe itself")
            }
            if let same = fields.keys.first(where: { $0.lowercased() == name.lowercased() }) { fields[same] = nil }
            fields[name] = value
        }
        var text = "GET \(target.path) HTTP/1.1\r\n"
        if let host = fields.first(where: { $0.key.lowercased() == "host" }) { text += "\(host.key): \(host.value)\r\n" }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where name.lowercased() != "host" { text += "\(name): \(value)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// Sends the request, then reads the answer (the exchange keeps itself
    /// alive through the socket's handlers until the probe finishes). A
    /// connected socket has room for a request: it is sent at once, and
    /// waits for room only when the socket says so.
    func start() {
        send()
    }

    private func send() {
        while !unsent.isEmpty {
            switch nonBlocking({ unsent.withUnsafeBytes { Glibc.send(probe.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }) {
            case .wouldBlock where connecting:
                connecting = false
                return probe.awaitConnection(endpoint) { [self] in send() }
            case .wouldBlock: return probe.watch(for: .writable) { [self] in send() }
            case .failed(let error) where connecting && error.code != EPIPE && error.code != ECONNRESET:
                // The handshake failed (refused, unreachable): said as a failed connect says it.
                return probe.finish(.failed("\(endpoint): \(ProbeRun.reason(error.code))"))
            case .failed(let error): return probe.finish(.failed("sending the request: \(ProbeRun.reason(error.code))"))
            case .done(let n):
                connecting = false
                unsent = unsent.dropFirst(n)
            }
        }
        probe.watch(for: .readable) { [self] in receive() }
    }

    private func receive() {
        let buffer = probe.buffer.bytes
        for _ in 0..<8 {  // at most 128 KiB a turn: other work gets its turn
            let n: Int
            switch nonBlocking({ read(probe.fd, buffer.baseAddress, buffer.count) }) {
            case .wouldBlock: return
            case .failed(let error): return probe.finish(.failed("reading the answer: \(ProbeRun.reason(error.code))"))
            case .done(let count): n = count
            }
            let progress = n == 0 ? parser.end() : parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            switch progress {
            case .needMore: continue
            case .failed(let reason): return probe.finish(.failed(reason))
            case .done(let response):
                let line = "HTTP \(response.status)" + (response.reason.isEmpty ? "" : " \(HTTPResponseParser.clip(response.reason))")
                return probe.finish(
                    ProbeResult(ok: (200..<400).contains(response.status), message: line, status: response.status, output: response.body))
            }
        }
    }
}
