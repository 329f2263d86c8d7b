import Glibc
import PPMClientCommands

/// `ppm-lua`, the lean front (#23 item 4): the common client commands
/// (`QuickCommand`: `status`, `ls`, `start`/`stop`/`restart NAME…`,
/// `events`, `logs`) are answered here on the unix socket, without
/// swift-argument-parser, Foundation, OpenSSL or Lua loaded; any other
/// command line goes unchanged to `ppm-lua-full` (`FullProgram`).
@main
enum Front {
    static func main() {
        if QuickCommand.run(Array(CommandLine.arguments.dropFirst())) { return }
        FullProgram.execute()
    }
}
