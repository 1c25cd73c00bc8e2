import Testing
import Protocols
import Wire

/// One TCP payload of a TLS conversation.
struct TLSStep {
    var side: Side
    var frame: Int
    var bytes: [UInt8]
    init(_ side: Side, frame: Int, _ hex: String) {
        self.side = side
        self.frame = frame
        bytes = hexBytes(hex)
    }
    init(_ side: Side, frame: Int, bytes: [UInt8]) {
        self.side = side
        self.frame = frame
        self.bytes = bytes
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var hi: UInt8?
    for c in hex.utf8 {
        guard let v = UInt8(String(UnicodeScalar(c)), radix: 16) else { continue }
        if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
    }
    return out
}

/// Feeds steps to a fresh observer, each step cut by `split` (ranges over its bytes); calls finish().
func observe(_ steps: [TLSStep], finish: Bool = true, split: ((Int) -> [Range<Int>])? = nil) -> TLSFacts {
    var o = TLSObserver()
    for s in steps {
        for r in split?(s.bytes.count) ?? [0..<s.bytes.count] {
            _ = s.bytes[r].withUnsafeBytes { o.receive(s.side, $0, frame: s.frame) }
        }
    }
    if finish { o.finish() }
    return o.facts
}

/// Feeds the steps whole, one byte at a time, in random pieces, and split in two at every byte boundary of
/// every step; all must give the same facts. Returns the whole-fed facts.
func observeEverySplit(_ steps: [TLSStep], sourceLocation: SourceLocation = #_sourceLocation) -> TLSFacts {
    let whole = observe(steps)
    #expect(observe(steps, split: { n in (0..<n).map { $0..<($0 + 1) } }) == whole, "one byte per segment",
            sourceLocation: sourceLocation)
    for seed in 1...3 as ClosedRange<UInt64> {
        #expect(observe(steps, split: { n in splits(n, seed: seed &+ UInt64(n), maxPiece: 40) }) == whole,
                "random split \(seed)", sourceLocation: sourceLocation)
    }
    for (k, step) in steps.enumerated() where step.bytes.count > 1 {
        for cut in 1..<step.bytes.count {
            let facts = observe(steps, split: { n in n == step.bytes.count ? [0..<cut, cut..<n] : [0..<n] })
            if facts != whole {
                Issue.record("step \(k) split at \(cut) differs", sourceLocation: sourceLocation)
                break
            }
        }
    }
    return whole
}

// MARK: builders (RFC 8446 §4 and §5.1 framing)

func u16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
func u24(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 16)] + u16(v) }
/// A record: type | 0x0303 (or `version`) | length | body.
func record(_ type: UInt8, _ body: [UInt8], version: UInt16 = 0x0303) -> [UInt8] {
    [type] + u16(Int(version)) + u16(body.count) + body
}
/// A handshake message: type | u24 length | body.
func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type] + u24(body.count) + body }
func ext(_ type: UInt16, _ data: [UInt8]) -> [UInt8] { u16(Int(type)) + u16(data.count) + data }
func vec16(_ b: [UInt8]) -> [UInt8] { u16(b.count) + b }
func vec8(_ b: [UInt8]) -> [UInt8] { [UInt8(b.count)] + b }

/// A ClientHello body with the given suites and extensions.
func clientHelloBody(version: UInt16 = 0x0303, sessionID: [UInt8] = [], suites: [UInt16],
                     extensions: [[UInt8]]) -> [UInt8] {
    var b = u16(Int(version)) + [UInt8](repeating: 0x11, count: 32) + vec8(sessionID)
    b += vec16(suites.flatMap { u16(Int($0)) }) + vec8([0])
    let e = extensions.flatMap { $0 }
    if !extensions.isEmpty { b += vec16(e) }
    return b
}

/// A ServerHello body.
func serverHelloBody(version: UInt16 = 0x0303, random: [UInt8]? = nil, sessionID: [UInt8] = [],
                     suite: UInt16, extensions: [[UInt8]]) -> [UInt8] {
    var b = u16(Int(version)) + (random ?? [UInt8](repeating: 0x22, count: 32)) + vec8(sessionID)
    b += u16(Int(suite)) + [0]
    if !extensions.isEmpty { b += vec16(extensions.flatMap { $0 }) }
    return b
}
