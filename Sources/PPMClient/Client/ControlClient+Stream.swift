import Glibc
package import PPMMachine

extension ControlClient {
    /// The size of the one buffer a streamed result passes through.
    static let streamBuffer = 256 << 10

    /// Sends one request and hands its result's bytes to `output` as they
    /// arrive: the bytes the daemon sent, neither held whole (`ls --json` at
    /// 10,000 services is 7 MB) nor parsed. Only the framing is checked: the
    /// line must begin as the daemon begins a success,
    /// `{"id":N,"ok":true,"result":`, and end with the `}` that closes it.
    /// Any other reply (an error, a TCP listener's hello, a reply written
    /// another way) is read whole and checked as `callRaw` checks it, then
    /// its result handed to `output`. A reply cut short or not closed throws
    /// after part of its result was handed out.
    package func streamResult(
        _ cmd: String, _ args: [String: JSONValue] = [:], to output: (UnsafeRawBufferPointer) -> Void
    ) throws(Failure) {
        try send(cmd, args)
        let prefix = ControlReply.okLineStart(.int(nextID), capacity: 0).bytes
        // Byte 0 holds back the last byte read: it may be the closing `}`.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.streamBuffer + 1, alignment: 1)
        defer { buffer.deallocate() }
        let room = UnsafeMutableRawBufferPointer(rebasing: buffer[1...])
        var have = 0
        while framer.pendingCount == 0 && have < prefix.count && memchr(room.baseAddress!, 10, have) == nil {
            guard let n = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: room[have...]), timeout: nil) else { throw .closed }
            have += n
        }
        guard framer.pendingCount == 0 && have >= prefix.count && memcmp(room.baseAddress!, prefix, prefix.count) == 0 else {
            framer.append(ArraySlice(room[0..<have]))
            let result = try receiveRaw(parsing: false)
            result.raw.withUnsafeBytes(output)
            Self.newline.withUnsafeBytes(output)
            return
        }
        var start = 1 + prefix.count
        var end = 1 + have
        var resultBytes = 0
        while true {
            let base = buffer.baseAddress!
            if let hit = memchr(base + start, 10, end - start) {
                let newline = base.distance(to: hit)
                resultBytes += newline - start
                guard newline > start, buffer[newline - 1] == UInt8(ascii: "}"), resultBytes > 1 else {
                    throw .failed("malformed reply from the daemon: its line does not end with the reply's closing '}'")
                }
                output(UnsafeRawBufferPointer(rebasing: buffer[start..<newline - 1]))
                Self.newline.withUnsafeBytes(output)
                // Lines after it (none for a one-reply request) wait in the framer.
                if newline + 1 < end { framer.append(ArraySlice(buffer[(newline + 1)..<end])) }
                return
            }
            if end > start {
                resultBytes += end - start - 1
                output(UnsafeRawBufferPointer(rebasing: buffer[start..<end - 1]))
                buffer[0] = buffer[end - 1]
                start = 0
            } else {
                start = 1
            }
            guard let n = try readSome(into: room, timeout: nil) else { throw .closed }
            end = 1 + n
        }
    }

    private static let newline: [UInt8] = [10]
}
