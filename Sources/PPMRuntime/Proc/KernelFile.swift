import Glibc
import SystemCalls

/// Reads and writes the small files of /proc and cgroupfs, whole.
enum KernelFile {
    /// The whole file, or nil when it cannot be opened or read.
    /// A relative `path` is taken from the directory `base` is open on
    /// (a walk of fewer components than the absolute path's).
    static func bytes(_ path: String, under base: Int32 = AT_FDCWD) -> [UInt8]? {
        let fd = openat(base, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            guard let n = try? syscall({ chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) else { return nil }
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
    static func numbers(_ path: String, under base: Int32 = AT_FDCWD) -> [Int32] {
        guard let bytes = bytes(path, under: base) else { return [] }
        return numbers(in: bytes)
    }

    /// The numbers of a file's bytes, one per line.
    static func numbers(in bytes: some Sequence<UInt8>) -> [Int32] {
        var result: [Int32] = []
        var value: Int32 = 0
        var digits = 0
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

    /// The value of `key` in a flat keyed file ("populated 1\nfrozen 0\n"),
    /// parsed from the bytes (`stats` reads one per service).
    static func value(_ path: String, key: String, under base: Int32 = AT_FDCWD) -> UInt64? {
        guard let bytes = bytes(path, under: base) else { return nil }
        return value(of: key, in: bytes)
    }

    /// The value of `key` in a flat keyed file's bytes.
    static func value<Bytes: RandomAccessCollection<UInt8>>(of key: String, in bytes: Bytes) -> UInt64? where Bytes.Index == Int {
        let key = Array(key.utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
            let valueStart = start + key.count + 1
            if valueStart < end, bytes[valueStart - 1] == UInt8(ascii: " "),
                bytes[start..<valueStart - 1].elementsEqual(key)
            {
                var value: UInt64 = 0
                for b in bytes[valueStart..<end] {
                    guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
                    guard !o1, !o2 else { return nil }
                    value = sum
                }
                return value
            }
            start = end + 1
        }
        return nil
    }
}
