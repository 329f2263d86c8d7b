import PPMMachine
import Testing

@testable import PPMScript

/// `instances` in a config (SPEC 10): read strictly, its copies' names
/// checked against the other services, a template's name accepted by `requires`.
@Suite struct InstancesConfigTests {
    @Test func instancesIsReadAndRequiresMayNameTheTemplate() throws {
        let host = try load(
            """
            ppm.service { name = "web", cmd = "/bin/true", instances = 4 }
            ppm.service { name = "proxy", cmd = "/bin/true", requires = { "web" } }
            """)
        #expect(host.declared.map(\.instances) == [4, nil])
    }

    @Test func badCountsAndTakenCopyNamesAreErrorsWithTheLine() {
        #expect(configError(#"ppm.service { name = "w", cmd = "x", instances = 0 }"#).contains("'instances' must be between 1 and 1000, got 0"))
        #expect(configError(#"ppm.service { name = "w", cmd = "x", instances = 1001 }"#).contains("between 1 and 1000"))
        #expect(configError(#"ppm.service { name = "w", cmd = "x", instances = "3" }"#).contains("'instances'"))
        let taken = configError(
            """
            ppm.service { name = "w@2", cmd = "x" }
            ppm.service { name = "w", cmd = "x", instances = 2 }
            """)
        #expect(taken.contains("ppm.lua:2:") && taken.contains("'w@2' has the name of another service"), "\(taken)")
    }
}
