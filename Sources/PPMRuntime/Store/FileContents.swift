import FoundationEssentials
import Glibc
import SystemCalls

/// Reads a whole text file, or nil.
package enum FileContents {
    package static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every byte of a file, read to its end (devices such as /dev/null
    /// and pipes too); the error is `strerror` text ("No such file or directory").
    package static func bytes(_ path: String) -> Result<[UInt8], POSIXFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(POSIXFailure(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do throws(SystemCallError) { n = try syscall { Glibc.read(fd, &chunk, chunk.count) } } catch {
                return .failure(POSIXFailure(error.description))
            }
            if n == 0 { return .success(bytes) }
            bytes += chunk[0..<n]
        }
    }
}
