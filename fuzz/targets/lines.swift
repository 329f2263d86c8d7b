/// libFuzzer target: the log line splitter (Sources/PPMRuntime/Logs/LineSplitter.swift).
/// The first input byte picks how the rest is cut into chunks (of at most
/// `limit` bytes, as the daemon reads); the lines
/// emitted must not depend on the chunking, each piece ends in a newline and
/// is at most `limit` bytes, and no byte is lost or invented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLines(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 1 else { return 0 }
    let seed = Int(data[0])
    // Repeat the input so that lines beyond the 64 KiB limit occur too.
    let times = seed & 0xC0 == 0xC0 ? LineSplitter.limit / max(1, size - 1) + 2 : 1
    var stream: [UInt8] = []
    for _ in 0..<times { stream.append(contentsOf: UnsafeBufferPointer(start: data + 1, count: size - 1)) }
    // The daemon reads at most `limit` bytes at a time (CapturedStream).
    let whole = split(stream, chunk: LineSplitter.limit)
    let pieces = split(stream, chunk: seed % 61 + 1)
    if whole != pieces { fatalError("chunking changed the lines") }
    var bytesOut: [UInt8] = []
    for piece in pieces {
        if piece.last != 10 { fatalError("a piece without its newline") }
        if piece.count > LineSplitter.limit + 1 { fatalError("a piece longer than the limit") }
        bytesOut += piece.dropLast()
    }
    if bytesOut != stream.filter({ $0 != 10 }) { fatalError("bytes lost or invented") }
    return 0
}

/// Feeds `stream` in chunks of `chunk` bytes (then flushes) and returns the lines emitted.
private func split(_ stream: [UInt8], chunk: Int) -> [[UInt8]] {
    var splitter = LineSplitter()
    var lines: [[UInt8]] = []
    let collect: (UnsafeRawBufferPointer) -> Void = { run in
        var start = 0
        for i in 0..<run.count where run[i] == 10 {
            lines.append(Array(run[start...i]))
            start = i + 1
        }
        if start != run.count { fatalError("a run that does not end in a newline") }
    }
    stream.withUnsafeBytes { all in
        var at = 0
        while at < all.count {
            let end = min(all.count, at + chunk)
            splitter.feed(UnsafeRawBufferPointer(rebasing: all[at..<end]), collect)
            at = end
        }
    }
    splitter.flush(collect)
    return lines
}
