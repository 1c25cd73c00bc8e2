#!/usr/bin/env python3
"""Client side of the cleartext lab (run inside the ctlab-cli namespace by lab.sh).

    clients.py list                     print the scenario names, one a line
    clients.py run NAME TRUTH.json      run one scenario, check it did what it should, write its truth
    clients.py finish TRUTH.json PCAP   check the truth's sessions against the capture's TCP connections
                                        (same count, order and endpoints); fill client ports that an
                                        external tool (openssl, swaks) did not report

Standard library only. Each scenario drives a real client against the real servers started by lab.sh
and records, per TCP connection, what crossed the wire: endpoints, transport, STARTTLS offer/attempt/
success, the negotiated TLS version and the credentials exchanged in the clear (credentials sent inside
TLS are listed separately under "credentials_inside_tls": they are not visible in the capture).
A scenario that does not behave as expected raises, so the truth file is never written for it.
"""

import base64
import ftplib
import hashlib
import hmac
import imaplib
import json
import os
import poplib
import re
import smtplib
import socket
import ssl
import subprocess
import sys

SRV4 = os.environ.get("CTLAB_SRV4", "198.18.0.1")
SRV6 = os.environ.get("CTLAB_SRV6", "2001:db8:18::1")
CLI4 = os.environ.get("CTLAB_CLI4", "198.18.0.2")
CLI6 = os.environ.get("CTLAB_CLI6", "2001:db8:18::2")
USER = os.environ.get("CTLAB_USER", "labuser")
PASS = os.environ.get("CTLAB_PASS", "Lab-Pass.2024")
BADPASS = "wrong-password-123"
TIMEOUT = 10

TLS_NAMES = {"SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2",
             "TLSv1.3": "TLS 1.3"}
EXPOSURE = {"USER/PASS": "password", "LOGIN": "password", "AUTH=PLAIN": "password",
            "AUTH=LOGIN": "password", "AUTH=CRAM-MD5": "crackable", "APOP": "crackable"}


class ScenarioError(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise ScenarioError(msg)


def tls_context(minv=None, maxv=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if minv is not None:
        ctx.minimum_version = minv
    if maxv is not None:
        ctx.maximum_version = maxv
    return ctx


def tls_name(sock):
    v = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    return TLS_NAMES.get(v, v)


class Session:
    """One TCP connection as the truth file describes it."""

    def __init__(self, protocol, server_ip, port, transport="plaintext"):
        self.d = {
            "protocol": protocol,
            "client": {"ip": CLI6 if ":" in server_ip else CLI4, "port": None},
            "server": {"ip": server_ip, "port": port},
            "transport": transport,
            "starttls": {"offered": None, "attempted": False, "succeeded": None},
            "tls_version": None,
            "credentials": [],
            "credentials_inside_tls": [],
        }

    def bind(self, sock):
        self.d["client"]["port"] = sock.getsockname()[1]
        if isinstance(sock, ssl.SSLSocket):
            self.d["tls_version"] = tls_name(sock)

    def offered(self, value):
        self.d["starttls"]["offered"] = bool(value)

    def starttls(self, succeeded, sock=None):
        st = self.d["starttls"]
        st["attempted"] = True
        st["succeeded"] = bool(succeeded)
        if succeeded:
            self.d["transport"] = "starttls"
            self.d["tls_version"] = tls_name(sock)
            expect(self.d["tls_version"], "no TLS version after STARTTLS")

    def in_tls(self):
        return self.d["transport"] != "plaintext"

    def cred(self, mechanism, username, success):
        c = {"mechanism": mechanism, "username": username, "exposure": EXPOSURE[mechanism],
             "outcome": "success" if success else "failure"}
        self.d["credentials_inside_tls" if self.in_tls() else "credentials"].append(c)


# ---------------------------------------------------------------------------------------------- SMTP

def smtp_connect(s, host, port, implicit=False, ctx=None):
    if implicit:
        c = smtplib.SMTP_SSL(host, port, local_hostname="client.lab.test", timeout=TIMEOUT,
                             context=ctx or tls_context())
    else:
        c = smtplib.SMTP(host, port, local_hostname="client.lab.test", timeout=TIMEOUT)
    s.bind(c.sock)
    return c


def smtp_ehlo(s, c):
    code, _ = c.ehlo()
    expect(code == 250, f"EHLO failed: {code}")
    if not s.in_tls():
        s.offered(c.has_extn("starttls"))


def smtp_starttls(s, c, ctx=None, expect_ok=True):
    if c.has_extn("starttls"):
        code, msg = c.starttls(context=ctx or tls_context())
        s.starttls(code == 220, c.sock)
    else:                      # not advertised: send the command anyway, as a careless client would
        code, msg = c.docmd("STARTTLS")
        s.starttls(False)
    expect((code == 220) == expect_ok, f"STARTTLS answered {code} {msg!r}")
    return code


def smtp_auth(s, c, mech, password, expect_ok=True):
    obj = {"PLAIN": c.auth_plain, "LOGIN": c.auth_login, "CRAM-MD5": c.auth_cram_md5}[mech]
    c.user, c.password = USER, password
    try:
        code, _ = c.auth(mech, obj)
        ok = code == 235
    except smtplib.SMTPAuthenticationError as e:
        ok = False
        code = e.smtp_code
    s.cred("AUTH=" + mech, USER, ok)
    expect(ok == expect_ok, f"AUTH {mech} answered {code}")


def smtp_scenario(port, mech=None, password=PASS, starttls=False, implicit=False, ctx=None,
                  host=SRV4, expect_auth=True, expect_starttls=True):
    s = Session("smtp", host, port, "implicit-tls" if implicit else "plaintext")
    c = smtp_connect(s, host, port, implicit, ctx)
    smtp_ehlo(s, c)
    if starttls:
        if smtp_starttls(s, c, ctx, expect_starttls) == 220:
            smtp_ehlo(s, c)
    if mech:
        smtp_auth(s, c, mech, password, expect_auth)
    c.quit()
    return [s]


def smtp_starttls_no_handshake():
    """STARTTLS accepted (220) but the client hangs up without starting TLS."""
    s = Session("smtp", SRV4, 587)
    c = smtp_connect(s, SRV4, 587)
    smtp_ehlo(s, c)
    code, msg = c.docmd("STARTTLS")
    expect(code == 220, f"STARTTLS answered {code} {msg!r}")
    s.starttls(False)          # go-ahead, but no TLS handshake followed
    c.close()
    return [s]


def openssl_starttls(proto, port, version_flag, expect_version):
    """openssl s_client -starttls PROTO with a forced protocol version; QUIT after the handshake."""
    s = Session(proto, SRV4, port)
    quit_cmd = {"smtp": "QUIT", "imap": "a1 LOGOUT", "pop3": "QUIT"}[proto]
    cmd = ["openssl", "s_client", "-connect", f"{SRV4}:{port}", "-starttls", proto, version_flag,
           "-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "mail.lab.test", "-crlf", "-ign_eof"]
    p = subprocess.run(cmd, input=quit_cmd + "\n", capture_output=True, text=True, timeout=TIMEOUT)
    out = p.stdout + p.stderr
    m = re.search(r"^\s*Protocol\s*:\s*(\S+)", out, re.M)
    expect(m, f"openssl s_client printed no protocol: {out[-800:]}")
    s.offered(True)            # s_client reads the capability list and stops if STARTTLS is absent
    s.d["starttls"].update(attempted=True, succeeded=True)
    s.d["transport"] = "starttls"
    s.d["tls_version"] = TLS_NAMES.get(m.group(1), m.group(1))
    expect(s.d["tls_version"] == expect_version, f"negotiated {s.d['tls_version']}, wanted {expect_version}")
    return [s]


def swaks_auth_login_fail():
    s = Session("smtp", SRV4, 587)
    cmd = ["swaks", "--server", SRV4, "--port", "587", "--helo", "client.lab.test",
           "--from", "labuser@lab.test", "--to", "postmaster@lab.test", "--auth", "LOGIN",
           "--auth-user", USER, "--auth-password", BADPASS, "--quit-after", "AUTH", "--timeout", "10"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT + 5)
    out = p.stdout + p.stderr
    expect(re.search(r"^<(\*\*|-)\s+535", out, re.M), f"swaks: no 535 reply:\n{out}")
    s.offered("250-STARTTLS" in out or "250 STARTTLS" in out)
    s.cred("AUTH=LOGIN", USER, False)
    return [s]


# ---------------------------------------------------------------------------------------------- curl

def curl_scenario(proto, port, url_path="", ssl_reqd=False, expect_ok=True, extra=()):
    """curl as the client (its own SASL choice and STARTTLS logic). The truth comes from curl's protocol trace
    (-v: '> ' lines are commands, '< ' replies): the mechanism it chose, whether STARTTLS was offered and
    used, the TLS version it negotiated; the outcome from curl's exit status (67: login denied)."""
    s = Session(proto, SRV4, port)
    cmd = ["curl", "-v", "-s", "-k", "--max-time", str(TIMEOUT), "--user", f"{USER}:{PASS if expect_ok else BADPASS}",
           *(["--ssl-reqd"] if ssl_reqd else []), *extra, f"{proto}://{SRV4}:{port}/{url_path}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT + 5)
    trace = p.stderr
    expect((p.returncode == 0) == expect_ok, f"curl exited {p.returncode}:\n{trace[-1500:]}")
    sent = [l[2:].strip() for l in trace.splitlines() if l.startswith("> ")]
    got = [l[2:].strip() for l in trace.splitlines() if l.startswith("< ")]
    caps = " ".join(got).upper()
    upgrade = {"imap": "STARTTLS", "pop3": "STLS", "smtp": "STARTTLS", "ftp": "AUTH TLS"}[proto]
    if proto != "ftp" or any(c.upper() == "FEAT" for c in sent):  # curl sends AUTH without asking FEAT
        s.offered(upgrade in caps)
    # IMAP commands are tagged; curl's FTP upgrade is AUTH SSL first (vsftpd accepts it), AUTH TLS if refused
    verbs = [c.upper().split(" ", 1)[-1] if proto == "imap" else c.upper() for c in sent]
    if any(v.startswith(upgrade) or (proto == "ftp" and v.startswith("AUTH SSL")) for v in verbs):
        m = re.search(r"SSL connection using (TLSv[0-9.]+)", trace)
        s.d["starttls"].update(attempted=True, succeeded=bool(m))
        if m:
            s.d["transport"] = "starttls"
            s.d["tls_version"] = TLS_NAMES[m.group(1)]
    mech = None
    for c in sent:
        u = c.upper()
        if proto == "imap" and re.match(r"^\S+ AUTHENTICATE (\S+)", u):
            mech = "AUTH=" + re.match(r"^\S+ AUTHENTICATE (\S+)", u).group(1)
        elif proto == "imap" and re.match(r"^\S+ LOGIN ", u):
            mech = "LOGIN"
        elif proto in ("pop3", "smtp") and u.startswith("AUTH "):
            mech = "AUTH=" + u.split()[1]
        elif proto in ("pop3", "ftp") and u.startswith("USER "):
            mech = mech or "USER/PASS"
        elif proto == "pop3" and u.startswith("APOP "):
            mech = "APOP"
    expect(mech in EXPOSURE, f"curl used {mech!r}, which the truth cannot describe:\n{trace[-1500:]}")
    s.cred(mech, USER, expect_ok)
    return [s]


# ---------------------------------------------------------------------------------------------- IMAP

def imap_connect(s, host, port, implicit=False, ctx=None):
    if implicit:
        c = imaplib.IMAP4_SSL(host, port, ssl_context=ctx or tls_context(), timeout=TIMEOUT)
    else:
        c = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    s.bind(c.sock)
    if not implicit:           # imaplib always reads the greeting and sends CAPABILITY
        s.offered("STARTTLS" in c.capabilities)
    return c


def imap_login(s, c, password, expect_ok=True):
    try:
        typ, _ = c.login(USER, password)
        ok = typ == "OK"
    except imaplib.IMAP4.error:
        ok = False
    s.cred("LOGIN", USER, ok)
    expect(ok == expect_ok, f"LOGIN ok={ok}")


def imap_scenario(port, host=SRV4, password=PASS, starttls=False, implicit=False, ctx=None,
                  method="login", expect_ok=True, expect_caps=()):
    s = Session("imap", host, port, "implicit-tls" if implicit else "plaintext")
    c = imap_connect(s, host, port, implicit, ctx)
    for cap in expect_caps:
        expect(cap in c.capabilities, f"{cap} not in {c.capabilities}")
    if starttls:
        if "STARTTLS" in c.capabilities:
            typ, _ = c.starttls(ssl_context=ctx or tls_context())
            s.starttls(typ == "OK", c.sock)
        else:                  # not advertised: imaplib's starttls() would refuse, send it by hand
            try:
                typ, dat = c._simple_command("STARTTLS")
            except imaplib.IMAP4.error as e:
                typ = "BAD"
            s.starttls(False)
            expect(typ != "OK", "STARTTLS unexpectedly accepted")
    if method == "login":
        imap_login(s, c, password, expect_ok)
    elif method in ("AUTH=PLAIN", "AUTH=CRAM-MD5"):
        try:
            if method == "AUTH=PLAIN":
                typ, _ = c.authenticate("PLAIN", lambda _: f"\0{USER}\0{password}".encode())
            else:
                typ, _ = c.login_cram_md5(USER, password)
            ok = typ == "OK"
        except imaplib.IMAP4.error:
            ok = False
        s.cred(method, USER, ok)
        expect(ok == expect_ok, f"{method} ok={ok}")
    if c.state == "AUTH":
        typ, _ = c.select("INBOX", readonly=True)
        expect(typ == "OK", "SELECT INBOX failed")
    c.logout()
    return [s]


# ---------------------------------------------------------------------------------------------- POP3

def pop3_scenario(port, password=PASS, stls=False, implicit=False, ctx=None, capa=False,
                  method="user", expect_ok=True, expect_stls=True):
    s = Session("pop3", SRV4, port, "implicit-tls" if implicit else "plaintext")
    if implicit:
        c = poplib.POP3_SSL(SRV4, port, context=ctx or tls_context(), timeout=TIMEOUT)
    else:
        c = poplib.POP3(SRV4, port, timeout=TIMEOUT)
    s.bind(c.sock)
    caps = None
    if capa or stls:           # poplib's stls() itself sends CAPA first
        caps = c.capa()
        if not implicit:
            s.offered("STLS" in caps)
    if stls:
        if "STLS" in caps:
            c.stls(context=ctx or tls_context())
            s.starttls(True, c.sock)
        else:
            try:
                c._shortcmd("STLS")
                ok = True
            except poplib.error_proto:
                ok = False
            s.starttls(False)
            expect(not ok, "STLS unexpectedly accepted")
        expect(s.d["starttls"]["succeeded"] == expect_stls, "STLS outcome")
    try:
        if method == "AUTH=PLAIN":     # SASL with an initial response (RFC 5034); poplib has no AUTH
            c._shortcmd("AUTH PLAIN " + base64.b64encode(f"\0{USER}\0{password}".encode()).decode())
        elif method == "apop":
            expect(c.timestamp.search(c.welcome), "no APOP timestamp in the greeting")
            c.apop(USER, password)
        else:
            c.user(USER)
            c.pass_(password)
        ok = True
    except poplib.error_proto:
        ok = False
    s.cred({"apop": "APOP", "AUTH=PLAIN": "AUTH=PLAIN"}.get(method, "USER/PASS"), USER, ok)
    expect(ok == expect_ok, f"POP3 login ok={ok}")
    if ok:
        c.stat()
    c.quit()
    return [s]


# ----------------------------------------------------------------------------------------------- FTP

class Recording:
    """Mix-in for ftplib.FTP / FTP_TLS that records every data connection."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = super().ntransfercmd(cmd, rest)
        ip, port = conn.getpeername()[:2]
        ds = Session("ftp-data", ip, port,
                     "implicit-tls" if isinstance(conn, ssl.SSLSocket) else "plaintext")
        ds.bind(conn)
        ds.d.pop("credentials_inside_tls")
        self.data_sessions.append(ds)
        return conn, size


class RecFTP(Recording, ftplib.FTP):
    data_sessions = None


class RecFTP_TLS(Recording, ftplib.FTP_TLS):
    data_sessions = None


class RecFTP_ImplicitTLS(RecFTP_TLS):
    """FTPS on port 990: TLS from the first byte (ftplib only knows AUTH TLS)."""

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        self.host, self.port = host, port
        if timeout != -999:
            self.timeout = timeout
        self.sock = socket.create_connection((host, port), self.timeout)
        self.af = self.sock.family
        self.sock = self.context.wrap_socket(self.sock, server_hostname=host)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


def ftp_scenario(port=21, user=USER, password=PASS, feat=False, auth_tls=False, implicit=False,
                 expect_ok=True, transfers=("LIST", "RETR hello.txt"), ctx=None, expect_tls=True):
    s = Session("ftp", SRV4, port, "implicit-tls" if implicit else "plaintext")
    cls = RecFTP_ImplicitTLS if implicit else RecFTP_TLS if auth_tls else RecFTP
    kw = {"context": ctx or tls_context()} if (implicit or auth_tls) else {}
    c = cls(timeout=TIMEOUT, **kw)
    c.data_sessions = []
    c.connect(SRV4, port)
    s.bind(c.sock)
    if feat:
        resp = c.sendcmd("FEAT")
        if not implicit:
            s.offered(re.search(r"^\s*AUTH\b.*\bTLS\b", resp, re.M))
    if auth_tls:
        try:
            resp = c.auth()
        except ftplib.error_perm as e:      # refused (vsftpd without TLS: 530)
            resp = str(e)
        s.starttls(resp.startswith("234"), c.sock)
        expect(resp.startswith("234") == expect_tls, f"AUTH TLS answered {resp!r}")
    try:
        if isinstance(c, ftplib.FTP_TLS):   # secure=False: never let ftplib send AUTH TLS on its own
            c.login(user, password, secure=False)
        else:
            c.login(user, password)
        ok = True
    except ftplib.error_perm:
        ok = False
    s.cred("USER/PASS", user, ok)
    expect(ok == expect_ok, f"FTP login ok={ok}")
    if ok:
        if s.in_tls():
            c.prot_p()
        lines = []
        for t in transfers:
            if t == "LIST":
                c.retrlines("LIST", lines.append)
            else:
                c.retrbinary(t, lambda b: lines.append(b))
        expect(lines, "no data transferred")
    c.quit()
    sessions = [s] + c.data_sessions
    for ds in c.data_sessions:
        expect(ds.d["server"]["ip"] == SRV4, "data connection to an unexpected address")
    return sessions


# ------------------------------------------------------------------------------------------ catalogue

T12 = ssl.TLSVersion.TLSv1_2
T11 = ssl.TLSVersion.TLSv1_1
T10 = ssl.TLSVersion.TLSv1

# name: (client tool, description, function returning [Session])
SCENARIOS = {
    # SMTP (postfix, SASL through dovecot)
    "smtp-plain-auth-plain": ("python smtplib",
        "SMTP submission 587 without TLS: EHLO (STARTTLS offered, not used), AUTH PLAIN succeeds (235)",
        lambda: smtp_scenario(587, "PLAIN")),
    "smtp-auth-login": ("python smtplib",
        "SMTP port 25 without TLS: EHLO, AUTH LOGIN with the username as initial response, succeeds (235)",
        lambda: smtp_scenario(25, "LOGIN")),
    "smtp-auth-login-fail": ("swaks",
        "SMTP submission 587 without TLS: EHLO, AUTH LOGIN (username and password each after a 334), wrong password: 535",
        swaks_auth_login_fail),
    "smtp-cram-md5": ("python smtplib",
        "SMTP submission 587 without TLS: EHLO, AUTH CRAM-MD5 challenge-response succeeds (235)",
        lambda: smtp_scenario(587, "CRAM-MD5")),
    "smtp-plain-auth-fail": ("python smtplib",
        "SMTP port 25 without TLS: EHLO, AUTH PLAIN with a wrong password: 535",
        lambda: smtp_scenario(25, "PLAIN", password=BADPASS, expect_auth=False)),
    "smtp-starttls-then-auth": ("python smtplib",
        "SMTP submission 587: EHLO, STARTTLS (TLS 1.3), EHLO and AUTH PLAIN inside TLS (not visible)",
        lambda: smtp_scenario(587, "PLAIN", starttls=True)),
    "smtp-starttls-refused": ("python smtplib",
        "SMTP port 2525 (TLS disabled): EHLO without STARTTLS, client sends STARTTLS anyway, refused (502), then AUTH PLAIN in the clear succeeds",
        lambda: smtp_scenario(2525, "PLAIN", starttls=True, expect_starttls=False)),
    "smtp-starttls-not-offered": ("python smtplib",
        "SMTP port 2525 (TLS disabled): EHLO without STARTTLS, client does not try, AUTH LOGIN in the clear succeeds",
        lambda: smtp_scenario(2525, "LOGIN")),
    "smtp-starttls-no-handshake": ("python smtplib",
        "SMTP submission 587: EHLO, STARTTLS accepted (220), then the client closes without a TLS handshake",
        smtp_starttls_no_handshake),
    "smtps-465": ("python smtplib",
        "SMTPS 465 implicit TLS: EHLO and AUTH PLAIN inside TLS",
        lambda: smtp_scenario(465, "PLAIN", implicit=True)),
    "smtp-tls10": ("openssl s_client",
        "SMTP 587 STARTTLS forced to TLS 1.0 (openssl s_client -starttls smtp -tls1), then QUIT",
        lambda: openssl_starttls("smtp", 587, "-tls1", "TLS 1.0")),
    "smtp-tls11": ("openssl s_client",
        "SMTP 25 STARTTLS forced to TLS 1.1 (openssl s_client -starttls smtp -tls1_1), then QUIT",
        lambda: openssl_starttls("smtp", 25, "-tls1_1", "TLS 1.1")),
    "smtp-tls12": ("python smtplib",
        "SMTP 25 STARTTLS with TLS 1.2 at most, EHLO inside TLS, no AUTH",
        lambda: smtp_scenario(25, None, starttls=True, ctx=tls_context(maxv=T12))),
    "smtp-ipv6-auth-plain": ("python smtplib",
        "SMTP submission 587 over IPv6 without TLS: EHLO, AUTH PLAIN succeeds",
        lambda: smtp_scenario(587, "PLAIN", host=SRV6)),

    # IMAP (dovecot)
    "imap-login-plain": ("python imaplib",
        "IMAP 143 without TLS: greeting and CAPABILITY (STARTTLS offered), LOGIN with a quoted password succeeds, SELECT, LOGOUT",
        lambda: imap_scenario(143)),
    "imap-login-fail": ("python imaplib",
        "IMAP 143 without TLS: LOGIN with a wrong password: NO [AUTHENTICATIONFAILED]",
        lambda: imap_scenario(143, password=BADPASS, expect_ok=False)),
    "imap-authenticate-plain": ("python imaplib",
        "IMAP 143 without TLS: AUTHENTICATE PLAIN, base64 response after the + continuation, succeeds",
        lambda: imap_scenario(143, method="AUTH=PLAIN")),
    "imap-authenticate-cram-md5": ("python imaplib",
        "IMAP 143 without TLS: AUTHENTICATE CRAM-MD5 succeeds",
        lambda: imap_scenario(143, method="AUTH=CRAM-MD5")),
    "imap-starttls-then-login": ("python imaplib",
        "IMAP 143: STARTTLS (TLS 1.3), LOGIN inside TLS (not visible)",
        lambda: imap_scenario(143, starttls=True)),
    "imaps-993": ("python imaplib",
        "IMAPS 993 implicit TLS: LOGIN inside TLS",
        lambda: imap_scenario(993, implicit=True)),
    "imaps-993-tls10": ("python imaplib",
        "IMAPS 993 implicit TLS forced to TLS 1.0, LOGIN inside TLS",
        lambda: imap_scenario(993, implicit=True, ctx=tls_context(minv=T10, maxv=T10))),
    "imap-starttls-refused": ("python imaplib",
        "IMAP 1143 (dovecot with ssl=no): CAPABILITY without STARTTLS, client sends STARTTLS anyway, refused (BAD), then LOGIN in the clear succeeds",
        lambda: imap_scenario(1143, starttls=True)),
    "imap-logindisabled": ("python imaplib",
        "IMAP 2143 (disable_plaintext_auth=yes): CAPABILITY shows LOGINDISABLED and STARTTLS, client sends LOGIN in the clear anyway, rejected (NO)",
        lambda: imap_scenario(2143, expect_ok=False, expect_caps=("LOGINDISABLED", "STARTTLS"))),
    "imap-ipv6-login-plain": ("python imaplib",
        "IMAP 143 over IPv6 without TLS: LOGIN succeeds",
        lambda: imap_scenario(143, host=SRV6)),

    # POP3 (dovecot)
    "pop3-user-pass": ("python poplib",
        "POP3 110 without TLS, no CAPA: USER/PASS succeeds, STAT, QUIT",
        lambda: pop3_scenario(110)),
    "pop3-user-pass-fail": ("python poplib",
        "POP3 110 without TLS: CAPA (STLS offered), USER/PASS with a wrong password: -ERR",
        lambda: pop3_scenario(110, password=BADPASS, capa=True, expect_ok=False)),
    "pop3-auth-plain": ("python poplib",
        "POP3 110 without TLS: AUTH PLAIN with an initial response (SASL), succeeds",
        lambda: pop3_scenario(110, method="AUTH=PLAIN")),
    "pop3-stls-then-login": ("python poplib",
        "POP3 110: CAPA, STLS (TLS 1.3), USER/PASS inside TLS",
        lambda: pop3_scenario(110, stls=True)),
    "pop3-stls-tls11": ("python poplib",
        "POP3 110: CAPA, STLS forced to TLS 1.1, USER/PASS inside TLS",
        lambda: pop3_scenario(110, stls=True, ctx=tls_context(minv=T10, maxv=T11))),
    "pop3s-995": ("python poplib",
        "POP3S 995 implicit TLS: USER/PASS inside TLS",
        lambda: pop3_scenario(995, implicit=True)),
    "pop3-apop": ("python poplib",
        "POP3 110 without TLS: greeting with an APOP timestamp, APOP succeeds",
        lambda: pop3_scenario(110, method="apop")),
    "pop3-stls-refused": ("python poplib",
        "POP3 1110 (dovecot with ssl=no): CAPA without STLS, client sends STLS anyway, -ERR, then USER/PASS in the clear succeeds",
        lambda: pop3_scenario(1110, stls=True, expect_stls=False)),

    # FTP (vsftpd)
    "ftp-user-pass": ("python ftplib",
        "FTP 21 without TLS: FEAT (AUTH TLS offered), USER/PASS succeeds, PASV+LIST and PASV+RETR hello.txt in the clear",
        lambda: ftp_scenario(feat=True)),
    "ftp-anonymous": ("python ftplib",
        "FTP 21 without TLS: anonymous login (password anonymous@), PASV+RETR readme.txt in the clear",
        lambda: ftp_scenario(user="anonymous", password="anonymous@", transfers=("RETR readme.txt",))),
    "ftp-login-fail": ("python ftplib",
        "FTP 21 without TLS: USER/PASS with a wrong password: 530",
        lambda: ftp_scenario(password=BADPASS, expect_ok=False)),
    "ftp-auth-tls-then-login": ("python ftplib",
        "FTP 21: FEAT, AUTH TLS (234), USER/PASS inside TLS, PBSZ 0, PROT P, PASV+LIST over a TLS data connection",
        lambda: ftp_scenario(feat=True, auth_tls=True, transfers=("LIST",))),
    "ftp-auth-tls-refused": ("python ftplib",
        "FTP 2121 (vsftpd without TLS): FEAT without AUTH TLS, client sends AUTH TLS anyway, refused (530), then USER/PASS and PASV+LIST in the clear",
        lambda: ftp_scenario(port=2121, feat=True, auth_tls=True, expect_tls=False, transfers=("LIST",))),
    "imap-curl-login": ("curl",
        "IMAP 143: curl lists the mailboxes; it reads CAPABILITY and authenticates with the SASL mechanism it prefers, in the clear",
        lambda: curl_scenario("imap", 143)),
    "imap-curl-login-fail": ("curl",
        "IMAP 143: curl with a wrong password (exit 67), in the clear",
        lambda: curl_scenario("imap", 143, expect_ok=False)),
    "pop3-curl-stls": ("curl",
        "POP3 110: curl --ssl-reqd: CAPA, STLS, TLS, then the login inside TLS and LIST",
        lambda: curl_scenario("pop3", 110, ssl_reqd=True)),
    "smtp-curl-auth": ("curl",
        "SMTP 587: curl sends a message after AUTH with the mechanism it prefers, without STARTTLS although offered",
        lambda: curl_scenario("smtp", 587, extra=("--mail-from", "labuser@lab.test", "--mail-rcpt", "postmaster@lab.test",
                                                  "-T", "/dev/null"))),
    "ftp-curl-auth-tls": ("curl",
        "FTP 21: curl --ssl-reqd -I: AUTH TLS, then USER/PASS, SIZE and MDTM of hello.txt inside TLS (no data connection)",
        lambda: curl_scenario("ftp", 21, url_path="hello.txt", ssl_reqd=True, extra=("-I",))),
    "ftps-990-implicit": ("python ftplib",
        "FTPS 990 implicit TLS: USER/PASS inside TLS, PROT P, PASV+RETR hello.txt over a TLS data connection",
        lambda: ftp_scenario(port=990, implicit=True, transfers=("RETR hello.txt",))),
}


def run(name, truth_path):
    tool, description, fn = SCENARIOS[name]
    sessions = fn()
    truth = {
        "capture": f"{name}.pcap",
        "scenario": description,
        "name": name,
        "client_tool": tool,
        "sessions": [s.d for s in sessions],
    }
    tmp = truth_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    os.replace(tmp, truth_path)
    print(json.dumps(truth, indent=2))


def connections(pcap):
    """(client ip, client port, server ip, server port) of every SYN in the capture, in order."""
    # (no BPF on the flags: tcp[tcpflags] does not work for IPv6)
    out = subprocess.run(["tcpdump", "-nn", "-r", pcap, "tcp"],
                         capture_output=True, text=True, check=True).stdout
    conns = []
    for line in out.splitlines():
        m = re.search(r" IP6? (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[S\],", line)
        if m:
            c = (m.group(1), int(m.group(2)), m.group(3), int(m.group(4)))
            if c not in conns:               # a retransmitted SYN is the same connection
                conns.append(c)
    return conns


def finish(truth_path, pcap):
    """Check the truth against the capture's TCP connections; fill client ports the tool did not tell."""
    with open(truth_path) as f:
        truth = json.load(f)
    conns = connections(pcap)
    sessions = truth["sessions"]
    expect(len(conns) == len(sessions),
           f"{pcap}: {len(conns)} TCP connections in the capture, {len(sessions)} sessions in the truth")
    for s, (cip, cport, sip, sport) in zip(sessions, conns):
        expect((s["server"]["ip"], s["server"]["port"]) == (sip, sport),
               f"{pcap}: connection to {sip}:{sport}, truth says {s['server']}")
        expect(s["client"]["ip"] == cip, f"{pcap}: client {cip}, truth says {s['client']['ip']}")
        if s["client"]["port"] is None:
            s["client"]["port"] = cport
        expect(s["client"]["port"] == cport, f"{pcap}: client port {cport}, truth says {s['client']['port']}")
    tmp = truth_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    os.replace(tmp, truth_path)


def main(argv):
    if len(argv) == 4 and argv[1] == "finish":
        finish(argv[2], argv[3])
        return 0
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(SCENARIOS))
        return 0
    if len(argv) == 4 and argv[1] == "run" and argv[2] in SCENARIOS:
        run(argv[2], argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
