import Glibc

extension ProcessTable {
    /// The calling process's children, from `/proc/self/task/TID/children`
    /// of each of its threads: only its own, however many processes the
    /// machine runs (the whole table is a read per process). Nil when the
    /// kernel has no such file (built without `CONFIG_PROC_CHILDREN`). The
    /// kernel takes no snapshot: a child made or ended during the read may
    /// be missing, so an empty answer is worth confirming with `read()`.
    package static func ownChildren() -> [Int32]? {
        guard let dir = opendir("/proc/self/task") else { return nil }
        defer { closedir(dir) }
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var children: [Int32] = []
        while let dirent = readdir(dir) {
            let name = UnsafeRawPointer(dirent).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            guard let task = pid(named: name) else { continue }
            guard let bytes = KernelFile.bytes("/proc/self/task/\(task)/children") else {
                // A thread that ended meanwhile has no file; a kernel without the file has none for any.
                if access("/proc/self/task/\(task)", F_OK) == 0 { return nil }
                continue
            }
            children += bytes.split(separator: UInt8(ascii: " ")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
        }
        return children
    }
}
