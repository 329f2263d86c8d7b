import Dispatch
import Glibc

/// A file written on its own serial queue, so the loop never waits for the
/// disk: appends and whole-file replacements happen in the order asked.
///
/// `@unchecked Sendable`: its descriptor is touched only on `queue`.
public final class BackgroundFile: @unchecked Sendable {
    public let path: String
    private let queue: DispatchQueue
    private var fd: Int32 = -1

    public init(path: String, label: String) {
        self.path = path
        queue = DispatchQueue(label: label)
    }

    /// Appends `text` (fsync after it with `sync`).
    public func append(_ text: String, sync: Bool = false) {
        queue.async { [self] in
            if fd < 0 { fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) }
            guard fd >= 0 else { return }
            _ = AtomicFile.writeAll(fd, text)
            if sync { fsync(fd) }
        }
    }

    /// Replaces the whole file atomically (temporary file, optional fsync, rename).
    public func replace(with text: String, sync: Bool, wait: Bool = false) {
        let write: @Sendable () -> Void = { [self] in
            try? AtomicFile.write(text, to: path, sync: sync)
            if fd >= 0 { close(fd) }  // the file was replaced: reopen the new one
            fd = -1
        }
        if wait { queue.sync(execute: write) } else { queue.async(execute: write) }
    }

    /// Waits until everything asked so far is written.
    public func drain() { queue.sync {} }

    deinit { if fd >= 0 { close(fd) } }
}
