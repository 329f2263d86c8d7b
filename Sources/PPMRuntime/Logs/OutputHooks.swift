import Glibc
package import PPMMachine

/// What listens to captured lines besides the files: the Lua output hooks.
package protocol OutputHooks: AnyObject {
    /// Whether any hook wants the lines of `name` (no line is built otherwise).
    func listensToOutput(of name: String) -> Bool
    /// Lines `name` wrote on `stream`, newlines removed.
    func output(_ name: String, _ stream: OutputKind, _ lines: [String])
}
