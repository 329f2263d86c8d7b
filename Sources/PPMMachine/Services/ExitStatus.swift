/// How a process ended.
package enum ExitStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// An adopted process ended: it was not this daemon's child, so its
    /// status cannot be read.
    case unknown

    package var result: Int32? { if case .exited(let c) = self { c } else { nil } }
    package var signal: Int32? { if case .signaled(let s) = self { s } else { nil } }
}
