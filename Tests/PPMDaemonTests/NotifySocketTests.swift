import Dispatch
import Foundation
import Glibc
import PPMProtocol
import TestProcesses
import Testing

@testable import PPMDaemon

/// A value shared with the socket's queue.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

@Suite struct NotifySocketTests {
    /// A notify socket on a queue of its own whose lookup places this test
    /// process and its direct children in service "svc", and what it delivers.
    final class Fixture: @unchecked Sendable {
        let queue = DispatchQueue(label: "notify-test")
        let deliveries = Locked<[NotifyDelivery]>([])
        let logged = Locked<[String]>([])
        var socket: NotifySocket!

        init() throws {
            let home = "/tmp/ppm-notify-test-" + UUID().uuidString
            try queue.sync {
                socket = try NotifySocket(
                    home: home, watcher: ReadinessSet(queue: queue),
                    lookup: { pid in
                        pid == getpid() || Self.parent(of: pid) == getpid() ? "svc" : nil
                    }, log: { [logged] line in logged.withLock { $0.append(line) } }
                ) { [deliveries] d in deliveries.withLock { $0.append(d) } }
            }
        }

        deinit { queue.sync { socket.stop() } }

        static func parent(of pid: Int32) -> Int32? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
                return nil
            }
            return stat[stat.index(after: close)...].split(separator: " ").dropFirst(1).first.flatMap { Int32($0) }
        }

        var messages: [NotifyMessage] { deliveries.withLock { $0.flatMap(\.messages) } }

        func wait(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
            let deadline = Date.now + seconds
            while Date.now < deadline {
                if condition() { return true }
                usleep(5_000)
            }
            return condition()
        }

        /// Sends `bytes` from this process, with `fd` passed by SCM_RIGHTS when given.
        func send(_ bytes: [UInt8], passing fd: Int32? = nil) {
            let client = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            defer { close(client) }
            var control = [UInt8](repeating: 0, count: 24)  // CMSG_SPACE(sizeof(int)) on 64-bit Linux
            if let fd {
                control.withUnsafeMutableBytes { raw in
                    raw.storeBytes(of: 20, toByteOffset: 0, as: Int.self)  // CMSG_LEN(sizeof(int))
                    raw.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
                    raw.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
                    raw.storeBytes(of: fd, toByteOffset: 16, as: Int32.self)
                }
            }
            var payload = bytes
            let sent = UnixAddress.with(abstract: socket.name) { address, length in
                payload.withUnsafeMutableBytes { body in
                    control.withUnsafeMutableBytes { ctl in
                        var iov = iovec(iov_base: body.baseAddress, iov_len: body.count)
                        return withUnsafeMutablePointer(to: &iov) { iovp in
                            var msg = msghdr()
                            msg.msg_name = UnsafeMutableRawPointer(mutating: address)
                            msg.msg_namelen = length
                            msg.msg_iov = iovp
                            msg.msg_iovlen = 1
                            if fd != nil {
                                msg.msg_control = ctl.baseAddress
                                msg.msg_controllen = ctl.count
                            }
                            return sendmsg(client, &msg, 0)
                        }
                    }
                }
            }
            #expect(sent == bytes.count)
        }
    }

    /// Runs the `sh -c` script with NOTIFY_SOCKET set; its stdout and exit status.
    func systemdNotify(_ fixture: Fixture, _ script: String) throws -> (String, Int32) {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = fixture.socket.address
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (text, p.terminationStatus)
    }

    @Test func systemdNotifyFromAServiceProcessDeliversReadyAndStatusAndItsBarrierReturns() throws {
        let f = try Fixture()
        // `exec`: systemd-notify is this process's child, which the lookup maps.
        let (_, status) = try systemdNotify(f, "exec systemd-notify --ready --status='serving 3 clients'")
        #expect(status == 0)  // BARRIER=1: it returned only because its descriptor was closed
        #expect(f.wait { f.messages.contains(.status("serving 3 clients")) })
        #expect(f.messages.contains(.ready))
    }

    @Test func aSenderOutsideEveryServiceIsIgnoredAndLoggedOnce() throws {
        let f = try Fixture()
        // A grandchild (in a subshell): not mapped. Its barrier still returns (the descriptor is closed).
        let (out, _) = try systemdNotify(f, "(systemd-notify --status=intruder; echo rc=$?; systemd-notify --status=again; true); true")
        #expect(out.contains("rc=0"))
        #expect(f.wait { f.queue.sync { f.socket.ignored } >= 4 })  // two datagrams each: STATUS=, then BARRIER=1
        #expect(f.messages.isEmpty)
        // Once per pid (systemd-notify sends its message as its parent, its barrier as itself).
        let lines = f.logged.withLock { $0.filter { $0.contains("belongs to no service") } }
        #expect(!lines.isEmpty && Set(lines).count == lines.count)
    }

    @Test func oversizedAndGarbageDatagramsAreDroppedAndTheSocketKeepsServing() throws {
        let f = try Fixture()
        f.send(Array(("STATUS=" + String(repeating: "x", count: 5000)).utf8))
        f.send([0xFF, 0x00, 0x0A, 0x3D, 0x3D, 0xC3])
        f.send([])
        f.send(Array("MAINPID=1\nSTATUS=after".utf8))  // pid 1 is not in the service: only the status stays
        #expect(f.wait { f.messages.contains(.status("after")) })
        #expect(f.messages == [.status("after")])
        #expect(f.queue.sync { f.socket.oversized } == 1)
    }

    @Test func aDescriptorPassedWithBarrierIsClosedAtOnce() throws {
        let f = try Fixture()
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        f.send(Array("BARRIER=1".utf8), passing: ends[1])
        close(ends[1])
        // The read end sees the hang-up only once every copy of the write end is closed.
        var poller = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 10_000) == 1 && poller.revents & Int16(POLLHUP) != 0)
        close(ends[0])
        #expect(f.wait { f.messages == [.barrier] })
    }
}
