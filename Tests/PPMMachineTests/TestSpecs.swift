@testable import PPMMachine

/// A spec running `/bin/NAME`, changed by `configure`: the services of the
/// transition tests.
func testSpec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec {
    var s = ServiceSpec(name: name, cmd: ["/bin/\(name)"])
    configure(&s)
    return s
}
