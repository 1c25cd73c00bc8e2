import Testing
@testable import Protocols

/// The byte-scan fast paths of the text helpers agree with the Character-based definitions they replace.
@Suite struct TextHelperTests {
    static let samples = [
        "", " ", "\t", "  AUTH PLAIN LOGIN  ", "\tSIZE\t10240000 ", "STARTTLS", "a  b\t\tc", " \r\n x ",
        "Straße ", " \u{301}x ", "x \u{301}", "  日本 語\t", "AUTH=LOGIN PLAIN", "\u{600} x",
    ]

    @Test func trimmingMatchesCharacterTrim() {
        for s in Self.samples {
            var slow = Substring(s)
            while slow.first == " " || slow.first == "\t" { slow = slow.dropFirst() }
            while slow.last == " " || slow.last == "\t" { slow = slow.dropLast() }
            #expect(s.trimmingSpaces == String(slow), "\(s.debugDescription)")
        }
    }

    @Test func wordsMatchCharacterSplit() {
        for s in Self.samples {
            let slow = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            #expect(s.blankSeparatedWords() == slow, "\(s.debugDescription)")
            #expect(s.firstBlankSeparatedWord() == slow.first, "\(s.debugDescription)")
            // Also from a string that is not contiguous UTF-8 (the Character path).
            let bridged = String(s.unicodeScalars.map(Character.init))
            #expect(bridged.blankSeparatedWords() == slow && bridged.firstBlankSeparatedWord() == slow.first)
        }
    }

    @Test func containsBytes() {
        #expect("TLS_ECDHE_PSK_WITH_AES".containsBytes("_PSK_"))
        #expect(!"TLS_ECDHE_PS_K".containsBytes("_PSK_"))
        #expect("EXPORT".containsBytes("EXPORT") && "RSA_EXPORT1024".containsBytes("EXPORT"))
        #expect(!"EXPOR".containsBytes("EXPORT") && !"".containsBytes("X") && "abc".containsBytes(""))
        #expect("aab".containsBytes("ab"))
    }
}
