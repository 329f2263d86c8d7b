/// libFuzzer target: the byte-level JSON reader (Sources/PPMMachine/JSON/JSONReader.swift).
/// Any input either fails with a JSONParseError or parses to a value that
/// the writer prints as JSON reading back to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes: bytes) else { return 0 }
    let text = value.text
    guard let again = try? JSONValue.parse(text) else { fatalError("written JSON does not read back: \(text)") }
    if !sameValue(value, again) { fatalError("round trip changed the value: \(text)") }
    return 0
}

/// Equality where NaN cannot occur (JSON has none) but -0.0 must stay -0.0.
private func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)): return x == y && x.sign == y.sign
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(sameValue)
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { k, v in y[k].map { sameValue(v, $0) } ?? false }
    default: return a == b
    }
}
