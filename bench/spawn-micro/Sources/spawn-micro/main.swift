// Spawns /bin/true N times (default 2000) per method, in interleaved rounds,
// and prints the time of the spawn call (until exec) per spawn, in µs.
// Each child is reaped (untimed) right after its spawn.
import CSystem
import Foundation
import Glibc
import OldSpawn
import PPMMachine
import PPMRuntime

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 2000
let ballastMB = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 0
let extraEnv = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3])! : 0
let rounds = 10

// Optional: touched memory, to look like a daemon holding many services.
var ballast = [UInt8](repeating: 1, count: ballastMB << 20)
for i in stride(from: 0, to: ballast.count, by: 4096) { ballast[i] = UInt8(i & 0xff) }

var env = ProcessInfo.processInfo.environment
for i in 0..<extraEnv { env["BENCH_VAR_\(i)"] = String(repeating: "x", count: 40) }
let spec = ServiceSpec(name: "true", cmd: ["/bin/true"])

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func reap(_ pid: pid_t) { var st: Int32 = 0; while waitpid(pid, &st, 0) < 0 && errno == EINTR {} }

// C-level inputs shared by the raw methods: argv/envp built once.
func cStrings(_ a: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: a.count + 1)
    for (i, s) in a.enumerated() { p[i] = strdup(s) }
    p[a.count] = nil
    return p
}
let argv = cStrings(["/bin/true"])
let envp = cStrings(env.map { "\($0.key)=\($0.value)" }.sorted())
var raw = ppm_spawn_spec()
raw.path = UnsafePointer(argv[0]!)
raw.argv = UnsafePointer(argv)
raw.envp = UnsafePointer(envp)
raw.stdin_fd = -1
raw.stdout_fd = -1
raw.stderr_fd = -1

// posix_spawn doing about what ppm_spawn does: own session, empty mask,
// default signals, stdin from /dev/null.
var actions = posix_spawn_file_actions_t()
posix_spawn_file_actions_init(&actions)
posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
var attributes = posix_spawnattr_t()
posix_spawnattr_init(&attributes)
var noSignals = sigset_t(), allSignals = sigset_t()
sigemptyset(&noSignals)
sigfillset(&allSignals)
posix_spawnattr_setsigmask(&attributes, &noSignals)
posix_spawnattr_setsigdefault(&attributes, &allSignals)
posix_spawnattr_setflags(&attributes, Int16(0x80 /* POSIX_SPAWN_SETSID */ | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

let oldSpawner = OldLinuxSpawner(baseEnvironment: env)
let newSpawner = LinuxSpawner(baseEnvironment: env)
var message = [CChar](repeating: 0, count: 512)

let methods: [(String, () -> pid_t)] = [
    ("old LinuxSpawner (Swift prep + fork)", { try! oldSpawner.spawn(spec).get() }),
    ("new LinuxSpawner (cached + clone)", { try! newSpawner.spawn(spec).get() }),
    ("C fork, prebuilt spec", {
        var pid: pid_t = 0
        precondition(old_ppm_spawn(&raw, &pid, &message, 512) == 0)
        return pid
    }),
    ("C clone, prebuilt spec", {
        var pid: pid_t = 0, step: Int32 = 0
        precondition(ppm_spawn(&raw, &pid, &step, &message, 512) == 0)
        return pid
    }),
    ("posix_spawn, prebuilt argv/envp", {
        var pid: pid_t = 0
        precondition(posix_spawn(&pid, "/bin/true", nil, nil, argv, envp) == 0)
        return pid
    }),
    ("posix_spawn + setsid, /dev/null, mask", {
        var pid: pid_t = 0
        precondition(posix_spawn(&pid, "/bin/true", &actions, &attributes, argv, envp) == 0)
        return pid
    }),
]

var samples = [[UInt64]](repeating: [], count: methods.count)
for (_, m) in methods { for _ in 0..<20 { reap(m()) } }  // warm-up
for _ in 0..<rounds {
    for (i, m) in methods.enumerated() {
        for _ in 0..<(total / rounds) {
            let t0 = now()
            let pid = m.1()
            samples[i].append(now() - t0)
            reap(pid)
        }
    }
}

var usage = rusage()
getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
print("spawns per method: \(total), ballast: \(ballastMB) MiB, env vars: \(env.count), max RSS: \(usage.ru_maxrss / 1024) MiB")
print("method                                  mean µs   p50 µs   p99 µs")
for (i, m) in methods.enumerated() {
    let s = samples[i].sorted()
    let mean = Double(s.reduce(0, +)) / Double(s.count) / 1000
    let p50 = Double(s[s.count / 2]) / 1000
    let p99 = Double(s[s.count * 99 / 100]) / 1000
    print(m.0.padding(toLength: 38, withPad: " ", startingAt: 0), String(format: "%8.1f %8.1f %8.1f", mean, p50, p99))
}
