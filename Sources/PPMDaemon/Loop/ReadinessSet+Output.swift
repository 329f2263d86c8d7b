import PPMCore

/// The services' output pipes are read through an epoll set (`OutputCapture`).
extension ReadinessSet: ReadinessWatcher {
    func watchReadable(_ fd: Int32, _ readable: @escaping () -> Void) -> Bool {
        watch(fd) { _ in readable() }
    }
}
