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

    @Test func ftpDataIsNotAServer() {
        var p = Posture()
        p.add(report(SessionFacts(appProtocol: .ftpData), id: 1, serverPort: 40000))
        #expect(p.sortedServers.isEmpty)
        #expect(p.exposedClients.isEmpty)
    }
}
