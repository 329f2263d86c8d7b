import CLua
import CLuaShim
import Glibc
import SystemCalls

/// A Swift-owned Lua 5.4 state that is safe to call from a long-running host.
///
/// Every call into Lua is protected (errors come back as `LuaError` with a
/// traceback), may carry a time budget that user code cannot swallow, and runs
/// under a state-wide memory cap. Host functions written in Swift never raise
/// Lua errors themselves: they throw, and a C trampoline raises afterwards.
///
/// Not thread-safe: use a state from one executor only. `interrupter` is the
/// one part that may be used from any thread.
public final class LuaState {
    let L: OpaquePointer
    private var hosts: [(name: String, body: LuaHostFunction)] = []
    private var releasedRefs: [Int32] = []
    /// Nesting of `call` (a host function may call back into Lua).
    var callDepth = 0
    /// Chunk names too long for Lua, by the alias Lua knows them as.
    let chunkNames = ChunkNames()
    /// The thread running the host function being called, if any.
    var hostThread: OpaquePointer?
    /// Threads of coroutines that returned, kept for the next ones (`LuaCoroutine`).
    var idleThreads: [(thread: OpaquePointer, ref: LuaRef)] = []
    /// At most this many idle threads are kept.
    static let idleThreadLimit = 4

    /// Where the last outermost call was stopped by a timeout, interrupt or
    /// the memory cap (`source:line`), when known.
    public private(set) var lastFaultPosition: String?

    /// Receives what `print` writes (each call's text ends with a newline).
    /// Defaults to the process's standard output.
    public var output: (String) -> Void = { text in try? writeAll(1, text) }

    /// Stops a running call from another thread.
    public let interrupter: LuaInterrupter

    /// Creates a state with the standard libraries and a memory cap in bytes.
    public init(memoryLimit: Int = 64 << 20) throws {
        guard let L = ppm_lua_newstate(memoryLimit, nil, luaKitDispatch) else {
            throw LuaError.memoryLimit(bytes: memoryLimit)
        }
        self.L = L
        self.memoryLimit = memoryLimit
        self.interrupter = LuaInterrupter(L)
        ppm_lua_set_host(L, Unmanaged.passUnretained(self).toOpaque())
        try installPrint()
    }

    deinit {
        interrupter.invalidate()
        ppm_lua_close(L)
    }

    // MARK: Memory

    /// The cap on all memory the state allocates while Lua code runs.
    public var memoryLimit: Int {
        didSet { ppm_lua_set_memory_limit(L, memoryLimit) }
    }

    /// Bytes the state holds now.
    public var memoryInUse: Int { ppm_lua_memory_used(L) }

    /// Runs a full garbage collection.
    public func collectGarbage() {
        ppm_lua_collect(L)
    }

    // MARK: Chunks

    /// Whether a chunk compiles, needs more lines, or is a syntax error
    /// (Lua's `<eof>` rule, as in the standalone interpreter).
    public enum ChunkStatus: Sendable, Equatable { case complete, incomplete, invalid }

    /// Classifies `code` without running it.
    public func chunkStatus(_ code: String) -> ChunkStatus {
        var code = code
        let status = code.withUTF8 { ppm_lua_chunk_status(L, $0.baseAddress, $0.count) }
        switch status {
        case 0: return .complete
        case 1: return .incomplete
        default: return .invalid
        }
    }

    /// Compiles a text chunk. Errors read `chunkName:LINE: message`; a name
    /// starting with `=` is shown without it (`=repl` → `repl:1:`). Names
    /// of any length are shown whole.
    public func load(_ code: String, chunkName: String) throws -> LuaRef {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        var code = code
        let source = chunkNames.source(for: chunkName)
        let status = code.withUTF8 { ppm_lua_load(L, $0.baseAddress, $0.count, source) }
        guard status == LUA_OK else { throw LuaError.syntax(expandChunkNames(stringAt(-1) ?? "cannot load \(chunkName)")) }
        return makeRef(L)
    }

    /// Compiles and runs a chunk, returning its results.
    @discardableResult
    public func run(_ code: String, chunkName: String, budget: Double? = nil) throws -> [LuaValue] {
        try call(try load(code, chunkName: chunkName), budget: budget)
    }

    /// Calls a Lua function in protected mode. `budget` is in seconds; the
    /// call is stopped once it runs past it (nil: no limit). `id` lets
    /// `interrupter.interrupt(id)` stop this call and no other.
    @discardableResult
    public func call(_ function: LuaRef, _ args: [LuaValue] = [], budget: Double? = nil, id: LuaCallID? = nil) throws -> [LuaValue] {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard lua_checkstack(L, Int32(args.count) + 8) != 0 else {
            throw LuaError.conversion("too many arguments")
        }
        let outer = callDepth == 0
        if outer && !interrupter.begin(id) { throw LuaError.interrupted(traceback: "") }
        callDepth += 1
        defer {
            callDepth -= 1
            if outer { interrupter.end() }
        }
        let stack = LuaStack(L, state: self)
        stack.push(.function(function))
        for a in args { stack.push(a) }
        let status = ppm_lua_pcall(L, Int32(args.count), LUA_MULTRET, budget ?? 0)
        drainReleasedRefs()
        guard status == LUA_OK else { throw error(text: stringAt(-1), budget: budget ?? 0) }
        let n = lua_gettop(L) - top
        return try (0..<n).map { try stack.value(at: top + 1 + $0) }
    }

    /// The error an outer call or resume ended with, from its message and traceback text.
    func error(text: String?, budget: Double) -> LuaError {
        let text = expandChunkNames(text ?? "unknown error")
        let (message, traceback) = LuaError.split(text)
        let noted = String(cString: ppm_lua_fault_position(L))
        lastFaultPosition = LuaError.firstPosition(traceback) ?? (noted.isEmpty ? nil : expandChunkNames(noted))
        switch Int(ppm_lua_last_fault(L)) {
        case Int(PPM_FAULT_TIMEOUT.rawValue): return .timeout(seconds: budget, traceback: traceback)
        case Int(PPM_FAULT_INTERRUPT.rawValue): return .interrupted(traceback: traceback)
        case Int(PPM_FAULT_MEMORY.rawValue): return .memoryLimit(bytes: memoryLimit)
        default: return .runtime(message: message, traceback: traceback)
        }
    }

    // MARK: Globals and fields

    /// Reads a global without metamethods.
    public func global(_ name: String) throws -> LuaValue {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        ppm_lua_push_globals(L)
        LuaStack(L, state: self).push(.string(name))
        lua_rawget(L, -2)
        return try LuaStack(L, state: self).value(at: -1)
    }

    /// Sets a global without metamethods.
    public func setGlobal(_ name: String, _ value: LuaValue) {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        ppm_lua_push_globals(L)
        let stack = LuaStack(L, state: self)
        stack.push(.string(name))
        stack.push(value)
        lua_rawset(L, -3)
    }

    /// Sets `key` in the table at the dotted global path (`"os"`, `"ppm.log"`),
    /// without metamethods. Does nothing if the path is not a table.
    public func setField(_ path: String, _ key: String, _ value: LuaValue) {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard pushTable(path: path) else { return }
        let stack = LuaStack(L, state: self)
        stack.push(.string(key))
        stack.push(value)
        lua_rawset(L, -3)
    }

    private func pushTable(path: String) -> Bool {
        ppm_lua_push_globals(L)
        let stack = LuaStack(L, state: self)
        for part in path.split(separator: ".") {
            stack.push(.string(String(part)))
            lua_rawget(L, -2)
            guard lua_type(L, -1) == LUA_TTABLE else { return false }
        }
        return true
    }

    /// The folders `require` searches, in order (`?.lua` and `?/init.lua` in each).
    public var requirePath: [String] = [] {
        didSet {
            let path = requirePath.flatMap { dir -> [String] in
                let d = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
                return ["\(d)/?.lua", "\(d)/?/init.lua"]
            }.joined(separator: ";")
            setField("package", "path", .string(path))
        }
    }

    // MARK: Host functions

    /// Makes a Lua function that runs `body`. Errors thrown by `body` become
    /// Lua errors prefixed with the caller's position; `name` appears in
    /// argument errors (`bad argument #1 to 'name'`).
    public func function(_ name: String, _ body: @escaping LuaHostFunction) -> LuaValue {
        hosts.append((name, body))
        ppm_lua_push_host_function(L, Int32(hosts.count - 1))
        return .function(makeRef(L))
    }

    fileprivate func dispatch(index: Int, thread: OpaquePointer) -> Int32 {
        let stack = LuaStack(thread, state: self)
        let (name, body) = hosts[index]
        let outerThread = hostThread
        hostThread = thread
        defer { hostThread = outerThread }
        do {
            let n = lua_gettop(thread)
            let values = try (0..<n).map { try stack.value(at: $0 + 1) }
            let results = try body(LuaArguments(function: name, values: values))
            guard lua_checkstack(thread, Int32(results.count) + 8) != 0 else {
                throw LuaHostError("too many results from '\(name)'")
            }
            for r in results { stack.push(r) }
            return Int32(results.count)
        } catch is LuaYield {
            guard lua_isyieldable(thread) != 0 else {
                stack.push(.string("'\(name)' cannot wait here: only a function the daemon runs as a coroutine may"))
                return PPM_HOST_ERROR
            }
            return PPM_HOST_YIELD
        } catch let e as LuaHostError {
            stack.push(.string(e.message))
        } catch let e as LuaError {
            stack.push(.string(e.message))
        } catch {
            stack.push(.string("\(error)"))
        }
        return PPM_HOST_ERROR
    }

    // MARK: References

    /// Pops the top of `thread`'s stack into the registry.
    func makeRef(_ thread: OpaquePointer) -> LuaRef {
        let type = String(cString: lua_typename(thread, lua_type(thread, -1)))
        let identity = lua_topointer(thread, -1)
        let ref = luaL_ref(thread, ppm_lua_registryindex())
        return LuaRef(ref: ref, state: self, typeName: type, identity: identity)
    }

    /// Frees a registry slot; deferred while Lua runs, so that a Swift
    /// release inside a host function never touches the stack under it.
    func unref(_ ref: Int32) {
        releasedRefs.append(ref)
        if releasedRefs.count > 64 { drainReleasedRefs() }
    }

    func drainReleasedRefs() {
        let refs = releasedRefs
        releasedRefs.removeAll()
        for r in refs { luaL_unref(L, ppm_lua_registryindex(), r) }
    }

    func stringAt(_ index: Int32, of thread: OpaquePointer? = nil) -> String? {
        let L = thread ?? self.L
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, index, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    // MARK: print

    private func installPrint() throws {
        let write = function("print") { [unowned self] args in
            if case .string(let s) = args[1] { self.output(s) } else if let b = args[1].byteValue { self.output(String(decoding: b, as: UTF8.self)) }
            return []
        }
        let make = try load(
            """
            local write, select, tostring, concat = ...
            return function(...)
              local n = select('#', ...)
              local parts = { ... }
              for i = 1, n do parts[i] = tostring(parts[i]) end
              write(concat(parts, "\\t", 1, n) .. "\\n")
            end
            """, chunkName: "=print")
        let tostring = try global("tostring")
        let concat: LuaValue = try {
            guard case .table(let t) = try global("table") else { return .nil }
            return t["concat"]
        }()
        let select = try global("select")
        guard let printFn = try call(make, [write, select, tostring, concat]).first else { return }
        setGlobal("print", printFn)
    }
}

/// The C entry point of every host function.
private func luaKitDispatch(_ host: UnsafeMutableRawPointer?, _ L: OpaquePointer?, _ index: Int32) -> Int32 {
    guard let host, let L else { return PPM_HOST_ERROR }
    let state = Unmanaged<LuaState>.fromOpaque(host).takeUnretainedValue()
    return state.dispatch(index: Int(index), thread: L)
}
