import Glibc

/// Colour for a terminal: only when standard output is one and `NO_COLOR`
/// is not set (https://no-color.org); piped output stays plain.
package enum Style {
    /// Whether colour is on.
    package static let enabled: Bool = {
        if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return isatty(1) != 0
    }()

    /// A service state: running green, crashed and fatal red, waiting and
    /// the passing states yellow.
    package static func state(_ text: String) -> String {
        switch text {
        case "running": paint(text, "32")
        case "crashed", "fatal": paint(text, "31")
        case "waiting", "stopping", "paused", "reloading": paint(text, "33")
        default: text
        }
    }

    /// `text` in the SGR colour `code`, when colour is on.
    package static func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text
    }
}
