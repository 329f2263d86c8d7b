package import PPMClient

/// A client command's end with exit status `code`, its message printed
/// already (the full program turns it into swift-argument-parser's `ExitCode`).
package struct ClientExit: Error, Equatable {
    /// The process's exit status: 1 for a failed request, 3 without a daemon.
    package let code: Int32

    /// An end with status `code`.
    package init(_ code: Int32) { self.code = code }

    /// Prints `ppm-lua: message` on stderr and gives the end to throw: 3
    /// when no daemon answers, 1 otherwise (a `ClientExit` is passed on as it is).
    package static func report(_ error: Error) -> ClientExit {
        if let exit = error as? ClientExit { return exit }
        if let failure = error as? ControlClient.Failure {
            printError(failure.description)
            if case .noDaemon = failure { return ClientExit(3) }
            return ClientExit(1)
        }
        printError("\(error)")
        return ClientExit(1)
    }
}
