import CLua
import CLuaShim
import FoundationEssentials

extension LuaState {
    /// Where a Lua function was written: the chunk's name (a file path for
    /// files) and its first and last lines; nil for a host function.
    public func definition(of function: LuaRef) -> (source: String, firstLine: Int, lastLine: Int)? {
        guard function.state === self, function.typeName == "function" else { return nil }
        lua_rawgeti(L, ppm_lua_registryindex(), lua_Integer(function.ref))
        var debug = lua_Debug()
        guard lua_getinfo(L, ">S", &debug) != 0, let source = debug.source, debug.linedefined > 0 else { return nil }
        let name = String(cString: source)
        return (
            name.hasPrefix("@") || name.hasPrefix("=") ? String(name.dropFirst()) : name,
            Int(debug.linedefined), Int(debug.lastlinedefined)
        )
    }

    /// The source text of a Lua function, read from the file it was loaded
    /// from (lines `firstLine...lastLine`); for a chunk loaded from a string,
    /// its name and line numbers. Two functions with equal text are taken as
    /// the same hook across a reload. `files` keeps the files read, split in
    /// lines, for the next calls.
    public func sourceText(of function: LuaRef, files: inout [String: [Substring]]) -> String {
        guard let (source, first, last) = definition(of: function) else { return function.description }
        if files[source] == nil, let data = FileManager.default.contents(atPath: source) {
            files[source] = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = files[source], first >= 1, last >= first, last <= lines.count else { return "\(source):\(first)-\(last)" }
        return lines[(first - 1)..<last].joined(separator: "\n")
    }
}
