import Testing

@testable import PPMMachine

/// The service object `ls` writes straight to bytes is the one `show` and
/// `ppm.get` build as a value: same members, same text.
@Suite struct ServiceObjectTests {
    /// Services in several states: running with env and groups, crashed with
    /// a last exit, waiting for a requirement, failing to spawn.
    private func snapshots() -> [ServiceSnapshot] {
        services().supervisor.list()
    }

    /// The rig holding those services.
    private func services() -> Rig {
        let rig = Rig()
        rig.add("web") { spec in
            spec.env = ["PORT": "8080", "QUOTE": "say \"hi\"\n", "A_FIRST": "1", "Z": "", "é": "x"]
            spec.groups = ["front", "é"]
            spec.dir = "/srv/web"
            spec.scriptedFields = ["on_exit"]
        }
        rig.add("db") {
            $0.once = true
            $0.stopTimeout = 2.5
        }
        rig.add("app") { $0.requires = ["db"] }
        rig.boot()
        rig.exit("db", .exited(3))
        rig.spawner.failing = ["web"]
        rig.exit("web", .signaled(9))
        return rig
    }

    @Test func writtenBytesEqualTheBuiltValue() {
        let list = snapshots()
        #expect(list.count == 3)
        for var snapshot in list {
            for cgroup in [nil, "/sys/fs/cgroup/ppm-lua/\(snapshot.name)"] {
                snapshot.cgroup = cgroup
                var writer = JSONWriter()
                snapshot.write(to: &writer)
                #expect(String(decoding: writer.bytes, as: UTF8.self) == snapshot.json.text)
            }
        }
    }

    /// A local `ls` writes each object from the service's record (#23),
    /// not from a snapshot: the same bytes, cgroup member or not.
    @Test func listingWrittenFromTheRecordsEqualsTheSnapshots() {
        let rig = services()
        for root in [nil, "/sys/fs/cgroup/ppm-lua"] {
            var writer = JSONWriter()
            var objects = 0
            rig.supervisor.writeList(to: &writer, cgroup: { name in root.map { "\($0)/\(name)" } }, written: { _ in objects += 1 })
            let expected = rig.supervisor.list().map { snapshot in
                var s = snapshot
                s.cgroup = root.map { "\($0)/\(s.name)" }
                return s.json.text
            }
            #expect(objects == 3)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == expected.joined(separator: ","))
        }
        // The states it went through are those the listing must show.
        let states = rig.supervisor.list().map(\.state)
        #expect(states.contains(.crashed) && states.contains(.waiting))
    }

    @Test func onlyTheAskedMembersAreWritten() throws {
        let snapshot = snapshots()[0]
        var writer = JSONWriter()
        snapshot.write(to: &writer, only: .init(["name", "pid", "last_exit"]))
        let value = try JSONValue.parse(String(decoding: writer.bytes, as: UTF8.self))
        #expect(value.objectValue.map { Set($0.keys) } == ["name", "pid", "last_exit"])
        #expect(value["name"] == .string(snapshot.name))
        // A member left out when nil (no cgroup) does not shift the others.
        var bare = snapshot
        bare.cgroup = nil
        var second = JSONWriter()
        bare.write(to: &second, only: .init(["cgroup", "cmd", "name"]))
        let written = try JSONValue.parse(String(decoding: second.bytes, as: UTF8.self))
        #expect(written.objectValue.map { Set($0.keys) } == ["cmd", "name"])
        #expect(written["cmd"] == snapshot.json["cmd"])
    }

    @Test func memberNamesAreSortedAndCoverSpec() {
        let names = ServiceSnapshot.memberNames
        #expect(names == names.sorted())
        // SPEC 3: the members a service object has at least.
        for name in ["name", "state", "pid", "starts", "restarts", "uptime", "cmd", "last_exit", "autostart", "cgroup"] {
            #expect(names.contains(name))
        }
    }

    /// `ls` copies the spec's members from bytes the service keeps; a spec
    /// changed on the copy (secrets masked for a TCP client) or on the
    /// service (a reload) is written anew, never from the old bytes.
    @Test func specMembersFollowTheSpec() throws {
        let rig = services()
        let web = try #require(rig.supervisor.table["web"])
        #expect(web.snapshot(now: 0).specFragments == nil)  // a snapshot alone does not make them
        _ = web.specFragments  // as `ls` makes them
        var snapshot = web.snapshot(now: 0)
        #expect(snapshot.specFragments != nil)
        snapshot.spec.env = ["TOKEN": "***"]
        snapshot.spec.cmd = ["/bin/other"]
        var writer = JSONWriter()
        snapshot.write(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == snapshot.json.text)
        let written = try JSONValue.parse(String(decoding: writer.bytes, as: UTF8.self))
        #expect(written["env"] == .object(["TOKEN": .string("***")]))

        let service = Service(spec: ServiceSpec(name: "a", cmd: ["/bin/a"]), persist: false)
        _ = service.snapshot(now: 0)
        service.spec = ServiceSpec(name: "a", cmd: ["/bin/b"])
        var second = JSONWriter()
        service.snapshot(now: 0).write(to: &second, only: .init(["cmd"]))
        #expect(String(decoding: second.bytes, as: UTF8.self) == #"{"cmd":["/bin/b"]}"#)
    }
}
