/// What the importer checks of a cron expression before handing it to the
/// `cron` plugin or the inline `cron_next`: 5 fields, or 6 with seconds
/// first; numbers, `* ? , - /` and month/weekday names.
enum CronCheck {
    static let names: Set<String> = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        "sun", "mon", "tue", "wed", "thu", "fri", "sat",
    ]

    /// Why `expr` cannot be translated, or nil when it can.
    static func problem(_ expr: String) -> String? {
        let fields = expr.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 || fields.count == 6 else {
            return "a cron expression has 5 fields (6 with seconds first), this one has \(fields.count)"
        }
        for field in fields {
            for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                let words = part.split(omittingEmptySubsequences: false, whereSeparator: { "-/".contains($0) })
                for word in words where !(word == "*" || word == "?" || Int(word) != nil || names.contains(word.lowercased())) {
                    return "'\(word)' in '\(field)': only numbers, names, * ? , - / are translated (no L, W or #)"
                }
            }
        }
        return nil
    }
}
