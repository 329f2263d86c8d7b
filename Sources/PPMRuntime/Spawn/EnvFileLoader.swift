import CSystem
import Glibc
import PPMMachine
import SystemCalls

/// Reads a service's `env_file`s when it is spawned. The files are paths
/// the service's user may control, so each is opened as that user (its
/// fs ids), never through a symlink, without blocking (a FIFO is refused),
/// and only when it is a regular file of at most `maxSize` bytes.
enum EnvFileLoader {
    /// The largest file read.
    static let maxSize = 1 << 20

    /// The variables of `files` in order (later files win). A name starting
    /// with `-` may be missing. Fails with `FILE:LINE: message` (or
    /// `FILE: reason`) naming the file as the spec does.
    static func load(_ files: [String], ids: Identity) -> Result<[String: String], SpawnFailure> {
        var result: [String: String] = [:]
        for entry in files {
            let optional = entry.hasPrefix("-")
            let path = optional ? String(entry.dropFirst()) : entry
            switch read(path, ids: ids) {
            case .success(let text?):
                do {
                    for (name, value) in try EnvFile.parse(text, file: path) { result[name] = value }
                } catch {
                    return .failure(SpawnFailure(error.description))
                }
            case .success(nil):
                if !optional { return .failure(SpawnFailure("\(path): no such file (env_file; write '-\(path)' if it may be missing)")) }
            case .failure(let f): return .failure(f)
            }
        }
        return .success(result)
    }

    /// The file's text; nil when it does not exist.
    private static func read(_ path: String, ids: Identity) -> Result<String?, SpawnFailure> {
        let fd = ppm_open_regular_as(path, ids.uid, ids.gid, ids.groups, Int32(ids.groups.count))
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return .success(nil)
            case ELOOP: return .failure(SpawnFailure("\(path): a symbolic link (env_file is not read through one)"))
            case EINVAL: return .failure(SpawnFailure("\(path): not a regular file"))
            case let e: return .failure(SpawnFailure("\(path): \(String(cString: strerror(e)))"))
            }
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n: Int
            do throws(SystemCallError) { n = try syscall { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } } } catch {
                return .failure(SpawnFailure("\(path): \(error)"))
            }
            if n == 0 { break }
            bytes += chunk[..<n]
            if bytes.count > maxSize { return .failure(SpawnFailure("\(path): larger than 1 MiB (env_file)")) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(SpawnFailure("\(path): not UTF-8 text"))
        }
        return .success(text)
    }
}
