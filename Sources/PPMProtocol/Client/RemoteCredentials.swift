/// What a client proves itself with to a daemon's TCP listener.
package enum RemoteCredentials: Sendable {
    /// The token file: its bytes are the TLS pre-shared key.
    case token(String)
    /// Mutual TLS: the CA that signs the daemon's certificate, and the
    /// client's own certificate and key (PEM files).
    case certificates(ca: String, cert: String, key: String)

    /// What a failed handshake most likely means, for the message.
    var mismatch: String {
        switch self {
        case .token: "is the token the daemon's, and does it listen with a token?"
        case .certificates: "is the certificate signed by the daemon's CA, and does the daemon's carry the host's name?"
        }
    }
}
