import CSystem
import Glibc

extension Daemon {
    /// Gives back what loading a config and starting the services used and
    /// no longer need: free pages of malloc's heap, and the daemon's mappings
    /// of code and constants that only start-up touched (most of the binary:
    /// the config reader, the Lua set-up, the argument parser). What runs
    /// again afterwards is mapped back from the page cache on first use.
    /// Called once the services are up, and after each reload.
    func releaseUnusedMemory() {
        ppm_release_free_memory()
        let kilobytes = ppm_release_code_pages()
        log("debug", "released the mappings of \(kilobytes) KB of start-up code and constants")
    }
}
