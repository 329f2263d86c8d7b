import Glibc
package import PPMClient
package import PPMMachine
import SystemCalls

/// Writes `ppm-lua: message` and a newline to stderr, unbuffered.
package func printError(_ message: String) {
    try? writeAll(2, "ppm-lua: \(message)\n")
}

/// Prints JSON on one line.
package func printJSON(_ value: JSONValue) {
    print(value.text)
}

/// Prints JSON text received from the daemon as it is, on one line (the
/// reader has checked it is UTF-8, so the bytes go out unchanged).
/// Written to standard output as they are, with no String made of them
/// (`ls --json` at 10,000 services is 6.5 MB), after what `print` holds.
package func printJSON(raw: ArraySlice<UInt8>) {
    fflush(nil)
    raw.withUnsafeBytes { writeOut($0) }
    [UInt8(10)].withUnsafeBytes { writeOut($0) }
}

/// Asks `cmd` and prints its result as the daemon sends it, on one line,
/// while it arrives (`ControlClient.streamResult`): `ls --json`, whose reply
/// at 10,000 services is 7 MB, goes out without being held or parsed.
package func printJSON(streaming cmd: String, from client: ControlClient) throws(ControlClient.Failure) {
    fflush(nil)
    try client.streamResult(cmd, to: writeOut)
}

/// Writes all of `bytes` to standard output (a failed write drops the rest, as `print` does).
private func writeOut(_ bytes: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < bytes.count {
        let n = write(1, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}

/// Left-aligned columns with a header row; `colour` styles the cells of
/// some columns (not the header), after their width is measured.
package func printTable(_ header: [String], _ rows: [[String]], colour: [Int: (String) -> String] = [:]) {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
    }
    for (r, row) in ([header] + rows).enumerated() {
        let line = row.enumerated().map { i, cell in
            let styled = r > 0 ? colour[i]?(cell) ?? cell : cell
            return i == row.count - 1 ? styled : styled + String(repeating: " ", count: max(0, widths[i] - cell.count))
        }.joined(separator: "  ")
        print(line)
    }
}

/// `text` followed by spaces up to `width` characters.
package func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// "3s", "4m12s", "2h03m", "5d02h".
package func formatDuration(_ seconds: Double?) -> String {
    guard let seconds else { return "-" }
    let s = Int(seconds)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(twoDigits(s % 60))s" }
    if s < 86400 { return "\(s / 3600)h\(twoDigits(s % 3600 / 60))m" }
    return "\(s / 86400)d\(twoDigits(s % 86400 / 3600))h"
}

/// The STATE cell of `ls`: the state, or `scheduled, next 12:05:00`
/// (local time) for a service idle until a schedule's next time (`cron`).
package func displayState(_ s: JSONValue) -> String {
    let state = s["state"]?.stringValue ?? "?"
    return scheduledNext(s) ?? state
}

/// `scheduled, next 12:05:00` when the service waits for a schedule's next time, else nil.
package func scheduledNext(_ s: JSONValue) -> String? {
    guard s["state"]?.stringValue == "waiting", s["scheduled"]?.boolValue == true, let due = s["starts_in"]?.doubleValue else { return nil }
    var t = time_t((SystemClock.wall() + due).rounded())
    var local = tm()
    localtime_r(&t, &local)
    return "scheduled, next \(twoDigits(Int(local.tm_hour))):\(twoDigits(Int(local.tm_min))):\(twoDigits(Int(local.tm_sec)))"
}

/// "07" for 7.
private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// `exit 3`, `KILL`, or "-".
package func formatExit(_ exit: JSONValue?) -> String {
    guard let exit, exit != .null else { return "-" }
    if let sig = exit["signal"]?.intValue { return "signal \(Signals.name(Int32(sig)))" }
    if let code = exit["result"]?.intValue { return "exit \(code)" }
    return "-"
}
