import LuaKit
import PPMMachine
package import PPMProtocol

/// The TCP listener (`ppm.settings { listen = {...} }`): where it listens,
/// the shared secret's file, and which client networks may run which
/// commands.
package struct ListenSettings: Sendable, Equatable {
    /// The address to listen on: 4 bytes (IPv4) or 16 (IPv6).
    package var address: [UInt8]
    /// The port; 0 lets the system choose (`status` shows the one chosen).
    package var port: UInt16
    /// The file holding the shared secret (absolute): the TLS pre-shared
    /// key; nil with certificates.
    package var tokenFile: String?
    /// Whether connections speak TLS 1.3 (`tls = false`: loopback only).
    package var tls = true
    /// Mutual TLS: the listener's certificate chain, its key, and the CA
    /// that signs clients' certificates (absolute paths); nil with a token.
    package var certificates: Certificates?
    /// Networks and what they may run, most specific network first.
    package var allow: [(network: ClientNetwork, commands: Set<ControlCommand>)]
    /// Connections held at once; more are refused.
    package var maxClients = 64
    /// Seconds a connection may stay silent before it is closed (one that
    /// follows events or logs is exempt).
    package var idleTimeout = 300.0

    /// The files of mutual TLS.
    package struct Certificates: Sendable, Equatable {
        package var cert: String
        package var key: String
        package var ca: String
    }

    /// The fields `listen` accepts.
    static let fields = ["address", "token_file", "tls", "cert", "key", "ca", "allow", "max_clients", "idle_timeout"]

    /// What a client at `address` may run, with the network that granted
    /// it (the most specific one containing it); nil when none does.
    package func rule(for address: [UInt8]) -> (network: ClientNetwork, commands: Set<ControlCommand>)? {
        allow.first { $0.network.contains(address) }
    }

    /// Equal when every field is (the allow list in the same order).
    package static func == (a: ListenSettings, b: ListenSettings) -> Bool {
        a.address == b.address && a.port == b.port && a.tokenFile == b.tokenFile && a.maxClients == b.maxClients
            && a.tls == b.tls && a.certificates == b.certificates
            && a.idleTimeout == b.idleTimeout && a.allow.map(\.network) == b.allow.map(\.network)
            && a.allow.map(\.commands) == b.allow.map(\.commands)
    }

    /// Reads the `listen` table; relative `token_file` paths start at `folder`.
    init(_ table: LuaTable, folder: String) throws {
        for key in table.entries.keys {
            let k = key.stringValue ?? key.typeName
            guard Self.fields.contains(k) else { throw Self.error("unknown field '\(k)'\(Suggest.hint(k, in: Self.fields))") }
        }
        guard case .string(let text) = table["address"] else {
            throw Self.error("'address' must be a string \"HOST:PORT\", e.g. \"127.0.0.1:7070\" or \"[::1]:7070\"")
        }
        guard let (address, port) = Self.hostPort(text) else {
            throw Self.error(
                "'address' must be a numeric IPv4 or [IPv6] address and a port, e.g. \"127.0.0.1:7070\" or \"[::]:7070\"; got \"\(text)\"")
        }
        self.address = address
        self.port = port
        let path = { (file: String) in file.hasPrefix("/") ? file : folder + "/" + file }
        switch table["tls"] {
        case .nil: break
        case .boolean(let on): tls = on
        default: throw Self.error("'tls' must be true or false")
        }
        var files: [String: String] = [:]
        for name in ["cert", "key", "ca"] where table[name] != .nil {
            guard case .string(let file) = table[name], !file.isEmpty else { throw Self.error("'\(name)' must name a PEM file") }
            files[name] = path(file)
        }
        if !files.isEmpty {
            guard let cert = files["cert"], let key = files["key"], let ca = files["ca"] else {
                throw Self.error(
                    "mutual TLS needs all of 'cert', 'key' and 'ca' (missing: \(["cert", "key", "ca"].filter { files[$0] == nil }.joined(separator: ", ")))"
                )
            }
            guard tls else { throw Self.error("'cert', 'key' and 'ca' need TLS: remove tls = false") }
            certificates = Certificates(cert: cert, key: key, ca: ca)
        }
        switch table["token_file"] {
        case .string(let file) where !file.isEmpty: tokenFile = path(file)
        case .nil where certificates != nil: break
        default:
            throw Self.error(
                "'token_file' must name the file holding the shared secret (readable only by the daemon's user), or set 'cert', 'key' and 'ca'")
        }
        guard tls || IPAddress.isLoopback(address) else {
            throw Self.error("tls = false is accepted only on a loopback address (127.0.0.0/8 or [::1]), not \(text): remove it")
        }
        allow = try Self.allowList(table["allow"])
        if table["max_clients"] != .nil {
            guard let n = table["max_clients"].integerValue, n >= 1 else { throw Self.error("'max_clients' must be a whole number of at least 1") }
            maxClients = Int(n)
        }
        switch table["idle_timeout"] {
        case .nil: break
        case .integer(let i) where i > 0: idleTimeout = Double(i)
        case .number(let d) where d > 0 && d.isFinite: idleTimeout = d
        case .string(let s) where (Durations.seconds(s) ?? 0) > 0: idleTimeout = Durations.seconds(s)!
        default: throw Self.error("'idle_timeout' must be a positive duration (seconds or text like \"5m\")")
        }
    }

    /// `allow = { ["10.0.0.0/8"] = { "read", "restart" }, ... }`; without
    /// it, any address may run the read-only commands.
    private static func allowList(_ value: LuaValue) throws -> [(network: ClientNetwork, commands: Set<ControlCommand>)] {
        let table: LuaTable
        switch value {
        case .nil: return [(ClientNetwork("0.0.0.0/0")!, ControlCommand.readOnly), (ClientNetwork("::/0")!, ControlCommand.readOnly)]
        case .table(let t): table = t
        default: throw error("'allow' must be a table of networks to command lists, e.g. { [\"10.0.0.0/8\"] = { \"read\" } }")
        }
        guard !table.entries.isEmpty else {
            throw error("'allow' is empty: no client could connect (leave it out for read-only access from anywhere)")
        }
        var rules: [(network: ClientNetwork, commands: Set<ControlCommand>)] = []
        for (key, names) in table.entries {
            guard let text = key.stringValue, let network = ClientNetwork(text) else {
                throw error(
                    "allow: \(key.stringValue.map { "'\($0)'" } ?? "a \(key.typeName) key") is not a network: use an address or CIDR text such as \"10.0.0.0/8\" or \"fd00::/8\""
                )
            }
            guard case .table(let list) = names, list.isSequence else {
                throw error("allow[\"\(text)\"] must be a list of command names, e.g. { \"read\", \"restart\" }")
            }
            var commands: Set<ControlCommand> = []
            for name in list.sequence {
                guard let word = name.stringValue, let granted = ControlCommand.granted(byAllowName: word) else {
                    let shown = name.stringValue ?? name.typeName
                    throw error("allow[\"\(text)\"]: unknown command '\(shown)'\(Suggest.hint(shown, in: ControlCommand.allowNames))")
                }
                commands.formUnion(granted)
            }
            guard !rules.contains(where: { $0.network == network }) else { throw error("allow: network \(network) is listed twice") }
            rules.append((network, commands))
        }
        return rules.sorted {
            $0.network.prefix != $1.network.prefix ? $0.network.prefix > $1.network.prefix : $0.network.description < $1.network.description
        }
    }

    /// `127.0.0.1:7070` or `[::1]:7070` as address bytes and port.
    static func hostPort(_ text: String) -> ([UInt8], UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
            guard host.contains(":") else { return nil }
        } else if host.contains(":") {
            return nil
        }
        return IPAddress.bytes(String(host)).map { ($0, port) }
    }

    private static func error(_ message: String) -> LuaHostError { LuaHostError("ppm.settings: listen: \(message)") }
}
