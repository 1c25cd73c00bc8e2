import Testing
import Wire

/// `DecimalText.write` gives `String(value)` for every magnitude and sign, at every digit-count boundary.
@Suite struct DecimalTextTests {
    static func written(_ value: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalText.maxLength + 8) { room in
            room.initialize(repeating: 0xAA)
            let n = DecimalText.write(value, into: room.baseAddress!)
            #expect(room[n] == 0xAA, "wrote past its length for \(value)")
            return String(decoding: room[0..<n], as: UTF8.self)
        }
    }

    @Test func matchesStringConversion() {
        var values = [0, 1, -1, 9, 10, 11, 99, 100, 101, 65_535, 1_351_237, Int.max, Int.min, Int.max - 1, Int.min + 1]
        var power = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -(power - 1), -power, -(power + 1)]
        }
        for v in values { #expect(Self.written(v) == String(v), "\(v)") }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let v = Int.random(in: Int.min...Int.max, using: &rng) >> Int.random(in: 0..<63, using: &rng)
            #expect(Self.written(v) == String(v), "\(v)")
        }
    }
}
