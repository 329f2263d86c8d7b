import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element with the line it starts on, as Foundation's `XMLParser`
/// reports it.
final class XMLNode {
    let name: String
    let attributes: [String: String]
    let line: Int
    var children: [XMLNode] = []
    var text = ""

    init(name: String, attributes: [String: String], line: Int) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }

    /// Children with this element name.
    func all(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// `<name a="1">` as written, for comments.
    var tag: String {
        let attrs = attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\($0.value)\"" }.joined()
        return "<\(name)\(attrs)\(children.isEmpty && text.trimmingSpaces.isEmpty ? "/" : "")>"
    }
}

/// Builds the element tree of a document with `XMLParser`; a parse error
/// becomes `FILE:LINE: message`.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [XMLNode] = []
    private(set) var root: XMLNode?
    private var line = 1

    static func parse(_ text: String, file: String) throws(ImportError) -> XMLNode {
        let parser = XMLParser(data: Data(text.utf8))
        let builder = XMLTreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "not an XML document"
            throw ImportError(file, line: max(1, parser.lineNumber), "XML: \(Self.clean(reason))")
        }
        return root
    }

    private static func clean(_ reason: String) -> String {
        reason.replacingOccurrences(of: "The operation could not be completed. ", with: "")
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        let node = XMLNode(name: elementName, attributes: attributes, line: parser.lineNumber)
        if let parent = stack.last { parent.children.append(node) } else { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}
