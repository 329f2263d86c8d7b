import LuaKit

/// `ppm.settings { metrics = { address = "127.0.0.1:9321" } }` (SPEC 11):
/// where the daemon serves `/metrics`, `/healthz` and `/readyz`. Read from
/// the config when the daemon starts.
package struct MetricsSettings: Sendable, Equatable {
    /// The address to listen on: 4 bytes (IPv4) or 16 (IPv6).
    package var address: [UInt8]
    /// The port; 0 lets the system choose (`status` shows the one chosen).
    package var port: UInt16

    /// The fields `metrics` accepts.
    static let fields = ["address"]

    /// Reads the `metrics` table.
    init(_ table: LuaTable) throws {
        for key in table.entries.keys {
            let k = key.stringValue ?? key.typeName
            guard Self.fields.contains(k) else { throw Self.error("unknown field '\(k)'\(Suggest.hint(k, in: Self.fields))") }
        }
        guard case .string(let text) = table["address"], let (address, port) = ListenSettings.hostPort(text) else {
            throw Self.error("'address' must be a numeric IPv4 or [IPv6] address and a port, e.g. \"127.0.0.1:9321\" or \"[::1]:9321\"")
        }
        self.address = address
        self.port = port
    }

    private static func error(_ message: String) -> LuaHostError { LuaHostError("ppm.settings: metrics: \(message)") }
}
