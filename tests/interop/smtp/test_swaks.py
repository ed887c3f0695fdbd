"""swaks (Debian's swaks, Perl, Net::SSLeay for TLS) against `relaylab sink`.

Each case checks what swaks saw (exit code, transcript) and what the sink counted, so a sink
that answers 250 but loses the message, or counts a message it refused, fails.
"""

import re
import unittest

from relaylab_proc import Sink, main, require_tool, run_peer

SWAKS = "/usr/bin/swaks"
USER = "alice"
PASSWORD = "s3cret-pass"


def swaks(port, *extra):
    args = [SWAKS, "--server", "127.0.0.1", "--port", str(port), "--from", "sender@client.test",
            "--to", "rcpt@example.test", "--helo", "client.test", "--timeout", "10"]
    return run_peer(args + list(extra))


def ehlo_keywords(transcript):
    """The EHLO keywords of each EHLO reply in a swaks transcript (one list per EHLO)."""
    replies = []
    current = None
    for line in transcript.splitlines():
        # swaks prints server lines as "<-  250-..." (plain) or "<~  250-..." (inside TLS).
        m = re.match(r"^<[-~]\s+250([- ])(.*)$", line)
        if m and current is not None:
            current.append(m.group(2).split(" ")[0].upper())
            if m.group(1) == " ":
                replies.append(current)
                current = None
            continue
        if re.match(r"^\s*[-~]>\s+EHLO\b", line):
            current = []
    return replies


class SwaksToSink(unittest.TestCase):
    def setUp(self):
        require_tool(self, SWAKS)

    def assert_delivered(self, sink, rc, out, expected=1):
        self.assertEqual(rc, 0, "swaks failed:\n" + out)
        self.assertRegex(out, r"<[-~]\s+250 2\.0\.0 Ok: queued as ", out)
        counts = sink.stop()
        self.assertEqual(counts["messages"], expected, counts)
        self.assertEqual(counts["connections"], 1, counts)

    def test_plain(self):
        with Sink() as sink:
            rc, out = swaks(sink.port)
            self.assert_delivered(sink, rc, out)
            self.assertGreater(sink.counts["bytes"], 100, sink.counts)

    def test_pipeline(self):
        with Sink() as sink:
            rc, out = swaks(sink.port, "--pipeline")
            # swaks refuses --pipeline when PIPELINING is not advertised, so rc 0 proves both.
            self.assertNotIn("does not support PIPELINING", out)
            self.assert_delivered(sink, rc, out)

    def test_starttls(self):
        with Sink("--starttls") as sink:
            rc, out = swaks(sink.port, "--tls")
            self.assertIn("TLS started", out)
            # The transaction after the handshake is shown with "~>" (inside TLS).
            self.assertRegex(out, r"~>\s+MAIL FROM:<sender@client\.test>")
            self.assert_delivered(sink, rc, out)
            self.assertEqual(sink.counts["tls_failures"], 0)

    def test_starttls_not_offered_without_option(self):
        with Sink() as sink:
            rc, out = swaks(sink.port, "--tls")
            self.assertNotEqual(rc, 0, "swaks --tls succeeded without STARTTLS:\n" + out)
            self.assertNotIn("STARTTLS", ehlo_keywords(out)[0], out)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 0, counts)

    def test_implicit_tls(self):
        with Sink(tls_listen=True) as sink:
            rc, out = run_peer([SWAKS, "--server", "127.0.0.1", "--port", str(sink.tls_port),
                                "--from", "sender@client.test", "--to", "rcpt@example.test",
                                "--helo", "client.test", "--timeout", "10", "--tlsc"])
            self.assertIn("TLS started", out)
            self.assertRegex(out, r"<~\s+220 ", out)  # the greeting came inside TLS
            self.assert_delivered(sink, rc, out)

    def auth_sink(self, *extra):
        return Sink("--starttls", "--auth", USER + ":" + PASSWORD, *extra)

    def test_auth_plain_after_starttls(self):
        with self.auth_sink() as sink:
            rc, out = swaks(sink.port, "--tls", "--auth", "PLAIN", "--auth-user", USER,
                            "--auth-password", PASSWORD)
            self.assertRegex(out, r"<~\s+235 ")
            self.assert_delivered(sink, rc, out)

    def test_auth_login_after_starttls(self):
        with self.auth_sink() as sink:
            rc, out = swaks(sink.port, "--tls", "--auth", "LOGIN", "--auth-user", USER,
                            "--auth-password", PASSWORD)
            self.assertRegex(out, r"~>\s+AUTH LOGIN")
            self.assertRegex(out, r"<~\s+235 ")
            self.assert_delivered(sink, rc, out)

    def check_wrong_password(self, mechanism):
        with self.auth_sink() as sink:
            rc, out = swaks(sink.port, "--tls", "--auth", mechanism, "--auth-user", USER,
                            "--auth-password", "wrong-" + PASSWORD)
            self.assertNotEqual(rc, 0, "wrong password accepted:\n" + out)
            self.assertRegex(out, r"<~\*?\s+535 5\.7\.8 ", out)
            self.assertNotRegex(out, r"~>\s+MAIL FROM", out)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 0, counts)

    def test_auth_plain_wrong_password(self):
        self.check_wrong_password("PLAIN")

    def test_auth_login_wrong_password(self):
        self.check_wrong_password("LOGIN")

    def test_auth_not_offered_before_tls(self):
        with self.auth_sink() as sink:
            rc, out = swaks(sink.port, "--quit-after", "EHLO")
            self.assertEqual(rc, 0, out)
            keywords = ehlo_keywords(out)
            self.assertEqual(len(keywords), 1, out)
            self.assertIn("STARTTLS", keywords[0], out)
            self.assertNotIn("AUTH", keywords[0], out)
            # swaks insists on AUTH when asked for it: without TLS it must give up.
            rc, out = swaks(sink.port, "--auth", "PLAIN", "--auth-user", USER,
                            "--auth-password", PASSWORD)
            self.assertNotEqual(rc, 0, "AUTH worked before TLS:\n" + out)
            self.assertNotRegex(out, r"<-\s+235 ", out)
            # After STARTTLS the same sink offers it.
            rc, out = swaks(sink.port, "--tls", "--quit-after", "EHLO")
            keywords = ehlo_keywords(out)
            self.assertEqual(len(keywords), 2, out)
            self.assertIn("AUTH", keywords[1], out)
            self.assertRegex(out, r"<~\s+250[- ]AUTH PLAIN LOGIN", out)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 0, counts)

    def test_auth_without_tls_option(self):
        with self.auth_sink("--auth-without-tls") as sink:
            rc, out = swaks(sink.port, "--auth", "PLAIN", "--auth-user", USER,
                            "--auth-password", PASSWORD)
            self.assertRegex(out, r"<-\s+235 ")
            self.assert_delivered(sink, rc, out)


if __name__ == "__main__":
    main()
