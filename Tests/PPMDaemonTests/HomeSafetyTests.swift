import Foundation
import Glibc
import PPMProtocol
import PPMRuntime
import Testing

@testable import PPMDaemon

/// The daemon writes only into a home that is its user's own, never
/// through a link someone planted, and names what another user could change.
@Suite struct HomeSafetyTests {
    private func folder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/ppm-home-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    private func refusal(_ home: String) -> String? {
        do {
            try Locations(environment: ["PPM_LUA_HOME": home]).create()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aHomeWritableByOthersOrAnotherUsersIsRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let open = base + "/open"
        mkdir(open, 0o700)
        chmod(open, 0o777)
        #expect(refusal(open) == "refusing home \(open): writable by group or others (mode 777); chmod go-w it")
        let linked = base + "/linked"
        mkdir(linked, 0o700)
        mkdir(base + "/elsewhere", 0o700)
        symlink(base + "/elsewhere", linked + "/logs")
        #expect(refusal(linked) == "refusing the logs folder \(linked)/logs: it is a symbolic link")
        if geteuid() == 0 {
            let theirs = base + "/theirs"
            mkdir(theirs, 0o700)
            chown(theirs, 65534, 65534)
            #expect(refusal(theirs) == "refusing home \(theirs): owned by uid 65534, not by uid 0 that runs the daemon")
        }
        let fine = base + "/fine"
        #expect(refusal(fine) == nil)
    }

    @Test func aPlantedTemporaryFileIsNotWrittenThrough() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let victim = base + "/victim"
        try "untouched\n".write(toFile: victim, atomically: false, encoding: .utf8)
        symlink(victim, base + "/daemon.pid.tmp")
        try AtomicFile.write("123\n", to: base + "/daemon.pid")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched\n")
        #expect(try String(contentsOfFile: base + "/daemon.pid", encoding: .utf8) == "123\n")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root")) func aConfigOthersCanChangeIsNamed() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        chmod(base, 0o777)
        let config = base + "/ppm.lua"
        try "-- config\n".write(toFile: config, atomically: false, encoding: .utf8)
        chown(config, 65534, 65534)
        let warnings = TrustedPaths.warnings(config: config, tokenFile: base + "/token")
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.contains("the config \(config) is owned by uid 65534: whoever can change it runs code as root"))
        #expect(warnings.contains { $0.hasPrefix("the config's folder \(base) is writable by everyone") })
        #expect(warnings.contains { $0.hasPrefix("the token's folder \(base) is writable by everyone") })
        chmod(base, 0o755)
        chown(config, 0, 0)
        #expect(TrustedPaths.warnings(config: config, tokenFile: nil).isEmpty)
    }
}
