/// The findings catalogue as Markdown: docs/findings.md is this text (a test keeps the two equal).
public enum CatalogueMarkdown {
    public static func render() -> String {
        var s = """
            # Findings reference

            Every rule cleartext can fire, from its catalogue (`cleartext rules` prints the same). A finding names
            its rule, its severity, the session (or sessions) it is about, the frames that show it, and one sentence.
            Parsers record facts; these rules judge them. This file is generated: `cleartext rules --markdown > docs/findings.md`.

            | rule | severity | title |
            |---|---|---|

            """
        for r in Catalogue.all {
            s += "| [`\(r.id)`](#\(r.id)) | \(r.severity.rawValue) | \(r.title) |\n"
        }
        for r in Catalogue.all {
            s += "\n## \(r.id)\n\n"
            s += "**Severity:** \(r.severity.rawValue)\(severityNote(r.id))\n\n"
            s += "**Why it matters.** \(r.why)\n\n"
            s += "**Remedy.** \(r.remedy)\n\n"
            s += "**References:** \(r.references.joined(separator: "; "))\n"
        }
        return s
    }

    private static func severityNote(_ id: String) -> String {
        switch id {
        case Catalogue.cleartextCredentials.id:
            " for a readable password or token; high for a crackable challenge-response (CRAM-MD5, APOP, "
                + "DIGEST-MD5, NTLM); low for an anonymous FTP login or a username whose password never followed; "
                + "info when the mechanism exposes no secret (SCRAM, EXTERNAL, GSSAPI) or the login failed before "
                + "one was sent: the username is still visible"
        default: ""
        }
    }
}
