import TestSupport
import Testing
import Protocols
import Wire

/// Cuts `bytes` into pieces: one byte each (`sizes == nil` and `oneByte`), or random sizes from `rng`.
func splits(_ count: Int, seed: UInt64, maxPiece: Int = 9) -> [Range<Int>] {
    var rng = SplitMix64(seed: seed)
    var out: [Range<Int>] = []
    var i = 0
    while i < count {
        let n = Int.random(in: 1...maxPiece, using: &rng)
        out.append(i..<min(count, i + n))
        i += n
    }
    return out
}

extension LineFramer.Unit {
    /// A compact text form for comparisons: "L:text", "R:count:kept", "D:lines".
    var summary: String {
        switch self {
        case .line(let l): "L:" + l.text + (l.overlong ? "<cut>" : "")
        case .raw(let b, let c, _): "R:\(c):" + String(decoding: b, as: UTF8.self)
        case .dotBlock(let lines, _, _): "D:\(lines)"
        }
    }
}

/// One step of a scripted conversation: who sends what (text or bytes).
struct Step {
    var side: Side
    var bytes: [UInt8]
    static func c(_ text: String) -> Step { Step(side: .client, bytes: Array(text.utf8)) }
    static func s(_ text: String) -> Step { Step(side: .server, bytes: Array(text.utf8)) }
    static func c(bytes: [UInt8]) -> Step { Step(side: .client, bytes: bytes) }
    static func s(bytes: [UInt8]) -> Step { Step(side: .server, bytes: bytes) }
    /// `count` bytes of this side were lost.
    static func gap(_ side: Side, _ count: Int) -> Step { Step(side: side, bytes: [], gap: count) }
    var gap = 0
}

/// Runs a conversation through a `TextSession<G>`: each step is one segment whose frame number is its
/// index + 1, unless `pieces` splits the steps further (frame numbers stay those of the step).
func run<G: TextGrammar>(_ grammar: G.Type, _ steps: [Step], split: ((Int) -> [Range<Int>])? = nil,
                         limits: TextSessionLimits = TextSessionLimits()) -> SessionFacts {
    let session = TextSession<G>(limits: limits)
    for (i, step) in steps.enumerated() {
        if step.gap > 0 {
            session.gap(step.side, count: step.gap, frame: i + 1)
            continue
        }
        let ranges = split?(step.bytes.count) ?? [0..<step.bytes.count]
        for r in ranges {
            step.bytes[r].withUnsafeBytes { session.receive(step.side, $0, frame: i + 1, time: .zero) }
        }
    }
    session.finish()
    return session.facts
}

/// The facts of a conversation fed whole, one byte per segment, and in random splits (several seeds), which
/// must all be equal; returns the whole-fed facts. Use in every grammar test that has no gaps.
func runEverySplit<G: TextGrammar>(_ grammar: G.Type, _ steps: [Step],
                                   sourceLocation: SourceLocation = #_sourceLocation) -> SessionFacts {
    let whole = run(grammar, steps)
    let drip = run(grammar, steps, split: { n in (0..<n).map { $0..<($0 + 1) } })
    #expect(drip == whole, "one byte per segment differs", sourceLocation: sourceLocation)
    for seed in 1...5 as ClosedRange<UInt64> {
        let random = run(grammar, steps, split: { n in splits(n, seed: seed &+ UInt64(n)) })
        #expect(random == whole, "random split (seed \(seed)) differs", sourceLocation: sourceLocation)
    }
    return whole
}
