import Foundation
import FuzzEntries
import Testing

/// Tests/Vectors/fuzz: one folder per fuzz target, each file an input that once crashed, hung or ran out of
/// memory under `make fuzz` (docs/robustness.md). Replaying them through the same entry points keeps the fixes.
let fuzzVectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Vectors/fuzz")

@Suite struct FuzzRegressionTests {
    @Test(arguments: FuzzEntries.targets.map(\.name))
    func replaysFoundInputs(target: String) throws {
        let run = try #require(FuzzEntries.entry(named: target))
        let folder = fuzzVectors.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            bytes.withUnsafeBytes { run($0) }
        }
    }

    /// Every entry takes the empty input and short or patterned ones without trapping (the framings clamp).
    @Test(arguments: FuzzEntries.targets.map(\.name))
    func takesAnyShortInput(target: String) throws {
        let run = try #require(FuzzEntries.entry(named: target))
        var inputs: [[UInt8]] = [[]]
        for length in 1...64 { inputs.append((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }) }
        inputs.append([UInt8](repeating: 0xFF, count: 4096))
        for input in inputs { input.withUnsafeBytes { run($0) } }
    }

    /// Every folder under Tests/Vectors/fuzz names a target, so no vector is silently skipped.
    @Test func everyFolderIsATarget() throws {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: fuzzVectors.path)) ?? []
        for folder in folders where !folder.hasPrefix(".") {
            #expect(FuzzEntries.entry(named: folder) != nil, "Tests/Vectors/fuzz/\(folder) is no fuzz target")
        }
    }
}
