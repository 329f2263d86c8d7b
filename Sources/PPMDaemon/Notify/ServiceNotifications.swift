import Glibc
import PPMMachine
import PPMRuntime

/// The daemon's side of its services' `sd_notify` messages: which service a
/// sending process belongs to, the `NOTIFY_SOCKET` a service gets, and what
/// the messages said go to the supervisor (`SdNotify`). Confined to the loop.
final class ServiceNotifications {
    /// A service's process group leader and, with cgroups, its cgroup directory.
    struct Member {
        var name: String
        var pgid: Int32?
        var cgroup: String?
    }

    private(set) var socket: NotifySocket?
    /// Told of every delivery after it is recorded (readiness, watchdog: the integration's).
    var onDelivery: ((NotifyDelivery) -> Void)?
    private let members: () -> [Member]
    /// The service whose running process leads this process group (constant time).
    private let leader: (Int32) -> String?
    private var byGroup: [Int32: String] = [:]
    /// `ppm-lua-<hash>/<dir>.service` (the last two parts of a service's cgroup) → name.
    private var byCgroup: [String: String] = [:]
    private var stale = true

    /// Opens the socket for `home`; without it (logged) services get no `NOTIFY_SOCKET`.
    init(
        home: String, watcher: ReadinessSet, log: @escaping (String) -> Void,
        leader: @escaping (Int32) -> String?, members: @escaping () -> [Member]
    ) {
        self.members = members
        self.leader = leader
        do {
            socket = try NotifySocket(home: home, watcher: watcher, lookup: { [unowned self] in service(of: $0) }, log: log) {
                [unowned self] delivery in record(delivery)
            }
        } catch {
            log("services cannot use sd_notify: \(error)")
        }
    }

    /// The variables `spec` gets for sd_notify: `NOTIFY_SOCKET` with
    /// `ready = "notify"`, and `WATCHDOG_USEC` with `watchdog`.
    func environment(for spec: ServiceSpec) -> [String: String] {
        guard let socket, spec.ready == .notify else { return [:] }
        var variables = ["NOTIFY_SOCKET": socket.address]
        if let watchdog = spec.watchdog { variables["WATCHDOG_USEC"] = String(UInt64(watchdog * 1_000_000)) }
        return variables
    }

    /// A journal entry: any process change makes the sender index stale.
    func noteJournal(type: String, name: String?) {
        guard name != nil else { return }
        switch type {
        case "start", "adopted", "exit", "stop", "fatal": stale = true
        default: break
        }
    }

    private func record(_ delivery: NotifyDelivery) { onDelivery?(delivery) }

    /// The service whose process group or cgroup holds `pid`, or nil.
    func service(of pid: Int32) -> String? {
        let pgid = getpgid(pid)
        // Most senders are in their service's own process group: no index needed.
        if pgid > 0, let name = leader(pgid) { return name }
        // Otherwise (a process that left the group, in the service's cgroup),
        // the index over every service, rebuilt only when a miss finds it stale.
        if stale { rebuild() }
        if pgid > 0, let name = byGroup[pgid] { return name }
        guard !byCgroup.isEmpty, case .success(let bytes) = FileContents.bytes("/proc/\(pid)/cgroup"),
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        else { return nil }
        return byCgroup[Self.lastTwo(line.dropFirst(3))]
    }

    private func rebuild() {
        stale = false
        byGroup.removeAll(keepingCapacity: true)
        byCgroup.removeAll(keepingCapacity: true)
        for member in members() {
            if let pgid = member.pgid { byGroup[pgid] = member.name }
            if let dir = member.cgroup { byCgroup[Self.lastTwo(Substring(dir))] = member.name }
        }
    }

    private static func lastTwo(_ path: Substring) -> String {
        path.split(separator: "/").suffix(2).joined(separator: "/")
    }
}
