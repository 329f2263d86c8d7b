import ArgumentParser
import CSystem
import Foundation
import LuaKit
import PPMControl
import PPMCore

/// `ppm-lua repl`: Lua inside the running daemon (SPEC 6).
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Interactive Lua inside the running daemon.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Seconds one chunk may run.") var timeout: Double = 5

    func run() throws {
        let connection = try client.connect()
        let interactive = isatty(0) != 0
        let syntax = try LuaState(memoryLimit: 8 << 20)  // only to tell complete chunks from incomplete ones
        let history = interactive ? History() : nil
        if interactive {
            forwardInterrupts(socket: client.locations.socket)
            print("ppm-lua \(PPMLua.version) repl: Lua inside the daemon; Ctrl-C stops a running chunk, Ctrl-D leaves")
        }
        var chunk = ""
        while true {
            if interactive {
                print(chunk.isEmpty ? "ppm> " : ">> ", terminator: "")
                fflush(nil)
            }
            guard let line = readLine(strippingNewline: true) else { break }
            chunk += chunk.isEmpty ? line : "\n" + line
            if chunk.allSatisfy(\.isWhitespace) {
                chunk = ""
                continue
            }
            if isIncomplete(chunk, syntax) { continue }
            history?.append(chunk)
            switch evaluate(chunk, connection) {
            case .success(let result):
                if let output = result["output"]?.stringValue { print(output, terminator: "") }
                let values = (result["values"]?.arrayValue ?? []).compactMap(\.stringValue)
                if !values.isEmpty { print(values.joined(separator: "\t")) }
            case .failure(.noDaemon(let path)):
                throw fail(ControlClient.Failure.noDaemon(path))
            case .failure(let e):
                FileHandle.standardError.write(Data("\(e.description)\n".utf8))
            }
            fflush(nil)
            chunk = ""
        }
        if !chunk.isEmpty {
            printError("incomplete chunk at end of input")
            throw ExitCode(1)
        }
        if interactive { print("") }
    }

    /// Ctrl-C sends `interrupt` on a second connection: the daemon's
    /// watchdog stops the running chunk and the session goes on.
    private func forwardInterrupts(socket: String) {
        var signals: [Int32] = [SIGINT]
        let fd = ppm_signal_pipe(&signals, 1)
        guard fd >= 0 else { return }
        let thread = Thread {
            var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&pending, 1, -1) >= 0 {
                while ppm_signal_pipe_read(fd) != 0 {
                    _ = try? ControlClient(socket: socket).call("interrupt")
                }
            }
        }
        thread.start()
    }

    private func evaluate(_ chunk: String, _ connection: ControlClient) -> Result<JSONValue, ControlClient.Failure> {
        Result { () throws(ControlClient.Failure) -> JSONValue in
            try connection.call("eval", ["code": .string(chunk), "timeout": .double(timeout)])
        }
    }

    /// Lua's `<eof>` rule: more lines are needed when neither the chunk nor
    /// `return chunk` is complete and the error is at the end of input.
    private func isIncomplete(_ chunk: String, _ lua: LuaState) -> Bool {
        let source = chunk.hasPrefix("=") ? "return " + chunk.dropFirst() : chunk
        if lua.chunkStatus("return " + source) == .complete { return false }
        return lua.chunkStatus(source) == .incomplete
    }
}

/// Chunks typed at a terminal, appended to `~/.ppm_lua_history`.
struct History {
    let path = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.ppm_lua_history"

    func append(_ chunk: String) {
        AtomicFile.append(chunk.replacingOccurrences(of: "\n", with: "\\n") + "\n", to: path)
    }
}
