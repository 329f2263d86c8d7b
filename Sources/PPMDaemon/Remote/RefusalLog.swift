import PPMProtocol
import PPMScript

/// Decides which refusals of the TCP listener go to the journal one by one
/// and which are only counted, so a flood of them (2,000 wrong handshakes,
/// a client repeating a command it may not run) cannot push the services'
/// events out of the bounded journal. In each `window` (60 s from the
/// first refusal after a quiet spell), each network (/24, /64) gets
/// `perNetwork` events of its own and all of them together `overall`; the
/// rest are counted, and when the window ends each network with counted
/// refusals gets one line, "N refusals from NET in 60 s" (at most
/// `summaries` networks, then one line for the others).
struct RefusalLog {
    /// Seconds of one window.
    let window = 60.0
    let perNetwork = 5
    let overall = 20
    let summaries = 10

    private var windowStart: Double?
    private var journaled: [String: Int] = [:]
    private var journaledTotal = 0
    private var counted: [String: Int] = [:]

    /// When the current window ends (the caller flushes then); nil when none is open.
    var windowEnd: Double? { windowStart.map { $0 + window } }

    /// Whether `refusal` at `now` goes to the journal itself (else it is counted).
    mutating func admit(_ refusal: RemoteListener.Refusal, now: Double) -> Bool {
        if windowStart == nil { windowStart = now }
        let network = Self.network(of: refusal.address)
        if journaled[network, default: 0] < perNetwork && journaledTotal < overall {
            journaled[network, default: 0] += 1
            journaledTotal += 1
            return true
        }
        counted[network, default: 0] += 1
        return false
    }

    /// Ends the window if it is over at `now`: the summary lines to journal.
    mutating func flush(now: Double) -> [RemoteListener.Refusal] {
        guard let end = windowEnd, now >= end else { return [] }
        let seconds = Int(window)
        let ranked = counted.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var lines = ranked.prefix(summaries).map { network, n in
            RemoteListener.Refusal(address: network, reason: "\(n) refusal\(n == 1 ? "" : "s") from \(network) in \(seconds) s", count: n)
        }
        let rest = ranked.dropFirst(summaries)
        if !rest.isEmpty {
            let n = rest.reduce(0) { $0 + $1.value }
            lines.append(
                .init(address: "\(rest.count) networks", reason: "\(n) refusals from \(rest.count) other networks in \(seconds) s", count: n))
        }
        windowStart = nil
        journaled = [:]
        journaledTotal = 0
        counted = [:]
        return lines
    }

    /// `10.0.0.0/24` or `2001:db8::/64` for an address's text.
    static func network(of address: String) -> String {
        guard let bytes = IPAddress.bytes(address) else { return address }
        return "\(IPAddress.text(IPAddress.prefix(of: bytes)))/\(bytes.count == 4 ? 24 : 64)"
    }
}
