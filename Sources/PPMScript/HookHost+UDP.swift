import Glibc
import LuaKit
import SystemCalls

/// `ppm.udp`: datagrams sent and received on the daemon's loop without
/// ever blocking it (the `report` and `listen` plugins use them). A
/// listener the config makes is bound once the daemon runs.
extension ScriptState {
    func installUDP(into functions: inout LuaTable) {
        functions["udp_send"] = lua.function("ppm.udp.send") { [unowned self] args in
            let endpoint = try UDPEndpoint(try args.string(1))
            let bytes: [UInt8]
            switch args[2] {
            case .string(let s): bytes = Array(s.utf8)
            case .bytes(let b): bytes = b
            default: throw args.error(2, "string expected, got \(args[2].typeName)")
            }
            guard let host = self.attached else { return [.boolean(false), .string("the daemon is not running")] }
            return try host.send(bytes, to: endpoint)
        }
        functions["udp_listen"] = lua.function("ppm.udp.listen") { [unowned self] args in
            let url = try args.string(1)
            let endpoint = try UDPEndpoint(url)
            let fn = try args.function(2)
            self.nextHandle += 1
            let id = self.nextHandle
            self.udpListeners[id] = UDPListener(fd: -1, stop: nil)
            self.whenRunning { host in host.bind(id, endpoint, fn) }
            return [.integer(Int64(id))]
        }
        functions["udp_close"] = lua.function("ppm.udp.close") { [unowned self] args in
            self.closeListener(Int(try args.integer(1)))
            return []
        }
    }

    /// Closes one `ppm.udp.listen` socket (or forgets one not bound yet).
    func closeListener(_ id: Int) {
        guard let listener = udpListeners.removeValue(forKey: id) else { return }
        if let stop = listener.stop { stop() } else if listener.fd >= 0 { close(listener.fd) }
    }
}

extension HookHost {
    /// The largest datagram read; longer ones are cut.
    static let maxDatagram = 65_507

    /// Sends one datagram from the sending socket of the endpoint's family.
    func send(_ bytes: [UInt8], to endpoint: UDPEndpoint) throws -> [LuaValue] {
        let fd = try sender(for: endpoint.family)
        if let failure = endpoint.send(bytes, on: fd) { return [.boolean(false), .string(failure)] }
        return [.boolean(true)]
    }

    private func sender(for family: Int32) throws -> Int32 {
        if let fd = udpSenders[family] { return fd }
        let fd = try UDPEndpoint.socketFor(family: family)
        udpSenders[family] = fd
        return fd
    }

    /// Binds a listener the Lua state registered and watches it on the loop.
    func bind(_ id: Int, _ endpoint: UDPEndpoint, _ fn: LuaRef) {
        guard state.udpListeners[id] != nil else { return }  // closed before the daemon ran
        let fd: Int32
        do { fd = try endpoint.bound() } catch {
            state.udpListeners[id] = nil
            let message = "ppm.udp.listen: \((error as? LuaHostError)?.message ?? "\(error)")"
            state.daemon.log("error", message)
            recordHookError(message)
            return
        }
        let stop = state.daemon.watchReadable(fd) { [weak self] in self?.receive(id, fd, fn) }
        state.udpListeners[id] = UDPListener(fd: fd, stop: stop)
    }

    /// Reads every datagram waiting and hands each to the listener's function.
    private func receive(_ id: Int, _ fd: Int32, _ fn: LuaRef) {
        var buffer = [UInt8](repeating: 0, count: Self.maxDatagram)
        var errors: [String] = []
        for _ in 0..<64 {  // the source fires again if more wait: other work gets its turn
            guard state.udpListeners[id]?.fd == fd else { break }
            var from = sockaddr_storage()
            var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let received = try? syscall {
                buffer.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, b.baseAddress, b.count, Int32(MSG_DONTWAIT), $0, &fromLength)
                        }
                    }
                }
            }
            guard let n = received else { break }
            let bytes = Array(buffer[0..<n])
            let text: LuaValue = String(validating: bytes, as: UTF8.self).map { .string($0) } ?? .bytes(bytes)
            _ = callHook(fn, [text, .string(UDPEndpoint.describe(from))], label: "ppm.udp.listen handler", errors: &errors)
        }
        errors.forEach { recordHookError($0) }
    }

    /// Closes every `ppm.udp.listen` socket and the sending sockets (`close`).
    func closeSockets() {
        for id in Array(state.udpListeners.keys) { state.closeListener(id) }
        for fd in udpSenders.values { Glibc.close(fd) }
        udpSenders = [:]
    }
}
