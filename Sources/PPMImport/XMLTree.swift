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
        let finished = parser.parse()
        if let (code, line) = builder.firstError ?? (finished ? nil : ((parser.parserError as NSError?)?.code ?? 0, parser.lineNumber)) {
            throw ImportError(file, line: max(1, line), "XML: " + (messages[code] ?? "not well-formed (libxml2 error \(code))"))
        }
        guard let root = builder.root else { throw ImportError(file, line: 1, "XML: the document is empty") }
        if let open = builder.unclosed {
            throw ImportError(file, line: open.line, "XML: <\(open.name)> is not closed")
        }
        return root
    }

    /// libxml2's error numbers (xmlerror.h) that a hand-written config meets.
    private static let messages: [Int: String] = [
        4: "the document is empty", 5: "the document ends too soon, or has something after its root element",
        9: "invalid character", 23: "an entity reference lacks its ';'", 26: "unknown entity (write &amp; for &)",
        38: "'<' inside an attribute value", 39: "attribute value without quotes", 40: "attribute value not closed",
        41: "attribute without a value", 42: "attribute given twice", 45: "comment not closed",
        65: "a space is required here", 68: "a name is required here", 73: "'>' expected",
        76: "closing tag does not match the opening tag", 77: "tag not closed", 85: "tags are not balanced",
        86: "extra content at the end of the document",
    ]

    /// The first error the parser reported, with its line.
    private(set) var firstError: (code: Int, line: Int)?

    /// The innermost element still open when the input ended.
    var unclosed: XMLNode? { stack.last }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if firstError == nil { firstError = ((parseError as NSError).code, parser.lineNumber) }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
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
