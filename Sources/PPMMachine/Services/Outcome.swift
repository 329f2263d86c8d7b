/// How an exit is judged (SPEC 5.2 `outcome`).
public enum Outcome: String, Sendable {
    case finished, crashed, stopped
}
