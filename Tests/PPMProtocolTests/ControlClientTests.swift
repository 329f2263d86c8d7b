import Foundation
import PPMMachine
import PPMRuntime
import SystemCalls
import Testing

@testable import PPMClient
@testable import PPMProtocol

/// A one-connection unix socket server that answers every request line with
/// the next canned reply line, for driving `ControlClient` without a daemon.
/// A reply starting with `+` is sent at once, without waiting for a request
/// (as a following stream does).
private final class CannedServer: @unchecked Sendable {
    let path = NSTemporaryDirectory() + "ppm-client-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    private let fd: Int32
    private(set) var requests: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(replies: [String]) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let bound = UnixAddress.with(path) { bind(fd, $0, $1) }
        guard bound == 0, listen(fd, 1) == 0 else { throw POSIXFailure("cannot listen on \(path)") }
        Thread { [self] in
            let client = accept(fd, nil, nil)
            var pending = Data()
            var chunk = [UInt8](repeating: 0, count: 4096)
            for var reply in replies {
                if reply.hasPrefix("+") {
                    reply.removeFirst()
                    try? writeAll(client, reply + "\n")
                    continue
                }
                while !pending.contains(10) {
                    let n = read(client, &chunk, chunk.count)
                    if n <= 0 { break }
                    pending.append(contentsOf: chunk[0..<n])
                }
                if let newline = pending.firstIndex(of: 10) {
                    requests.append(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
                try? writeAll(client, reply + "\n")
            }
            close(client)
            done.signal()
        }.start()
    }

    func finish() {
        done.wait()
        close(fd)
        unlink(path)
    }
}

@Suite struct ControlClientTests {
    @Test func rawResultsAreTheBytesTheDaemonSent() throws {
        let ls = #"{"id":1,"ok":true,"result":[ {"name":"a","cpu":1.50} , {"name":"b\u00e9"} ]}"#
        let status = #"{"ok": true, "id": 2, "result" : {"pid": 7, "home": "/h"}}"#
        let followed = #"{"id":2,"ok":true,"result":{"seq":3,"time":1.0}}"#
        let server = try CannedServer(replies: [ls, status, "+" + followed, #"{"id":3,"ok":false,"error":"no such service 'x'"}"#, "not json"])
        defer { server.finish() }
        let client = try ControlClient(socket: server.path)

        let list = try client.callRaw("ls")
        #expect(String(decoding: list.raw, as: UTF8.self) == #"[ {"name":"a","cpu":1.50} , {"name":"b\u00e9"} ]"#)
        #expect(list.items.map { String(decoding: $0, as: UTF8.self) } == [#"{"name":"a","cpu":1.50}"#, #"{"name":"b\u00e9"}"#])
        #expect(list.value.arrayValue?[1]["name"] == .string("bé"))

        let s = try client.callRaw("status")
        #expect(String(decoding: s.raw, as: UTF8.self) == #"{"pid": 7, "home": "/h"}"#)
        #expect(s.items.isEmpty)
        #expect(s.value["pid"] == .int(7))

        #expect(try client.receive()["seq"] == .int(3))
        #expect(throws: ControlClient.Failure.self) { try client.call("show", ["name": .string("x")]) }
        do {
            _ = try client.call("status")
            Issue.record("a malformed reply was accepted")
        } catch {
            #expect(error.description.hasPrefix("malformed reply from the daemon"))
        }
        #expect(server.requests.count == 4)
        #expect(try JSONValue.parse(server.requests[0]) == .object(["id": .int(1), "cmd": .string("ls"), "args": .object([:])]))
    }
    /// `ls --json` passes the result on while it arrives (#23): the bytes
    /// the daemon sent, across reads of any size; other replies go the
    /// checked way; a success line not closed by its `}` is refused.
    @Test func streamedResultsAreTheBytesTheDaemonSent() throws {
        let big = "[" + (0..<40_000).map { #"{"name":"s\#($0)","pid":null}"# }.joined(separator: ",") + "]"
        let replies = [
            #"{"id":1,"ok":true,"result":"# + big + "}",
            #"{"ok": true, "id": 2, "result" : [ 1 , 2 ]}"#,
            #"{"error":"ls: unknown field 'x'","id":3,"ok":false}"#,
            #"{"id":4,"ok":true,"result":[1,2]]"#,
        ]
        let server = try CannedServer(replies: replies)
        defer { server.finish() }
        let client = try ControlClient(socket: server.path)
        func streamed() throws(ControlClient.Failure) -> String {
            var out: [UInt8] = []
            try client.streamResult("ls") { out += $0 }
            return String(decoding: out, as: UTF8.self)
        }
        #expect(try streamed() == big + "\n")
        #expect(try streamed() == "[ 1 , 2 ]\n")
        #expect(throws: ControlClient.Failure.self) { try streamed() }
        do {
            _ = try streamed()
            Issue.record("a line not closed by its '}' was accepted")
        } catch {
            #expect(error.description.hasPrefix("malformed reply from the daemon"))
        }
    }
}
