/// Which of a service's environment values are secrets, shown as `***` to
/// any client but the local owner (a TCP client, even one allowed only to
/// read): a name holding PASSWORD, PASSWD, SECRET, TOKEN or KEY (any case),
/// and every name the service lists in `secret_env`.
package enum SecretEnv {
    /// What a secret's value is shown as.
    package static let mask = "***"
    static let markers = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"]

    /// Whether `name` holds a secret for a service that lists `declared`.
    package static func isSecret(_ name: String, declared: [String]) -> Bool {
        if declared.contains(name) { return true }
        let upper = name.uppercased()
        return markers.contains { upper.contains($0) }
    }

    /// `spec` with its secrets' values masked.
    package static func masked(_ spec: ServiceSpec) -> ServiceSpec {
        var out = spec
        for name in spec.env.keys where isSecret(name, declared: spec.secretEnv) { out.env[name] = mask }
        return out
    }
}
