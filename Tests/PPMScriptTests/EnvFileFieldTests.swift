import Foundation
import PPMMachine
import Testing

@testable import PPMScript

/// The `env_file` field of `ppm.service{}` (SPEC 10): paths relative to the
/// config's folder, `-` kept, wrong types refused, and the JSON forms
/// (`check --json`, persistence, `export`) carrying it.
@Suite struct EnvFileFieldTests {
    @Test func pathsAreMadeAbsoluteAgainstTheConfigFolderAndMayBeOptional() throws {
        let host = try load(
            """
            ppm.service { name = "one", cmd = "/bin/true", env_file = ".env" }
            ppm.service { name = "two", cmd = "/bin/true", env_file = { "/etc/app.env", "-local.env" } }
            """)
        let folder = try #require(host.context.configPath.map { ($0 as NSString).deletingLastPathComponent })
        #expect(host.declared[0].envFile == ["\(folder)/.env"])
        #expect(host.declared[1].envFile == ["/etc/app.env", "-\(folder)/local.env"])
    }

    @Test func wrongValuesAreRefusedWithTheLine() {
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", env_file = 3 }"#)
                == "ppm.lua:1: service 'w': 'env_file' must be an array of strings, got number")
        #expect(
            configError("ppm.service { name = \"w\", cmd = \"x\",\n  env_file = { \"\" } }")
                == "ppm.lua:2: service 'w': 'env_file' has an empty path")
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", env_files = "a" }"#)
                == "ppm.lua:1: service 'w': unknown field 'env_files' (did you mean 'env_file'?)")
    }

    @Test func jsonAndLuaFormsRoundTrip() throws {
        var spec = ServiceSpec(name: "web", cmd: ["/bin/true"])
        #expect(SpecJSON.full(spec)["env_file"] == .array([]))
        spec.envFile = ["/srv/.env", "-/srv/local.env"]
        let json = SpecJSON.encode(spec)
        #expect(json["env_file"] == .array([.string("/srv/.env"), .string("-/srv/local.env")]))
        #expect(SpecJSON.decode(json) == spec)
        let host = try load(SpecLua.statement(spec))
        #expect(host.declared.first?.envFile == spec.envFile)
    }
}
