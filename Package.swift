// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ppm-lua",
    products: [
        .executable(name: "ppm-lua", targets: ["ppm-lua"]),
        // `ppm-lua import`, a program of its own: its parsers need Foundation (FoundationXML,
        // Yams), which the daemon does not load (README, "Importing a config").
        .executable(name: "ppm-lua-import", targets: ["ppm-lua-import"]),
        .executable(name: "ppm-lua-fdholder", targets: ["ppm-lua-fdholder"]),
        .library(name: "LuaKit", targets: ["LuaKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Lua 5.4 from the system (Debian: liblua5.4-dev).
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // C helpers for everything in Lua's API that may longjmp or is a macro.
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // C helpers for process spawning and Linux system calls.
        .target(name: "CSystem"),
        // TLS 1.3, SHA-256 and HMAC from the system's OpenSSL (Debian: libssl-dev).
        .target(name: "COpenSSL", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // The fd holder (a C program: the process that keeps output pipes open stays small).
        // Release builds link it as a static executable without Swift's start-up object, so
        // neither the Swift runtime nor libstdc++ comes along: 0.7 MB resident instead of 3.7.
        // (Debug builds link it the usual way: sanitizers cannot link static executables.)
        .executableTarget(
            name: "ppm-lua-fdholder", dependencies: ["CSystem"],
            linkerSettings: [.unsafeFlags(["-static-executable", "-nostartfiles"], .when(configuration: .release))]
        ),
        // System calls from Swift: EINTR retried in one place, errno as a typed error, writeAll.
        .target(name: "SystemCalls"),
        .target(name: "LuaKit", dependencies: ["CLua", "CLuaShim", "SystemCalls"]),
        // The pure state machine: specs, phases, the transition, effects, JSON. It depends on
        // nothing, so the compiler keeps the OS out ("the core knows nothing about the OS");
        // MachineImportTests refuses Glibc, Dispatch and Foundation in its sources.
        .target(name: "PPMMachine"),
        // The Linux side that carries effects out: the loop, spawner, cgroups, /proc, logs, files.
        .target(name: "PPMRuntime", dependencies: ["PPMMachine", "CSystem", "SystemCalls"]),
        // What the client and the daemon share: requests and replies, the command table, line
        // framing, the client, endpoints, TLS, file locations. No Lua, no daemon.
        .target(name: "PPMProtocol", dependencies: ["PPMMachine", "PPMRuntime", "CSystem", "COpenSSL", "SystemCalls"]),
        .target(name: "PPMScript", dependencies: ["LuaKit", "PPMMachine", "PPMRuntime", "PPMProtocol", "SystemCalls"]),
        // The REPL's terminal: line editor, escape sequences, completion listing, safe text.
        .target(name: "PPMTerminal", dependencies: ["CSystem", "SystemCalls"]),
        // The daemon: the composition root (Daemon) and its parts.
        .target(
            name: "PPMDaemon",
            dependencies: [
                "PPMMachine", "PPMRuntime", "PPMScript", "PPMProtocol", "LuaKit", "CSystem", "COpenSSL", "SystemCalls",
            ]),
        // Readers for pmtr, PETeR, PPM, supervisord and pm2 configs and the ppm.lua writer.
        .target(
            name: "PPMImport",
            dependencies: [
                "PPMMachine", "PPMRuntime", "PPMScript", "LuaKit", .product(name: "Yams", package: "Yams"),
            ]),
        .executableTarget(
            name: "ppm-lua-import",
            dependencies: [
                "PPMImport", "PPMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A manual clock and a fake spawner for tests.
        .target(name: "PPMMachineTesting", dependencies: ["PPMMachine"]),
        // Child processes for tests, holding nothing of the test process but their stdio.
        .target(name: "TestProcesses", path: "Tests/TestProcesses"),
        .executableTarget(
            name: "ppm-lua",
            dependencies: [
                "LuaKit", "PPMMachine", "PPMRuntime", "PPMScript", "PPMProtocol", "PPMTerminal", "PPMDaemon", "CSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        // The transition, through the loop on fakes (the loop is PPMRuntime's).
        .testTarget(name: "PPMMachineTests", dependencies: ["PPMMachine", "PPMMachineTesting", "PPMRuntime", "TestProcesses"]),
        .testTarget(name: "PPMRuntimeTests", dependencies: ["PPMRuntime", "PPMMachine", "PPMMachineTesting", "SystemCalls"]),
        .testTarget(name: "PPMProtocolTests", dependencies: ["PPMProtocol", "PPMMachine", "PPMRuntime", "SystemCalls"]),
        .testTarget(name: "PPMTerminalTests", dependencies: ["PPMTerminal"]),
        .testTarget(
            name: "PPMDaemonTests",
            dependencies: [
                "PPMDaemon", "PPMProtocol", "PPMMachine", "PPMRuntime", "PPMMachineTesting", "PPMScript", "SystemCalls", "TestProcesses",
            ]),
        // Drives the built ppm-lua binary (run `swift build` first, as scripts/test.sh does).
        // PPMProtocol: the raw TCP client of the remote tests speaks TLS through its channel.
        .testTarget(name: "EndToEndTests", dependencies: ["PPMProtocol", "PPMMachine", "PPMRuntime", "TestProcesses"]),
        .testTarget(name: "PPMImportTests", dependencies: ["PPMImport", "PPMScript", "PPMMachine", "PPMRuntime", "LuaKit"], exclude: ["Fixtures"]),
        .testTarget(name: "PPMScriptTests", dependencies: ["PPMScript", "PPMProtocol", "PPMMachine", "PPMRuntime", "PPMMachineTesting", "LuaKit"]),
    ]
)

// Every import is internal unless a file says otherwise: a file writes `package import` (or, in
// LuaKit, `public import`) only where another module's types cross its own interface.
let cTargets: Set<String> = ["CLua", "CLuaShim", "CSystem", "COpenSSL", "ppm-lua-fdholder"]
for target in package.targets where !cTargets.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
