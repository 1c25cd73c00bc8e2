import TestSupport
import Testing
import Wire
@testable import Protocols

/// Feeds `pieces` of `text` to a framer, applying `steer` after each unit (a parser's mode changes).
func frameAll(_ text: String, pieces: [Range<Int>]? = nil, maxLine: Int = 64,
              steer: (String, inout LineFramer) -> Void = { _, _ in }) -> [String] {
    let bytes = Array(text.utf8)
    var framer = LineFramer(maxLineLength: maxLine)
    var out: [String] = []
    for (n, r) in (pieces ?? [0..<bytes.count]).enumerated() {
        bytes[r].withUnsafeBytes { raw in
            framer.append(raw, frame: n + 1, time: .zero)
            while let u = framer.next() {
                out.append(u.summary)
                steer(u.summary, &framer)
            }
        }
    }
    return out
}

@Suite struct LineFramerTests {
    @Test func crlfAndBareLF() {
        #expect(frameAll("EHLO a\r\nMAIL FROM:<x>\nQUIT\r\n") == ["L:EHLO a", "L:MAIL FROM:<x>", "L:QUIT"])
    }

    @Test func partialLineWaits() {
        #expect(frameAll("EHLO a\r\nQUI") == ["L:EHLO a"])
    }

    @Test func overlongLineIsCutAndTheRestDropped() {
        let long = String(repeating: "A", count: 100)
        #expect(frameAll(long + "\r\nNOOP\r\n", maxLine: 10) == ["L:AAAAAAAAAA<cut>", "L:NOOP"])
        // The same when the line arrives byte by byte.
        let drip = (0..<(long.count + 8)).map { $0..<($0 + 1) }
        #expect(frameAll(long + "\r\nNOOP\r\n", pieces: drip, maxLine: 10) == ["L:AAAAAAAAAA<cut>", "L:NOOP"])
    }

    @Test func lineOfExactlyTheLimitIsWhole() {
        #expect(frameAll("0123456789\r\n", maxLine: 10) == ["L:0123456789"])
        #expect(frameAll("0123456789\n", maxLine: 10) == ["L:0123456789"])
    }

    @Test func rawLiteralThenLines() {
        let text = "a LOGIN {5}\r\nalice {6}\r\nsecret\r\nb NOOP\r\n"
        let steer: (String, inout LineFramer) -> Void = { s, f in
            if s == "L:a LOGIN {5}" { f.expectRaw(5, keep: 100) }
            if s == "L: {6}" { f.expectRaw(6, keep: 100) }
        }
        let whole = frameAll(text, steer: steer)
        #expect(whole == ["L:a LOGIN {5}", "R:5:alice", "L: {6}", "R:6:secret", "L:", "L:b NOOP"])
        for seed in 1...20 as ClosedRange<UInt64> {
            #expect(frameAll(text, pieces: splits(text.utf8.count, seed: seed), steer: steer) == whole)
        }
        #expect(frameAll(text, pieces: (0..<text.utf8.count).map { $0..<($0 + 1) }, steer: steer) == whole)
    }

    @Test func rawKeepsOnlyWhatItIsAskedFor() {
        let steer: (String, inout LineFramer) -> Void = { s, f in if s == "L:x" { f.expectRaw(10, keep: 3) } }
        #expect(frameAll("x\r\n0123456789y\r\n", steer: steer) == ["L:x", "R:10:012", "L:y"])
    }

    @Test func dotBlockSkipsBodyWithDotStuffing() {
        let text = "DATA\r\nline 1\r\n..leading dot\r\n.x\r\n\r\n.\r\nQUIT\r\n"
        let steer: (String, inout LineFramer) -> Void = { s, f in if s == "L:DATA" { f.expectDotBlock() } }
        let whole = frameAll(text, steer: steer)
        #expect(whole == ["L:DATA", "D:4", "L:QUIT"])
        for seed in 1...20 as ClosedRange<UInt64> {
            #expect(frameAll(text, pieces: splits(text.utf8.count, seed: seed), steer: steer) == whole)
        }
    }

    @Test func emptyDotBlockAndBareLFTerminator() {
        let steer: (String, inout LineFramer) -> Void = { s, f in if s == "L:+OK" { f.expectDotBlock() } }
        #expect(frameAll("+OK\r\n.\r\nX\r\n", steer: steer) == ["L:+OK", "D:0", "L:X"])
        #expect(frameAll("+OK\n.\nX\n", steer: steer) == ["L:+OK", "D:0", "L:X"])
    }

    @Test func gapDropsHalfLines() {
        var f = LineFramer()
        var out: [String] = []
        func feed(_ s: String) {
            Array(s.utf8).withUnsafeBytes { r in
                f.append(r, frame: 1, time: .zero)
                while let u = f.next() { out.append(u.summary) }
            }
        }
        feed("USER al")
        f.gap(10)
        feed("ice\r\nPASS x\r\n")
        // "USER al" + lost bytes + "ice" is not a line anyone sent: dropped.
        #expect(out == ["L:PASS x"])
    }

    @Test func gapInsideLiteralKeepsCount() {
        var f = LineFramer()
        var out: [String] = []
        func feed(_ s: String) {
            Array(s.utf8).withUnsafeBytes { r in
                f.append(r, frame: 1, time: .zero)
                while let u = f.next() { out.append(u.summary) }
            }
        }
        f.expectRaw(10, keep: 0)
        feed("0123")
        f.gap(3)
        feed("789NEXT\r\n")
        #expect(out == ["R:10:", "L:NEXT"])
    }

    @Test func takeRemainderHandsOverUnframedBytes() {
        var f = LineFramer()
        Array("STARTTLS\r\n\u{16}\u{03}\u{01}".utf8).withUnsafeBytes { r in
            f.append(r, frame: 1, time: .zero)
            #expect(f.next()?.summary == "L:STARTTLS")
            #expect(f.takeRemainder() == [0x16, 0x03, 0x01])
            #expect(f.next() == nil)
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let n = Int.random(in: 0..<512, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var f = LineFramer(maxLineLength: 16)
            bytes.withUnsafeBytes { r in
                f.append(r, frame: 1, time: .zero)
                var k = 0
                while let u = f.next() {
                    k += 1
                    if k % 3 == 0 { f.expectRaw(Int.random(in: 0..<40, using: &rng), keep: 5) }
                    if k % 5 == 0 { f.expectDotBlock() }
                    if case .line(let l) = u { #expect(l.bytes.count <= 16) }
                }
            }
        }
    }
}
