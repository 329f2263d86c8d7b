import Glibc
package import PPMClient
import SystemCalls

/// Following (`events -f`, `logs -f`) across an `upgrade`: the daemon
/// re-executes in place and hangs up on every client, but its process goes
/// on. A follower whose daemon still runs connects again and resumes; one
/// whose daemon is gone (`quit`) ends as before. Over TCP (TLS or the
/// plaintext challenge) the listener names its daemon's pid when it admits
/// a client; a remote follower cannot see that process, so it tries again
/// until the same daemon answers, another one does, or `patience` runs out.
package enum Reconnect {
    /// Seconds the re-executed daemon has to answer again.
    static let patience = 30.0

    /// A new connection to the same daemon process `pid`, once it answers;
    /// nil when it is gone or does not answer within `patience`.
    package static func sameDaemon(_ target: DaemonTarget, pid: Int32?) -> ControlClient? {
        guard let pid else { return nil }
        let local = target.isLocal
        let deadline = SystemClock.monotonic() + patience
        while SystemClock.monotonic() < deadline {
            if local { guard kill(pid, 0) == 0 || errno == EPERM, PeerProcess.isZombie(pid) != true else { return nil } }
            if let client = try? target.open() {
                guard client.daemonPid == pid else {
                    if local {
                        usleep(50_000)
                        continue
                    }
                    return nil  // another daemon listens there now
                }
                client.answerTimeout = target.timeout == 0 ? nil : target.timeout
                return client
            }
            usleep(local ? 50_000 : 200_000)
        }
        return nil
    }

    /// Connects again to daemon `pid` and runs `body` (the request that
    /// resumes the stream) on the new connection; again after each hang-up
    /// (the old image may take one last connection before it executes).
    /// Throws `.closed` when the daemon is gone or does not come back.
    package static func resume<T>(_ target: DaemonTarget, pid: Int32?, _ body: (ControlClient) throws -> T) throws -> (ControlClient, T) {
        let deadline = SystemClock.monotonic() + patience
        while SystemClock.monotonic() < deadline {
            guard let client = sameDaemon(target, pid: pid) else { break }
            do { return (client, try body(client)) } catch  where isHangUp(error) { usleep(50_000) }
        }
        throw ControlClient.Failure.closed
    }

    /// Whether `error` is the daemon hanging up.
    package static func isHangUp(_ error: Error) -> Bool {
        if case .closed? = error as? ControlClient.Failure { return true }
        return false
    }
}
