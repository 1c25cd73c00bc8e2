import Analysis
import ArgumentParser
import Foundation
import PcapSource
import Wire

/// The version printed by `--version` and written into reports.
let cleartextVersion = "0.1.0"

@main
struct Cleartext: ParsableCommand {
    /// Runs the command; usage errors exit with status 2 (../shared/CONTRACT.md), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "cleartext",
        abstract: "Finds credentials sent in the clear, the TLS negotiated, and STARTTLS misuse in mail and FTP captures.",
        version: cleartextVersion,
        subcommands: [Analyze.self, Rules.self],
        defaultSubcommand: nil
    )
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyze capture files (.pcap, .pcapng; directories are walked; - reads standard input).",
        discussion: """
            Exit status: 0 success; 2 bad usage or an input that cannot be read; 3 an input ends early \
            (analyzed up to the damage). The highest that applies wins.
            """
    )

    @Argument(help: "Capture files, directories of them, or - for standard input.")
    var inputs: [String]

    @Option(name: .long, help: "Report format: text or jsonl.")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: [.customShort("f"), .long], help: "A BPF filter (tcpdump syntax) selecting the frames analyzed.")
    var filter: String?

    @Flag(name: .long, help: "Show passwords, responses and tokens instead of redacting them.")
    var showSecrets = false

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Report every TCP connection (default: on for jsonl, off for text).")
    var flows: Bool?

    func run() throws {
        var status = ExitStatus.success
        let out: OutputFile
        if let output {
            do { out = try OutputFile(path: output) } catch {
                printError("cleartext: \(error)")
                throw ExitCode(ExitStatus.unusable.rawValue)
            }
        } else {
            out = OutputFile()
        }
        var bpf: BPFFilter?
        if let filter {
            do { bpf = try BPFFilter(filter) } catch {
                printError("cleartext: bad filter: \(error.message)")
                throw ExitCode(ExitStatus.unusable.rawValue)
            }
        }
        let sink: RecordSink = format == .jsonl
            ? JSONLinesSink(output: out, showSecrets: showSecrets)
            : TextSink(output: out, showSecrets: showSecrets, showConnections: flows ?? false)
        var options = AnalysisOptions()
        options.flowRecords = flows ?? true
        let engine = Engine(options: options, sink: sink)
        let (paths, walkErrors) = expandInputs(inputs)
        for e in walkErrors {
            printError("cleartext: \(e)")
            status.raise(to: .unusable)
        }
        for path in paths {
            var reader: CaptureFileReader
            do {
                reader = try CaptureFileReader(path: path)
            } catch {
                printError("cleartext: \(error.description)")
                engine.recordUnreadable(name: path, error: error)
                status.raise(to: .unusable)
                continue
            }
            let result = engine.analyze(&reader, name: path, filter: bpf.map { f in { f.matches($0) } })
            if let e = result.error {
                printError("cleartext: \(e.description)")
                status.raise(to: e.isTruncation ? .truncated : .unusable)
            }
        }
        engine.finish()
        out.flush()
        if let e = out.writeError {
            printError("cleartext: cannot write the report: \(e)")
            status.raise(to: .unusable)
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the findings catalogue.")

    @Flag(name: .long, help: "Print the catalogue as Markdown (docs/findings.md).")
    var markdown = false

    func run() {
        if markdown {
            print(CatalogueMarkdown.render(), terminator: "")
            return
        }
        for r in Catalogue.all {
            print("\(r.id.padding(28)) \(r.severity.rawValue.padding(9)) \(r.title)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// Exit statuses of ../shared/CONTRACT.md. When several apply, the one listed first there wins:
/// 2 (bad usage, unreadable input) over 3 (an input ends early) over 1 (`--fail-on`) over 0.
enum ExitStatus: Int32 {
    case success = 0
    case findingsAtThreshold = 1
    case unusable = 2
    case truncated = 3

    private var precedence: Int {
        switch self {
        case .success: 0
        case .findingsAtThreshold: 1
        case .truncated: 2
        case .unusable: 3
        }
    }

    mutating func raise(to other: ExitStatus) {
        if other.precedence > precedence { self = other }
    }
}

/// Expands directories into the capture files below them (name order); keeps files and "-" as given.
func expandInputs(_ inputs: [String]) -> (paths: [String], errors: [String]) {
    var paths: [String] = []
    var errors: [String] = []
    let fm = FileManager.default
    for input in inputs {
        var isDir: ObjCBool = false
        if input != "-", fm.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
            guard let e = fm.enumerator(atPath: input) else {
                errors.append("\(input): cannot list the directory")
                continue
            }
            var found: [String] = []
            for case let rel as String in e {
                let lower = rel.lowercased()
                if lower.hasSuffix(".pcap") || lower.hasSuffix(".pcapng") || lower.hasSuffix(".cap") {
                    found.append((input as NSString).appendingPathComponent(rel))
                }
            }
            if found.isEmpty { errors.append("\(input): no .pcap, .pcapng or .cap files in the directory") }
            paths.append(contentsOf: found.sorted())
        } else {
            paths.append(input)
        }
    }
    return (paths, errors)
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
