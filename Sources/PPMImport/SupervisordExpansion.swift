import Foundation
import LuaKit

/// supervisord's `%(name)s` expansions in a value, resolved to Lua: known
/// names become text now; `process_num` (the numprocs loop variable) and
/// `ENV_X` (the daemon's environment when the config loads; an error there
/// when it is unset, as supervisord refuses to start) stay Lua.
struct SupervisordExpansion {
    /// Names known when importing: program_name, group_name, numprocs, here, host_node_name.
    var known: [String: String]
    /// The loop variable for process_num, or its value when there is no loop.
    var processNum: ProcessNum

    enum ProcessNum {
        case value(Int)
        case variable(String)
    }

    private enum Piece {
        case text(String)
        case lua(spec: String, expr: String)
    }

    /// `value` with its expansions resolved.
    func expand(_ value: String, file: String, line: Int) throws(ImportError) -> LuaExpr {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(value)
        while let pct = rest.firstIndex(of: "%") {
            text += rest[..<pct]
            let after = rest[rest.index(after: pct)...]
            if after.first == "%" {
                text += "%"
                rest = after.dropFirst()
                continue
            }
            guard after.first == "(", let close = after.firstIndex(of: ")") else {
                throw ImportError(file, line: line, "a lone '%' in '\(value)' (write %% for a percent sign)")
            }
            let name = String(after[after.index(after: after.startIndex)..<close])
            let tail = after[after.index(after: close)...]
            let spec = tail.prefix { "-+ #0123456789.".contains($0) }
            guard let type = tail.dropFirst(spec.count).first, "sdirux".contains(type) else {
                throw ImportError(file, line: line, "'%(\(name))' needs a conversion such as s or d in '\(value)'")
            }
            rest = tail.dropFirst(spec.count + 1)
            let luaType = type == "s" || type == "r" ? "s" : type == "x" ? "x" : "d"
            if name == "process_num", case .variable(let v) = processNum {
                pieces.append(.text(text))
                text = ""
                pieces.append(.lua(spec: "%" + spec + luaType, expr: v))
            } else if name.hasPrefix("ENV_") {
                pieces.append(.text(text))
                text = ""
                // Unset, supervisord refuses to start: so does the config (and the import's check).
                let variable = String(name.dropFirst(4))
                let unset = "environment variable \(variable) is not set (supervisord's %(\(name))s at line \(line))"
                pieces.append(
                    .lua(spec: "%" + spec + "s", expr: "(os.getenv(\(LuaLiteral.string(variable))) or error(\(LuaLiteral.string(unset)), 0))"))
            } else {
                let known: String
                if name == "process_num", case .value(let n) = processNum {
                    known = String(n)
                } else {
                    guard let v = self.known[name] else {
                        throw ImportError(
                            file, line: line,
                            "unknown expansion '%(\(name))\(type)' (supervisord knows "
                                + "program_name, group_name, process_num, numprocs, here, host_node_name, ENV_*)")
                    }
                    known = v
                }
                text += luaType == "s" || spec.isEmpty ? known : Self.format(known, spec: String(spec), type: luaType)
            }
        }
        text += rest
        pieces.append(.text(text))
        let dynamic = pieces.compactMap { if case .lua(let s, let e) = $0 { (s, e) } else { nil } }
        guard !dynamic.isEmpty else { return .string(text) }
        let format = pieces.map { piece -> String in
            switch piece {
            case .text(let t): t.replacingOccurrences(of: "%", with: "%%")
            case .lua(let spec, _): spec
            }
        }.joined()
        return .code("(\(LuaLiteral.string(format))):format(\(dynamic.map(\.1).joined(separator: ", ")))")
    }

    private static func format(_ value: String, spec: String, type: String) -> String {
        guard let n = Int(value) else { return value }
        return String(format: "%" + spec + (type == "x" ? "lx" : "ld"), n)
    }
}
