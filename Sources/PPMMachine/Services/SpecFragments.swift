/// The members of a service object that depend on its spec alone (`cmd`,
/// `env`, `groups`…), written once as JSON text and kept by the service
/// until its spec changes: `ls` copies them instead of encoding them again
/// for each of ten thousand services (#23).
package struct SpecFragments: Sendable {
    /// The members taken from the spec alone. Not `stop_timeout` (the
    /// daemon's default applies when the spec has none) nor `cgroup`.
    static let specMembers: Set<String> = [
        "autostart", "cmd", "dir", "env", "groups", "health_check", "hooks", "name", "once", "ready", "requires", "restart",
        "stop_signal", "user",
    ]

    /// The fragments, each `,"key":value`, one after another, in an
    /// allocation of their exact size (a thousand services keep a thousand).
    private let bytes: [UInt8]
    /// By spec member (`slots`), then one more: where each one's fragment
    /// begins in `bytes`; the next offset is its end.
    private let offsets: [Int32]

    /// By member index (`ServiceSnapshot.memberNames`): the member's place
    /// in `offsets`, or -1 when it is not a spec member. Spec members take
    /// places in the order of their indices, so a run of them ends where
    /// the spec member after its last begins.
    private static let slots: [Int] = {
        var next = 0
        return ServiceSnapshot.memberNames.map { name in
            guard specMembers.contains(name) else { return -1 }
            defer { next += 1 }
            return next
        }
    }()

    /// The spec members of `spec`, written as `ServiceSnapshot.write(to:)` writes them.
    init(_ spec: ServiceSpec) {
        let sample = ServiceSnapshot(spec: spec, state: .created, pid: nil, starts: 0, restarts: 0, crashes: 0)
        var all = WrittenMembers(wanted: nil, marking: true)
        sample.members(&all)
        let marks = all.marks ?? []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(Self.specMembers.count)
        var next = 0
        for (index, name) in ServiceSnapshot.memberNames.enumerated() where Self.specMembers.contains(name) {
            while marks[next].index != index { next += 1 }
            let end = next + 1 < marks.count ? marks[next + 1].at : all.writer.bytes.count
            ranges.append(marks[next].at..<end)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
        var offsets: [Int32] = []
        offsets.reserveCapacity(ranges.count + 1)
        for range in ranges {
            offsets.append(Int32(bytes.count))
            bytes += all.writer.bytes[range]
        }
        offsets.append(Int32(bytes.count))
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The spec members `ls` copies as runs, one after another between the
    /// others (`Service.writeListing`): by member index, the first and last
    /// of each run. Checked against `memberNames` and `specMembers` when made.
    static let runs: [(first: Int, last: Int)] = {
        let runs = [
            ["autostart"], ["cmd"], ["dir", "env"], ["groups"], ["health_check", "hooks"], ["name", "once"], ["ready", "requires", "restart"],
            ["stop_signal"], ["user"],
        ]
        precondition(Set(runs.joined()) == specMembers, "every spec member in one run")
        return runs.map { names in
            let indices = names.map { ServiceSnapshot.memberNames.firstIndex(of: $0)! }
            precondition(indices == Array(indices[0]...indices[0] + names.count - 1), "a run's members follow each other")
            return (indices[0], indices.last!)
        }
    }()

    /// Calls `body` with the fragments' bytes and, for run `k` of `runs`,
    /// where its fragments lie in them.
    func withRuns<R>(_ body: (UnsafeBufferPointer<UInt8>, _ run: (Int) -> Range<Int>) -> R) -> R {
        bytes.withUnsafeBufferPointer { all in
            offsets.withUnsafeBufferPointer { offsets in
                let runs = Self.runs
                let slots = Self.slots
                return body(all) { k in Int(offsets[slots[runs[k].first]])..<Int(offsets[slots[runs[k].last] + 1]) }
            }
        }
    }

    /// The fragment of the member at `index`, `,"key":value`; nil when it is not a spec member.
    func fragment(_ index: Int) -> ArraySlice<UInt8>? {
        let slot = Self.slots[index]
        guard slot >= 0 else { return nil }
        let start = Int(offsets[slot])
        let end = Int(offsets[slot + 1])
        return start == end ? nil : bytes[start..<end]
    }
}
