import Glibc
import PPMMachine

/// Output forwarding's place in the daemon: what the forwarder asks of it.
extension Daemon {
    /// Wires the forwarder and starts following the capture if any service forwards.
    func startForwarding() {
        forwarder.setting = { [unowned self] in self.host.forward }
        forwarder.serviceMode = { [unowned self] name in self.supervisor.snapshot(name)?.spec.forward }
        forwarder.pid = { [unowned self] name in self.supervisor.snapshot(name)?.pid }
        forwarder.record = { [unowned self] note in self.loop.record(note) }
        forwarder.schedule = { [unowned self] seconds, action in _ = self.scheduler.schedule(after: seconds, action) }
        refreshForwarding()
    }

    /// After a reload: the setting and the services' modes may have changed.
    func refreshForwarding() {
        forwarder.refresh(specs: configured.values.map(\.spec) + store.services.map(\.spec))
    }
}

extension Forwarder {
    /// `PPM_LUA_JOURNAL_SOCKET` and `PPM_LUA_SYSLOG_SOCKET`, where set (for tests).
    static func socketOverrides() -> [String: String] {
        var found: [String: String] = [:]
        for key in ["PPM_LUA_JOURNAL_SOCKET", "PPM_LUA_SYSLOG_SOCKET"] {
            if let value = getenv(key) { found[key] = String(cString: value) }
        }
        return found
    }
}
