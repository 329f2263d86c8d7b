/// libFuzzer target: the `cmd` string splitter (Sources/PPMScript/ShellWords.swift).
/// Any text either fails with a message or splits into words that `join`
/// quotes so that splitting again gives the same words.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShellWords(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let words = try? ShellWords.split(text) else { return 0 }
    let joined = ShellWords.join(words)
    guard let again = try? ShellWords.split(joined) else { fatalError("joined words do not split: \(joined)") }
    if again != words { fatalError("join then split changed \(words) into \(again)") }
    _ = Suggest.closest(text, in: ["cmd", "env", "dir", "restart"])
    return 0
}
