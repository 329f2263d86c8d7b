import Glibc
import LuaKit

/// A `udp://HOST:PORT` address for `ppm.udp`, and the non-blocking
/// sockets that use it. HOST is a numeric IPv4 or IPv6 address (`[::1]`)
/// or `localhost`: a name lookup could block the daemon's loop.
struct UDPEndpoint {
    /// The address as sockaddr bytes, and its length.
    private(set) var storage = sockaddr_storage()
    private(set) var length: socklen_t = 0
    var family: Int32 { Int32(storage.ss_family) }

    /// Parses `udp://HOST:PORT`; the error names what is wrong.
    init(_ url: String) throws {
        guard url.hasPrefix("udp://") else { throw LuaHostError("'\(url)' is not a udp://HOST:PORT address") }
        let rest = url.dropFirst("udp://".count)
        let host: Substring
        let port: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw LuaHostError("'\(url)': missing :PORT") }
            port = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw LuaHostError("'\(url)': missing :PORT") }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        guard let number = UInt16(port) else { throw LuaHostError("'\(url)': the port must be a number from 0 to 65535") }
        let name = host == "localhost" ? "127.0.0.1" : host == "*" ? "0.0.0.0" : String(host)
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, String(number), &hints, &found) == 0, let info = found else {
            throw LuaHostError("'\(url)': '\(host)' is not a numeric IP address (name lookups would block the daemon)")
        }
        defer { freeaddrinfo(found) }
        withUnsafeMutableBytes(of: &storage) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        length = info.pointee.ai_addrlen
    }

    /// A non-blocking, close-on-exec datagram socket of this address's family.
    func socket() throws -> Int32 { try Self.socketFor(family: family) }

    /// A non-blocking, close-on-exec datagram socket of one family.
    static func socketFor(family: Int32) throws -> Int32 {
        let fd = Glibc.socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LuaHostError("cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// A socket bound to this address, ready to receive.
    func bound() throws -> Int32 {
        let fd = try socket()
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = storage
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LuaHostError("cannot listen on \(describe()): \(reason)")
        }
        return fd
    }

    /// Sends one datagram without waiting; the reason when the kernel would block or refuses.
    func send(_ bytes: [UInt8], on fd: Int32) -> String? {
        var address = storage
        let n = withUnsafePointer(to: &address) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), target, length) }
            }
        }
        return n < 0 ? String(cString: strerror(errno)) : nil
    }

    /// `HOST:PORT` as text.
    func describe() -> String { Self.describe(storage) }

    /// `HOST:PORT` of a sender's address.
    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let size = socklen_t(storage.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, size, &host, socklen_t(host.count), &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard rc == 0 else { return "?" }
        func text(_ c: [CChar]) -> String { String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        let h = text(host)
        let p = text(port)
        return storage.ss_family == sa_family_t(AF_INET6) ? "[\(h)]:\(p)" : "\(h):\(p)"
    }
}
