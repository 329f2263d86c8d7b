import Testing

@testable import PPMImport

/// pm2 files as pm2 itself accepts them (issue #24 items 12, 13, 17).
@Suite struct Pm2RealWorldTests {
    private let processJSON = """
        // my app, as `pm2 start process.json` takes it
        {
          "name": "my api", /* the API */
          "script": "server.js",
          "instances": "2",
          "pid_file": "/tmp/x.pid",
          "env": { "URL": "http://x//y" }
        }

        """

    @Test func aBareAppWithCommentsAndNumericStringsImports() throws {
        let result = try Importer.importText(processJSON, path: "process.json", from: .pm2)
        #expect(result.lua.contains(#"name = "my-api""#), "\(result.lua)")
        #expect(result.lua.contains("instances = 2,"), "\(result.lua)")
        #expect(result.lua.contains(#"NODE_APP_INSTANCE = "%i""#), "\(result.lua)")
        #expect(result.lua.contains(#"URL = "http://x//y""#))
        guard case .success(let count) = ImportCheck.run(result.lua, path: "imported", home: "/tmp", pluginFolders: []) else {
            Issue.record("the result does not check:\n\(result.lua)")
            return
        }
        #expect(count == 2)
    }

    @Test func everyRenameAndDroppedKeyIsSaid() throws {
        let result = try Importer.importText(processJSON, path: "process.json", from: .pm2)
        let said = result.untranslated.map { "\($0.line): \($0.text) (\($0.reason))" }
        #expect(said.contains { $0.hasPrefix("3: name: my api (renamed 'my-api'") }, "\(said)")
        #expect(said.contains { $0.hasPrefix("6: pid_file: /tmp/x.pid (ppm-lua keeps each service's pid") }, "\(said)")
        #expect(said.contains { $0.hasPrefix("5: instances: 2 (cluster mode") && $0.contains("share one port") }, "\(said)")
        #expect(said.contains { $0.hasPrefix("5: instances: 2 (NODE_APP_INSTANCE) (pm2 numbers instances from 0") }, "\(said)")
    }

    @Test func aCommentMarkInsideAStringStays() {
        #expect(JSComments.blanked(#"{"a": "x//y", "b": '/*z*/'} // c"#) == #"{"a": "x//y", "b": '/*z*/'}     "#)
        #expect(JSComments.blanked("/* a\nb */{}") == "    \n    {}")
    }
}
