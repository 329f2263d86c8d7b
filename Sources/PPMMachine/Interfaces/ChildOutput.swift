/// Where a new process writes: pipe ends the daemon reads, or -1 for a
/// stream that goes to the spec's own file (or, without one, the daemon's).
package struct ChildOutput: Sendable, Equatable {
    /// The write end given to the child as fd 1, or -1.
    package var stdout: Int32
    /// The write end given to the child as fd 2, or -1.
    package var stderr: Int32
    /// The write end given to the child as its notification descriptor
    /// (`ready = {fd = N}`), or -1.
    package var notify: Int32 = -1

    /// Both streams as the spec says (no pipes).
    package init(stdout: Int32 = -1, stderr: Int32 = -1) {
        self.stdout = stdout
        self.stderr = stderr
    }
}

extension Spawner {
    /// Starts a process whose output goes where its spec says.
    package func spawn(_ spec: ServiceSpec) -> Result<Int32, SpawnFailure> { spawn(spec, output: ChildOutput()) }
}
