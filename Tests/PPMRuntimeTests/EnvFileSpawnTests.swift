import Foundation
import Glibc
import PPMMachine
import Testing

@testable import PPMRuntime

/// `env_file` at spawn time: read at each start, under `env`, refused
/// through symlinks and for non-regular files, errors as `FILE:LINE: message`.
@Suite(.serialized) struct EnvFileSpawnTests {
    /// Spawns and reaps; the spawn failure's message otherwise.
    private func run(_ spawner: LinuxSpawner, _ spec: ServiceSpec) -> Result<PPMMachine.ExitStatus?, SpawnFailure> {
        for _ in 0..<50 {
            switch spawner.spawn(spec) {
            case .success(let pid): return .success(reap(pid))
            case .failure(let f) where f.message.contains("Text file busy"): usleep(20_000)
            case .failure(let f): return .failure(f)
            }
        }
        return .failure(SpawnFailure("busy"))
    }

    @Test func variablesReachTheProcessUnderEnvAndAChangedFileAppliesAtTheNextStart() throws {
        let dir = try TempDir()
        let out = dir.path + "/out"
        let first = dir.file("a.env", "A=from-a\nB=from-a\nC=from-a\n", mode: 0o644)
        _ = dir.file("b.env", "export B='from b'\n", mode: 0o644)
        let spawner = LinuxSpawner(baseEnvironment: ["PATH": "/usr/bin:/bin", "A": "daemon", "D": "daemon"])
        var spec = ServiceSpec(name: "envy", cmd: ["sh", "-c", "echo \"$A|$B|$C|$D\""])
        spec.envFile = [first, dir.path + "/b.env", "-" + dir.path + "/missing.env"]
        spec.env = ["C": "from-env"]
        spec.stdout = out
        #expect(try run(spawner, spec).get() == .exited(0))
        #expect(read(out) == "from-a|from b|from-env|daemon\n")

        _ = dir.file("a.env", "A=changed\n", mode: 0o644)
        #expect(try run(spawner, spec).get() == .exited(0))
        #expect(read(out) == "from-a|from b|from-env|daemon\nchanged|from b|from-env|daemon\n")
    }

    @Test func aMalformedMissingOrUnsafeFileFailsTheSpawnNamingIt() throws {
        let dir = try TempDir()
        let bad = dir.file("bad.env", "GOOD=1\n\nNOT A LINE\n", mode: 0o644)
        let spawner = LinuxSpawner(baseEnvironment: ["PATH": "/usr/bin:/bin"])
        var spec = ServiceSpec(name: "bad", cmd: ["true"])
        spec.envFile = [bad]
        #expect(run(spawner, spec) == .failure(SpawnFailure("\(bad):3: 'NOT': expected '=' after the name, found 'A LINE'")))

        spec.envFile = [dir.path + "/none.env"]
        let missing = try #require(run(spawner, spec).failureMessage)
        #expect(missing.hasPrefix("\(dir.path)/none.env: no such file"))

        let target = dir.file("real.env", "X=1\n", mode: 0o644)
        symlink(target, dir.path + "/link.env")
        spec.envFile = [dir.path + "/link.env"]
        #expect(run(spawner, spec).failureMessage == "\(dir.path)/link.env: a symbolic link (env_file is not read through one)")

        mkfifo(dir.path + "/fifo.env", 0o644)
        spec.envFile = [dir.path + "/fifo.env"]
        #expect(run(spawner, spec).failureMessage == "\(dir.path)/fifo.env: not a regular file")

        let big = dir.file("big.env", "X=" + String(repeating: "x", count: EnvFileLoader.maxSize) + "\n", mode: 0o644)
        spec.envFile = [big]
        #expect(run(spawner, spec).failureMessage == "\(big): larger than 1 MiB (env_file)")

        // Fixed: the same spec starts again.
        _ = dir.file("bad.env", "GOOD=1\n", mode: 0o644)
        spec.envFile = [bad]
        #expect(try run(spawner, spec).get() == .exited(0))
    }

    /// A root daemon reads a service's env_file as the service's user: a
    /// root-only file is refused, the user's own file is read.
    @Test(.enabled(if: geteuid() == 0 && getpwnam("nobody") != nil, "needs root and the user nobody"))
    func theFileIsOpenedAsTheServicesUser() throws {
        let dir = try TempDir()
        chmod(dir.path, 0o755)
        let secret = dir.file("root.env", "KEY=TOPSECRET\n", mode: 0o600)
        let own = dir.file("own.env", "KEY=mine\n", mode: 0o600)
        chown(own, getpwnam("nobody")!.pointee.pw_uid, getpwnam("nobody")!.pointee.pw_gid)
        let out = dir.path + "/out"
        let spawner = LinuxSpawner(baseEnvironment: ["PATH": "/usr/bin:/bin"])
        var spec = ServiceSpec(name: "web", cmd: ["/bin/sh", "-c", "echo $KEY"])
        spec.user = "nobody"
        spec.envFile = [secret]
        #expect(run(spawner, spec).failureMessage == "\(secret): Permission denied")
        spec.envFile = [own]
        spec.stdout = out
        _ = dir.file("out", "", mode: 0o666)
        #expect(try run(spawner, spec).get() == .exited(0))
        #expect(read(out) == "mine\n")
    }
}

extension Result where Failure == SpawnFailure {
    /// The failure's message; nil on success.
    var failureMessage: String? {
        if case .failure(let f) = self { return f.message }
        return nil
    }
}
