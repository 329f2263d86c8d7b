import Glibc
package import PPMMachine

/// What the daemon lends the `ppm` module beyond the supervisor.
package struct DaemonHooks {
    /// Writes a line to the daemon's log.
    package var log: (_ level: String, _ message: String) -> Void = { _, _ in }
    /// Asks the daemon to stop every service and exit.
    package var shutdown: () -> Void = {}
    /// Asks the daemon to reload the config once the running Lua returns.
    package var reload: () -> Void = {}
    /// Runs a helper command unsupervised (ended after `timeout` seconds if
    /// given); calls back once it has exited. `onExit`: whether Lua waits
    /// for its end (an `on_exit` function), which a re-exec would lose.
    package var spawn:
        (
            _ cmd: [String], _ env: [String: String], _ dir: String?, _ stdin: String?, _ timeout: Double?,
            _ onExit: Bool, _ done: @escaping (HelperResult) -> Void
        ) -> Void = { _, _, _, _, _, _, done in
            done(HelperResult(error: "ppm.spawn is not available here"))
        }
    /// `ppm.stats(name)`: the service's CPU and memory, nil when unknown.
    package var stats: (_ name: String) -> JSONValue? = { _ in nil }
    /// Calls `readable` on the loop whenever `fd` has data; the returned
    /// closure stops watching and closes `fd`.
    package var watchReadable: (_ fd: Int32, _ readable: @escaping () -> Void) -> () -> Void = { fd, _ in { close(fd) } }
    /// Starts a probe on the loop: `done` runs once, in a later turn, with
    /// its result, unless the handle is cancelled first (nil: no daemon,
    /// `ppm.probe.*` answer that they cannot run).
    package var probe: ((_ request: ProbeRequest, _ timeout: Double, _ done: @escaping (ProbeResult) -> Void) -> ProbeHandle)?
    /// Hooks that do nothing (no daemon).
    package init() {}
}
