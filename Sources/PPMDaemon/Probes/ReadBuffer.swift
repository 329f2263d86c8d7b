/// A buffer the prober's probes read answers into, made once: a probe's
/// read needs no allocation (nor zeroing) of its own. Only one probe reads
/// at a time (all run on the loop), and none keeps the bytes past its read.
final class ReadBuffer: @unchecked Sendable {
    /// The bytes, `size` of them, uninitialized until read into.
    let bytes: UnsafeMutableRawBufferPointer

    init(size: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    }

    deinit { bytes.deallocate() }
}
