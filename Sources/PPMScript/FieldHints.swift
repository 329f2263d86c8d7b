/// What to write instead of a field other supervisors have and
/// `ppm.service{}` does not: the Lua idiom that does the same. A hint is
/// given only while its word is not a field.
enum FieldHints {
    /// The idiom for each foreign field, by the word written.
    static let idioms = [
        "numprocs": "copies of a service: instances = 3 runs NAME@1 … NAME@3, %i in cmd is the number",
        "cron": "a schedule is a policy: restart = require(\"cron\"){ \"*/5 * * * *\" }",
        "schedule": "a schedule is a policy: restart = require(\"cron\"){ \"*/5 * * * *\" }",
        "cron_restart": "a schedule is a policy: restart = require(\"cron\"){ \"*/5 * * * *\" }",
    ]

    /// `" (no such field; …idiom…)"` for a known foreign field that is not one of `fields`, else nil.
    static func hint(_ word: String, fields: [String]) -> String? {
        guard !fields.contains(word), let idiom = idioms[word.lowercased()] else { return nil }
        return " (no such field; \(idiom))"
    }
}
