import Testing

@testable import PPMDaemon

@Suite struct ImageEnvironmentTests {
    /// The next image's environment: this process's own, with the handed
    /// variables set to what this image hands over, each once.
    @Test func theNextImageGetsWhatIsHandedAndNoStaleValue() {
        let handed = [Handover.fdVariable: "7", SupervisorNotifier.readyVariable: "42"]
        let envp = ImageEnvironment.forNextImage(handed)
        #expect(envp.filter { $0.hasPrefix(Handover.fdVariable + "=") } == [Handover.fdVariable + "=7"])
        #expect(envp.filter { $0.hasPrefix(SupervisorNotifier.readyVariable + "=") } == [SupervisorNotifier.readyVariable + "=42"])
        #expect(!envp.contains { $0.hasPrefix(NotifySocket.inheritedVariable + "=") })
        #expect(envp.contains { $0.hasPrefix("PATH=") })
    }
}
