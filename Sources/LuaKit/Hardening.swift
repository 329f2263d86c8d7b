import CLuaShim

/// What to suggest instead of the standard functions a daemon cannot allow.
public struct DaemonAlternatives: Sendable {
    /// Instead of `os.exit`, e.g. `ppm.shutdown()`.
    public var exit: String
    /// Instead of `os.execute` and `io.popen`, e.g. `ppm.spawn(cmd, {on_exit = fn})`.
    public var run: String

    public init(exit: String, run: String) {
        self.exit = exit
        self.run = run
    }
}

extension LuaState {
    /// Replaces `table.key` (a dotted global path and a key) with a function
    /// that raises `message`.
    public func forbid(_ table: String, _ key: String, message: String) {
        setField(table, key, function("\(table).\(key)") { _ in throw LuaHostError(message) })
    }

    /// Makes the standard library safe inside a long-running host:
    /// - `os.exit`, `os.execute` and `io.popen` raise an error naming the alternative;
    /// - reading standard input (`io.read`, `io.lines()`, `io.stdin`, `dofile()`) raises;
    /// - `load`, `loadfile` and `dofile` accept text chunks only (bytecode can crash the VM);
    /// - `debug.sethook` is refused, since the watchdog lives there;
    /// - nothing escapes the time budget: `__gc` metamethods are refused
    ///   (finalizers run with hooks off), `debug` keeps `traceback` and
    ///   `getinfo`, `collectgarbage` cannot stop the collector, C modules
    ///   cannot be loaded, and the standard functions that loop in C over a
    ///   length the caller chooses check the budget as they go.
    public func hardenForDaemon(_ alternatives: DaemonAlternatives) throws {
        ppm_lua_close_sandbox_holes(L)
        for name in [
            "debug", "gethook", "getlocal", "setlocal", "getupvalue", "setupvalue", "upvalueid", "upvaluejoin",
            "getmetatable", "setmetatable", "getregistry", "getuservalue", "setuservalue", "setcstacklimit",
        ] {
            forbid(
                "debug", name,
                message: "debug.\(name) is not available in the daemon (it could bypass the time budget); "
                    + "debug.traceback and debug.getinfo are")
        }
        forbid("package", "loadlib", message: "package.loadlib is refused: C code would run outside the time budget")
        forbid("os", "exit", message: "os.exit would end the daemon; use \(alternatives.exit)")
        forbid("os", "execute", message: "os.execute would block the daemon; use \(alternatives.run)")
        forbid("io", "popen", message: "io.popen would block the daemon; use \(alternatives.run)")
        forbid("debug", "sethook", message: "debug.sethook is reserved for the host's time budget")
        let noStdinMessage = LuaValue.string(
            "reading the daemon's standard input would block it; read a file with io.open(path), "
                + "or give text to a command with ppm.spawn(cmd, {stdin = text, on_exit = fn})")
        let patch = try load(
            """
            local message, rawload, rawloadfile, select, error = ...
            local function no_stdin() error(message, 3) end
            local stdin_handle = io.stdin
            local input = io.input
            local lines = io.lines
            local read = io.read
            local function reads_stdin() return input() == stdin_handle end
            io.stdin = setmetatable({}, { __index = function() return function() error(message, 2) end end,
                                          __name = "FILE* (stdin, unavailable)" })
            function io.read(...) if reads_stdin() then no_stdin() end return read(...) end
            function io.lines(file, ...)
              if file == nil and reads_stdin() then no_stdin() end
              return lines(file, ...)
            end
            function io.input(file)
              if file == nil and reads_stdin() then return io.stdin end
              return input(file)
            end
            function load(chunk, name, mode, ...)
              if select('#', ...) > 0 then return rawload(chunk, name, "t", ...) end
              return rawload(chunk, name, "t")
            end
            function loadfile(file, mode, ...)
              if file == nil then no_stdin() end
              if select('#', ...) > 0 then return rawloadfile(file, "t", ...) end
              return rawloadfile(file, "t")
            end
            function dofile(file)
              if file == nil then no_stdin() end
              local f = assert(rawloadfile(file, "t"))
              return f()
            end
            """, chunkName: "=hardening")
        try call(patch, [noStdinMessage, try global("load"), try global("loadfile"), try global("select"), try global("error")])
    }
}
