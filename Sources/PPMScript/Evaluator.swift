package import LuaKit

/// Lua that prints values the way the REPL shows them: nested tables with
/// sorted keys, cycles marked, a depth limit; no metamethods are called.
let inspectSource = #"""
    local function scalar(x)
      if type(x) == "string" then return string.format("%q", x) end
      if math.type(x) == "float" and x == math.floor(x) and x == x and math.abs(x) < 1e15 then
        return string.format("%.1f", x)
      end
      return tostring(x)
    end
    local function before(a, b)
      local ta, tb = type(a), type(b)
      if ta ~= tb then return ta < tb end
      if ta == "string" or ta == "number" then return a < b end
      return tostring(a) < tostring(b)
    end
    local function inspect(v, maxDepth)
      local path = {}
      local function go(x, depth, indent)
        if type(x) ~= "table" then return scalar(x) end
        if path[x] then return "<cycle>" end
        if depth >= maxDepth then return "{...}" end
        path[x] = true
        local parts, n = {}, rawlen(x)
        for i = 1, n do parts[#parts + 1] = go(rawget(x, i), depth + 1, indent .. "  ") end
        local keys = {}
        for k in next, x do
          if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
        end
        table.sort(keys, before)
        for _, k in ipairs(keys) do
          local name = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or "[" .. scalar(k) .. "]"
          parts[#parts + 1] = name .. " = " .. go(rawget(x, k), depth + 1, indent .. "  ")
        end
        path[x] = nil
        if #parts == 0 then return "{}" end
        local flat = "{ " .. table.concat(parts, ", ") .. " }"
        if #flat <= 72 and not flat:find("\n") then return flat end
        return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. "\n" .. indent .. "}"
      end
      return go(v, 0, "")
    end
    return function(fn)
      local r = table.pack(fn())
      local out = {}
      for i = 1, r.n do out[i] = inspect(r[i], 8) end
      return out
    end
    """#

/// The result of a chunk run from `eval` or the REPL (SPEC 7).
package struct EvalResult: Sendable {
    /// Each return value in printed form.
    package var values: [String]
    /// What `print` wrote while the chunk ran.
    package var output: String
    /// Warnings the chunk caused (also in the daemon's log).
    package var warnings: [String] = []
}

extension HookHost {
    /// How much `print` output one chunk may return.
    static let maxOutput = 1 << 20

    /// The function that runs a chunk and prints its results (loaded once).
    func printer() throws -> LuaRef {
        if let inspector { return inspector }
        let made = try lua.call(try lua.load(inspectSource, chunkName: "=inspect"))
        guard case .function(let f)? = made.first else { throw LuaError.conversion("inspect did not load") }
        inspector = f
        return f
    }

    /// Runs a chunk typed by a user: an expression prints its values
    /// (`1 + 1`, `=x`), statements run as they are. Errors carry a traceback.
    /// `call` lets the client that sent the chunk interrupt it.
    package func eval(_ code: String, budget: Double, call: LuaCallID? = nil) throws -> EvalResult {
        let source = code.hasPrefix("=") ? "return " + code.dropFirst() : code
        let chunk: LuaRef
        if let expression = try? lua.load("return " + source, chunkName: "=repl") {
            chunk = expression
        } else {
            chunk = try lua.load(source, chunkName: "=repl")
        }
        var output = ""
        let saved = lua.output
        lua.output = { text in
            guard output.utf8.count < Self.maxOutput else { return }
            output += text
            if output.utf8.count >= Self.maxOutput { output += "\n… (print output truncated at \(Self.maxOutput) bytes)\n" }
        }
        chunkWarnings = []
        defer {
            lua.output = saved
            chunkWarnings = nil
        }
        let printed = try runLua { try lua.call(try printer(), [.function(chunk)], budget: budget, id: call) }
        let values = printed.first?.tableValue?.sequence.compactMap(\.stringValue) ?? []
        return EvalResult(values: values, output: output, warnings: chunkWarnings ?? [])
    }
}
