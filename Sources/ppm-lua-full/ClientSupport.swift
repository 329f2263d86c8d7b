import ArgumentParser
import FoundationEssentials
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol
import PPMRuntime

/// The `--socket` option: the daemon's, and every client's.
struct SocketOption: ParsableArguments {
    @Option(help: "The control socket (default: $PPM_LUA_SOCKET or <home>/ppm.sock).")
    var socket: String?

    var locations: Locations { Locations(socket: socket) }
}

/// Where the daemon is: the unix socket, or a daemon's TCP listener (TLS
/// 1.3) with the token that is its pre-shared key, or the certificates of
/// mutual TLS (`eval` and `repl`, whose `--timeout` is the chunk's, take
/// only these).
struct EndpointOptions: ParsableArguments {
    @OptionGroup var local: SocketOption

    @Option(help: "A daemon's TCP listener, HOST:PORT (default: $PPM_LUA_HOST).")
    var host: String?

    @Option(help: "The file holding the listener's shared secret (default: $PPM_LUA_TOKEN_FILE).")
    var tokenFile: String?

    @Option(help: "With --host: the local address to connect from (to match an allow list).")
    var bind: String?

    @Option(help: "With --host, mutual TLS: the CA certificate that signs the daemon's certificate.")
    var ca: String?

    @Option(help: "With --host, mutual TLS: this client's certificate (signed by the daemon's CA).")
    var cert: String?

    @Option(help: "With --host, mutual TLS: the key of --cert.")
    var key: String?

    func validate() throws {
        if local.socket != nil && host != nil { throw ValidationError("--socket and --host exclude each other") }
    }

    var locations: Locations { local.locations }

    /// `--socket`, else `--host` or `$PPM_LUA_HOST`, else the default socket.
    func endpoint() throws -> ControlEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let remote = local.socket == nil ? host ?? environment["PPM_LUA_HOST"].flatMap { $0.isEmpty ? nil : $0 } : nil
        guard let remote else { return .socket(locations.socket) }
        let files = [ca, cert, key]
        if files.contains(where: { $0 != nil }) {
            guard let ca, let cert, let key else {
                printError("\(remote): mutual TLS needs --ca, --cert and --key together")
                throw ExitCode(1)
            }
            return .host(remote, credentials: .certificates(ca: ca, cert: cert, key: key), bind: bind)
        }
        guard let token = tokenFile ?? environment["PPM_LUA_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            printError("\(remote): a TCP listener needs its token: --token-file FILE or PPM_LUA_TOKEN_FILE (or --ca, --cert and --key)")
            throw ExitCode(1)
        }
        return .host(remote, credentials: .token(token), bind: bind)
    }

    /// Connects, or exits 3 naming the socket or host (1 when refused);
    /// each request then fails when no answer starts within `answerTimeout` seconds.
    func connect(answerTimeout: Double?) throws -> ControlClient {
        let endpoint = try endpoint()
        do {
            let client = try endpoint.connect()
            client.answerTimeout = answerTimeout
            return client
        } catch { throw fail(error) }
    }
}

/// Options every client command takes: where the daemon is, and how long
/// to wait for it to answer.
struct ClientOptions: ParsableArguments {
    @OptionGroup var endpointOptions: EndpointOptions

    @Option(help: "Seconds to wait for the daemon to start answering (0: forever).")
    var timeout: Double = ControlClient.standardAnswerTimeout

    func validate() throws {
        if !(timeout >= 0) { throw ValidationError("--timeout must be 0 or more seconds") }
    }

    var locations: Locations { endpointOptions.locations }

    func endpoint() throws -> ControlEndpoint { try endpointOptions.endpoint() }

    /// The endpoint and timeout these options name (exits 1 when the
    /// endpoint's options do not go together).
    func target() throws -> DaemonTarget { DaemonTarget(endpoint: try endpoint(), timeout: timeout) }

    /// Connects (`DaemonTarget.connect`).
    func connect() throws -> ControlClient { try target().connect() }

    /// One request; failures exit 1 (or 3 without a daemon).
    func call(_ cmd: String, _ args: [String: JSONValue] = [:]) throws -> JSONValue {
        let client = try connect()
        do { return try client.call(cmd, args) } catch { throw fail(error) }
    }

    /// One request, with the result's bytes as the daemon sent them
    /// (without `parsing`, only checked: for `--json`, which prints them).
    func callRaw(_ cmd: String, _ args: [String: JSONValue] = [:], parsing: Bool = true) throws -> ControlResult {
        let client = try connect()
        do { return try client.callRaw(cmd, args, parsing: parsing) } catch { throw fail(error) }
    }
}

/// Prints `ppm-lua: message` on stderr and gives the exit code to throw
/// (`ClientExit.report`, as swift-argument-parser's `ExitCode`).
func fail(_ error: Error) -> ExitCode {
    ExitCode(ClientExit.report(error).code)
}
