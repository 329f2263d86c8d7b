import Glibc
import PPMCore
import PPMScript

/// What a root daemon reads as code or as a secret must be root's alone:
/// the config, its folder (which `require` searches first) and the remote
/// token's folder. Anything another user could write is named at start.
enum TrustedPaths {
    /// One warning per path another user could change (none unless root).
    static func warnings(config: String?, tokenFile: String?) -> [String] {
        guard geteuid() == 0 else { return [] }
        var out: [String] = []
        if let config {
            let folder = ScriptHost.folder(of: config)
            if let why = writableByOthers(config) { out.append("the config \(config) \(why): whoever can change it runs code as root") }
            if let why = writableByOthers(folder) {
                out.append("the config's folder \(folder) \(why): whoever can write there runs code as root (`require` searches it first)")
            }
        }
        if let tokenFile {
            let folder = ScriptHost.folder(of: tokenFile)
            if let why = writableByOthers(folder) { out.append("the token's folder \(folder) \(why): whoever can write there can replace the token") }
        }
        return out
    }

    /// Why `path` could be changed by a user other than root, or nil.
    static func writableByOthers(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        if st.st_uid != 0 { return "is owned by uid \(st.st_uid)" }
        if st.st_mode & 0o002 != 0 { return "is writable by everyone" }
        if st.st_mode & 0o020 != 0 && st.st_gid != 0 { return "is writable by group \(st.st_gid)" }
        return nil
    }
}
