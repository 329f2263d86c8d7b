/// Chunk names as Lua is given them. Lua keeps 59 bytes of a chunk name
/// (LUA_IDSIZE) and cuts the rest, so an error would name
/// `...structure/that/is/long/ppm.lua:1:`; a longer name is given to Lua as
/// a short alias instead, and `expand` puts the whole name back in messages.
final class ChunkNames {
    /// Aliases in use and the names they stand for.
    private var aliases: [(alias: String, name: String)] = []

    /// The source name for `lua_load`: `@path` (or `=text`), or `=<chunk N>`
    /// when that is too long for Lua to keep.
    func source(for chunkName: String) -> String {
        let source = chunkName.hasPrefix("=") ? chunkName : "@" + chunkName
        guard source.utf8.count > 59 else { return source }
        let shown = String(source.dropFirst())
        if let known = aliases.first(where: { $0.name == shown }) { return "=" + known.alias }
        let alias = "<chunk \(aliases.count + 1)>"
        aliases.append((alias, shown))
        return "=" + alias
    }

    /// `text` with every alias replaced by the whole name.
    func expand(_ text: String) -> String {
        aliases.reduce(text) { $0.replacing($1.alias, with: $1.name) }
    }
}
