import CSystem
import Glibc
import PPMMachine
import SystemCalls

/// One captured stream of one service: a pipe whose write end every process
/// of the service gets as fd 1 (or 2), read on the loop's queue into the log
/// file. A write end stays open outside the children (the fd holder's copy,
/// else the daemon's own), so the pipe lasts across restarts: no pipe, no
/// source, no file is made again per start, and a grandchild still writing
/// after its parent died is captured as well.
///
/// Every descriptor the daemon holds is copied into each child and closed
/// again at its exec, so the daemon keeps only the read end when the holder
/// has the write end: a child's write end is then opened per spawn through
/// /proc/self/fd (two descriptors per service instead of four).
final class CapturedStream {
    let kind: OutputKind
    let file: LogFile
    /// The write end the daemon keeps (close-on-exec), or -1 once the fd
    /// holder keeps it instead.
    private(set) var writeFD: Int32
    /// The end the daemon reads.
    let readFD: Int32
    private var splitter = LineSplitter()
    /// Tells when the pipe has input; nil once closed.
    private var watcher: ReadinessWatcher?
    /// Whether `watcher` watches the read end now: not while no writer is
    /// left (end of file would be reported again and again).
    private var watching = false
    /// The service whose output this is, as `owner` knows it.
    let name: String
    /// The capture that hears of this stream: its runs of complete lines,
    /// after they reach the file (for followers and hooks), whether it wants
    /// them now, and its write failures. One reference instead of three
    /// closures per stream (a thousand services have two thousand streams).
    unowned var owner: OutputCapture?
    /// Why the file cannot be written now (a full disk): the pipe is not
    /// read meanwhile, so its writers wait (back-pressure) and no line is lost.
    private(set) var failure: WriteFailure?
    /// Lines read but not written yet, as they go to the file and as
    /// `onLines` wants them: whole lines, at most what one drain read.
    private var heldForFile: [UInt8] = []
    private var heldForLines: [UInt8] = []

    /// A new pipe for `kind`, read when `watcher` says it has input; nil
    /// when no pipe can be made (out of file descriptors).
    convenience init?(name: String, kind: OutputKind, file: LogFile, watcher: ReadinessWatcher, buffer: ReadBuffer) {
        var fds: [Int32] = [-1, -1]
        guard ppm_pipe(&fds) == 0 else { return nil }
        self.init(name: name, kind: kind, file: file, watcher: watcher, buffer: buffer, readFD: fds[0], writeFD: fds[1])
    }

    /// Reads an existing pipe (one a previous daemon made, kept by the fd holder).
    init(name: String, kind: OutputKind, file: LogFile, watcher: ReadinessWatcher, buffer: ReadBuffer, readFD: Int32, writeFD: Int32) {
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
        self.name = name
        self.kind = kind
        self.file = file
        self.readFD = readFD
        self.writeFD = writeFD
        self.watcher = watcher
        self.buffer = buffer
        watch()
    }

    private let buffer: ReadBuffer

    private func watch() {
        guard !watching, failure == nil, let watcher else { return }
        watching = watcher.watchReadable(readFD) { [unowned self] in self.drain(self.buffer, rounds: 4) }
    }

    /// Reads what the pipe holds now (up to `rounds` buffers; the watcher
    /// calls again for the rest) into the file. At the end of file (no
    /// writer left: the fd holder is gone and the last process exited) the
    /// pipe is not watched until the next process gets a write end.
    func drain(_ buffer: ReadBuffer, rounds: Int) {
        var round = 0
        while round < rounds && failure == nil {
            round += 1
            let n = (try? syscall { read(readFD, buffer.bytes.baseAddress, buffer.bytes.count) }) ?? -1
            if n == 0 && watching {
                watcher?.forget(readFD)
                watching = false
            }
            guard n > 0 else { return }
            let timestamp = file.policy.timestamps ? LogText.timestamp(now: SystemClock.wall()) : nil
            splitter.feed(UnsafeRawBufferPointer(rebasing: buffer.bytes[..<n])) { deliver($0, timestamp: timestamp, buffer: buffer) }
        }
    }

    /// A write end for the next process: the kept one, or a new one opened
    /// through /proc/self/fd that the caller closes once the child has it
    /// (`temporary`). -1 if none can be opened.
    func childEnd() -> (fd: Int32, temporary: Bool) {
        watch()
        if writeFD >= 0 { return (writeFD, false) }
        let fd = open("/proc/self/fd/\(readFD)", O_WRONLY | O_CLOEXEC)
        return (fd, fd >= 0)
    }

    /// Closes the daemon's write end: the fd holder keeps the pipe open.
    func releaseWriteEnd() {
        guard writeFD >= 0 else { return }
        Glibc.close(writeFD)
        writeFD = -1
    }

    /// Writes the partial line, if any, as a line of its own.
    func flushPartial(_ buffer: ReadBuffer) {
        let timestamp = file.policy.timestamps ? LogText.timestamp(now: SystemClock.wall()) : nil
        splitter.flush { deliver($0, timestamp: timestamp, buffer: buffer) }
    }

    /// Writes the lines held back since writing failed; when that works
    /// the pipe is read again. False while the file still cannot be written.
    @discardableResult
    func retry() -> Bool {
        guard failure != nil else { return true }
        if let again = heldForFile.withUnsafeBytes({ file.write($0) }) {
            heldForFile.removeFirst(again.written)
            failure = again.failure
            return false
        }
        failure = nil
        if !heldForLines.isEmpty { heldForLines.withUnsafeBytes { owner?.deliver(name, kind, $0) } }
        heldForFile.removeAll()
        heldForLines.removeAll()
        owner?.streamFailed(name, self, nil)
        watch()
        return true
    }

    /// Stops reading and closes both ends and the file.
    func close() {
        guard let watcher else { return }
        if failure != nil { retry() }  // a last try: what still cannot be written is lost
        if watching { watcher.forget(readFD) }
        watching = false
        self.watcher = nil
        Glibc.close(readFD)
        releaseWriteEnd()
        file.close()
    }

    private func deliver(_ lines: UnsafeRawBufferPointer, timestamp: [UInt8]?, buffer: ReadBuffer) {
        var written: LogFile.Shortfall?
        if let timestamp {
            buffer.stamped.removeAll(keepingCapacity: true)
            var start = 0
            for i in lines.indices where lines[i] == UInt8(ascii: "\n") {
                buffer.stamped.append(contentsOf: timestamp)
                buffer.stamped.append(contentsOf: UnsafeRawBufferPointer(rebasing: lines[start...i]))
                start = i + 1
            }
            written = buffer.stamped.withUnsafeBytes { hold($0) ?? file.write($0) }
        } else {
            written = hold(lines) ?? file.write(lines)
        }
        if let written {
            // What did not reach the file is kept for `retry`; the pipe is left alone until then.
            if failure == nil {
                heldForFile.append(contentsOf: (timestamp == nil ? Array(lines) : buffer.stamped).dropFirst(written.written))
                stall(written.failure)
            }
            if wantsLines { heldForLines.append(contentsOf: lines) }
            return
        }
        if wantsLines { owner?.deliver(name, kind, lines) }
    }

    /// While stalled: keeps `bytes` for `retry` and says so (a failure).
    private func hold(_ bytes: UnsafeRawBufferPointer) -> LogFile.Shortfall? {
        guard let failure else { return nil }
        heldForFile.append(contentsOf: bytes)
        return LogFile.Shortfall(failure: failure, written: 0)
    }

    /// Whether `owner` wants this stream's lines now (checked before any work for them).
    private var wantsLines: Bool { owner?.wantsLines(of: name) == true }

    /// Stops reading the pipe: what it holds waits there.
    private func stall(_ why: WriteFailure) {
        failure = why
        if watching { watcher?.forget(readFD) }
        watching = false
        owner?.streamFailed(name, self, why)
    }
}
