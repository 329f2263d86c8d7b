package import Dispatch
import Glibc
import SystemCalls

/// A file written on a thread of its own (made once: writing goes on under a
/// used-up pids limit), so the loop never waits for the disk: appends and whole-file replacements happen in the order asked.
///
/// A write either lands whole or not at all: an append that fails or is
/// cut short (a full disk) is truncated back to the file's length before
/// it, so no torn line is left for the next record to be glued to.
/// `onFailure` hears of every failed write, `onRecovery` of the first one
/// that works after them, and a write's own `done` how it went, all on
/// `callbackQueue`.
///
/// `@unchecked Sendable`: its descriptor and state are touched only on
/// `queue`; the callbacks only on `callbackQueue`.
package final class BackgroundFile: @unchecked Sendable {
    package let path: String
    private let queue: WorkerThread
    /// Where `done` and `onChange` run (nil: on the writing queue itself,
    /// for tests that wait with `drain`).
    private let callbackQueue: DispatchQueue?
    private var fd: Int32 = -1
    /// On `queue`: whether the last write failed.
    private var failing = false
    /// Told of every write that failed (nothing of it is in the file). Set
    /// it before the first write.
    package var onFailure: ((WriteFailure) -> Void)?
    /// Told when a write works again after failures.
    package var onRecovery: (() -> Void)?

    package init(path: String, label: String, callbackQueue: DispatchQueue? = nil) {
        self.path = path
        queue = WorkerThread(name: label)
        self.callbackQueue = callbackQueue
    }

    /// Appends `text` (fsync after it with `sync`); `done` hears whether it
    /// is written (with `sync`: on disk), or why not (then nothing of it is).
    package func append(_ text: String, sync: Bool = false, done: ((WriteFailure?) -> Void)? = nil) {
        let done = done.map { LoopBound($0, queue: callbackQueue) }
        queue.perform { [self] in
            finished(write(text, sync: sync), done)
        }
    }

    /// Replaces the whole file atomically (temporary file, optional fsync,
    /// rename): after a failure the old version stays.
    package func replace(with text: String, sync: Bool, wait: Bool = false, done: ((WriteFailure?) -> Void)? = nil) {
        let done = done.map { LoopBound($0, queue: callbackQueue) }
        let write: @Sendable () -> Void = { [self] in
            var failure: WriteFailure?
            do { try AtomicFile.write(text, to: path, sync: sync) } catch { failure = error as? WriteFailure }
            if fd >= 0 { close(fd) }  // the file was replaced: reopen the new one
            fd = -1
            finished(failure, done)
        }
        if wait { queue.performAndWait(write) } else { queue.perform(write) }
    }

    /// Waits until everything asked so far is written.
    package func drain() { queue.performAndWait {} }

    /// Cuts a torn last line (bytes after the last newline: a write cut
    /// short by a crash) off the file at `path`, so that the next record
    /// starts on a line of its own. Returns how many bytes were cut.
    @discardableResult
    package static func cutTornTail(_ path: String) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return 0 }
        var keep = size
        // Back from the end to the last newline, a block at a time.
        var block = [UInt8](repeating: 0, count: 4096)
        scan: while keep > 0 {
            let start = max(0, keep - off_t(block.count))
            let n = pread(fd, &block, Int(keep - start), start)
            guard n > 0 else { return 0 }
            for i in stride(from: n - 1, through: 0, by: -1) {
                if block[i] == UInt8(ascii: "\n") { break scan }
                keep -= 1
            }
        }
        guard keep < size, ftruncate(fd, keep) == 0 else { return 0 }
        return Int(size - keep)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// One append, on `queue`: whole, or truncated back to where it began.
    private func write(_ text: String, sync: Bool) -> WriteFailure? {
        if fd < 0 { fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600) }
        guard fd >= 0 else { return WriteFailure(path: path, code: errno) }
        let length = lseek(fd, 0, SEEK_END)
        let code: Int32
        do throws(SystemCallError) {
            try writeAll(fd, text)
            guard sync && fsync(fd) != 0 else { return nil }
            code = errno
        } catch { code = error.code }
        if length >= 0 { ftruncate(fd, length) }
        return WriteFailure(path: path, code: code)
    }

    /// Remembers how a write went and tells those who listen, on `callbackQueue`.
    private func finished(_ result: WriteFailure?, _ done: LoopBound<(WriteFailure?) -> Void>?) {
        let recovered = result == nil && failing
        failing = result != nil
        guard result != nil || recovered || done != nil else { return }
        let report: @Sendable () -> Void = { [self] in
            if let result { onFailure?(result) }
            if recovered { onRecovery?() }
            done?.value(result)
        }
        if let callbackQueue { callbackQueue.async(execute: report) } else { report() }
    }
}
