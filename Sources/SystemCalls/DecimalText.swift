import Glibc

/// Numbers written for people with a fixed count of decimals, without
/// Foundation: the daemon, the full program and the lean client share it.
package enum DecimalText {
    /// `value` with `decimals` digits after the point, rounded as printf's
    /// `%.Nf` does (what `String(format:)` gave).
    package static func fixed(_ value: Double, decimals: Int) -> String {
        precondition((0...20).contains(decimals))
        return withVaList([value]) { args in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
                _ = vsnprintf(buffer.baseAddress, buffer.count, "%.\(decimals)f", args)
                return String(cString: buffer.baseAddress!)
            }
        }
    }
}
