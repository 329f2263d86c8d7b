/// A pending timer; `cancel()` makes sure it never fires.
package final class TimerToken {
    private var onCancel: (() -> Void)?
    package private(set) var isCancelled = false

    package init(onCancel: (() -> Void)? = nil) { self.onCancel = onCancel }

    package func cancel() {
        guard !isCancelled else { return }
        isCancelled = true
        onCancel?()
        onCancel = nil
    }
}
