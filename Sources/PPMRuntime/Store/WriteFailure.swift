import Glibc

/// Why a write to one of the home's files did not reach the disk: the file
/// and the system's error, with a one-line message for the user
/// (`no space left on /var/lib/ppm-lua`).
package struct WriteFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file that could not be written.
    package var path: String
    /// The `errno` of the failed call (`ENOSPC`, `EDQUOT`, `EIO`…).
    package var code: Int32

    package init(path: String, code: Int32) {
        self.path = path
        self.code = code
    }

    /// Whether the file system (or the user's quota) is full.
    package var isFull: Bool { code == ENOSPC || code == EDQUOT }

    /// The folder holding the file (the home, for the state log and the journal).
    package var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `no space left on DIR`, `disk quota exceeded on DIR`, else `PATH: strerror`.
    package var description: String {
        switch code {
        case ENOSPC: "no space left on \(directory)"
        case EDQUOT: "disk quota exceeded on \(directory)"
        default: "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
