import CSystem
import Glibc
import PPMClient
import PPMProtocol
import PPMRuntime

/// Takes the connections waiting on a listening socket (the control socket,
/// the TCP listener) and never spins when the descriptor table is full.
///
/// A listening socket with a client waiting stays readable while `accept`
/// fails with EMFILE/ENFILE, so a server that just returns is called again
/// at once: the daemon spun at 95 % CPU for 10 minutes that way and
/// answered no one. Here, a spare descriptor is given up for a moment to
/// take the waiting client, tell it why in one line ("too many open
/// files…") and hang up, then taken again. When even that finds no room
/// (another thread took the slot, or the spare cannot be had back), the
/// socket is not watched for a while (0.1 s, doubling up to 1 s) and tried
/// again: no busy loop, and clients wait in the backlog meanwhile.
///
/// Confined to the server's thread (hence `@unchecked Sendable`, no locking).
final class GuardedAcceptor: @unchecked Sendable {
    /// What `next()` found.
    enum Next: Equatable {
        /// A client to serve (a new descriptor, close-on-exec, non-blocking).
        case client(Int32)
        /// No client waits now (or accept failed for another reason).
        case none
        /// Out of descriptors: the socket is not watched until `pause` says.
        case paused
    }

    /// The listening socket.
    let listener: Int32
    /// Starts (true) or stops (false) watching the listening socket.
    private let watch: (Bool) -> Void
    /// Runs the closure on the server's thread after some seconds.
    private let after: (Double, @escaping @Sendable () -> Void) -> Void
    /// The line sent to a client turned away (nil: hang up without a word,
    /// for TLS); made when needed.
    private let refusal: () -> String?
    private let acceptCall: (Int32) -> Int32
    private var spare: Int32 = -1
    private var delay = GuardedAcceptor.firstPause
    private var paused = false
    private var stopped = false
    /// Clients turned away for want of descriptors since start.
    private(set) var turnedAway = 0

    static let firstPause = 0.1
    static let longestPause = 1.0

    /// An acceptor for `listener`; `accept` is for tests (it returns a
    /// descriptor, or -1 with errno set).
    init(
        listener: Int32, watch: @escaping (Bool) -> Void, after: @escaping (Double, @escaping @Sendable () -> Void) -> Void,
        refusal: @escaping () -> String?, accept: @escaping (Int32) -> Int32 = { ppm_accept($0) }
    ) {
        self.listener = listener
        self.watch = watch
        self.after = after
        self.refusal = refusal
        acceptCall = accept
        spare = Self.openSpare()
    }

    deinit { if spare >= 0 { close(spare) } }

    /// The next waiting client, if any.
    func next() -> Next {
        while true {
            let fd = acceptCall(listener)
            if fd >= 0 {
                delay = Self.firstPause
                return .client(fd)
            }
            let code = errno
            if code == EINTR || code == ECONNABORTED { continue }
            guard DescriptorGate.isExhaustion(code) else { return .none }
            if makeRoomToRefuse() { continue }
            pause()
            return .paused
        }
    }

    /// Stops for good (the server shuts down): a pause ends without watching again.
    func stop() { stopped = true }

    /// Gives the spare up to take one waiting client and turn it away;
    /// whether that worked and the spare is back (then the next client may be tried).
    private func makeRoomToRefuse() -> Bool {
        guard spare >= 0 else { return false }
        close(spare)
        spare = -1
        let waiting = acceptCall(listener)
        if waiting >= 0 { turnAway(waiting) }
        spare = Self.openSpare()
        return waiting >= 0 && spare >= 0
    }

    private func turnAway(_ client: Int32) {
        turnedAway += 1
        if let message = refusal() {
            let line = Array((ControlReply.error(.null, message) + "\n").utf8)
            _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        close(client)
    }

    private func pause() {
        guard !paused else { return }
        paused = true
        watch(false)
        let seconds = delay
        delay = min(Self.longestPause, delay * 2)
        after(seconds) { [weak self] in
            guard let self else { return }
            paused = false
            if spare < 0 { spare = Self.openSpare() }
            if !stopped { watch(true) }
        }
    }

    private static func openSpare() -> Int32 { open("/dev/null", O_RDONLY | O_CLOEXEC) }
}
