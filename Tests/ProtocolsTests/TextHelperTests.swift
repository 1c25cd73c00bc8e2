import Testing
@testable import Protocols

/// The byte-scan fast paths of the text helpers agree with the Character-based definitions they replace.
@Suite struct TextHelperTests {
    static let samples = [
        "", " ", "\t", "  AUTH PLAIN LOGIN  ", "\tSIZE\t10240000 ", "STARTTLS", "a  b\t\tc", " \r\n x ",
        "Straße ", " \u{301}x ", "x \u{301}", "  日本 語\t", "AUTH=LOGIN PLAIN", "\u{600} x",
        " auth tls;tls-c,ssl ", "Xa  xxxxA ", "\u{1F600} plain ", "ß mixed Case\t",
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

    @Test func uppercasedTrimmingMatchesTheTwoSteps() {
        for s in Self.samples {
            #expect(s.uppercasedTrimmingSpaces == s.uppercased().trimmingSpaces, "\(s.debugDescription)")
            let bridged = String(s.unicodeScalars.map(Character.init))
            #expect(bridged.uppercasedTrimmingSpaces == s.uppercased().trimmingSpaces, "\(s.debugDescription)")
        }
    }

    @Test func wordsBySeparatorsMatchCharacterSplit() {
        for s in Self.samples {
            for (byte, character) in [({ (b: UInt8) in b == 0x20 }, { (c: Character) in c == " " }),
                                      ({ (b: UInt8) in b == 0x20 || b == 0x3B || b == 0x2C },
                                       { (c: Character) in c == " " || c == ";" || c == "," })] {
                let slow = s.split(whereSeparator: character).map(String.init)
                #expect(s.words(separatedBy: byte, character) == slow, "\(s.debugDescription)")
                let bridged = String(s.unicodeScalars.map(Character.init))
                #expect(bridged.words(separatedBy: byte, character) == slow, "\(s.debugDescription)")
            }
        }
    }

    /// The one-pass test against its definition: every space-separated word is X's with at most one A at its
    /// end, and one word has four X's or more.
    @Test func maskedCapabilityMatchesItsDefinition() {
        func definition(_ text: String) -> Bool {
            var longest = 0
            for word in text.utf8.split(separator: UInt8(ascii: " ")) {
                let body = word.last == UInt8(ascii: "A") ? word.dropLast() : word[...]
                guard !body.isEmpty, body.allSatisfy({ $0 == UInt8(ascii: "X") }) else { return false }
                longest = max(longest, body.count)
            }
            return longest >= 4
        }
        let cases = ["", " ", "XXXX", "XXXXA", "XXXXAA", "AXXXX", "XXAXX", "XXX", "XXXA", "XXXX XXX", "XXXX  XXA",
                     "XXXX STLS", "A", "XA XXXXXXXA", "XXXXXXXA ", " XXXX", "xxxx", "XXXX\tX", "XXXXÅ"]
        for c in cases { #expect(VerbLine.isMaskedCapability(c) == definition(c), "\(c.debugDescription)") }
        #expect(VerbLine.isMaskedCapability("XXXXXXXA") && VerbLine.isMaskedCapability("XXXX XXX"))
        #expect(!VerbLine.isMaskedCapability("XXXXAA") && !VerbLine.isMaskedCapability("STLS"))
    }

    @Test func containsBytes() {
        #expect("TLS_ECDHE_PSK_WITH_AES".containsBytes("_PSK_"))
        #expect(!"TLS_ECDHE_PS_K".containsBytes("_PSK_"))
        #expect("EXPORT".containsBytes("EXPORT") && "RSA_EXPORT1024".containsBytes("EXPORT"))
        #expect(!"EXPOR".containsBytes("EXPORT") && !"".containsBytes("X") && "abc".containsBytes(""))
        #expect("aab".containsBytes("ab"))
    }
}
