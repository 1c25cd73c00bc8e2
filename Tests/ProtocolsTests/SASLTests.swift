import Testing
@testable import Protocols

@Suite struct SASLTests {
    @Test func base64RoundTripAndRejects() {
        for s in ["", "a", "ab", "abc", "abcd", "\u{0}user\u{0}pass"] {
            #expect(Base64.decode(Base64.encode(Array(s.utf8))) == Array(s.utf8))
        }
        #expect(Base64.decode("dXNlcg") == Array("user".utf8))  // missing padding tolerated
        #expect(Base64.decode("d*Nlcg==") == nil)
        #expect(Base64.decode("dXNlcg==dXM=") == nil)
        #expect(Base64.decode("A") == nil)
    }

    @Test func plain() {
        // AUTH PLAIN AGFsaWNlAHMzY3JldA==  ("\0alice\0s3cret")
        var x = SASLExchange(mechanism: "plain")
        x.initialResponse("AGFsaWNlAHMzY3JldA==", frame: 4)
        #expect(x.contractName == "AUTH=PLAIN")
        #expect(x.username == "alice")
        #expect(x.secret == "s3cret")
        #expect(x.secretFrame == 4)
        #expect(x.exposure == .password)
    }

    @Test func plainWithAuthzidAndMalformed() {
        var x = SASLExchange(mechanism: "PLAIN")
        x.clientResponse(Base64.encode(Array("admin\u{0}bob\u{0}pw".utf8)), frame: 2)
        #expect(x.username == "bob")
        var y = SASLExchange(mechanism: "PLAIN")
        y.clientResponse(Base64.encode(Array("nonuls".utf8)), frame: 2)
        #expect(y.malformed)
        #expect(y.username == nil)
    }

    @Test func loginRounds() {
        var x = SASLExchange(mechanism: "LOGIN")
        x.serverChallenge("VXNlcm5hbWU6")  // "Username:"
        x.clientResponse("Ym9i", frame: 5)  // bob
        x.serverChallenge("UGFzc3dvcmQ6")  // "Password:"
        x.clientResponse("aHVudGVyMg==", frame: 7)  // hunter2
        #expect(x.username == "bob")
        #expect(x.secret == "hunter2")
        #expect(x.secretFrame == 7)
    }

    @Test func loginWithInitialUsername() {
        var x = SASLExchange(mechanism: "LOGIN")
        x.initialResponse("Ym9i", frame: 3)
        x.serverChallenge("UGFzc3dvcmQ6")
        x.clientResponse("aHVudGVyMg==", frame: 5)
        #expect(x.username == "bob")
        #expect(x.secret == "hunter2")
    }

    @Test func cramMD5() {
        // RFC 2195 §2 example.
        var x = SASLExchange(mechanism: "CRAM-MD5")
        x.serverChallenge("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+")
        x.clientResponse("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", frame: 9)
        #expect(x.username == "tim")
        #expect(x.secret == "b913a602c7eda7a495b4e6e7334d3890")
        #expect(x.challenge == "<1896.697170952@postoffice.reston.mci.net>")
        #expect(x.exposure == .crackable)
    }

    @Test func digestMD5() {
        let resp = #"charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth"#
        var x = SASLExchange(mechanism: "DIGEST-MD5")
        x.serverChallenge(Base64.encode(Array(#"realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8"#.utf8)))
        x.clientResponse(Base64.encode(Array(resp.utf8)), frame: 3)
        #expect(x.username == "chris")
        #expect(x.challenge?.hasPrefix("realm=") == true)
        #expect(SASLExchange.digestField("username", in: #"username="a\"b",x=1"#) == "a\"b")
    }

    @Test func xoauth2AndOAuthBearer() {
        var x = SASLExchange(mechanism: "XOAUTH2")
        x.initialResponse(Base64.encode(Array("user=someuser@example.com\u{1}auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u{1}\u{1}".utf8)), frame: 2)
        #expect(x.username == "someuser@example.com")
        #expect(x.secret == "Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
        #expect(x.exposure == .token)
        var y = SASLExchange(mechanism: "OAUTHBEARER")
        y.initialResponse(Base64.encode(Array("n,a=user=2Cx@example.com,\u{1}host=server.example.com\u{1}port=143\u{1}auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u{1}\u{1}".utf8)), frame: 2)
        #expect(y.username == "user,x@example.com")
        #expect(y.secret?.hasPrefix("Bearer vF9d") == true)
    }

    @Test func scramGivesUsernameOnly() {
        var x = SASLExchange(mechanism: "SCRAM-SHA-256")
        x.initialResponse(Base64.encode(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8)), frame: 2)
        #expect(x.username == "user")
        #expect(x.secret == nil)
        #expect(x.exposure == .none)
    }

    @Test func ntlmAuthenticateMessage() {
        // A minimal AUTHENTICATE_MESSAGE: NT response of 24 bytes, domain "D", user "u" in UTF-16LE.
        var m: [UInt8] = Array("NTLMSSP".utf8) + [0, 3, 0, 0, 0]
        func buf(_ len: Int, _ off: Int) -> [UInt8] {
            [UInt8(len), 0, UInt8(len), 0, UInt8(off), 0, 0, 0]
        }
        let nt = [UInt8](repeating: 0xAB, count: 24)
        m += buf(0, 64)            // LM response
        m += buf(24, 64)           // NT response
        m += buf(2, 88)            // domain
        m += buf(2, 90)            // user
        m += buf(0, 92)            // workstation
        m += buf(0, 92)            // session key
        m += [1, 0, 0, 0]          // flags: UNICODE
        m += nt + [0x44, 0] + [0x75, 0]
        var challenge: [UInt8] = Array("NTLMSSP".utf8) + [0, 2, 0, 0, 0] + [UInt8](repeating: 0, count: 12)
        challenge += [1, 2, 3, 4, 5, 6, 7, 8] + [UInt8](repeating: 0, count: 8)
        var x = SASLExchange(mechanism: "NTLM")
        x.serverChallenge(Base64.encode(challenge))
        x.clientResponse(Base64.encode(m), frame: 6)
        #expect(x.challenge == "0102030405060708")
        #expect(x.username == "D\\u")
        #expect(x.secret == String(repeating: "ab", count: 24))
        // Every truncation of the message is rejected without a trap.
        for n in 0..<m.count { _ = SASLExchange.ntlmAuthenticate(Array(m[..<n])) }
    }

    @Test func cancelAndGarbage() {
        var x = SASLExchange(mechanism: "PLAIN")
        x.clientResponse("*", frame: 3)
        #expect(x.cancelled)
        var y = SASLExchange(mechanism: "PLAIN")
        y.clientResponse("!!!", frame: 3)
        #expect(y.malformed)
    }
}
