import Glibc
import PPMMachine
import SystemCalls

/// One captured stream's file. Whole lines are appended; before a write
/// would take the file past `policy.maxSize` the file is rotated
/// (`NAME.out.log` → `.1` → … → `.keep`). A batch of lines larger than the
/// room left is split between lines, rotating as often as needed, so a line
/// is never cut at a rotation and no file grows past the limit unless one
/// line alone is longer. A write that fails (a full disk) is cut back to
/// where it began: no torn line is left.
final class LogFile {
    /// A write that did not all reach the file: why, and how many bytes at
    /// the start of the batch (whole lines) did.
    struct Shortfall: Error {
        var failure: WriteFailure
        var written: Int
    }

    let path: String
    var policy: LogPolicy
    /// The bounded set of open log files this one belongs to; nil: it stays
    /// open from its first write until `close`.
    private let openFiles: OpenLogFiles?
    /// Neighbours in `openFiles`' list while open (the next older is held).
    var older: LogFile?
    weak var newer: LogFile?
    private var fd: Int32 = -1
    /// Bytes in the current file.
    private(set) var size = 0
    /// Bytes written since `mark()` (the process's start), rotations included.
    private(set) var sinceMark = 0
    /// Writes that failed (disk full, file removed from under us…).
    private(set) var failures = 0
    /// The last failure, for the daemon's log.
    private(set) var lastError: String?

    init(path: String, policy: LogPolicy, openFiles: OpenLogFiles? = nil) {
        self.path = path
        self.policy = policy
        self.openFiles = openFiles
    }

    deinit { close() }

    /// Appends whole lines, rotating between them as the size limit asks:
    /// all of them (nil), or the lines before the failure and why not.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Shortfall? {
        var done = 0
        while done < bytes.count {
            guard open() else { return Shortfall(failure: WriteFailure(path: path, code: errno), written: done) }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            var piece = rest.count
            if policy.maxSize > 0, size + rest.count > policy.maxSize {
                let fitting = Self.wholeLines(of: rest, within: policy.maxSize - size)
                if fitting > 0 {
                    piece = fitting
                } else if size > 0 {
                    rotate()  // not even the first line fits: it starts a new file
                    continue
                } else {
                    // An empty file takes one line longer than the limit, whole.
                    piece = Self.firstLine(of: rest)
                }
            }
            if let failure = append(UnsafeRawBufferPointer(rebasing: rest[..<piece])) {
                return Shortfall(failure: failure, written: done)
            }
            done += piece
        }
        return nil
    }

    /// Writes one piece to the current file, whole or not at all.
    private func append(_ bytes: UnsafeRawBufferPointer) -> WriteFailure? {
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

    /// The length of the longest run of whole lines at the start of
    /// `bytes` that is at most `room` bytes long (0: not even one).
    static func wholeLines(of bytes: UnsafeRawBufferPointer, within room: Int) -> Int {
        guard room > 0 else { return 0 }
        if bytes.count <= room { return bytes.count }
        var i = room - 1
        while i >= 0 {
            if bytes[i] == UInt8(ascii: "\n") { return i + 1 }
            i -= 1
        }
        return 0
    }

    /// The length of the first line of `bytes`, its newline included.
    static func firstLine(of bytes: UnsafeRawBufferPointer) -> Int {
        (bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count - 1) + 1
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

    /// Whether the file is open (it is opened at a write, and closed again
    /// when `openFiles` needs room).
    var isOpen: Bool { fd >= 0 }

    /// Closes the file (it is opened again at the next write).
    func close() { closeDescriptor() }

    /// Closes the descriptor and leaves `openFiles` (called by it to make room).
    func closeDescriptor() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
        openFiles?.closed(self)
    }

    private func open() -> Bool {
        if fd >= 0 {
            openFiles?.used(self)
            return true
        }
        openFiles?.makeRoom()
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o640)
        guard fd >= 0 else {
            fail("open")
            return false
        }
        openFiles?.opened(self)
        // The size on disk: the file may have been rotated or cut while closed.
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
