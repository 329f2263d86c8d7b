import PPMProtocol
import Testing

@Suite struct ControlCommandTests {
    @Test func aliasesNameTheirCommandAndUnknownNamesNone() {
        let names = ["list": ControlCommand.ls, "info": .ls, "desc": .show, "del": .rm, "drop": .rm, "exec": .add, "complete": .complete, "ls": .ls]
        for (name, command) in names { #expect(ControlCommand(named: name) == command, "\(name)") }
        for name in ["lss", "", "LS", "read", "repl"] { #expect(ControlCommand(named: name) == nil, "\(name)") }
    }

    @Test func onlyTheCommandsThatChangeNothingAreReadOnly() {
        #expect(ControlCommand.readOnly == [.status, .ls, .show, .why, .events, .stats, .logs, .watch])
    }

    @Test func interruptAndCompleteNeedEvalAndAuthNeedsNoGrant() {
        #expect(ControlCommand.interrupt.permission == .eval && ControlCommand.complete.permission == .eval)
        #expect(ControlCommand.auth.permission == nil && ControlCommand.restart.permission == .restart)
    }

    @Test func allowListNamesGrantCommands() {
        #expect(ControlCommand.granted(byAllowName: "read") == ControlCommand.readOnly)
        #expect(ControlCommand.granted(byAllowName: "repl") == [.eval])
        #expect(ControlCommand.granted(byAllowName: "complete") == [.eval])
        #expect(ControlCommand.granted(byAllowName: "drop") == [.rm])
        for name in ["interrupt", "auth", "everything"] { #expect(ControlCommand.granted(byAllowName: name) == nil, "\(name)") }
        #expect(ControlCommand.allowNames.contains("list") && !ControlCommand.allowNames.contains("interrupt"))
    }

    @Test func addingRemovingOrRunningLuaMayChangeTheServices() {
        let changing = ControlCommand.allCases.filter(\.addsOrRemovesServices)
        #expect(changing == [.rm, .add, .scale, .eval])
        #expect(["exec", "del", "drop"].allSatisfy { ControlCommand(named: $0)?.addsOrRemovesServices == true })
    }

    @Test func hintsNameWhatAClientSends() {
        #expect(ControlCommand.clientNames.contains("ls") && ControlCommand.clientNames.contains("complete"))
        #expect(!ControlCommand.clientNames.contains("auth"))
    }
}
