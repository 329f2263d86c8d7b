// Micro-benchmark: the old JSON paths (String writer, Codable/JSONDecoder)
// against the byte-level JSONWriter/JSONReader on an `ls` reply for 1000
// services. Run with bench/json/run.sh (release build of the PPMMachine JSON files).
import Foundation

/// One service object shaped like ServiceSnapshot.json (20 fields).
func service(_ i: Int) -> JSONValue {
    .object([
        "name": .string("service-\(i)"), "state": .string(i % 7 == 0 ? "backoff" : "running"),
        "pid": .int(Int64(10_000 + i)), "starts": .int(Int64(i % 13)), "restarts": .int(Int64(i % 5)),
        "crashes": .int(Int64(i % 3)), "uptime": .double(Double(i) * 12.345), "cmd": .array([.string("/usr/bin/python3"), .string("-m"), .string("http.server"), .string(String(8000 + i))]),
        "autostart": .bool(true), "groups": .array([.string("web"), .string("tier-\(i % 4)")]), "requires": .array([]),
        "restart": .string("on-failure"), "once": .bool(false),
        "stdout": .string("/home/user/.local/state/ppm-lua/logs/service-\(i).out.log"),
        "stderr": .string("/home/user/.local/state/ppm-lua/logs/service-\(i).err.log"),
        "dir": .string("/srv/app \"quoted\"\tdir"), "user": .null,
        "env": .object(["PORT": .string(String(8000 + i)), "LANG": .string("C.UTF-8"), "NOTE": .string("héllo ✓")]),
        "last_exit": .object(["result": .int(1), "signal": .null, "runtime": .double(3.25), "time": .double(1_795_383_517.3956)]),
        "spec": .null,
    ])
}

let reply = JSONValue.object(["id": .int(1), "ok": .bool(true), "result": .array((0..<1000).map(service))])

/// The writer `JSONValue.text` used before (one Unicode scalar at a time into a String).
func legacyText(_ v: JSONValue) -> String {
    var out = ""
    func quote(_ s: String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7f:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
    func write(_ v: JSONValue) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) + ".0" : String(d)) : "null"
        case .string(let s): quote(s)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() { if i > 0 { out += "," }; write(e) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() { if i > 0 { out += "," }; quote(k); out += ":"; write(o[k]!) }
            out += "}"
        }
    }
    write(v)
    return out
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Best and median milliseconds per run over `runs` runs.
func measure(_ label: String, runs: Int = 30, _ body: () throws -> Any) {
    var times: [Double] = []
    var sink = 0
    for _ in 0..<runs {
        let t = now()
        let r = try! body()
        times.append((now() - t) * 1000)
        sink &+= "\(type(of: r))".count
    }
    times.sort()
    print(String(format: "%-44@ best %7.2f ms   median %7.2f ms", label as NSString, times[0], times[times.count / 2]), sink == -1 ? "" : "")
}

let text = reply.text
let bytes = Array(text.utf8)
let data = Data(bytes)
precondition(legacyText(reply) == text, "old and new writers disagree")
let viaCodable = try JSONDecoder().decode(JSONValue.self, from: data)
let viaReader = try JSONValue.parse(text)
precondition(viaReader == viaCodable, "old and new readers disagree")
print("payload: ls reply, 1000 services x 20 fields, \(bytes.count) bytes")

measure("encode: old String writer (legacy .text)") { legacyText(reply) }
measure("encode: JSONEncoder (Codable)") { try JSONEncoder().encode(reply) }
measure("encode: JSONWriter -> [UInt8] (.bytes)") { reply.bytes }
measure("encode: JSONWriter -> String (.text)") { reply.text }
measure("parse:  JSONDecoder (Codable, old parse)") { try JSONDecoder().decode(JSONValue.self, from: data) }
measure("parse:  JSONSerialization (reference)") { try JSONSerialization.jsonObject(with: data) }
measure("parse:  JSONReader (parse(bytes:))") { try JSONValue.parse(bytes: bytes) }
measure("parse:  JSONReader capturing \"result\"") {
    try bytes.withUnsafeBufferPointer { try JSONReader.parse($0, capturing: "result") }.member!.elements.count
}
