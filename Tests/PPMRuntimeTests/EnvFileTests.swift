import Testing

@testable import PPMRuntime

/// The `env_file` syntax (SPEC 10) against the examples of systemd's
/// `EnvironmentFile=` (systemd.exec(5)) and of dotenv's README.
@Suite struct EnvFileTests {
    private func vars(_ text: String) throws -> [String: String] { try EnvFile.variables(text, file: "app.env") }

    @Test func systemdEnvironmentFileRules() throws {
        let text = """
            # a comment
            ; also a comment (systemd)

              FOO=bar
            SPACED =  interior  whitespace kept\t
            DQ="word1 word2"
            SQ='single \\n kept $HOME'
            ESC="a \\"quote\\", a \\\\ backslash, \\$dollar, \\`tick\\`"
            KEEP="\\q stays"
            CONT=first \\
            second
            DQCONT="one \\
            two"
            MULTI="line 1
            line 2"
            INNER=foo"bar"
            """
        let v = try vars(text)
        #expect(v["FOO"] == "bar")
        #expect(v["SPACED"] == "interior  whitespace kept")
        #expect(v["DQ"] == "word1 word2")
        #expect(v["SQ"] == "single \\n kept $HOME")
        #expect(v["ESC"] == "a \"quote\", a \\ backslash, $dollar, `tick`")
        #expect(v["KEEP"] == "\\q stays")
        #expect(v["CONT"] == "first second")
        #expect(v["DQCONT"] == "one two")
        #expect(v["MULTI"] == "line 1\nline 2")
        #expect(v["INNER"] == "foo\"bar\"")
        #expect(v.count == 10)
    }

    @Test func dotenvReadmeRules() throws {
        let text = """
            # This is a comment
            SECRET_KEY=YOURSECRETKEYGOESHERE # comment
            SECRET_HASH="something-with-a-#-hash"
            BASIC=basic
            EMPTY=
            JSON={"foo": "bar"}
            TRIMMED=  some value  
            SINGLE_QUOTE='quoted'
            KEEP_SPACES="  some value  "
            MULTILINE="new\\nline"
            BACKTICK_KEY=`This has 'single' and "double" quotes inside of it.`
            export EXPORTED=yes
            PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----
            Kh9NV...
            -----END RSA PRIVATE KEY-----"
            """
        let v = try vars(text)
        #expect(v["SECRET_KEY"] == "YOURSECRETKEYGOESHERE")
        #expect(v["SECRET_HASH"] == "something-with-a-#-hash")
        #expect(v["BASIC"] == "basic")
        #expect(v["EMPTY"] == "")
        #expect(v["JSON"] == "{\"foo\": \"bar\"}")
        #expect(v["TRIMMED"] == "some value")
        #expect(v["SINGLE_QUOTE"] == "quoted")
        #expect(v["KEEP_SPACES"] == "  some value  ")
        #expect(v["MULTILINE"] == "new\nline")
        #expect(v["BACKTICK_KEY"] == "This has 'single' and \"double\" quotes inside of it.")
        #expect(v["EXPORTED"] == "yes")
        #expect(v["PRIVATE_KEY"] == "-----BEGIN RSA PRIVATE KEY-----\nKh9NV...\n-----END RSA PRIVATE KEY-----")
    }

    @Test func laterAssignmentsWinAndCRLFLinesRead() throws {
        let v = try vars("A=1\r\nB=\"x\"\r\nA=2\r\n")
        #expect(v == ["A": "2", "B": "x"])
        let order = try EnvFile.parse("X=1\nY=2\nX=3", file: "f").map(\.name)
        #expect(order == ["X", "Y", "X"])
    }

    @Test func malformedLinesNameFileAndLine() {
        let cases: [(String, Int, String)] = [
            ("A=1\njust words\n", 2, "'just': expected '=' after the name, found 'words'"),
            ("A=1\nLONELY\n", 2, "'LONELY' has no '='"),
            ("A=1\n\nB=\"open\nC=2\n", 3, "unterminated \" quote"),
            ("X='a'b\n", 1, "unexpected 'b' after the closing ' quote"),
            ("1X=2\n", 1, "'1X' is not a valid variable name"),
            ("=value\n", 1, "missing a name before '='"),
            ("!x=1\n", 1, "expected NAME=VALUE, found '!x=1'"),
            ("A B=1\n", 1, "'A': expected '=' after the name, found 'B=1'"),
        ]
        for (text, line, message) in cases {
            do {
                _ = try EnvFile.parse(text, file: "/etc/app.env")
                Issue.record("no error for \(text)")
            } catch {
                #expect(error.description.hasPrefix("/etc/app.env:\(line): "), "\(error)")
                #expect(error.message.hasPrefix(message) || error.message.contains(message), "\(error)")
            }
        }
    }
}
