import Foundation
import Testing
import TestSupport
import Wire

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// samples/ holds captures the project makes itself. They must be exactly what the scripts produce, so that
/// nobody edits a sample by hand; `UPDATE_SAMPLES=1` (make samples) rewrites them.
@Suite struct SampleCaptureTests {
    @Test func scriptedMailIsCurrent() throws {
        let path = repositoryRoot.appendingPathComponent("samples/scripted-mail.pcap").path
        let built = SampleCaptures.scriptedMail().data
        if ProcessInfo.processInfo.environment["UPDATE_SAMPLES"] == "1" {
            try SampleCaptures.scriptedMail().write(to: path)
        }
        let committed = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(committed) == built, "samples/scripted-mail.pcap differs from the script: run make samples")
        #expect(built.count < 50_000)
    }
}
