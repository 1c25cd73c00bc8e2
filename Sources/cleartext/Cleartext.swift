import Analysis
import ArgumentParser
import Crypto
import FoundationEssentials
import Glibc
import PcapSource
import Streams
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
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "cleartext",
        abstract: "Finds credentials sent in the clear, the TLS negotiated, and STARTTLS misuse in mail and FTP captures.",
        version: cleartextVersion,
        subcommands: [Analyze.self, Live.self, Interfaces.self, Rules.self],
        defaultSubcommand: nil
    )
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, html
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyze capture files (.pcap, .pcapng; directories are walked; - reads standard input).",
        discussion: """
            Exit status: 2 bad usage or an input that cannot be read (the other inputs are still analyzed); \
            3 an input ends early (analyzed up to the damage); 1 a finding at or above --fail-on; else 0. \
            When several apply, the first in that list wins.
            """
    )

    @Argument(help: "Capture files, directories of them, or - for standard input.")
    var inputs: [String]

    @OptionGroup var report: ReportOptions

    @Option(name: .long, help: "Exit with status 1 when a finding at or above this severity exists (info, low, medium, high, critical).")
    var failOn: Severity?

    @Option(name: .long, help: ArgumentHelp(
        "Threads analyzing connections, sharded by address pair, fed by one reader (default: the number of cores).",
        discussion: "The output is the same whatever the number; 1 runs everything on one thread.", valueName: "n"))
    var threads: Int?

    /// Most threads: beyond the cores they only add hand-offs.
    static let maxThreads = 256

    func validate() throws {
        try report.validate()
        if let threads, !(1...Self.maxThreads).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(Self.maxThreads)")
        }
    }

    func run() throws {
        var status = ExitStatus.success
        let printError: (String) -> Void = report.quiet ? { _ in } : { cleartext.printError($0) }
        var bpf: BPFFilter?
        if let filter = report.filter {
            do { bpf = try BPFFilter(filter) } catch {
                cleartext.printError("cleartext: bad filter: \(error.message)")
                throw ExitCode(ExitStatus.unusable.rawValue)
            }
        }
        let (sink, out) = try report.makeSink(open: { try OutputFile(path: $0) }, streaming: false)
        var options = report.analysisOptions()
        options.threads = threads ?? max(1, min(Self.maxThreads, ProcessInfo.processInfo.activeProcessorCount))
        (sink as? JSONLinesSink)?.renderThreads = options.threads
        let engine = Engine(options: options, sink: sink)
        let (paths, walkErrors) = expandInputs(inputs)
        for e in walkErrors {
            printError("cleartext: \(e)")
            status.raise(to: .unusable)
        }
        for path in paths {
            var reader: CaptureFileReader
            do {
                // Read with read(2), not mapped: faster for one thread, and a sharded run retains the blocks
                // read until its workers are done with them (InputWindow).
                reader = try CaptureFileReader(path: path, mapped: false)
            } catch {
                printError("cleartext: \(error.description)")
                engine.recordUnreadable(name: path, error: error)
                status.raise(to: .unusable)
                continue
            }
            let bar = report.quiet ? nil : ProgressBar(name: path, total: reader.fileSize)
            // Reports for people name each file by its SHA-256 (pipelines skip the extra read).
            let digest = report.format == .jsonl || report.format == .json || path == "-" ? nil : fileSHA256(path)
            let result = engine.analyze(&reader, name: path, filter: bpf.map { f in { f.matches($0) } },
                                        progress: bar.map { b in { b.update($0) } }, sha256: digest)
            bar?.done()
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
        if let failOn, let worst = engine.inputs.compactMap(\.worstSeverity).max(), worst >= failOn {
            status.raise(to: .findingsAtThreshold)
        }
        // Every byte of the report is written (and flushed above): exit with the engine, its tables and caches
        // still alive. Freeing them object by object is work the end of the process does at once (about 7 ms,
        // 1 % of the run, on the 1 GiB bench capture with one thread).
        withExtendedLifetime((engine, sink, out)) { Glibc.exit(status.rawValue) }
    }
}

/// The report options `analyze` and `live` share: format, destination, filter, secrets, what is reported.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: "Report format: text, jsonl (JSON Lines), json (one document) or html (one self-contained page); live: text or jsonl.")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: [.customShort("f"), .long], help: "A BPF filter (tcpdump syntax) selecting the frames analyzed.")
    var filter: String?

    @Flag(name: .long, help: "Show passwords, responses and tokens instead of redacting them.")
    var showSecrets = false

    @Flag(name: .long, help: "Replace each secret by its HMAC-SHA256 (same secret, same value) instead of redacting it.")
    var secretHashes = false

    @Option(name: .long, help: "Key file for --secret-hashes (values then compare across runs); default: a random key per run.")
    var secretKey: String?

    @Option(name: .long, help: "Write captured challenge-responses for password auditors (hashcat 10200 CRAM-MD5, 20 APOP, 5500/5600 NTLMv1/v2; John dmd5 DIGEST-MD5) to this file.")
    var exportHashes: String?

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Report every TCP connection (default: on for jsonl, off for text).")
    var flows: Bool?

    @Option(name: .long, help: "Report only findings at or above this severity.")
    var minSeverity: Severity = .info

    @Option(name: .long, help: ArgumentHelp(
        "Rules to run: comma-separated rule ids; '-id' disables one (write --rules=-id), 'all' starts from every rule.",
        discussion: "Examples: --rules=-starttls-not-offered ; --rules cleartext-credentials,starttls-not-used"))
    var rules: String?

    @Option(name: .long, help: "Extra port hints, e.g. smtp:2526,imaps:10993 (smtp, imap, pop3, ftp; with 's' for implicit TLS).")
    var ports: String?

    @Flag(name: [.short, .long], help: "No messages on standard error (errors still go into the summary).")
    var quiet = false

    @OptionGroup var limits: LimitOptions

    func validate() throws {
        try limits.validate()
        if let rules { _ = try RuleSelection(rules) }
        if let ports {
            do { _ = try PortHints(parsing: ports) } catch { throw ValidationError("--ports: \(error.message)") }
        }
    }

    /// What the engine runs: which records, which rules, which port hints.
    func analysisOptions() -> AnalysisOptions {
        var options = AnalysisOptions()
        limits.apply(to: &options)
        options.flowRecords = flows ?? true
        options.minSeverity = minSeverity
        if let ports, let hints = try? PortHints(parsing: ports) { options.portHints = hints }
        if let rules, let selection = try? RuleSelection(rules) {
            options.ruleEnabled = { selection.enabled.contains($0.id) }
        }
        return options
    }

    /// The report writer for `format`, writing to `--output` (opened with `open`) or standard output, and
    /// the hash export beside it. Exits with status 2 (after a one-line message) when a file cannot be opened.
    /// `streaming`: the text report writes each session as it ends (live capture).
    func makeSink(open: (String) throws -> OutputFile, streaming: Bool) throws -> (RecordSink, OutputFile) {
        let out: OutputFile
        do { out = try output.map(open) ?? OutputFile() } catch {
            printError("cleartext: \(error)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }
        var secrets = showSecrets ? SecretPolicy.show : .redact
        if secretHashes && !showSecrets {
            var key = SecretPolicy.randomKey()
            if let secretKey {
                guard let data = FileManager.default.contents(atPath: secretKey), !data.isEmpty else {
                    printError("cleartext: \(secretKey): cannot read the secret key (an empty or missing file)")
                    throw ExitCode(ExitStatus.unusable.rawValue)
                }
                key = Array(data)
            }
            secrets = .hmac(key: key)
        }
        var sink: RecordSink
        switch format {
        case .jsonl: sink = JSONLinesSink(output: out, secrets: secrets)
        case .json: sink = JSONLinesSink(output: out, secrets: secrets, document: true)
        case .html: sink = HTMLSink(output: out, secrets: secrets, version: cleartextVersion)
        case .text:
            sink = TextSink(output: out, secrets: secrets, showConnections: flows ?? false,
                            header: ["cleartext \(cleartextVersion); command: " + CommandLine.arguments.joined(separator: " ")],
                            colour: output == nil && isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil,
                            streaming: streaming)
        }
        if let exportHashes {
            do { sink = HashExportSink(next: sink, file: try open(exportHashes)) } catch {
                printError("cleartext: \(error)")
                throw ExitCode(ExitStatus.unusable.rawValue)
            }
        }
        return (sink, out)
    }
}

extension Severity: ExpressibleByArgument {}

/// The caps a user may want to move (the others are documented in docs/limits.md). Sizes take K, M or G.
struct LimitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("TCP connections held at once; past it the least recently active is evicted (anomaly flow_table_full).", valueName: "n"))
    var maxFlows = FlowTableConfig().maxFlows

    @Option(name: .long, help: ArgumentHelp("Out-of-order bytes held per connection direction (anomaly tcp_reassembly_cap).", valueName: "size"))
    var maxFlowBuffer = ByteSize(FlowTableConfig().maxBufferedBytesPerDirection)

    @Option(name: .long, help: ArgumentHelp("Out-of-order bytes held across all connections (anomaly tcp_reassembly_cap).", valueName: "size"))
    var maxBuffer = ByteSize(FlowTableConfig().maxBufferedBytesTotal)

    @Option(name: .long, help: ArgumentHelp("Seconds of capture time without a packet after which a connection ends (ended_by timeout).", valueName: "seconds"))
    var idleTimeout = Int(FlowTableConfig().idleTimeout)

    @Option(name: .long, help: ArgumentHelp("Bytes of IP fragments held for reassembly (anomaly ip_fragment_limit).", valueName: "size"))
    var maxFragmentMemory = ByteSize(FragmentLimits().maxTotalBytes)

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard maxFlowBuffer.bytes <= maxBuffer.bytes else {
            throw ValidationError("--max-flow-buffer cannot exceed --max-buffer")
        }
    }

    func apply(to options: inout AnalysisOptions) {
        options.flowTable.maxFlows = maxFlows
        options.flowTable.maxBufferedBytesPerDirection = maxFlowBuffer.bytes
        options.flowTable.maxBufferedBytesTotal = maxBuffer.bytes
        options.flowTable.idleTimeout = Int64(idleTimeout)
        options.fragments.maxTotalBytes = maxFragmentMemory.bytes
    }
}

/// A byte count written as a number with an optional K, M or G (powers of 1024), e.g. 512K, 32M.
struct ByteSize: ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init(_ bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        var text = argument.uppercased()
        if text.hasSuffix("IB") { text.removeLast(2) } else if text.hasSuffix("B") { text.removeLast() }
        let shift: Int
        switch text.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        default: shift = 0
        }
        guard let n = Int(shift == 0 ? text : String(text.dropLast())), n >= 0, n <= Int.max >> (shift + 1) else { return nil }
        bytes = n << shift
    }

    var description: String {
        for (unit, shift) in [("G", 30), ("M", 20), ("K", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return String(bytes)
    }

    var defaultValueDescription: String { description }
}

/// `--rules`: which rule ids run. Items are rule ids; `-id` removes one; `all` (or a list that starts with a
/// removal) starts from every rule.
struct RuleSelection {
    let enabled: Set<String>

    init(_ text: String) throws {
        let known = Set(Catalogue.all.map(\.id))
        let items = text.split(separator: ",").map { trimmingBlanks($0) }.filter { !$0.isEmpty }
        var set: Set<String> = items.first.map { $0 == "all" || $0.hasPrefix("-") } ?? true ? known : []
        for item in items where item != "all" {
            let remove = item.hasPrefix("-")
            let id = String(item.drop { $0 == "-" || $0 == "+" })
            guard known.contains(id) else {
                throw ValidationError("unknown rule '\(id)' in --rules (see 'cleartext rules')")
            }
            if remove { set.remove(id) } else { set.insert(id) }
        }
        enabled = set
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

/// Spaces and tabs trimmed from both ends.
func trimmingBlanks(_ text: Substring) -> String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else {
        return ""
    }
    return String(text[first...last])
}

/// SHA-256 of a file as lower-case hex, read in 1 MiB chunks; nil when it cannot be read.
func fileSHA256(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var hasher = SHA256()
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { chunk.deallocate() }
    while true {
        let n = read(fd, chunk.baseAddress, chunk.count)
        if n > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[..<n]))
        } else if n == 0 {
            return Hex.string(hasher.finalize())
        } else if errno != EINTR {
            return nil
        }
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// `value` rounded to a whole number, right-aligned in `width` characters.
func rounded(_ value: Double, width: Int) -> String {
    // Int(_:) traps past its range: a progress figure that large (or not finite) prints as "?".
    let text = value.isFinite && abs(value) < 1e15 ? String(Int(value.rounded())) : "?"
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// Writes `text` to standard error as it is (no newline added). Unbuffered and without state, unlike
/// `OutputFile`, so that any thread may call it.
func writeToStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var done = 0
        while done < raw.count {
            let n = write(2, base + done, raw.count - done)
            if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}

/// A progress line on standard error (bytes read of the total, rate, time left), only when standard error is a
/// terminal and the file is larger than a few MB; redrawn at most four times a second.
final class ProgressBar {
    private let name: String
    private let total: Int
    private let start = monotonicSeconds()
    private var lastDraw = -Double.infinity
    private var drawn = false

    init?(name: String, total: Int?) {
        guard let total, total > 8 << 20, isatty(2) != 0 else { return nil }
        self.name = name
        self.total = total
    }

    func update(_ bytes: Int) {
        let now = monotonicSeconds()
        guard now - lastDraw >= 0.25 else { return }
        lastDraw = now
        let elapsed = max(now - start, 0.001)
        let fraction = min(1, Double(bytes) / Double(total))
        let rate = Double(bytes) / elapsed / 1e6
        let left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let line = "\r\(name.suffix(30)) [" + String(repeating: "#", count: filled)
            + String(repeating: ".", count: width - filled) + "] "
            + rounded(fraction * 100, width: 3) + "% " + rounded(rate, width: 6) + " MB/s ETA "
            + rounded(left, width: 4) + "s"
        writeToStandardError(line)
        drawn = true
    }

    func done() {
        if drawn { writeToStandardError("\r" + String(repeating: " ", count: 80) + "\r") }
    }
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
    for input in inputs {
        var st = stat()
        if input != "-", stat(input, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            guard let below = try? FileManager.default.subpathsOfDirectory(atPath: input) else {
                errors.append("\(input): cannot list the directory")
                continue
            }
            var found: [String] = []
            for rel in below {
                let lower = rel.lowercased()
                if lower.hasSuffix(".pcap") || lower.hasSuffix(".pcapng") || lower.hasSuffix(".cap") {
                    found.append(input.hasSuffix("/") ? input + rel : input + "/" + rel)
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
    writeToStandardError(message + "\n")
}
