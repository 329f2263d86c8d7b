import CSystem
import Glibc
package import PPMMachine
import SystemCalls

/// s6's notification-fd (`ready = {fd = N}`): before each spawn of such a
/// service a pipe is made, its write end becomes the child's descriptor N,
/// and the first newline read from it makes that run ready. End of file
/// first (the service closed it, or exited) means no readiness from it.
/// Confined to the loop.
package final class NotificationPipes {
    /// Told once per run: the service and the pid whose newline arrived.
    package var onReady: ((_ name: String, _ pid: Int32) -> Void)?

    private let watcher: ReadinessWatcher
    /// The read end and the process of each watched run, by service.
    private var reading: [String: (fd: Int32, pid: Int32)] = [:]
    /// The pipe made for the spawn under way: (read end, write end).
    private var pending: (String, Int32, Int32)?

    package init(watcher: ReadinessWatcher) { self.watcher = watcher }

    /// A pipe for the next spawn of `name`: the write end to give the child
    /// (`ChildOutput.notify`), or -1 when no pipe could be made.
    package func prepare(_ name: String) -> Int32 {
        forget(name)
        var fds: [Int32] = [-1, -1]
        guard ppm_pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        pending = (name, fds[0], fds[1])
        return fds[1]
    }

    /// After the spawn: the child holds the write end now; on success the
    /// read end is watched for its newline.
    package func spawned(_ name: String, _ result: Result<Int32, SpawnFailure>) {
        guard let (pendingName, readEnd, writeEnd) = pending, pendingName == name else { return }
        pending = nil
        close(writeEnd)
        guard case .success(let pid) = result, watcher.watchReadable(readEnd, { [weak self] in self?.readable(name) }) else {
            close(readEnd)
            return
        }
        reading[name] = (readEnd, pid)
    }

    /// Stops reading the service's pipe (removed, or a new run).
    package func forget(_ name: String) {
        guard let (fd, _) = reading.removeValue(forKey: name) else { return }
        watcher.forget(fd)
        close(fd)
    }

    private func readable(_ name: String) {
        guard let (fd, pid) = reading[name] else { return }
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n: Int
            do {
                n = try syscall { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                if error.code != EAGAIN { forget(name) }
                return
            }
            guard n > 0 else { return forget(name) }  // closed without a newline: not ready by it
            if buffer[0..<n].contains(UInt8(ascii: "\n")) {
                forget(name)
                onReady?(name, pid)
                return
            }
        }
    }
}
