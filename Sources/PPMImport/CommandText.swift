import PPMScript

/// A command for `cmd =`: one readable string when ppm-lua splits it back
/// into the same words, else an array of words.
enum CommandText {
    static func expr(_ argv: [String]) -> LuaExpr {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
        let words = argv.map { word -> String in
            if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
            return word.contains("'") ? "\"\(word)\"" : "'\(word)'"
        }
        let line = words.joined(separator: " ")
        if let split = try? ShellWords.split(line), split == argv { return .string(line) }
        return .array(argv.map { .string($0) })
    }
}
