import FoundationEssentials
import Glibc
import SystemCalls

/// A failed system call, with its message ready for the user.
public struct POSIXFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
