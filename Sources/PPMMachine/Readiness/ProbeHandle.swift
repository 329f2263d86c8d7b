/// A probe under way; `cancel()` ends it (its socket closed, its command
/// killed) and its completion is never called.
package final class ProbeHandle {
    private var onCancel: (() -> Void)?

    package init(onCancel: (() -> Void)? = nil) { self.onCancel = onCancel }

    /// Sets what `cancel` does (an engine's handle made before its probe).
    package func onCancel(_ action: @escaping () -> Void) { onCancel = action }

    /// Ends the probe; calling it again, or after the completion, does nothing.
    package func cancel() {
        let action = onCancel
        onCancel = nil
        action?()
    }

    /// Called by the engine once it completed: a later `cancel` does nothing.
    package func finished() { onCancel = nil }
}
