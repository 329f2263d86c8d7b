/// Why a control request on the supervisor failed.
package enum SupervisorError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case duplicate(String)
    case notRunning(String)

    package var description: String {
        switch self {
        case .unknown(let n): "unknown service '\(n)'"
        case .duplicate(let n): "a service named '\(n)' already exists"
        case .notRunning(let n): "service '\(n)' is not running"
        }
    }
}
