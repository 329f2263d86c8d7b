import Foundation
import Testing

@testable import PPMProtocol

@Suite struct RemoteTokenTests {
    func tokenFile(_ text: String, mode: mode_t = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ppm-token-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    @Test func answersMatchOnlyTheirChallengeAndTheSecret() throws {
        let daemon = try RemoteToken.forDaemon(at: try tokenFile("correct horse battery staple: 4NcVjzOKm0TQ4k2HQhkZ\n"))
        let client = try RemoteToken.forClient(at: try tokenFile("correct horse battery staple: 4NcVjzOKm0TQ4k2HQhkZ"))
        let challenge = RemoteToken.challenge()
        #expect(challenge.count == 64 && challenge != RemoteToken.challenge())
        let answer = client.answer(challenge)
        #expect(daemon.accepts(answer, for: challenge))
        #expect(daemon.accepts(answer.uppercased(), for: challenge))
        #expect(!daemon.accepts(answer, for: RemoteToken.challenge()))
        #expect(
            !daemon.accepts(
                try RemoteToken.forClient(at: try tokenFile("correct horse battery stable: 4NcVjzOKm0TQ4k2HQhkZ")).answer(challenge), for: challenge))
        #expect(!daemon.accepts(String(answer.dropLast(2)), for: challenge))
        #expect(!daemon.accepts("zz" + answer.dropFirst(2), for: challenge))
        #expect(!daemon.accepts("", for: challenge))
    }

    @Test func theAnswerIsHMACSHA256OfTheChallengeText() throws {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let token = try RemoteToken.forClient(at: try tokenFile("Jefe\n"))
        #expect(token.answer("what do ya want for nothing?") == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// Length times the entropy of the characters' frequencies, at most the
    /// bits of their alphabet.
    @Test func entropyIsEstimatedFromLengthAndAlphabet() {
        func bits(_ text: String) -> Int { Int(RemoteToken.estimatedBits(Array(text.utf8))) }
        #expect(bits("0123456789abcdef0123456789abcdef") == 128)  // 32 hex digits
        #expect(bits(String(repeating: "9f", count: 32)) == 64)  // 64 hex digits, two of them
        #expect(bits(String(repeating: "a", count: 200)) == 0)
        #expect(bits("0123456789abcdef") == 64)
        #expect(bits("4NcVjzOKm0TQ4k2HQhkZqFYnnxMvV1PfXbO3r6bb6fI=") >= 200)  // base64 of 32 random bytes
        #expect(bits("") == 0)
    }

    @Test func theDaemonRefusesUnsafeTokenFiles() throws {
        func refusal(_ path: String) -> String {
            do {
                _ = try RemoteToken.forDaemon(at: path)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let shared = try tokenFile("0123456789abcdef0123", mode: 0o640)
        #expect(refusal(shared) == "listen: token file \(shared) is readable by others (mode 640): run chmod 600 \(shared)")
        let weak = try tokenFile("correct horse battery")
        #expect(
            refusal(weak)
                == "listen: token file \(weak) holds about 68 bits of entropy, fewer than 128: make a random one with openssl rand -hex 32 > \(weak)")
        #expect(refusal(try tokenFile(String(repeating: "a", count: 200))).contains("holds about 0 bits of entropy"))
        #expect(refusal("/nonexistent/token") == "listen: token file /nonexistent/token: No such file or directory")
        #expect(refusal(FileManager.default.temporaryDirectory.path).contains("is not a regular file"))
    }
}
