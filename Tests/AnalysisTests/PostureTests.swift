import Foundation
import Testing
import Wire
import Protocols
@testable import Analysis

@Suite struct PostureTests {
    @Test func serversAggregateOffersAndLogins() {
        var p = Posture()
        var offered = SessionFacts(appProtocol: .smtp)
        offered.startTLS.offered = true
        offered.banner = "220 mx ESMTP"
        offered.credentials = [credential("AUTH=PLAIN", .password)]
        var bare = SessionFacts(appProtocol: .smtp)
        bare.startTLS.offered = false
        bare.credentials = [credential("AUTH=LOGIN", .password, outcome: .failure)]
        var implicit = SessionFacts(appProtocol: .smtp)
        implicit.transport = .implicitTLS
        implicit.credentials = [credential("AUTH=PLAIN", .password)]  // inside TLS: not exposed
        p.add(report(offered, id: 1))
        p.add(report(bare, id: 2, clientPort: 40001))
        p.add(report(implicit, id: 3, serverPort: 465))
        let servers = p.sortedServers
        #expect(servers.map(\.endpoint.port) == [25, 465])
        let s25 = servers[0]
        #expect(s25.sessions == 2 && s25.startTLSOffered == 1 && s25.startTLSNotOffered == 1)
        #expect(s25.credentialsInClear == 2 && s25.loginsAcceptedInClear == 1)
        #expect(s25.banner == "220 mx ESMTP")
        #expect(servers[1].implicitTLS == 1 && servers[1].credentialsInClear == 0)
        let clients = p.exposedClients
        #expect(clients.count == 1)
        #expect(clients.first?.credentialsInClear == ["AUTH=PLAIN": 1, "AUTH=LOGIN": 1])
        #expect(clients.first?.successfulLogins == 1)
        #expect(clients.first?.usernames == ["alice"])
    }

    /// A posture large enough to be rendered in two halves on two threads comes out byte for byte as on one.
    @Test func postureRenderedOnTwoThreadsIsTheSame() throws {
        var p = Posture()
        for i in 0..<1500 {
            var f = SessionFacts(appProtocol: i % 3 == 0 ? .imap : .smtp)
            f.startTLS.offered = i % 2 == 0
            f.banner = "220 mx\(i % 7) ESMTP"
            f.credentials = [credential(i % 5 == 0 ? "AUTH=LOGIN" : "AUTH=PLAIN", .password, user: "user\(i % 11)",
                                        outcome: i % 4 == 0 ? .failure : .success)]
            let client = "10.0.\(i / 200).\(i % 200 + 1)", server = "198.51.\(i % 3).\(i % 250 + 1)"
            p.add(report(f, id: i + 1, client: client, clientPort: UInt16(40000 + i % 1000), server: server,
                         serverPort: i % 3 == 0 ? 143 : 25))
        }
        #expect(p.servers.count + p.exposedClients.count >= 2 * JSONLinesSink.postureChunk + 1)
        func render(threads: Int) throws -> [UInt8] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("posture-\(threads)-\(UUID()).jsonl").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let out = try OutputFile(path: path)
            let sink = JSONLinesSink(output: out)
            sink.renderThreads = threads
            sink.posture(p)
            out.flush()
            return Array(try #require(FileManager.default.contents(atPath: path)))
        }
        let one = try render(threads: 1), two = try render(threads: 2)
        #expect(!one.isEmpty)
        // A Bool, not the arrays: a failure would print megabytes.
        let same = one == two
        #expect(same, "\(one.count) bytes on one thread, \(two.count) on two")
    }

    /// The JSON writer's sorted pairs and index order say what the dictionaries and the sorted records say.
    @Test func sortedPairsMatchTheDictionaries() {
        var p = Posture()
        let versions: [TLSVersion] = [.tls12, .tls13, .tls12, .tls10, TLSVersion(0x7F17)]
        let suites: [UInt16] = [0xC02F, 0x1301, 0xC02F, 0x0005, 0xFFF0]
        for (i, (v, suite)) in zip(versions, suites).enumerated() {
            var r = report(SessionFacts(appProtocol: .smtp), id: i + 1, clientPort: UInt16(40000 + i),
                           serverPort: i < 3 ? 465 : 993)
            var t = TLSFacts()
            t.version = v
            t.cipher = .tls(CipherSuite(suite))
            r.tls = t
            r.certificateProblems = i == 0 ? [.expired, .selfSigned] : [.nameMismatch]
            p.add(r)
        }
        #expect(p.sortedServerIndices.map { p.servers[$0].endpoint } == p.sortedServers.map(\.endpoint))
        for s in p.servers {
            #expect(s.tlsVersionsByName.map(\.name) == s.tlsVersions.keys.sorted())
            #expect(s.tlsVersionsByName.map(\.count) == s.tlsVersions.keys.sorted().map { s.tlsVersions[$0] ?? -1 })
            #expect(s.ciphersByName.map(\.name) == s.ciphers.keys.sorted())
            #expect(s.ciphersByName.map(\.count) == s.ciphers.keys.sorted().map { s.ciphers[$0] ?? -1 })
            #expect(s.sortedCertificateProblems == s.certificateProblems.sorted())
        }
        #expect(p.servers.first?.tlsVersionsByName.first { $0.name == "TLS 1.2" }?.count == 2)
    }

    @Test func ftpDataIsNotAServer() {
        var p = Posture()
        p.add(report(SessionFacts(appProtocol: .ftpData), id: 1, serverPort: 40000))
        #expect(p.sortedServers.isEmpty)
        #expect(p.exposedClients.isEmpty)
    }
}
