import Glibc
import SystemCalls

/// Reads small kernel files (`/proc/PID/stat`, `cgroup.procs`, `cpu.stat`)
/// whole into one reused buffer: no allocation per file, and one `read(2)`
/// where the file is short. These files are made by the kernel's seq_file,
/// which fills a read up to its page-sized buffer, ending only at a record
/// that does not fit; their records are small, so a read returning less
/// than half a page has reached the end and no second read (of 0 bytes) is
/// needed. Confined to one thread.
final class KernelFileReader {
    private var buffer: UnsafeMutableRawBufferPointer
    private let path: UnsafeMutablePointer<CChar>
    private static let pathCapacity = 4096

    /// A reader with room for `capacity` bytes (it grows for longer files).
    init(capacity: Int = 4096) {
        buffer = .allocate(byteCount: max(capacity, 4096), alignment: 16)
        path = .allocate(capacity: Self.pathCapacity)
    }

    deinit {
        buffer.deallocate()
        path.deallocate()
    }

    /// `PID/stat` under `base` (a descriptor open on /proc); nil when it cannot be read.
    func stat(of pid: Int32, under base: Int32) -> UnsafeBufferPointer<UInt8>? {
        var length = 1
        var rest = pid / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        rest = pid
        for i in stride(from: length - 1, through: 0, by: -1) {
            path[i] = CChar(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        var at = length
        for byte in "/stat".utf8 {
            path[at] = CChar(bitPattern: byte)
            at += 1
        }
        path[at] = 0
        return readPath(under: base)
    }

    /// `directory/file` under `base`; nil when it cannot be read (or the path is too long).
    func file(_ directory: String, _ file: StaticString, under base: Int32) -> UnsafeBufferPointer<UInt8>? {
        var directory = directory
        let fits = directory.withUTF8 { dir -> Bool in
            guard dir.count + file.utf8CodeUnitCount + 2 < Self.pathCapacity else { return false }
            var at = 0
            for byte in dir {
                path[at] = CChar(bitPattern: byte)
                at += 1
            }
            path[at] = CChar(bitPattern: UInt8(ascii: "/"))
            at += 1
            file.withUTF8Buffer { name in
                for byte in name {
                    path[at] = CChar(bitPattern: byte)
                    at += 1
                }
            }
            path[at] = 0
            return true
        }
        return fits ? readPath(under: base) : nil
    }

    /// Reads the file named by `path` whole.
    private func readPath(under base: Int32) -> UnsafeBufferPointer<UInt8>? {
        let fd = openat(base, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var count = 0
        while true {
            if buffer.count - count < 4096 { grow() }
            let room = buffer.count - count
            guard let n = try? syscall({ Glibc.read(fd, buffer.baseAddress! + count, room) }) else { return nil }
            count += n
            if n < 2048 { break }  // the end (room is at least a page)
        }
        return UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
    }

    /// Doubles the buffer, keeping what it holds.
    private func grow() {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = larger
    }
}
