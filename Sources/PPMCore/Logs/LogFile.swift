import Glibc
import SystemCalls

/// One captured stream's file. Whole lines are appended in one `write`
/// each run; before a write would take the file past `policy.maxSize` the
/// file is rotated (`NAME.out.log` → `.1` → … → `.keep`), so a line is
/// never cut at a rotation, and a write that fails (a full disk) is cut
/// back to where it began: no torn line is left.
final class LogFile {
    let path: String
    var policy: LogPolicy
    private var fd: Int32 = -1
    /// Bytes in the current file.
    private(set) var size = 0
    /// Bytes written since `mark()` (the process's start), rotations included.
    private(set) var sinceMark = 0
    /// Writes that failed (disk full, file removed from under us…).
    private(set) var failures = 0
    /// The last failure, for the daemon's log.
    private(set) var lastError: String?

    init(path: String, policy: LogPolicy) {
        self.path = path
        self.policy = policy
    }

    deinit { close() }

    /// Appends whole lines (rotating first when they would not fit): all
    /// of them, or none and why not.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> WriteFailure? {
        guard !bytes.isEmpty else { return nil }
        guard open() else { return WriteFailure(path: path, code: errno) }
        if policy.maxSize > 0, size > 0, size + bytes.count > policy.maxSize { rotate() }
        guard fd >= 0 else { return WriteFailure(path: path, code: errno) }
        var offset = 0
        while offset < bytes.count {
            do throws(SystemCallError) {
                offset += try syscall { Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            } catch {
                fail("write", code: error.code)
                if offset > 0 { _ = ftruncate(fd, off_t(size)) }  // no torn line
                return WriteFailure(path: path, code: error.code)
            }
        }
        size += bytes.count
        sinceMark += bytes.count
        return nil
    }

    /// Starts counting what the next process writes (see `tail`).
    func mark() { sinceMark = 0 }

    /// The last `count` lines written since `mark()` (at most 16 KiB read).
    func tail(_ count: Int) -> [String] {
        let written = min(sinceMark, size)
        let span = min(written, 16 * 1024)
        guard span > 0 else { return [] }
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return [] }
        defer { Glibc.close(reader) }
        var bytes = [UInt8](repeating: 0, count: span)
        let n = bytes.withUnsafeMutableBytes { pread(reader, $0.baseAddress, span, off_t(size - span)) }
        guard n > 0 else { return [] }
        var lines = LogText.lines(bytes[..<n], droppingPartialFirst: span < written)
        if lines.count > count { lines.removeFirst(lines.count - count) }
        return policy.timestamps ? lines.map(LogText.withoutTimestamp) : lines
    }

    /// Whether the file is open (it is opened at the first write).
    var isOpen: Bool { fd >= 0 }

    /// Closes the file (it is opened again at the next write).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func open() -> Bool {
        if fd >= 0 { return true }
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o640)
        guard fd >= 0 else {
            fail("open")
            return false
        }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        return true
    }

    private func rotate() {
        close()
        if policy.keep > 0 {
            for i in stride(from: policy.keep - 1, through: 1, by: -1) { rename("\(path).\(i)", "\(path).\(i + 1)") }
            rename(path, "\(path).1")
        } else {
            truncate(path, 0)
        }
        size = 0
        _ = open()
    }

    private func fail(_ what: String, code: Int32 = errno) {
        failures += 1
        lastError = "\(what) \(path): \(String(cString: strerror(code)))"
    }
}
