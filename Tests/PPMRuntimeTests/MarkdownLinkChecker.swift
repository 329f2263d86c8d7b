import Foundation

/// Checks the relative links of Markdown files: the target file exists
/// inside the repository, and a `#anchor` names a heading of the target as
/// GitHub spells its slugs. Links with a scheme (`https:`, `mailto:`) are
/// not followed.
struct MarkdownLinkChecker {
    /// One broken link: where it is written and why it does not resolve.
    struct Broken: CustomStringConvertible {
        var file: String
        var line: Int
        var target: String
        var reason: String

        var description: String { "\(file):\(line): (\(target)) \(reason)" }
    }

    /// One link as written: its line (from 1) and its target.
    struct Link: Equatable {
        var line: Int
        var target: String
    }

    /// The repository's root folder; every link must stay inside it.
    let root: URL

    /// Every broken link of the files at these paths (relative to `root`).
    func check(_ paths: [String]) -> [Broken] {
        paths.flatMap { path in
            let text = (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
            return Self.links(in: text).compactMap { link in
                problem(link.target, from: path).map { Broken(file: path, line: link.line, target: link.target, reason: $0) }
            }
        }
    }

    /// Why `target`, written in the file at `path`, does not resolve; nil when it does.
    func problem(_ target: String, from path: String) -> String? {
        if target.range(of: "^[A-Za-z][A-Za-z0-9+.-]*:", options: .regularExpression) != nil { return nil }
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let file = parts[0].removingPercentEncoding ?? parts[0]
        let anchor = parts.count > 1 ? parts[1] : nil
        if file.hasPrefix("/") { return "is an absolute path: links must be relative to the file" }
        let folder = (path as NSString).deletingLastPathComponent
        let resolved = file.isEmpty ? path : Self.normalized(folder.isEmpty ? file : folder + "/" + file)
        guard let resolved else { return "points outside the repository" }
        let url = root.appendingPathComponent(resolved)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            return "no such file: \(resolved)"
        }
        guard let anchor, !anchor.isEmpty else { return nil }
        guard !isFolder.boolValue, resolved.hasSuffix(".md") else { return "an anchor into \(resolved), which is not a Markdown file" }
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let slugs = Self.headingSlugs(in: text)
        return slugs.contains(anchor) ? nil : "no heading '#\(anchor)' in \(resolved)"
    }

    /// `a/./b/../c` → `a/c`; nil when `..` climbs above the root.
    static func normalized(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The inline links and images of Markdown text, outside fenced code
    /// blocks and code spans.
    static func links(in text: String) -> [Link] {
        var found: [Link] = []
        for (number, raw) in linesOutsideFences(text) {
            let line = raw.replacingOccurrences(of: "(`+)(?:(?!\\1).)+?\\1", with: "", options: .regularExpression)
            let range = NSRange(line.startIndex..., in: line)
            for match in linkPattern.matches(in: line, range: range) {
                guard let r = Range(match.range(at: 1), in: line) else { continue }
                found.append(Link(line: number, target: String(line[r])))
            }
        }
        return found
    }

    /// `[text](target "title")`: the target.
    private static let linkPattern = try! NSRegularExpression(pattern: #"\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#)

    /// The lines of Markdown text (numbered from 1) that are not inside a
    /// fenced code block, nor its fences.
    static func linesOutsideFences(_ text: String) -> [(number: Int, text: String)] {
        var lines: [(Int, String)] = []
        var fence: String?
        for (index, raw) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix(3))
                continue
            }
            lines.append((index + 1, raw))
        }
        return lines
    }

    /// The anchors GitHub makes for the headings of Markdown text: the
    /// heading's text as rendered, lower case, without punctuation other
    /// than `-` and `_`, spaces as `-`; a repeated slug gets `-1`, `-2`….
    static func headingSlugs(in text: String) -> Set<String> {
        var slugs: Set<String> = []
        var seen: [String: Int] = [:]
        for (_, raw) in linesOutsideFences(text) {
            guard let heading = raw.range(of: "^#{1,6}\\s+", options: .regularExpression) else { continue }
            let base = slug(String(raw[heading.upperBound...]))
            let count = seen[base, default: 0]
            seen[base] = count + 1
            slugs.insert(count == 0 ? base : "\(base)-\(count)")
        }
        return slugs
    }

    /// GitHub's slug of one heading's text.
    static func slug(_ heading: String) -> String {
        var text = heading.trimmingCharacters(in: .whitespaces)
        text = text.replacingOccurrences(of: "\\s+#+\\s*$", with: "", options: .regularExpression)  // closing #s
        text = text.replacingOccurrences(of: #"!?\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .nonspacingMark, .spacingMark, .enclosingMark,
                .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation:
                out.append(scalar)
            default:
                if scalar == " " { out.append("-") } else if scalar == "-" { out.append(scalar) }
            }
        }
        return String(out)
    }
}
