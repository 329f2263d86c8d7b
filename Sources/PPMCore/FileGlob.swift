import Glibc

/// A `depends` pattern: a path whose segments may hold shell wildcards
/// (`*`, `?`, `[...]`, matched per segment) and `**` (any number of
/// folders). Expands against the file system.
public struct FileGlob: Sendable, Equatable {
    /// The pattern as written (made absolute by the config reader).
    public let pattern: String
    /// The folder before the first segment with a wildcard: what to watch.
    public let base: String
    /// Whether the pattern reaches into subfolders at any depth (`**`).
    public let recursive: Bool
    private let segments: [String]

    public init(_ pattern: String) {
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
    public func matches() -> [String] {
        var found: [String] = []
        expand(base.isEmpty ? "." : base, segments[...], into: &found)
        return found.sorted()
    }

    /// The folders under `base` a recursive pattern can reach (to watch).
    public func folders() -> [String] {
        var result = [base.isEmpty ? "." : base]
        guard recursive else { return result }
        var index = 0
        while index < result.count {
            for entry in Self.entries(result[index]) where entry.isFolder { result.append(Self.join(result[index], entry.name)) }
            index += 1
        }
        return result
    }

    private func expand(_ folder: String, _ rest: ArraySlice<String>, into found: inout [String]) {
        guard let segment = rest.first else { return }
        let tail = rest.dropFirst()
        if segment == "**" {
            expand(folder, tail, into: &found)  // zero folders
            for entry in Self.entries(folder) where entry.isFolder { expand(Self.join(folder, entry.name), rest, into: &found) }
            return
        }
        for entry in Self.entries(folder) where fnmatch(segment, entry.name, FNM_PERIOD) == 0 {
            let path = Self.join(folder, entry.name)
            if tail.isEmpty {
                if !entry.isFolder { found.append(path) }
            } else if entry.isFolder {
                expand(path, tail, into: &found)
            }
        }
    }

    static func join(_ folder: String, _ name: String) -> String { folder == "/" ? "/" + name : folder + "/" + name }

    /// The entries of a folder (without `.` and `..`), folders told apart.
    static func entries(_ folder: String) -> [(name: String, isFolder: Bool)] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var result: [(String, Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != "." && name != ".." else { continue }
            var info = stat()
            let isFolder = stat(join(folder, name), &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            result.append((name, isFolder))
        }
        return result
    }

    /// A 64-bit FNV-1a digest of a file's content, nil if it cannot be read.
    public static func digest(_ path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return n == 0 ? hash : nil }
            for byte in buffer[..<n] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
    }
}
