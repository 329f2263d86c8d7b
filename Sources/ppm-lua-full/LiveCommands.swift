import ArgumentParser
import FoundationEssentials
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine

/// `ppm-lua add [options] -- CMD [ARG…]` (alias `exec`).
struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add and start a service at run time (kept until `rm`).", aliases: ["exec"])
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @Flag(help: "Print the new service object as JSON (the fields of `show --json`: name, state, pid, starts, cmd, spec...).") var json = false
    @Option(help: "The service's name (default: the program's file name).") var name: String?
    @Option(help: "An environment variable, KEY=VALUE (repeatable).") var env: [String] = []
    @Option(help: "Working directory (default: the current one).") var dir: String?
    @Option(help: "Run as this user (needs root).") var user: String?
    @Flag(help: "Run once; never restart.") var once = false
    @Flag(help: "Never restart (restart = \"never\").") var noAutorestart = false
    @Option(help: "Restart policy: on-failure, always or never.") var restart: String?
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.") var command: [String] = []

    func run() throws {
        let cmd = command
        guard !cmd.isEmpty else {
            printError("add needs a command: ppm-lua add [options] -- CMD [ARG...]")
            throw ExitCode(1)
        }
        var environment: [String: JSONValue] = [:]
        for pair in env {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                printError("--env expects KEY=VALUE, got '\(pair)'")
                throw ExitCode(1)
            }
            environment[String(pair[..<eq])] = .string(String(pair[pair.index(after: eq)...]))
        }
        let cwd = FileManager.default.currentDirectoryPath
        var args: [String: JSONValue] = [
            "cmd": .init(cmd), "env": .object(environment), "once": .bool(once),
            "dir": .string(dir.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd),
        ]
        if let name { args["name"] = .string(name) }
        if let user { args["user"] = .string(user) }
        if let policy = noAutorestart ? "never" : restart { args["restart"] = .string(policy) }
        let reply = try client.callRaw("add", args)
        if json { return printJSON(raw: reply.raw) }
        if output.quiet { return }
        let service = reply.value
        print(
            "added \(service["name"]?.stringValue ?? "?"): \(service["state"]?.stringValue ?? "?"), pid \(service["pid"]?.intValue.map(String.init) ?? "-")"
        )
    }
}

/// `ppm-lua export`: the live services as a ppm.lua.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Print the live services as a ppm.lua config.")
    @OptionGroup var client: ClientOptions
    func run() throws { print(try client.call("export").stringValue ?? "", terminator: "") }
}

/// `ppm-lua init`: a commented starter config.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Print a commented starter config.")
    func run() { print(starterConfig) }
}

let starterConfig = #"""
    -- ppm.lua: the ppm-lua config. It is Lua: `ppm-lua check ppm.lua` validates it,
    -- `ppm-lua daemon -c ppm.lua` runs it.

    -- Daemon-wide defaults (all optional).
    ppm.settings {
      stop_timeout = 10,                 -- seconds between the stop signal and SIGKILL
      hook_timeout = 1,                  -- how long one Lua hook may run
      backoff = { interval = 1, max = 60, reset_after = 10 },
    }

    -- A service. Only `name` and `cmd` are required.
    ppm.service {
      name = "example",
      cmd = "/bin/sh -c 'echo hello; sleep 60'",   -- split like a shell would, no expansion
      -- dir = "/srv/example",
      -- env = { PORT = "8080" },
      -- groups = { "web" },                       -- `ppm-lua restart @web`
      -- restart = "on-failure",                   -- "always" | "never" | a function(ev, svc)
      -- pre_start = "mkdir -p /run/example",      -- must succeed before each start
      -- stop_signal = { "INT", "5s", "TERM", "5s" },  -- a stop ladder, then SIGKILL
      -- post_stop = "rm -f /run/example/pid",     -- after each exit
      -- on_exit = function(ev)
      --   ppm.log(ev.name .. " exited with " .. tostring(ev.result))
      --   return nil                              -- nil | "restart" | "stop" | "fatal"
      -- end,
    }

    -- A hook for every service:
    -- ppm.on("exit", function(ev) if ev.outcome == "crashed" then ppm.log.warn(ev.name .. " crashed") end end)
    """#
