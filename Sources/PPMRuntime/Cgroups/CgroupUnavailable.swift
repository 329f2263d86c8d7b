import Glibc

/// Why services get no cgroup of their own (they run in process groups only).
package struct CgroupUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
    package var description: String { reason }
}
