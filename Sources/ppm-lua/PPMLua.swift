import ArgumentParser

/// The `ppm-lua` command: daemon and client in one executable.
@main
struct PPMLua: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppm-lua",
        abstract: "A process supervisor scripted in Lua.",
        version: "0.1.0",
        subcommands: []
    )
}
