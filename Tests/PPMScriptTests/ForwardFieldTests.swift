import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// `forward` (SPEC 11) as a service field and a setting: its forms, a wrong
/// value named in one line, and the JSON (`check --json`) and Lua (`export`)
/// forms reading back.
@Suite struct ForwardFieldTests {
    func spec(_ fields: String) throws -> ServiceSpec {
        try #require(try load(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#).declared.first)
    }

    @Test func everyModeAndFalseAreRead() throws {
        #expect(try spec(#"forward = "stdout""#).forward == .stdout)
        #expect(try spec(#"forward = "json""#).forward == .json)
        #expect(try spec(#"forward = "journal""#).forward == .journal)
        #expect(try spec("forward = false").forward == .off)
        #expect(try spec("").forward == nil)
    }

    @Test func theSettingIsRead() throws {
        let config = try load(#"ppm.settings { forward = "json" }"#)
        #expect(config.forward == .json)
        #expect(try load("").forward == nil)
    }

    @Test(arguments: [
        (#"forward = "syslog""#, #"'forward' must be "stdout", "json", "journal" or false, got "syslog""#),
        ("forward = true", #"'forward' must be "stdout", "json", "journal" or false, got boolean"#),
    ])
    func badValuesAreNamed(_ fields: String, _ message: String) {
        #expect(configError(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#) == "ppm.lua:1: service 'w': \(message)")
    }

    @Test func aBadSettingIsNamed() {
        #expect(configError(#"ppm.settings { forward = "tcp" }"#).contains(#"'forward' must be "stdout", "json", "journal" or false"#) == true)
    }

    @Test func jsonAndLuaFormsRoundTrip() throws {
        for mode in [ForwardMode.stdout, .json, .journal, .off] {
            var spec = ServiceSpec(name: "web", cmd: ["/bin/web"])
            spec.forward = mode
            let json = SpecJSON.encode(spec)
            #expect(json["forward"] == (mode == .off ? .bool(false) : .string(mode.rawValue)))
            #expect(SpecJSON.decode(json) == spec)
            #expect(SpecJSON.decode(SpecJSON.full(spec)) == spec)
            #expect(try load(SpecLua.statement(spec)).declared.first == spec)
        }
        #expect(SpecJSON.full(ServiceSpec(name: "p", cmd: ["/bin/p"]))["forward"] == .null)
    }
}
