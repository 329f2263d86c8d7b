import CSystem
import Glibc
import SystemCalls

/// The scratch memory every stream reads into: one per daemon, since every
/// stream is read on the same queue.
final class ReadBuffer {
    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    var stamped: [UInt8] = []
    deinit { bytes.deallocate() }
}
