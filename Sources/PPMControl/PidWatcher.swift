import CSystem
import Dispatch
import Glibc
import PPMCore

/// Watches processes that are not the daemon's children (adopted after a
/// daemon was killed) through pidfds: a pidfd becomes readable when its
/// process ends. One Dispatch source per process, on the loop's queue.
final class PidWatcher: ProcessWatcher {
    private let queue: DispatchQueue
    private var sources: [Int32: DispatchSourceRead] = [:]

    init(queue: DispatchQueue) { self.queue = queue }

    func watch(_ pid: Int32, exited: @escaping () -> Void) -> Bool {
        let fd = ppm_pidfd_open(pid)
        guard fd >= 0 else { return false }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in
            self?.sources.removeValue(forKey: pid)?.cancel()
            exited()
        }
        source.setCancelHandler { Glibc.close(fd) }
        sources[pid]?.cancel()
        sources[pid] = source
        source.resume()
        return true
    }
}
