import Dispatch
import Foundation
import Glibc
import PPMMachine
import Testing

@testable import PPMRuntime

/// A service run as another user reaches with its own paths (`dir`, `stdin`,
/// `stdout`, `stderr`) only what that user may: the daemon is root, the
/// paths are the service user's to plant.
@Suite(.serialized, .enabled(if: geteuid() == 0 && getpwnam("nobody") != nil, "needs root and the user nobody"))
struct SpawnPrivilegeTests {
    /// A folder the service user owns, beside a root-only one holding a secret.
    private struct Planted {
        let box: TempDir
        let own: String
        let secret: String
        let uid: uid_t

        init() throws {
            box = try TempDir()
            chmod(box.path, 0o755)
            uid = getpwnam("nobody")!.pointee.pw_uid
            own = box.folder("srv")
            chown(own, uid, getpwnam("nobody")!.pointee.pw_gid)
            secret = box.folder("root-only")
            chmod(secret, 0o700)
            _ = box.file("root-only/key", "TOPSECRET\n", mode: 0o600)
        }

        func plant(_ name: String, to target: String) { symlink(target, own + "/" + name) }

        func spec(_ cmd: [String]) -> ServiceSpec {
            var spec = ServiceSpec(name: "web", cmd: cmd)
            spec.user = "nobody"
            spec.dir = own
            return spec
        }
    }

    @Test func aStdoutSymlinkToARootOnlyPlaceIsRefused() throws {
        let p = try Planted()
        p.plant("web.out", to: p.secret + "/cron")
        var spec = p.spec(["/bin/echo", "* * * * * root evil"])
        spec.stdout = "web.out"
        spec.stderr = "web.out"
        #expect(LinuxSpawner().spawn(spec) == .failure(SpawnFailure("web.out: Permission denied")))
        #expect(!FileManager.default.fileExists(atPath: p.secret + "/cron"))
    }

    @Test func aStdinSymlinkToARootOnlyFileIsRefused() throws {
        let p = try Planted()
        p.plant("in", to: p.secret + "/key")
        var spec = p.spec(["/bin/cat"])
        spec.stdin = "in"
        spec.stdout = "leak.out"
        #expect(LinuxSpawner().spawn(spec) == .failure(SpawnFailure("in: Permission denied")))
        #expect(read(p.own + "/leak.out") == nil)
    }

    @Test func aDirOnlyRootCanEnterIsRefused() throws {
        let p = try Planted()
        var spec = p.spec(["/bin/true"])
        spec.dir = p.secret
        #expect(LinuxSpawner().spawn(spec) == .failure(SpawnFailure("\(p.secret): Permission denied")))
    }

    @Test func itsOwnFilesAreCreatedAsItsUser() throws {
        let p = try Planted()
        var spec = p.spec(["/bin/echo", "hello"])
        spec.stdout = "web.out"
        let pid = try LinuxSpawner().spawn(spec).get()
        #expect(reap(pid) == .exited(0))
        #expect(read(p.own + "/web.out") == "hello\n")
        var st = stat()
        #expect(stat(p.own + "/web.out", &st) == 0 && st.st_uid == p.uid)
    }

    @Test func aFIFOWithNoReaderFailsAtOnceInsteadOfBlocking() throws {
        let p = try Planted()
        let fifo = p.own + "/web.out"
        #expect(mkfifo(fifo, 0o600) == 0 && chown(fifo, p.uid, 0) == 0)  // the service planted it
        var spec = p.spec(["/bin/echo", "hello"])
        spec.stdout = "web.out"
        let done = DispatchSemaphore(value: 0)
        let fifoSpec = spec
        nonisolated(unsafe) var result: Result<Int32, SpawnFailure>?
        DispatchQueue.global().async {
            result = LinuxSpawner().spawn(fifoSpec)
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            Issue.record("the spawn blocked on a FIFO")
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)  // releases it
            done.wait()
            close(reader)
        }
        #expect(result == .failure(SpawnFailure("web.out: No such device or address")))
    }

    /// A service run as another user gets that user's HOME, USER, LOGNAME
    /// (as su and systemd set them), not the daemon's; its own `env` wins.
    @Test func itsAccountVariablesAreItsUsers() throws {
        let p = try Planted()
        let home = String(cString: getpwnam("nobody")!.pointee.pw_dir)
        var spec = p.spec(["/bin/sh", "-c", "echo \"$HOME $USER $LOGNAME\""])
        spec.stdout = "env.out"
        #expect(reap(try LinuxSpawner().spawn(spec).get()) == .exited(0))
        #expect(read(p.own + "/env.out") == "\(home) nobody nobody\n")
        spec.env = ["HOME": "/srv/web"]
        spec.stdout = "env2.out"
        #expect(reap(try LinuxSpawner().spawn(spec).get()) == .exited(0))
        #expect(read(p.own + "/env2.out") == "/srv/web nobody nobody\n")
    }

    @Test func noNewPrivsIsSetWhenAsked() throws {
        let p = try Planted()
        var spec = p.spec(["/bin/sleep", "30"])
        spec.noNewPrivs = true
        let pid = try LinuxSpawner().spawn(spec).get()
        defer {
            kill(pid, SIGKILL)
            _ = reap(pid)
        }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        #expect(status.contains("NoNewPrivs:\t1"))
    }
}
