import Foundation
import PPMMachine
import Testing

@Suite struct JSONRoundTripTests {
    private func roundTrip(_ v: JSONValue) throws -> JSONValue {
        let back = try JSONValue.parse(v.text)
        #expect(try JSONValue.parse(bytes: v.bytes) == back)
        return back
    }

    @Test func nestedValuesComeBackEqual() throws {
        let v: JSONValue = .object([
            "list": .array([.int(1), .array([]), .object([:]), .null, .bool(true), .bool(false)]),
            "deep": .object(["a": .object(["b": .array([.object(["c": .string("d")])])])]),
            "empty": .string(""),
        ])
        #expect(try roundTrip(v) == v)
    }

    @Test func unicodeEscapesAndControlCharacters() throws {
        let s = "é ü 漢字 🎉 \u{1F600} q\"b\\s/ \n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}\u{0}end"
        let v = JSONValue.string(s)
        #expect(try roundTrip(v) == v)
        #expect(v.text == #""é ü 漢字 🎉 😀 q\"b\\s/ \n\r\t\u0008\u000c\u0001\u001f\u007f\u0000end""#)
        #expect(try JSONValue.parse(#""\u00e9\u6F22\ud83c\udf89\/\b\f""#) == .string("é漢🎉/\u{8}\u{C}"))
        #expect(try JSONValue.parse(#"{"k\u0000ey": "\u0000"}"#) == .object(["k\u{0}ey": .string("\u{0}")]))
    }

    @Test func numbers() throws {
        #expect(try roundTrip(.int(.max)) == .int(.max))
        #expect(try roundTrip(.int(.min)) == .int(.min))
        #expect(JSONValue.int(.min).text == "-9223372036854775808")
        #expect(try roundTrip(.double(1.5)) == .double(1.5))
        #expect(try roundTrip(.double(0.1)) == .double(0.1))
        #expect(try roundTrip(.double(-2.5e-300)) == .double(-2.5e-300))
        #expect(try roundTrip(.double(1e300)) == .double(1e300))
        #expect(try roundTrip(.double(.leastNonzeroMagnitude)) == .double(.leastNonzeroMagnitude))
        // Integral doubles print with ".0" and read back as integers.
        #expect(JSONValue.double(2).text == "2.0")
        #expect(try roundTrip(.double(2)) == .int(2))
        #expect(try JSONValue.parse("1e3") == .int(1000))
        #expect(try JSONValue.parse("-0.5E+1") == .int(-5))
        // Past Int64: a double.
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue.parse("-9223372036854775809") == .int(.min))  // rounds to -2^63 as a double
        #expect(try JSONValue.parse("-92233720368547758090") == .double(-9.223372036854776e19))
        #expect(try JSONValue.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        // Negative zero survives.
        #expect(JSONValue.double(-0.0).text == "-0.0")
        let negativeZero = try roundTrip(.double(-0.0))
        #expect(negativeZero.doubleValue?.sign == .minus && negativeZero.doubleValue == 0)
        #expect(try JSONValue.parse("-0").doubleValue?.sign == .minus)
        #expect(try JSONValue.parse("0") == .int(0))
        // No infinity in JSON: written as null, and 1e400 is an error.
        #expect(JSONValue.double(.infinity).text == "null")
        #expect(JSONValue.double(.nan).text == "null")
        #expect(throws: JSONParseError(message: "number out of range", offset: 1)) { try JSONValue.parse("[1e400]") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("-1e400") }
        #expect(try JSONValue.parse("1e-400") == .int(0))
    }

    @Test func whitespaceAroundTokensIsAllowed() throws {
        #expect(try JSONValue.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : null } \n") == .object(["a": .array([.int(1), .int(2)]), "b": .null]))
    }

    @Test func keysAreSortedSoEqualValuesGiveEqualText() {
        let v: JSONValue = .object(["b": .int(1), "a": .int(2), "é": .int(3), "B": .int(4), "aa": .int(5)])
        #expect(v.text == #"{"B":4,"a":2,"aa":5,"b":1,"é":3}"#)
    }

    @Test func duplicateKeysKeepTheLast() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == .object(["a": .int(2)]))
    }
}

@Suite struct JSONMalformedTests {
    /// Each must be refused with an error, never a crash.
    static let malformed: [(String, String)] = [
        ("", "unexpected end of input"),
        ("   ", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a""#, "expected ':'"),
        (#"{"a":"#, "unexpected end of input"),
        (#"{"a":1"#, "unexpected end of input in an object"),
        ("[1,2", "unexpected end of input in an array"),
        (#""abc"#, "unterminated string"),
        (#""abc\"#, "unterminated string"),
        ("[1,]", "unexpected ']'"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1 2]", "expected ',' or ']'"),
        ("{1:2}", "expected a string key"),
        (#""\x""#, "invalid escape"),
        (#""\u12zz""#, "invalid hex digit"),
        (#""\u12"#, "truncated"),
        (#""\ud800""#, "lone high surrogate"),
        (#""\ud800\u0041""#, "high surrogate not followed by a low one"),
        (#""\udc00""#, "lone low surrogate"),
        ("\"a\u{1}b\"", "unescaped control character"),
        ("\"a\nb\"", "unescaped control character"),
        ("\"\0\"", "unescaped control character"),
        ("01", "leading zero"),
        ("-", "expected a digit"),
        ("1.", "expected a digit"),
        (".5", "unexpected '.'"),
        ("1e", "expected a digit"),
        ("+1", "unexpected '+'"),
        ("NaN", "unexpected 'N'"),
        ("Infinity", "unexpected 'I'"),
        ("tru", "invalid literal"),
        ("nul", "invalid literal"),
        ("falsey", "unexpected 'y' after the document"),
        ("{} {}", "unexpected '{' after the document"),
        ("1 x", "unexpected 'x' after the document"),
        ("'a'", "unexpected '''"),
    ]

    @Test(arguments: malformed) func refused(_ input: String, _ message: String) {
        do {
            let v = try JSONValue.parse(input)
            Issue.record("parsed \(input.debugDescription) as \(v)")
        } catch {
            #expect(error.message.contains(message), "\(input.debugDescription): \(error)")
            #expect(error.offset >= 0 && error.offset <= input.utf8.count)
        }
    }

    @Test func errorsNameTheByteOffset() {
        #expect(throws: JSONParseError(message: "expected ',' or '}' in an object, found ']'", offset: 6)) {
            try JSONValue.parse(#"{"a":1]"#)
        }
        #expect("\(JSONParseError(message: "x", offset: 3))" == "x at byte 3")
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: [0xEF, 0xBB, 0xBF, 0x31]) }  // BOM
    }

    @Test func nestingIsLimited() throws {
        let ok = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
        #expect(try JSONValue.parse(ok).arrayValue != nil)
        let deep = String(repeating: "[", count: JSONReader.maxDepth + 1) + String(repeating: "]", count: JSONReader.maxDepth + 1)
        #expect(throws: JSONParseError(message: "nesting deeper than 512", offset: 512)) { try JSONValue.parse(deep) }
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(objects) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 1_000_000)) }
    }
}

@Suite struct JSONCaptureTests {
    private func capture(_ text: String, _ key: String = "result") throws -> (JSONValue, [String]?, [String]) {
        let bytes = Array(text.utf8)
        let (value, member) = try bytes.withUnsafeBufferPointer { try JSONReader.parse($0, capturing: key) }
        let slice = { (r: Range<Int>) in String(decoding: bytes[r], as: UTF8.self) }
        return (value, member.map { [slice($0.value)] }, member?.elements.map(slice) ?? [])
    }

    @Test func theResultMemberIsKeptAsSent() throws {
        let line = #"{"id":1,"ok":true,"result": {"b" : 1, "a":[1.50, "x\u0041"]} ,"z":0}"#
        let (value, raw, items) = try capture(line)
        #expect(raw == [#"{"b" : 1, "a":[1.50, "x\u0041"]}"#])
        #expect(items.isEmpty)
        #expect(value["result"]?["a"] == .array([.double(1.5), .string("xA")]))
    }

    @Test func arrayResultsGiveEachElement() throws {
        let (_, raw, items) = try capture(#"{"ok":true,"result":[ {"a":1} ,2,"three",[4, 5],null]}"#)
        #expect(raw == [#"[ {"a":1} ,2,"three",[4, 5],null]"#])
        #expect(items == [#"{"a":1}"#, "2", #""three""#, "[4, 5]", "null"])
        #expect(try capture(#"{"result":[]}"#).2 == [])
    }

    @Test func aSkippedMemberIsCheckedButNotBuilt() throws {
        let line = Array(#"{"id":1,"ok":true,"result":[{"a":"\u00e9x","b":[1,2.5e3,null]},"é"]}"#.utf8)
        let (value, member) = try line.withUnsafeBufferPointer { try JSONReader.parse($0, capturing: "result", skippingCaptured: true) }
        #expect(value["result"] == .null)
        #expect(value["ok"] == .bool(true))
        #expect(member?.elements.count == 2)
        for bad in [#"{"result":[1,}"#, #"{"result":{"a":01}}"#, #"{"result":["\x"]}"#, #"{"result":[1e400]}"#] {
            let bytes = Array(bad.utf8)
            #expect(throws: JSONParseError.self) {
                try bytes.withUnsafeBufferPointer { try JSONReader.parse($0, capturing: "result", skippingCaptured: true) }
            }
        }
        let invalid: [UInt8] = Array(#"{"result":[""#.utf8) + [0xC3, 0x28] + Array(#""]}"#.utf8)
        #expect(throws: JSONParseError.self) {
            try invalid.withUnsafeBufferPointer { try JSONReader.parse($0, capturing: "result", skippingCaptured: true) }
        }
    }

    @Test func onlyTheTopLevelMemberIsCaptured() throws {
        let (_, raw, _) = try capture(#"{"x":{"result":1},"ok":false}"#)
        #expect(raw == nil)
        #expect(try capture(#"[{"result":1}]"#).1 == nil)
        #expect(try capture(#"{"result":"s","other":[1]}"#).1 == [#""s""#])
    }
}

@Suite struct JSONCompatibilityTests {
    /// Text from other writers (Foundation's) reads the same as through Codable.
    @Test func agreesWithFoundation() throws {
        let object: [String: Any] = ["a": [1, 2.5, "x\u{1}y", NSNull(), true], "b": ["c": -3], "é": "\u{1F600}"]
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(
            try JSONValue.parse(bytes: data)
                == .object([
                    "a": .array([.int(1), .double(2.5), .string("x\u{1}y"), .null, .bool(true)]), "b": .object(["c": .int(-3)]),
                    "é": .string("\u{1F600}"),
                ]))
        let ours = JSONValue.object(["a": .array([.int(1), .double(2.5), .string("x\u{1}y"), .null, .bool(true)])])
        let back = try JSONSerialization.jsonObject(with: Data(ours.bytes)) as? [String: [Any]]
        #expect(back?["a"]?.count == 5)
    }
}
