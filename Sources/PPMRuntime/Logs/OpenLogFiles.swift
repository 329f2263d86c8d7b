/// The log files open at once, at most `capacity` of them: a file is opened
/// at its write and stays open while it is among the `capacity` most
/// recently written; the least recently written one is closed to make room
/// (and opened again, in append mode, at its next write). So a service
/// costs the daemon no descriptor for its log files between writes, and
/// the descriptor budget counts the files as one fixed share (`capacity`),
/// whatever the number of services (#23).
///
/// Lines are never lost or reordered by a close: files are written whole
/// lines at a time on the loop, a close happens between two writes, and the
/// next write appends (`O_APPEND`) after the last. A list of the open files,
/// most recently used first, makes each use and each eviction O(1).
///
/// Confined to the loop's queue, like the files.
final class OpenLogFiles {
    /// Files open at most.
    let capacity: Int
    /// Files open now.
    private(set) var count = 0
    /// The list's ends: each file holds the next older one, so the list
    /// holds every open file once and makes no cycle.
    private var newest: LogFile?
    private weak var oldest: LogFile?

    /// Room for `capacity` open files (at least one).
    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The capacity for an open-files limit: a 128th of it, 8 to 256 files.
    static func capacity(limit: Int) -> Int { min(256, max(8, limit / 128)) }

    /// Descriptors the files may still take (counted as open by the budget).
    var unopened: Int { capacity - count }

    /// Makes room for one more open file: closes the least recently written
    /// one when `capacity` are open.
    func makeRoom() {
        while count >= capacity, let victim = oldest { victim.closeDescriptor() }
    }

    /// `file` was just opened: it is now the most recently used.
    func opened(_ file: LogFile) {
        count += 1
        pushNewest(file)
    }

    /// `file` is written again: it becomes the most recently used.
    func used(_ file: LogFile) {
        guard newest !== file else { return }
        unlink(file)
        pushNewest(file)
    }

    /// `file` was closed: it leaves the list.
    func closed(_ file: LogFile) {
        count -= 1
        unlink(file)
    }

    private func pushNewest(_ file: LogFile) {
        file.older = newest
        file.newer = nil
        newest?.newer = file
        newest = file
        if oldest == nil { oldest = file }
    }

    private func unlink(_ file: LogFile) {
        if let newer = file.newer { newer.older = file.older } else if newest === file { newest = file.older }
        if let older = file.older { older.newer = file.newer } else if oldest === file { oldest = file.newer }
        file.newer = nil
        file.older = nil
    }
}
