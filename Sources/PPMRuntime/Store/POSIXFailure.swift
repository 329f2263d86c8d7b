import FoundationEssentials
import Glibc
import SystemCalls

/// A failed system call, with its message ready for the user.
package struct POSIXFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ message: String) { description = message }
}
