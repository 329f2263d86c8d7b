import Yams

/// A YAML (or JSON) document composed by Yams into nodes that keep their
/// line, so a translation can name the line of each key.
enum YAMLTree {
    /// The document's root; a syntax error becomes `FILE:LINE: message`.
    static func parse(_ text: String, file: String) throws(ImportError) -> Node {
        do {
            guard let root = try Yams.compose(yaml: text) else { throw ImportError(file, line: nil, "the document is empty") }
            return root
        } catch let e as ImportError {
            throw e
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw ImportError(file, line: mark.line, "YAML: \(problem)")
            default:
                throw ImportError(file, line: nil, "YAML: \(e)")
            }
        } catch {
            throw ImportError(file, line: nil, "YAML: \(error)")
        }
    }
}

extension Node {
    /// 1-based line of the node.
    var line: Int { mark?.line ?? 1 }

    /// A mapping's entries whose keys are scalars, in document order.
    var entries: [(key: String, line: Int, value: Node)]? {
        guard case .mapping(let m) = self else { return nil }
        return m.compactMap { pair in pair.key.string.map { ($0, pair.key.line, pair.value) } }
    }

    /// A sequence's items.
    var items: [Node]? {
        guard case .sequence(let s) = self else { return nil }
        return Array(s)
    }

    /// A scalar as text, whatever its YAML type (`8080` gives "8080").
    var text: String? {
        guard case .scalar(let s) = self else { return nil }
        return s.string
    }

    /// One string or a list of strings (PPM's `one_or_many_str`).
    var strings: [String]? {
        if let text { return [text] }
        return items.flatMap { list in
            let texts = list.compactMap(\.text)
            return texts.count == list.count ? texts : nil
        }
    }

    /// `key: value` as written, for comments.
    static func describe(_ key: String, _ value: Node) -> String {
        if let t = value.text { return "\(key): \(t)" }
        if let list = value.strings { return "\(key): [\(list.joined(separator: ", "))]" }
        return "\(key): …"
    }
}
