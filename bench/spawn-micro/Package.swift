// swift-tools-version:6.0
// Throw-away micro-benchmark: the old fork spawner against the clone spawner,
// in one release process. Sources/CSystem and Sources/PPMCore are symlinks to
// the project's own targets. Run: swift run -c release spawn-micro [N]
import PackageDescription

let package = Package(
    name: "spawn-micro",
    targets: [
        .target(name: "CSystem"),
        .target(name: "PPMCore", dependencies: ["CSystem"]),
        .target(name: "OldSpawn", dependencies: ["CSystem"]),
        .executableTarget(name: "spawn-micro", dependencies: ["CSystem", "PPMCore", "OldSpawn"]),
    ]
)
