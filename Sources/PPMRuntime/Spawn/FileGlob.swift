import Glibc

/// A `depends` pattern: a path whose segments may hold shell wildcards
/// (`*`, `?`, `[...]`, matched per segment) and `**` (any number of
/// folders; at the end, every file below). Expands against the file system.
package struct FileGlob: Sendable, Equatable {
    /// The pattern as written (made absolute by the config reader).
    package let pattern: String
    /// The folder before the first segment with a wildcard: what to watch.
    package let base: String
    /// Whether the pattern reaches into subfolders at any depth (`**`).
    package let recursive: Bool
    private let segments: [String]

    package init(_ pattern: String) {
        self.pattern = pattern
        let parts = pattern.split(separator: "/").map(String.init)
        let firstWild = parts.firstIndex(where: Self.isWild) ?? max(parts.count - 1, 0)
        let baseParts = parts[..<firstWild]
        base = (pattern.hasPrefix("/") ? "/" : "") + baseParts.joined(separator: "/")
        segments = Array(parts[firstWild...])
        recursive = segments.contains("**")
    }

    static func isWild(_ segment: String) -> Bool { segment.contains { "*?[".contains($0) } }

    /// The regular files the pattern matches now, sorted.
    package func matches() -> [String] {
        var found: [String] = []
        expand(base.isEmpty ? "." : base, segments[...], into: &found)
        return found.sorted()
    }

    /// The folders under `base` a recursive pattern can reach (to watch),
    /// each once however many symlinks lead to it.
    package func folders() -> [String] {
        let root = base.isEmpty ? "." : base
        var result = [root]
        guard recursive else { return result }
        var seen: Set<FileID> = Self.identity(root).map { [$0] } ?? []
        var index = 0
        while index < result.count {
            for entry in Self.entries(result[index]) where entry.isFolder && seen.insert(entry.id).inserted {
                result.append(Self.join(result[index], entry.name))
            }
            index += 1
        }
        return result
    }

    /// A file's identity: `**` enters a folder once, however many symlinks
    /// lead to it (`ln -s . x; ln -s . y` would make the walk exponential).
    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
        /// The pattern segment the walk is at (two `**` may both pass a folder).
        var depth = 0
    }

    private func expand(_ folder: String, _ rest: ArraySlice<String>, into found: inout [String]) {
        var seen: Set<FileID> = []
        expand(folder, rest, seen: &seen, into: &found)
    }

    private func expand(_ folder: String, _ rest: ArraySlice<String>, seen: inout Set<FileID>, into found: inout [String]) {
        guard let segment = rest.first else { return }
        // A final `**` is every file below: `dir/**` reads as `dir/**/*`.
        if segment == "**", rest.count == 1 { return expand(folder, ["**", "*"], seen: &seen, into: &found) }
        let tail = rest.dropFirst()
        if segment == "**" {
            if let id = Self.identity(folder) { seen.insert(FileID(device: id.device, inode: id.inode, depth: rest.startIndex)) }
            expand(folder, tail, seen: &seen, into: &found)  // zero folders
            for entry in Self.entries(folder) where entry.isFolder {
                let id = FileID(device: entry.id.device, inode: entry.id.inode, depth: rest.startIndex)
                if seen.insert(id).inserted { expand(Self.join(folder, entry.name), rest, seen: &seen, into: &found) }
            }
            return
        }
        for entry in Self.entries(folder) where fnmatch(segment, entry.name, FNM_PERIOD) == 0 {
            let path = Self.join(folder, entry.name)
            if tail.isEmpty {
                if !entry.isFolder { found.append(path) }
            } else if entry.isFolder {
                expand(path, tail, seen: &seen, into: &found)
            }
        }
    }

    static func join(_ folder: String, _ name: String) -> String { folder == "/" ? "/" + name : folder + "/" + name }

    static func identity(_ path: String) -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The entries of a folder (without `.` and `..`), folders told apart
    /// (a symlink counts as what it points to; `stat` opens nothing).
    static func entries(_ folder: String) -> [(name: String, isFolder: Bool, id: FileID)] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var result: [(String, Bool, FileID)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != "." && name != ".." else { continue }
            var info = stat()
            let found = stat(join(folder, name), &info) == 0
            let isFolder = found && (info.st_mode & S_IFMT) == S_IFDIR
            result.append((name, isFolder, FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))))
        }
        return result
    }
}
