import LuaKit

/// Lua that answers a Tab at the REPL: the globals or table fields that
/// complete the last word of a line. The expression before a `.` or `:` is
/// evaluated only when that is free of side effects: names, `.field`,
/// `["key"]`/`[1]` indexing read raw (no metamethod runs, though an
/// `__index` table is searched), and calls of `ppm.get`, `ppm.list`,
/// `ppm.stats` and `ppm.events` with literal arguments. Anything else
/// completes nothing. At a key of a `ppm.service { … }` table, the
/// service fields complete (`serviceFields`).
let completionSource = #"""
    local ppm, serviceFields = ...
    local pure = { [ppm.get] = true, [ppm.list] = true, [ppm.stats] = true, [ppm.events] = true }
    local keywords = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
                       "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while" }
    local MAX = 500

    -- Raw lookup, then up to 8 `__index` tables (never an __index function).
    local function index(value, key)
      if type(value) == "string" then return rawget(string, key) end
      for _ = 1, 8 do
        if type(value) ~= "table" then return nil end
        local found = rawget(value, key)
        if found ~= nil then return found end
        local mt = getmetatable(value)
        value = type(mt) == "table" and rawget(mt, "__index") or nil
      end
    end

    -- The string keys of a value and its __index tables.
    local function keys(value, onlyFunctions)
      local out, seen = {}, {}
      if type(value) == "string" then value = string end
      for _ = 1, 8 do
        if type(value) ~= "table" then break end
        for k, v in next, value do
          if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k]
             and (not onlyFunctions or type(v) == "function") then
            seen[k] = true
            out[#out + 1] = k
          end
        end
        local mt = getmetatable(value)
        value = type(mt) == "table" and rawget(mt, "__index") or nil
      end
      return out
    end

    -- One literal: a string without escapes, a number, true, false or nil.
    local function literal(s, pos)
      local q, text, after = s:match("^%s*([\"'])(.-)%1()", pos)
      if q and not text:find("\\", 1, true) then return true, text, after end
      local num, after2 = s:match("^%s*(%-?%d+%.?%d*)()", pos)
      if num then return true, tonumber(num), after2 end
      for _, word in ipairs({ "true", "false", "nil" }) do
        local after3 = s:match("^%s*" .. word .. "()", pos)
        if after3 and not s:sub(after3, after3):match("[%w_]") then
          if word == "true" then return true, true, after3 end
          if word == "false" then return true, false, after3 end
          return true, nil, after3
        end
      end
      return false
    end

    -- The value of a whole path expression `s`, or nil, false when it is not one.
    local function evaluate(s)
      local name, pos = s:match("^([%a_][%w_]*)()")
      if not name then return nil, false end
      local value = index(_G, name)
      while pos <= #s do
        local c = s:sub(pos, pos)
        if c == "." then
          local field, after = s:match("^%s*([%a_][%w_]*)()", pos + 1)
          if not field then return nil, false end
          value, pos = index(value, field), after
        elseif c == "[" then
          local ok, key, after = literal(s, pos + 1)
          local close = ok and s:match("^%s*%]()", after)
          if not close or key == nil then return nil, false end
          value, pos = index(value, key), close
        elseif c == "(" then
          if not pure[value] then return nil, false end
          local args, at = {}, pos + 1
          local close = s:match("^%s*%)()", at)
          while not close do
            local ok, v, after = literal(s, at)
            if not ok then return nil, false end
            args[#args + 1] = v
            close = s:match("^%s*%)()", after)
            at = s:match("^%s*,()", after)
            if not close and not at then return nil, false end
          end
          local ok, result = pcall(value, table.unpack(args))
          value, pos = ok and result or nil, close
        elseif c:match("%s") then
          pos = pos + 1
        else
          return nil, false
        end
      end
      return value, true
    end

    return function(text)
      local word = text:match("[%a_][%w_]*$") or ""
      local before = text:sub(1, #text - #word)
      -- Inside a string or a comment: nothing to complete.
      local code = before:gsub("\\.", ""):gsub("\"[^\"]*\"", ""):gsub("'[^']*'", "")
      if code:find("[\"']") or code:find("%-%-") then return {} end
      if word ~= "" and before:match("[%w_]$") then return {} end  -- "1e" and the like
      local names
      local separator = before:match("[%.:]$")
      if separator then
        if before:match("%.%.$") then return {} end  -- the concatenation operator
        local path = before:sub(1, -2)
        -- The longest path expression that ends the text before the separator.
        local value, found
        for start = 1, #path do
          if not path:sub(start - 1, start - 1):match("[%w_%.%]%)]") or start == 1 then
            value, found = evaluate(path:sub(start))
            if found then break end
          end
        end
        if not found or value == nil then return {} end
        names = keys(value, separator == ":")
      elseif code:match("ppm%.service%s*%(?%s*{[^{}]*$") and code:match("[{,;]%s*$") then
        names = serviceFields  -- a key of ppm.service { ... }
      else
        if word == "" then return {} end
        names = keys(_G)
        for _, k in ipairs(keywords) do names[#names + 1] = k end
      end
      local out, seen = {}, {}
      for _, k in ipairs(names) do
        if k:sub(1, #word) == word and not seen[k] then
          seen[k] = true
          out[#out + 1] = k
        end
      end
      table.sort(out)
      for i = #out, MAX + 1, -1 do out[i] = nil end
      for i, k in ipairs(out) do out[i] = before .. k end
      return out
    end
    """#

extension HookHost {
    /// How long one completion may run.
    static let completionBudget = 0.5

    /// The texts that complete `text`'s last word (REPL Tab, the `complete`
    /// control command): each is `text` with that word finished.
    package func complete(_ text: String) throws -> [String] {
        guard let completer = state.completer else { return [] }
        let found = try runLua { try lua.call(completer, [.string(text)], budget: Self.completionBudget) }
        return found.first?.tableValue?.sequence.compactMap(\.stringValue) ?? []
    }
}

extension ScriptState {
    /// Loads the completer over the `ppm` table as the prelude made it, so
    /// that a config replacing `ppm.get` does not make Tab call its function.
    func installCompleter() throws {
        let fields = LuaValue.table(LuaTable(array: SpecReader.fields.sorted().map { .string($0) }))
        let made = try lua.call(try lua.load(completionSource, chunkName: "=complete"), [try lua.global("ppm"), fields])
        guard case .function(let f)? = made.first else { throw LuaError.conversion("the completer did not load") }
        completer = f
    }
}
