/// Where the members of a service object go, one call per member in key
/// order (`ServiceSnapshot.members`): into a `JSONValue` (`json`), straight
/// into bytes (`write(to:)`, what `ls` sends), or just their names.
protocol SnapshotMembers {
    mutating func bool(_ key: StaticString, _ value: Bool)
    /// A string, or null; with `omittedWhenNil` no member at all for nil.
    mutating func string(_ key: StaticString, _ value: String?, omittedWhenNil: Bool)
    mutating func int(_ key: StaticString, _ value: Int64?)
    mutating func double(_ key: StaticString, _ value: Double?)
    mutating func strings(_ key: StaticString, _ value: [String])
    /// An object of strings (`env`).
    mutating func env(_ key: StaticString, _ value: [String: String])
    mutating func value(_ key: StaticString, _ value: JSONValue)
}

extension SnapshotMembers {
    mutating func string(_ key: StaticString, _ value: String?) { string(key, value, omittedWhenNil: false) }
}

/// The members as a dictionary (`ServiceSnapshot.json`).
struct ObjectMembers: SnapshotMembers {
    var members: [String: JSONValue] = [:]

    mutating func bool(_ key: StaticString, _ value: Bool) { members[key.description] = .bool(value) }
    mutating func string(_ key: StaticString, _ value: String?, omittedWhenNil: Bool) {
        if value != nil || !omittedWhenNil { members[key.description] = .init(value) }
    }
    mutating func int(_ key: StaticString, _ value: Int64?) { members[key.description] = value.map { .int($0) } ?? .null }
    mutating func double(_ key: StaticString, _ value: Double?) { members[key.description] = .init(value) }
    mutating func strings(_ key: StaticString, _ value: [String]) { members[key.description] = .init(value) }
    mutating func env(_ key: StaticString, _ value: [String: String]) { members[key.description] = .object(value.mapValues { .string($0) }) }
    mutating func value(_ key: StaticString, _ value: JSONValue) { members[key.description] = value }
}

/// The members' names, in order (`ServiceSnapshot.memberNames`).
struct NameMembers: SnapshotMembers {
    var names: [String] = []

    mutating func bool(_ key: StaticString, _ value: Bool) { names.append(key.description) }
    mutating func string(_ key: StaticString, _ value: String?, omittedWhenNil: Bool) { names.append(key.description) }
    mutating func int(_ key: StaticString, _ value: Int64?) { names.append(key.description) }
    mutating func double(_ key: StaticString, _ value: Double?) { names.append(key.description) }
    mutating func strings(_ key: StaticString, _ value: [String]) { names.append(key.description) }
    mutating func env(_ key: StaticString, _ value: [String: String]) { names.append(key.description) }
    mutating func value(_ key: StaticString, _ value: JSONValue) { names.append(key.description) }
}

/// The members written as JSON text, the bytes `json` would give, with
/// no value built in between; `wanted` (by member index) leaves some out,
/// and a spec member held in `fragments` is copied, not written again.
struct WrittenMembers: SnapshotMembers {
    var writer = JSONWriter(capacity: 0)
    let wanted: [Bool]?
    let fragments: SpecFragments?
    private var index = 0
    private var first = true
    /// With `marking`: where each member written begins (its comma), by index.
    private(set) var marks: [(index: Int, at: Int)]?

    /// `marking`: every member gets its comma, even the first, and `marks` says where each begins.
    init(wanted: [Bool]?, fragments: SpecFragments? = nil, marking: Bool = false) {
        self.wanted = wanted
        self.fragments = fragments
        if marking {
            first = false
            marks = []
        }
    }

    /// `,"key":` for each member, by index: one copy per member rather
    /// than five small appends (the keys need no escaping).
    static let keys: [[UInt8]] = ServiceSnapshot.memberNames.map { Array(",\"\($0)\":".utf8) }

    /// Starts the member `key` when it is wanted (false: skip its value,
    /// also when its bytes were copied from `fragments`).
    private mutating func begin(_ key: StaticString) -> Bool {
        defer { index += 1 }
        if let wanted, !wanted[index] { return false }
        if let fragment = fragments?.fragment(index) {
            writer.appendRaw(first ? fragment.dropFirst() : fragment)
            first = false
            return false
        }
        marks?.append((index, writer.bytes.count))
        let comma = Self.keys[index]
        writer.appendRaw(first ? comma.dropFirst() : comma[...])
        first = false
        return true
    }

    mutating func bool(_ key: StaticString, _ value: Bool) {
        if begin(key) { writer.write(.bool(value)) }
    }
    mutating func string(_ key: StaticString, _ value: String?, omittedWhenNil: Bool) {
        if value == nil && omittedWhenNil {
            index += 1
            return
        }
        guard begin(key) else { return }
        if let value { writer.writeString(value) } else { writer.write(.null) }
    }
    mutating func int(_ key: StaticString, _ value: Int64?) {
        if begin(key) { writer.write(value.map { .int($0) } ?? .null) }
    }
    mutating func double(_ key: StaticString, _ value: Double?) {
        if begin(key) { writer.write(value.map { .double($0) } ?? .null) }
    }
    mutating func strings(_ key: StaticString, _ value: [String]) {
        guard begin(key) else { return }
        writer.appendByte(UInt8(ascii: "["))
        for (i, s) in value.enumerated() {
            if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
            writer.writeString(s)
        }
        writer.appendByte(UInt8(ascii: "]"))
    }
    mutating func env(_ key: StaticString, _ value: [String: String]) {
        guard begin(key) else { return }
        writer.appendByte(UInt8(ascii: "{"))
        // Sorted as `JSONWriter` sorts an object's keys.
        for (i, name) in value.keys.sorted().enumerated() {
            if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
            writer.writeString(name)
            writer.appendByte(UInt8(ascii: ":"))
            writer.writeString(value[name]!)
        }
        writer.appendByte(UInt8(ascii: "}"))
    }
    mutating func value(_ key: StaticString, _ value: JSONValue) {
        if begin(key) { writer.write(value) }
    }
}
