import Foundation
import LuaKit
import Testing

@testable import PPMImport

/// An imported file is untrusted: nothing in it may run at import time, and
/// the text it carries into comments stays a comment.
@Suite struct ImportSafetyTests {
    /// Lua that writes `path` when it runs.
    private func payload(_ path: String) -> String { "io.open('\(path)','w'):write('x')--" }

    private func marker() -> String {
        NSTemporaryDirectory() + "ppm-import-safety-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Inputs of each format whose text reaches a comment of the result,
    /// with a carriage return (where Lua ends a `--` comment) before code.
    private func hostileInputs(_ path: String) -> [(ImportFormat, String)] {
        let code = payload(path)
        return [
            (.supervisord, "[program:web]\ncommand=/bin/sleep 1\nfoo=a\r\(code)\n"),
            (.pmtr, "report to \"udp://127.0.0.1:9\r\(code)\"\njob {\n  name web\n  cmd /bin/sleep 1\n}\n"),
            (.peter, "<peter><programs>\n<program name=\"web\" foo=\"a&#13;\(code)\"><cmd>/bin/sleep 1</cmd></program>\n</programs></peter>\n"),
            (.ppm, "services:\n  - name: web\n    command:\n      path: /bin/sleep\n    bogus: \"a\\r\(code)\"\n"),
            (.pm2, "{\"apps\":[{\"name\":\"web\",\"script\":\"/bin/sleep\",\"bogus\":\"a\\r\(code)\"}]}\n"),
            (.procfile, "web: /bin/sleep 1\nnot a process a\r\(code)\n"),
            (.systemd, "[Service]\nExecStart=/bin/sleep 1\nBogus=a\r\(code)\n"),
        ]
    }

    @Test(arguments: ImportFormat.allCases)
    func textFromTheFileNeverBecomesCode(format: ImportFormat) throws {
        let path = marker()
        let (_, text) = try #require(hostileInputs(path).first { $0.0 == format })
        let result = try Importer.importText(text, path: "in", from: format)
        #expect(!result.lua.unicodeScalars.contains { $0 == "\r" }, "\(result.lua)")
        #expect(result.lua.contains(#"\r"#), "the carriage return is shown escaped:\n\(result.lua)")
        guard case .success(let count) = ImportCheck.run(result.lua, path: "imported", home: NSTemporaryDirectory(), pluginFolders: []) else {
            Issue.record("the result does not load:\n\(result.lua)")
            return
        }
        #expect(count == 1)
        #expect(!FileManager.default.fileExists(atPath: path))
        // And the result, loaded as the daemon would with io, still writes nothing.
        let state = try LuaState()
        _ = try? state.run(
            "ppm = setmetatable({}, { __index = function() return function() return function() end end end })\n"
                + result.lua, chunkName: "=imported")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func everyControlCharacterInACommentIsShownEscaped() throws {
        var config = LuaConfig()
        let controls = (0..<0x20).filter { $0 != 0x0A }.map { String(UnicodeScalar(UInt8($0))) }.joined() + "\u{7F}\u{85}\u{2028}"
        config.header = ["head " + controls + "x = 1"]
        let written = LuaWriter.write(config)
        #expect(!written.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || $0.value == 0x85 || $0.value == 0x2028 })
        #expect(written.contains(#"\x00\x01"#) && written.contains(#"\r"#) && written.contains(#"\x1B"#) && written.contains(#"\u{0085}"#))
        let state = try LuaState()
        #expect(try state.run(written + "return x", chunkName: "=w") == [.nil])
    }

    @Test func theCheckRunsTheResultWithNothingThatReachesOutside() throws {
        let path = marker()
        let attempts = [
            #"io.open("\#(path)", "w"):write("x")"#: "io.open is not available while `ppm-lua import` checks its result",
            #"os.execute("touch \#(path)")"#: "os.execute",
            #"os.remove("\#(path)")"#: "os.remove",
            #"require("evil")"#: "module 'evil' not found",
            #"package.loaded.x = 1"#: "package",
            #"dofile("\#(path)")"#: "dofile is not available",
            #"loadfile("\#(path)")"#: "loadfile is not available",
            #"ppm.spawn({ "/bin/touch", "\#(path)" })"#: "ppm.spawn is not available",
            #"ppm.udp.send("udp://127.0.0.1:9", "x")"#: "ppm.udp.send is not available",
        ]
        for (code, message) in attempts {
            let result = ImportCheck.run(
                code + "\nppm.service { name = 'a', cmd = '/bin/true' }\n", path: "imported",
                home: NSTemporaryDirectory(), pluginFolders: [])
            guard case .failure(let failure) = result else {
                Issue.record("\(code): the check ran it")
                continue
            }
            #expect(failure.description.hasPrefix("imported:1:"), "\(code): \(failure)")
            #expect(failure.description.contains(message), "\(code): \(failure)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        // The clock and the calendar stay: the cron helpers read them.
        #expect(ImportCheck.run("assert(os.time() > 0 and os.date('*t').year > 2000)", path: "i", home: "/tmp", pluginFolders: []).isSuccess)
    }
}

private extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
