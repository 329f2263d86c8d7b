import Glibc
import SystemCalls

/// The little of full Foundation the project needs, on Glibc: the binary
/// imports FoundationEssentials only, so it does not load Foundation, its
/// internationalization library and ICU (issue #8: memory and start-up).
package enum Console {
    /// Writes `text` whole to standard error (unbuffered; failures ignored).
    package static func error(_ text: String) {
        try? writeAll(2, text)
    }

    /// Writes `text` to standard error only if that cannot block (a full
    /// pipe nobody reads): for the watchdog, which must get to its exec.
    package static func errorIfWritable(_ text: String) {
        var p = pollfd(fd: 2, events: Int16(POLLOUT), revents: 0)
        guard poll(&p, 1, 0) == 1, p.revents & Int16(POLLOUT) != 0 else { return }
        try? writeAll(2, text)
    }
}
