import PPMMachine

/// The bytes of one forwarded line in each of SPEC 11's forms: `NAME | line`
/// (`NAME[err] | line`), one JSON object, a journald native datagram, or an
/// RFC 5424 syslog message.
enum ForwardFormat {
    /// `web | line\n`, `web[err] | line\n` for stderr.
    static func prefixed(_ name: String, _ stream: OutputKind, _ line: String) -> [UInt8] {
        Array("\(name)\(stream == .err ? "[err]" : "") | \(line)\n".utf8)
    }

    /// `{"line":…,"service":…,"stream":"stdout","time":…}\n` (time in unix seconds).
    static func json(_ name: String, _ stream: OutputKind, _ line: String, time: Double) -> [UInt8] {
        var writer = JSONWriter(capacity: line.utf8.count + name.utf8.count + 64)
        writer.write(
            .object([
                "time": .double((time * 1000).rounded() / 1000), "service": .string(name),
                "stream": .string(streamName(stream)), "line": .string(line),
            ]))
        return writer.bytes + [UInt8(ascii: "\n")]
    }

    /// `stdout` or `stderr`.
    static func streamName(_ stream: OutputKind) -> String { stream == .err ? "stderr" : "stdout" }

    /// syslog's severity: 3 (err) for stderr, 6 (info) for stdout.
    static func priority(_ stream: OutputKind) -> Int { stream == .err ? 3 : 6 }

    /// journald's native protocol: `KEY=value\n` per field; a value holding
    /// a newline as `KEY\n`, its length as 64-bit little endian, the value, `\n`.
    static func journal(_ fields: [(key: String, value: String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (key, value) in fields {
            bytes.append(contentsOf: key.utf8)
            let utf8 = Array(value.utf8)
            if utf8.contains(UInt8(ascii: "\n")) {
                bytes.append(UInt8(ascii: "\n"))
                var length = UInt64(utf8.count).littleEndian
                withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
            } else {
                bytes.append(UInt8(ascii: "="))
            }
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// The fields of one line for journald.
    static func journalFields(_ name: String, _ stream: OutputKind, _ line: String, pid: Int32?) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = [
            ("MESSAGE", line), ("SYSLOG_IDENTIFIER", name), ("PRIORITY", String(priority(stream))),
            ("SYSLOG_FACILITY", "3"), ("PPM_SERVICE", name), ("PPM_STREAM", streamName(stream)),
        ]
        if let pid { fields.append(("SYSLOG_PID", String(pid))) }
        return fields
    }

    /// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID - - MSG` (facility daemon).
    static func syslog(_ name: String, _ stream: OutputKind, _ line: String, time: Double, host: String, pid: Int32?) -> [UInt8] {
        let app = field(name, limit: 48)
        let procID = pid.map(String.init) ?? "-"
        return Array("<\(3 * 8 + priority(stream))>1 \(ServiceEvent.utc(time)) \(field(host, limit: 255)) \(app) \(procID) - - \(line)".utf8)
    }

    /// A header field of RFC 5424: printable ASCII without spaces, bounded; `-` when empty.
    private static func field(_ text: String, limit: Int) -> String {
        let kept = String(decoding: text.utf8.filter { $0 > 32 && $0 < 127 }.prefix(limit), as: UTF8.self)
        return kept.isEmpty ? "-" : kept
    }
}
