/// One `ulimit` entry: a resource name as prlimit spells it, soft and hard
/// values (nil = infinity).
package struct ResourceLimit: Sendable, Equatable {
    package var name: String
    package var soft: UInt64?
    package var hard: UInt64?
    package init(name: String, soft: UInt64?, hard: UInt64?) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }

    /// Resource names and their RLIMIT_* numbers on Linux.
    package static let resources: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5,
        "nproc": 6, "nofile": 7, "memlock": 8, "as": 9, "locks": 10,
        "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]
}
