import Foundation
import Testing

/// The Docker and Kubernetes examples without Docker or Kubernetes: the
/// commands they give (the container's command, `HEALTHCHECK`, the pod's
/// readiness and liveness exec probes) are read from the files and run
/// against the config the image copies, and their exit codes are those the
/// engines would see: 0 once the services are up, 1 once one is down.
@Suite(.serialized) struct ContainerExampleTests {
    static let examples = PluginSearchEndToEndTests.tree.appendingPathComponent("scripts/examples").path

    /// The JSON array after `prefix` on the line that has it (`CMD [...]`, `command: [...]`).
    static func arrays(after prefix: String, in text: String) -> [[String]] {
        text.split(separator: "\n").compactMap { line -> [String]? in
            guard !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"), let at = line.range(of: prefix) else { return nil }
            let rest = line[at.upperBound...].trimmingCharacters(in: .whitespaces)
            return (try? JSONSerialization.jsonObject(with: Data(rest.utf8))) as? [String]
        }
    }

    /// A sandbox running the image's config (its fixed port and folder
    /// moved to free ones, so that runs side by side do not collide).
    func runImageConfig(_ container: [String], copiedTo destination: String) throws -> Sandbox {
        #expect(
            container.count >= 4 && container[0] == "ppm-lua" && container[1] == "daemon" && container[2] == "-c",
            "\(container)")
        #expect(container[3] == destination, "the container runs the config the image copies")
        let s = try Sandbox()
        var config = try String(contentsOfFile: Self.examples + "/ready-and-healthy.lua", encoding: .utf8)
        config = config.replacingOccurrences(of: "8765", with: String(try freeTCPPort()))
            .replacingOccurrences(of: "/tmp/ppm-lua-demo-www", with: s.dir + "/www")
        try s.write(config)
        try s.startDaemon(Array(container.dropFirst(4)))  // the image's flags (`--forward`)
        return s
    }

    /// Runs an engine's command (`ppm-lua …`) as the engine would, in the daemon's environment.
    func engine(_ s: Sandbox, _ command: [String]) -> Output {
        #expect(command.first == "ppm-lua")
        return s.run(Array(command.dropFirst()))
    }

    @Test func theDockerfilesHealthcheckPassesOnceTheServicesAreUpAndFailsWhenOneIsDown() throws {
        let dockerfile = try String(contentsOfFile: Self.examples + "/docker/Dockerfile", encoding: .utf8)
        let copy = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("COPY scripts/examples/ready-and-healthy.lua ") })
        let destination = String(copy.split(separator: " ").last ?? "")
        let healthLine = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("HEALTHCHECK ") })
        let health = try #require(Self.arrays(after: " CMD ", in: String(healthLine)).first)
        let containerLine = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("CMD ") })
        let container = try #require(Self.arrays(after: "CMD ", in: String(containerLine)).first)
        let s = try runImageConfig(container, copiedTo: destination)
        // Within the health check's start period (20 s) and retries, it passes.
        #expect(eventually(40) { engine(s, health).status == 0 }, "\(engine(s, health).stdout)")
        #expect(s.run("stop", "web").status == 0)
        let down = engine(s, health)
        #expect(down.status == 1 && down.stdout.contains("web"), "\(down.stdout)")
    }

    @Test func thePodsReadinessAndLivenessProbesFollowTheServices() throws {
        let pod = try String(contentsOfFile: Self.examples + "/kubernetes/pod.yaml", encoding: .utf8)
        let commands = Self.arrays(after: "command:", in: pod)
        #expect(commands.count == 3, "the container's command, readiness and liveness: \(commands)")
        let (container, readiness, liveness) = (commands[0], commands[1], commands[2])
        let dockerfile = try String(contentsOfFile: Self.examples + "/docker/Dockerfile", encoding: .utf8)
        let copy = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("COPY scripts/examples/ready-and-healthy.lua ") })
        let s = try runImageConfig(container, copiedTo: String(copy.split(separator: " ").last ?? ""))
        #expect(eventually(40) { engine(s, readiness).status == 0 }, "\(engine(s, readiness).stdout)")
        #expect(engine(s, liveness).status == 0)
        #expect(s.run("stop", "web").status == 0)
        #expect(engine(s, readiness).status == 1)
        #expect(engine(s, liveness).status == 1)
    }
}
