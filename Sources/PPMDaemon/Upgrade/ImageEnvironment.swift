import Glibc

/// The variables one image of the daemon hands to the next across its
/// re-exec (`ppm-lua upgrade`, the stall watchdog): the handover's memory
/// file, the services' notify socket, and whether READY=1 was sent.
///
/// This process never sets them: `setenv` and `unsetenv` may free the
/// array a `getenv` on another thread is reading (OpenSSL and glibc read
/// the environment on the daemon's other threads). The previous image's
/// values are taken out once, when the daemon starts (`take`), and the next
/// image gets an environment built for its `execve` (`forNextImage`).
package enum ImageEnvironment {
    /// Every variable an image hands over; none reaches a service.
    static let names = [Handover.fdVariable, Handover.variable, NotifySocket.inheritedVariable, SupervisorNotifier.readyVariable]

    /// What the previous image handed over, read (and removed from the
    /// environment) at first use; `take` makes that use the daemon's first act.
    static let inherited: [String: String] = {
        var found: [String: String] = [:]
        for name in names {
            guard let value = getenv(name) else { continue }
            found[name] = String(cString: value)
            unsetenv(name)  // only when present: an absent name changes nothing a reader could see
        }
        return found
    }()

    /// Takes the previous image's variables now, while the daemon has a
    /// single thread; later reads see what was taken.
    package static func take() { _ = inherited }

    /// The value the previous image handed over for `name`, if any.
    static func value(_ name: String) -> String? { inherited[name] }

    /// This process's environment without any handed-over variable, plus
    /// `handed`: the `envp` for the next image, as "NAME=value" strings.
    static func forNextImage(_ handed: [String: String]) -> [String] {
        var entries: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            let name = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
            if !names.contains(name) { entries.append(text) }
            entry += 1
        }
        for (name, value) in handed.sorted(by: { $0.key < $1.key }) { entries.append("\(name)=\(value)") }
        return entries
    }
}
