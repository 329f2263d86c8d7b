// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ppm-lua",
    products: [
        // The lean front: answers the common client commands on the unix socket and executes
        // `ppm-lua-full` beside it, with the same arguments, for everything else (#23 item 4).
        .executable(name: "ppm-lua", targets: ["ppm-lua"]),
        // The daemon and the whole client (swift-argument-parser, TLS, Lua).
        .executable(name: "ppm-lua-full", targets: ["ppm-lua-full"]),
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
        // The client on the unix socket and what the daemon shares with it: requests and replies,
        // line framing, channels, the socket's location. No OpenSSL, no Foundation, no PPMRuntime:
        // the lean front (`ppm-lua`) links it.
        .target(name: "PPMClient", dependencies: ["PPMMachine", "CSystem", "SystemCalls"]),
        // What else the client and the daemon share: the command table, endpoints, TLS, the
        // token, file locations. No Lua, no daemon.
        .target(name: "PPMProtocol", dependencies: ["PPMClient", "PPMMachine", "PPMRuntime", "CSystem", "COpenSSL", "SystemCalls"]),
        .target(name: "PPMScript", dependencies: ["LuaKit", "PPMMachine", "PPMRuntime", "PPMClient", "PPMProtocol", "SystemCalls"]),
        // The REPL's terminal: line editor, escape sequences, completion listing, safe text.
        .target(name: "PPMTerminal", dependencies: ["CSystem", "SystemCalls"]),
        // The daemon: the composition root (Daemon) and its parts.
        .target(
            name: "PPMDaemon",
            dependencies: [
                "PPMMachine", "PPMRuntime", "PPMScript", "PPMClient", "PPMProtocol", "LuaKit", "CSystem", "COpenSSL", "SystemCalls",
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
                "PPMImport", "PPMClient", "PPMProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A manual clock and a fake spawner for tests.
        .target(name: "PPMMachineTesting", dependencies: ["PPMMachine"]),
        // Child processes for tests, holding nothing of the test process but their stdio.
        .target(name: "TestProcesses", path: "Tests/TestProcesses"),
        // The quick forms of the client commands and their printing, shared by the front and the
        // full program: no swift-argument-parser, no Foundation, no OpenSSL.
        .target(name: "PPMClientCommands", dependencies: ["PPMClient", "PPMMachine", "PPMTerminal", "SystemCalls"]),
        // `ppm-lua`, the front (its sources: Sources/ppm-lua-front).
        // Release builds link it as a static executable: no dynamic loader work, no libstdc++
        // (start-up in half the CPU time; it does no TLS and no name lookups).
        .executableTarget(
            name: "ppm-lua", dependencies: ["PPMClientCommands"], path: "Sources/ppm-lua-front",
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(configuration: .release))]
        ),
        // `ppm-lua-full`, the program the front hands on to.
        .executableTarget(
            name: "ppm-lua-full",
            dependencies: [
                "LuaKit", "PPMMachine", "PPMRuntime", "PPMScript", "PPMClient", "PPMClientCommands", "PPMProtocol", "PPMTerminal", "PPMDaemon",
                "CSystem", "SystemCalls",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        // The transition, through the loop on fakes (the loop is PPMRuntime's).
        .testTarget(name: "PPMMachineTests", dependencies: ["PPMMachine", "PPMMachineTesting", "PPMRuntime", "TestProcesses"]),
        .testTarget(name: "PPMRuntimeTests", dependencies: ["PPMRuntime", "PPMMachine", "PPMMachineTesting", "SystemCalls"]),
        .testTarget(name: "PPMProtocolTests", dependencies: ["PPMClient", "PPMProtocol", "PPMMachine", "PPMRuntime", "SystemCalls"]),
        .testTarget(name: "PPMTerminalTests", dependencies: ["PPMTerminal"]),
        .testTarget(
            name: "PPMDaemonTests",
            dependencies: [
                "PPMDaemon", "PPMClient", "PPMProtocol", "PPMMachine", "PPMRuntime", "PPMMachineTesting", "PPMScript", "SystemCalls",
                "TestProcesses",
            ]),
        // Drives the built ppm-lua binary (run `swift build` first, as scripts/test.sh does).
        // PPMProtocol: the raw TCP client of the remote tests speaks TLS through its channel.
        .testTarget(name: "EndToEndTests", dependencies: ["PPMClient", "PPMProtocol", "PPMMachine", "PPMRuntime", "TestProcesses"]),
        .testTarget(name: "PPMImportTests", dependencies: ["PPMImport", "PPMScript", "PPMMachine", "PPMRuntime", "LuaKit"], exclude: ["Fixtures"]),
        .testTarget(
            name: "PPMScriptTests",
            dependencies: ["PPMScript", "PPMClient", "PPMProtocol", "PPMMachine", "PPMRuntime", "PPMMachineTesting", "LuaKit"]),
    ]
)

// Every import is internal unless a file says otherwise: a file writes `package import` (or, in
// LuaKit, `public import`) only where another module's types cross its own interface.
let cTargets: Set<String> = ["CLua", "CLuaShim", "CSystem", "COpenSSL", "ppm-lua-fdholder"]
for target in package.targets where !cTargets.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
