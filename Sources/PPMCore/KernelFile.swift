import Glibc

/// Reads and writes the small files of /proc and cgroupfs, whole.
enum KernelFile {
    /// The whole file, or nil when it cannot be opened or read.
    static func bytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += chunk[..<n]
        }
    }

    static func text(_ path: String) -> String? { bytes(path).map { String(decoding: $0, as: UTF8.self) } }

    /// Writes `text` in one write; 0 or the errno value.
    static func write(_ path: String, _ text: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let n = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        return n == text.utf8.count ? 0 : (n < 0 ? errno : EIO)
    }

    /// The numbers of a file holding one per line (`cgroup.procs`).
    static func numbers(_ path: String) -> [Int32] {
        guard let bytes = bytes(path) else { return [] }
        var result: [Int32] = []
        var value: Int32 = 0, digits = 0
        for b in bytes {
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                value = value &* 10 &+ Int32(b - UInt8(ascii: "0"))
                digits += 1
            } else {
                if digits > 0 { result.append(value) }
                value = 0
                digits = 0
            }
        }
        if digits > 0 { result.append(value) }
        return result
    }

    /// The value of `key` in a flat keyed file ("populated 1\nfrozen 0\n").
    static func value(_ path: String, key: String) -> UInt64? {
        guard let text = text(path) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return UInt64(parts[1]) }
        }
        return nil
    }
}
