import ArgumentParser
import CSystem
import Dispatch
import FoundationEssentials
import Glibc
import LuaKit
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMTerminal

/// `ppm-lua repl`: Lua inside the running daemon (SPEC 6).
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Interactive Lua inside the running daemon.")
    @OptionGroup var client: EndpointOptions
    @Option(help: "Seconds one chunk may run (at most 30).") var timeout: Double = EvalTimeout.standard

    func run() throws {
        if let problem = EvalTimeout.problem(timeout) {
            printError("--timeout: \(problem)")
            throw ExitCode(1)
        }
        let connection = try client.connect(answerTimeout: timeout + ControlClient.standardAnswerTimeout)
        let interactive = isatty(0) != 0
        let syntax = try LuaState(memoryLimit: 8 << 20)  // only to tell complete chunks from incomplete ones
        let history = History()
        let editor = interactive ? LineEditor(history: history.load(), completer: { complete($0, connection) }) : nil
        if interactive {
            forwardInterrupts(connection.interrupter)
            print("ppm-lua \(PPMLua.version) repl: Lua inside the daemon; Ctrl-C stops a running chunk, Ctrl-D leaves")
        }
        var chunk = ""
        var failures = 0
        while true {
            let line: String
            if let editor {
                switch editor.read(prompt: chunk.isEmpty ? "ppm> " : ">> ") {
                case .line(let l):
                    line = l
                    if !l.allSatisfy(\.isWhitespace) { history.append(l) }
                case .interrupt:
                    chunk = ""
                    continue
                case .end:
                    if !chunk.isEmpty { chunk = "" }
                    return
                }
            } else {
                guard let l = readLine(strippingNewline: true) else { break }
                line = l
            }
            chunk += chunk.isEmpty ? line : "\n" + line
            if chunk.allSatisfy(\.isWhitespace) {
                chunk = ""
                continue
            }
            if isIncomplete(chunk, syntax) { continue }
            switch evaluate(chunk, connection) {
            case .success(let result):
                printWarnings(result)
                if let output = result["output"]?.stringValue { print(output, terminator: "") }
                let values = (result["values"]?.arrayValue ?? []).compactMap(\.stringValue)
                if !values.isEmpty { print(values.joined(separator: "\t")) }
            case .failure(.noDaemon(let path)):
                throw fail(ControlClient.Failure.noDaemon(path))
            case .failure(let e):
                failures += 1
                Console.error("\(e.description)\n")
            }
            fflush(nil)
            chunk = ""
        }
        if !chunk.isEmpty {
            printError("incomplete chunk at end of input")
            throw ExitCode(1)
        }
        // Piped input: a script can tell that a chunk failed.
        if failures > 0 && !interactive { throw ExitCode(1) }
    }

    /// Ctrl-C sends `interrupt` on the REPL's own connection: the daemon
    /// stops this REPL's running chunk (never another client's chunk or a
    /// hook) and the session goes on.
    private func forwardInterrupts(_ interrupter: ControlClient.Interrupter) {
        var signals: [Int32] = [SIGINT]
        let fd = ppm_signal_pipe(&signals, 1)
        guard fd >= 0 else { return }
        // A serial queue of its own: its thread may block in poll forever.
        DispatchQueue(label: "ppm-lua.repl.interrupts").async {
            var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&pending, 1, -1) >= 0 {
                while ppm_signal_pipe_read(fd) != 0 { interrupter.interrupt() }
            }
        }
    }

    private func evaluate(_ chunk: String, _ connection: ControlClient) -> Result<JSONValue, ControlClient.Failure> {
        Result { () throws(ControlClient.Failure) -> JSONValue in
            try connection.call("eval", ["code": .string(chunk), "timeout": .double(timeout)])
        }
    }

    /// Tab: the daemon's candidates for the text before the cursor (none
    /// when it cannot answer: Tab then only rings the bell).
    private func complete(_ text: String, _ connection: ControlClient) -> [String] {
        let reply = try? connection.call("complete", ["text": .string(text)])
        return (reply?["completions"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Lua's `<eof>` rule: more lines are needed when neither the chunk nor
    /// `return chunk` is complete and the error is at the end of input.
    private func isIncomplete(_ chunk: String, _ lua: LuaState) -> Bool {
        let source = chunk.hasPrefix("=") ? "return " + chunk.dropFirst() : chunk
        if lua.chunkStatus("return " + source) == .complete { return false }
        return lua.chunkStatus(source) == .incomplete
    }
}

/// Lines typed at a terminal, kept in `~/.ppm_lua_history` (the last 1000
/// are offered by the up arrow).
struct History {
    let path = (ProcessInfo.processInfo.environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path) + "/.ppm_lua_history"

    func load() -> [String] {
        Array((FileContents.read(path) ?? "").split(separator: "\n").map(String.init).suffix(1000))
    }

    func append(_ line: String) {
        AtomicFile.append(line + "\n", to: path)
    }
}
