import Glibc

/// Why services get no cgroup of their own (they run in process groups only).
public struct CgroupUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
