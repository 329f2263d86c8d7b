import Foundation

/// A small seeded generator (SplitMix64): a fuzz run is replayed from its
/// seed (`PPM_FUZZ_SEED`), which every failure message names.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `PPM_FUZZ_SEED` if set, else a fresh seed.
    static var seedFromEnvironment: UInt64 {
        ProcessInfo.processInfo.environment["PPM_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
    }
}

/// How long each fuzz suite runs: `PPM_FUZZ_SECONDS` (scripts/fuzz.sh), else CI's short run.
func fuzzSeconds(default seconds: Double) -> Double {
    ProcessInfo.processInfo.environment["PPM_FUZZ_SECONDS"].flatMap { Double($0) } ?? seconds
}

/// A raw connection to the control socket, for bytes no well-behaved client sends.
final class RawSocket {
    let fd: Int32
    private var buffered: [UInt8] = []

    /// Connects to `path`; nil if the daemon does not accept.
    init?(path: String) {
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return nil }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            close(s)
            return nil
        }
        fd = s
    }

    deinit { close(fd) }

    /// Writes all of `bytes` (false if the daemon closed the connection).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var at = 0
        while at < bytes.count {
            let n = bytes[at...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            at += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// The next reply line, waiting up to `seconds`; nil at a timeout or end of stream.
    func readLine(_ seconds: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let nl = buffered.firstIndex(of: 10) {
                let line = String(decoding: buffered[..<nl], as: UTF8.self)
                buffered.removeSubrange(...nl)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, readSome(timeout: left) > 0 else { return nil }
        }
    }

    /// Reads what arrives within `timeout`: the byte count, 0 at end of stream or timeout.
    func readSome(timeout: Double) -> Int {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(max(1, timeout * 1000))) > 0 else { return 0 }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        if n > 0 { buffered += chunk[..<n] }
        return max(0, n)
    }

    /// Whether the daemon has closed its end (reading what is left first).
    func isClosedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        }
        return false
    }
}

/// A reply line as an object (nil if it is not one).
func replyObject(_ line: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
}

/// Whether `line` is the reply to a malformed request: id null, not ok, `malformed request: …`.
func isMalformedReply(_ line: String) -> Bool {
    guard let o = replyObject(line) else { return false }
    return o["id"] is NSNull && (o["ok"] as? Bool) == false && ((o["error"] as? String)?.hasPrefix("malformed request:") ?? false)
}

/// How many times the usual memory bounds a daemon may use: 16 when it is
/// built with a sanitizer (`scripts/sanitize.sh` sets `PPM_SANITIZER`), whose
/// shadow memory and quarantine multiply its resident set; else 1.
let memoryAllowance = ProcessInfo.processInfo.environment["PPM_SANITIZER"] == nil ? 1 : 16

/// The daemon's resident set in kB.
func residentKB(_ pid: Int32) -> Int {
    Int(procStatus(pid, "VmRSS")?.split(separator: " ").first ?? "") ?? 0
}
