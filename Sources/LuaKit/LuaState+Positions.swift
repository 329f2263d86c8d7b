import CLuaShim

/// Where Lua code is, for messages: whole chunk names and the caller of a
/// host function.
extension LuaState {
    /// `text` with the whole name of every chunk whose name was too long for Lua.
    public func expandChunkNames(_ text: String) -> String { chunkNames.expand(text) }

    /// Inside a host function: `source:line` of the Lua code calling it.
    public func callerPosition() -> String? {
        guard let thread = hostThread else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buf in
            let text = String(cString: ppm_lua_caller_position(thread, buf.baseAddress!, buf.count))
            return text.isEmpty ? nil : expandChunkNames(text)
        }
    }
}
