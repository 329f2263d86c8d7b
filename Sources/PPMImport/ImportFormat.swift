/// The configuration formats `ppm-lua import` reads.
package enum ImportFormat: String, CaseIterable, Sendable {
    /// pmtr.conf: `job { ... }` blocks.
    case pmtr
    /// PETeR's XML: `<peter><programs><program>`.
    case peter
    /// PPM's YAML: `services:` with `command: {path, args, env}`.
    case ppm
    /// supervisord's INI: `[program:x]` sections.
    case supervisord
    /// A pm2 ecosystem file in JSON or YAML: `apps: [...]`.
    case pm2
    /// A Procfile (foreman, Heroku): `NAME: COMMAND` lines.
    case procfile
    /// systemd `.service` units (one or more files, or a folder of them).
    case systemd

    /// What the source system is called in comments.
    package var title: String {
        switch self {
        case .pmtr: "pmtr"
        case .peter: "PETeR"
        case .ppm: "PPM"
        case .supervisord: "supervisord"
        case .pm2: "pm2"
        case .procfile: "Procfile"
        case .systemd: "systemd"
        }
    }

    /// Refuses what no reader handles, whatever `--from` says: pm2's
    /// JavaScript configs are programs, not data.
    package static func refuseScript(_ path: String) throws(ImportError) {
        guard path.hasSuffix(".js") || path.hasSuffix(".cjs") || path.hasSuffix(".mjs") else { return }
        throw ImportError(
            path, line: nil,
            "a pm2 JavaScript config is a program and cannot be read; export it as JSON first: "
                + "node -e 'console.log(JSON.stringify(require(\"./\(basename(path))\"), null, 2))' > ecosystem.json")
    }

    /// Tells the format from the content: XML is PETeR, a JSON document or a
    /// YAML `apps:` list is pm2, `[section]` lines are supervisord, `job {`
    /// is pmtr and a YAML `services:` list is PPM; a `[Service]` section is a
    /// systemd unit, a file named `Procfile` (or `Procfile.*`) a Procfile.
    package static func guess(path: String, text: String) throws(ImportError) -> ImportFormat {
        if path.hasSuffix(".service") || text.split(separator: "\n").contains(where: { $0.trimmingSpaces == "[Service]" }) { return .systemd }
        if basename(path) == "Procfile" || basename(path).hasPrefix("Procfile.") { return .procfile }
        let first = text.unicodeScalars.first { !$0.properties.isWhitespace }
        if first == "<" { return .peter }
        if first == "{" || (first == "[" && !isIni(text)) { return .pm2 }
        let lines = text.split(separator: "\n").map { $0.trimmingSpaces }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix(";") }
        if lines.contains(where: { $0.hasPrefix("[") && $0.hasSuffix("]") }) && isIni(text) { return .supervisord }
        if lines.contains(where: {
            $0 == "job" || $0.hasPrefix("job ") || $0.hasPrefix("job{") || $0.hasPrefix("report to ") || $0.hasPrefix("listen on ")
        }) {
            return .pmtr
        }
        for line in text.split(separator: "\n") {
            if line.hasPrefix("services:") { return .ppm }
            if line.hasPrefix("apps:") { return .pm2 }
        }
        throw ImportError(
            path, line: nil,
            "cannot tell the format from the content; name it with --from "
                + allCases.map(\.rawValue).joined(separator: "|"))
    }

    private static func isIni(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let t = line.trimmingSpaces
            return t.hasPrefix("[") && t.hasSuffix("]")
                && (t.contains("program:") || t.contains("group:") || t == "[supervisord]"
                    || t.contains("eventlistener:") || t == "[supervisorctl]" || t == "[unix_http_server]" || t == "[inet_http_server]")
        }
    }

    static func basename(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
