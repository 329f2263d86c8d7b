import PPMClient
import PPMClientCommands
import PPMProtocol

extension DaemonTarget {
    /// The daemon at `endpoint`: its unix socket, or a TCP listener through TLS.
    init(endpoint: ControlEndpoint, timeout: Double) {
        let local = if case .socket = endpoint { true } else { false }
        self.init(isLocal: local, timeout: timeout) { () throws(ControlClient.Failure) in try endpoint.connect() }
    }
}
