struct PPMYamlReader {
    let file: String
    func read(_ text: String) throws(ImportError) -> LuaConfig { throw ImportError(file, line: nil, "not yet") }
}
