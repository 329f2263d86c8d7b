/// What to write instead of a field other supervisors have and
/// `ppm.service{}` does not: the Lua idiom that does the same. A hint is
/// given only while its word is not a field (a later `instances` field
/// takes over from its hint).
enum FieldHints {
    /// The idiom for each foreign field, by the word written.
    static let idioms = [
        "instances": "copies of a service are a loop: for i = 1, 3 do ppm.service { name = \"web@\" .. i, ... } end",
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
