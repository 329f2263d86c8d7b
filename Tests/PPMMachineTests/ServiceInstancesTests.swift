import PPMMachine
import Testing

/// `instances = N` expanded (SPEC 10): names, `%i`, `PPM_INSTANCE`, groups
/// and `requires` naming a template.
@Suite struct ServiceInstancesTests {
    private var web: ServiceSpec {
        var spec = ServiceSpec(name: "web", cmd: ["/bin/sh", "-c", "serve --port 80%i --id %i 100%% %x %"])
        spec.instances = 3
        spec.env = ["PORT": "80%i", "PLAIN": "x"]
        spec.dir = "/srv/web-%i"
        spec.stdout = "/var/log/web-%i.out"
        spec.stderr = "/var/log/web-%i.err"
        spec.groups = ["front"]
        return spec
    }

    @Test func aCopyHasItsNumberWhereSpecSays() {
        let copy = ServiceInstances.copy(2, of: web)
        #expect(copy.name == "web@2" && copy.instance == 2 && copy.instances == nil)
        #expect(copy.cmd == ["/bin/sh", "-c", "serve --port 802 --id 2 100% %x %"])
        #expect(copy.env == ["PORT": "802", "PLAIN": "x", "PPM_INSTANCE": "2"])
        #expect(copy.dir == "/srv/web-2" && copy.stdout == "/var/log/web-2.out" && copy.stderr == "/var/log/web-2.err")
        #expect(copy.groups == ["front", "web"])
    }

    @Test func expandingUsesTheCountsAndRenamesRequiredTemplates() {
        var proxy = ServiceSpec(name: "proxy", cmd: ["/bin/true"])
        proxy.requires = ["web", "db"]
        proxy.requireConditions = ["web": .ready]
        let db = ServiceSpec(name: "db", cmd: ["/bin/true"])
        let plain = ServiceInstances.expand([db, web, proxy])
        #expect(plain.map(\.name) == ["db", "web@1", "web@2", "web@3", "proxy"])
        let scaled = ServiceInstances.expand([db, web, proxy], counts: ["web": 5])
        #expect(scaled.map(\.name) == ["db"] + (1...5).map { "web@\($0)" } + ["proxy"])
        #expect(scaled.last?.requires == ["web@1", "web@2", "web@3", "web@4", "web@5", "db"])
        #expect(scaled.last?.requireConditions == Dictionary(uniqueKeysWithValues: (1...5).map { ("web@\($0)", RequireCondition.ready) }))
    }

    @Test func namesSplitIntoTemplateAndNumber() {
        #expect(ServiceInstances.split("web@12")! == ("web", 12))
        #expect(ServiceInstances.split("a@b@3")! == ("a@b", 3))
        for name in ["web", "web@", "@3", "web@0", "web@x"] { #expect(ServiceInstances.split(name) == nil, "\(name)") }
    }
}
