// swift-tools-version:6.0
// Throw-away micro-benchmark: the old fork spawner against the clone spawner,
// in one release process. Sources/CSystem, SystemCalls, PPMMachine and PPMRuntime are symlinks to
// the project's own targets. Run: swift run -c release spawn-micro [N]
import PackageDescription

let package = Package(
    name: "spawn-micro",
    targets: [
        .target(name: "CSystem"),
        .target(name: "SystemCalls"),
        .target(name: "PPMMachine"),
        .target(name: "PPMRuntime", dependencies: ["PPMMachine", "CSystem", "SystemCalls"]),
        .target(name: "OldSpawn", dependencies: ["CSystem"]),
        .executableTarget(name: "spawn-micro", dependencies: ["CSystem", "PPMMachine", "PPMRuntime", "OldSpawn"]),
    ]
)
