/// Prometheus's text exposition format, version 0.0.4, written straight to
/// bytes: `# HELP` and `# TYPE` lines, then one sample a line,
/// `name{label="value",...} number`. Label values and help texts are
/// escaped as the format says; numbers are Go's `ParseFloat` syntax
/// (`+Inf`, `-Inf`, `NaN`, integers without a fraction).
package struct ExpositionWriter {
    /// The text so far.
    package private(set) var bytes: [UInt8]

    /// An empty text with room for `capacity` bytes.
    package init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The media type of the text (the `Content-Type` of `/metrics`).
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `# HELP name help` and `# TYPE name type`, before a family's samples.
    package mutating func family(_ name: String, type: String, help: String) {
        append("# HELP ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        append("\n# TYPE ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        append(type)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// One sample without labels: `name value`.
    package mutating func sample(_ name: String, _ value: Double) { sample(name, nil, nil, value) }

    /// One sample with one label: `name{a="x"} value`.
    package mutating func sample(_ name: String, _ label: (String, String), _ value: Double) { sample(name, label, nil, value) }

    /// One sample with two labels: `name{a="x",b="y"} value`.
    package mutating func sample(_ name: String, _ first: (String, String), _ second: (String, String), _ value: Double) {
        sample(name, first, Optional(second), value)
    }

    private mutating func sample(_ name: String, _ first: (String, String)?, _ second: (String, String)?, _ value: Double) {
        append(name)
        if let first {
            bytes.append(UInt8(ascii: "{"))
            label(first.0, first.1)
            if let second {
                bytes.append(UInt8(ascii: ","))
                label(second.0, second.1)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        number(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// One sample whose labels are given as two lists, `extra` (e.g. `le`) last.
    package mutating func sample(_ name: String, names: [String], values: [String], extra: (String, String)? = nil, _ value: Double) {
        append(name)
        if !names.isEmpty || extra != nil {
            bytes.append(UInt8(ascii: "{"))
            for i in names.indices {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                label(names[i], values[i])
            }
            if let (key, text) = extra {
                if !names.isEmpty { bytes.append(UInt8(ascii: ",")) }
                label(key, text)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        number(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `key="value"`, the value escaped.
    private mutating func label(_ key: String, _ value: String) {
        append(key)
        append("=\"")
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A sample value: digits for whole numbers, Swift's shortest form otherwise.
    package mutating func number(_ value: Double) {
        if value.isNaN { return append("NaN") }
        if value.isInfinite { return append(value > 0 ? "+Inf" : "-Inf") }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return integer(Int64(value))
        }
        append(value.description)
    }

    /// A whole number in decimal.
    package mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: digits[at...])
        }
    }

    /// Bytes of `text` as they are.
    package mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Bytes written elsewhere (another writer's text).
    package mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isMetricName(_ name: String) -> Bool {
        isName(name, colons: true)
    }

    /// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
    package static func isLabelName(_ name: String) -> Bool {
        isName(name, colons: false) && !name.hasPrefix("__")
    }

    private static func isName(_ name: String, colons: Bool) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == UInt8(ascii: "_") || (colons && b == UInt8(ascii: ":"))
        }
        return letter(first) && name.utf8.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}
