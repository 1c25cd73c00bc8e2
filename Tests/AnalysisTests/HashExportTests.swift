import Testing
import Wire
import Protocols
@testable import Analysis

@Suite struct HashExportTests {
    func cred(_ mechanism: String, user: String?, secret: String, challenge: String?, lm: String? = nil) -> Credential {
        Credential(mechanism: mechanism, username: user, secret: secret, exposure: .crackable, frame: 1, time: .zero,
                   challenge: challenge, lmResponse: lm)
    }

    @Test func cramMD5IsHashcat10200() {
        // RFC 2195 §2: tim / tanstaaftanstaaf.
        let line = HashExport.line(cred("AUTH=CRAM-MD5", user: "tim", secret: "b913a602c7eda7a495b4e6e7334d3890",
                                        challenge: "<1896.697170952@postoffice.reston.mci.net>"))
        #expect(line == "$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")
    }

    @Test func apopIsHashcat20() {
        // RFC 1939 §7: mrose / tanstaaf.
        let line = HashExport.line(cred("APOP", user: "mrose", secret: "c4c9334bac560ecc979e58001b3e22fb",
                                        challenge: "<1896.697170952@dbc.mtview.ca.us>"))
        #expect(line == "c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>")
    }

    @Test func ntlmVersionsAreHashcat5500And5600() {
        let v1 = HashExport.line(cred("AUTH=NTLM", user: "DOM\\bob", secret: String(repeating: "ab", count: 24),
                                      challenge: "0102030405060708", lm: String(repeating: "cd", count: 24)))
        #expect(v1 == "bob::DOM:\(String(repeating: "cd", count: 24)):\(String(repeating: "ab", count: 24)):0102030405060708")
        let nt2 = String(repeating: "11", count: 16) + String(repeating: "22", count: 40)
        let v2 = HashExport.line(cred("AUTH=NTLM", user: "DOM\\bob", secret: nt2, challenge: "0102030405060708"))
        #expect(v2 == "bob::DOM:0102030405060708:\(String(repeating: "11", count: 16)):\(String(repeating: "22", count: 40))")
        // NTLMv1 without the LM response cannot be written.
        #expect(HashExport.line(cred("AUTH=NTLM", user: "bob", secret: String(repeating: "ab", count: 24),
                                     challenge: "0102030405060708")) == nil)
    }

    @Test func digestMD5IsJohnDMD5() {
        // RFC 2831 §4 example response.
        let response = #"charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth"#
        let line = HashExport.line(cred("AUTH=DIGEST-MD5", user: "chris", secret: response, challenge: "realm=..."))
        #expect(line == "$DIGEST-MD5$chris$elwood.innosoft.com$OA6MG9tEQGm2hh$imap/elwood.innosoft.com$OA6MHXh6VqTrRk$00000001$auth$d388dad90d4bbd760a152321f2143af7")
    }

    @Test func passwordsAndTokensAreNeverExported() {
        #expect(HashExport.line(cred("AUTH=PLAIN", user: "a", secret: "pw", challenge: nil)) == nil)
        #expect(HashExport.line(cred("USER/PASS", user: "a", secret: "pw", challenge: "x")) == nil)
    }
}
