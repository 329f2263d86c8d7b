import Glibc

/// Keeps a copy of each output pipe outside the daemon (the fd holder), so
/// a daemon that dies or re-executes leaves the services' pipes open.
package protocol PipeKeeper: AnyObject {
    /// Keeps both ends of the pipe `key` (`NAME.out`, `NAME.err`); why it
    /// could not, or nil.
    func keep(_ key: String, read: Int32, write: Int32) -> String?
    /// Closes and forgets the pipe `key`.
    func release(_ key: String)
}
