/// The time budget of one `eval` or REPL chunk. The daemon's loop waits
/// while a chunk runs, so the budget has a ceiling: a chunk can hold up
/// supervision for at most `maximum` seconds.
package enum EvalTimeout {
    /// Seconds when the client names none.
    package static let standard = 5.0
    /// The largest budget a client may ask for.
    package static let maximum = 30.0

    /// Why `seconds` is not an acceptable budget, or nil if it is.
    package static func problem(_ seconds: Double) -> String? {
        guard seconds > 0, seconds <= maximum else {
            return "timeout must be more than 0 and at most \(Int(maximum)) seconds (got \(seconds.formatted)): "
                + "the daemon's loop waits while a chunk runs"
        }
        return nil
    }
}

private extension Double {
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
