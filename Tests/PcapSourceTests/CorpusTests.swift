import Foundation
import Glibc
import Testing
import Wire
@testable import PcapSource

/// The shared corpus of real captures, found beside the repository (../shared/corpus) or a level higher (for
/// a git worktree); nil when absent, and the corpus tests are skipped.
let corpusDirectory: String? = {
    var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = root.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        if FileManager.default.fileExists(atPath: candidate + "/truth.jsonl") { return candidate }
        root = root.deletingLastPathComponent()
    }
    return nil
}()

/// (file relative to the corpus, packet_count) from truth.jsonl.
func corpusTruth() -> [(file: String, packets: Int)] {
    guard let dir = corpusDirectory,
          let text = try? String(contentsOfFile: dir + "/truth.jsonl", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let file = object["file"] as? String, let count = object["packet_count"] as? Int else { return nil }
        return (file, count)
    }
}

@Suite(.enabled(if: corpusDirectory != nil, "../shared/corpus not present"))
struct CorpusTests {
    /// A file whose last block is cut short: tshark and capinfos count 519 frames and warn.
    static let truncatedFile = "john-samples/APOP/apop-sample.pcapng"

    @Test func everyFileHasItsPacketCount() throws {
        let truth = corpusTruth()
        #expect(truth.count >= 80)
        for (file, packets) in truth {
            let path = (corpusDirectory ?? "") + "/" + file
            let r = read(path: path)
            #expect(r.openError == nil, "\(file): \(String(describing: r.openError))")
            #expect(r.frames.count == packets, "\(file)")
            if file == Self.truncatedFile {
                #expect(r.frames.count == 519)
                #expect(r.error?.kind == .truncated, "\(file): \(String(describing: r.error))")
                #expect(r.error?.frame == 520)
            } else {
                #expect(r.error == nil, "\(file): \(String(describing: r.error))")
            }
            // Frame numbers count from 1 without gaps; captured never exceeds original.
            #expect(r.frames.enumerated().allSatisfy { $0.offset + 1 == $0.element.number }, "\(file)")
            #expect(r.frames.allSatisfy { $0.bytes.count <= $0.originalLength }, "\(file)")
        }
    }

    @Test func streamingGivesTheSameFrames() throws {
        for (file, _) in corpusTruth() {
            let path = (corpusDirectory ?? "") + "/" + file
            let mapped = read(path: path)
            let fd = open(path, O_RDONLY)
            var streamed = try CaptureFileReader(streaming: fd, name: path, ownsDescriptor: true, chunkSize: 4096)
            let (frames, error) = drain(&streamed)
            #expect(frames == mapped.frames, "\(file)")
            #expect(error == mapped.error, "\(file)")
        }
    }
}
