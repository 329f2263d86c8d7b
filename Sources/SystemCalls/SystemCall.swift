import Glibc

/// A system call that failed, with `errno` as it was right after the call.
package struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The `errno` value (`ENOSPC`, `EAGAIN`, …).
    package let code: Int32

    /// A failure with this `errno` value.
    package init(code: Int32) { self.code = code }

    /// `strerror` text: "No space left on device".
    package var description: String { String(cString: strerror(code)) }
}

/// Runs `call`, a system call that returns -1 and sets `errno` when it
/// fails: again while it fails with `EINTR` (the one place that retry is
/// written), its result when it succeeds, else a `SystemCallError`
/// holding `errno`. Callers that treat an errno specially (`EAGAIN`)
/// catch it by its code.
@discardableResult
package func syscall<Result: FixedWidthInteger & SignedInteger>(_ call: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemCallError(code: code) }
    }
}

/// Writes every byte of `bytes` to `fd`, however many writes it takes
/// (short writes and `EINTR` retried). A write that takes nothing fails
/// as `EIO`; on failure some bytes may have been written.
package func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
    var offset = 0
    while offset < bytes.count {
        let n = try syscall { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
        if n == 0 { throw SystemCallError(code: EIO) }
        offset += n
    }
}

/// Writes all of `text`'s UTF-8 to `fd` (see `writeAll(_:_:)` for bytes).
package func writeAll(_ fd: Int32, _ text: String) throws(SystemCallError) {
    var text = text
    let failure: SystemCallError? = text.withUTF8 { buffer in
        do throws(SystemCallError) { try writeAll(fd, UnsafeRawBufferPointer(buffer)) } catch { return error }
        return nil
    }
    if let failure { throw failure }
}

/// What a call on a non-blocking descriptor came to.
package enum NonBlockingResult<Value> {
    /// It succeeded with this result (0 from `read` is the end of the stream).
    case done(Value)
    /// `EAGAIN`/`EWOULDBLOCK`: nothing now; wait until the descriptor is ready.
    case wouldBlock
    /// Any other failure.
    case failed(SystemCallError)
}

/// Runs `call` on a non-blocking descriptor like `syscall`, with "would
/// block" told apart from failures, so callers switch instead of reading `errno`.
package func nonBlocking<Result: FixedWidthInteger & SignedInteger>(_ call: () -> Result) -> NonBlockingResult<Result> {
    do throws(SystemCallError) {
        return .done(try syscall(call))
    } catch {
        return error.code == EAGAIN || error.code == EWOULDBLOCK ? .wouldBlock : .failed(error)
    }
}
