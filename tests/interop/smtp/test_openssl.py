"""openssl s_client (OpenSSL 3) against `relaylab sink`: STARTTLS (RFC 3207), implicit TLS
(RFC 8314), and a server that does not offer STARTTLS."""

import re
import smtplib
import unittest

from relaylab_proc import SOCKET_TIMEOUT, Sink, main, require_tool, run_peer

OPENSSL = "/usr/bin/openssl"
SNI = "relaylab.test"


def s_client(port, *extra, commands=b"EHLO client.test\nQUIT\n"):
    # -crlf: our LF-terminated commands go out as CRLF; -ign_eof: keep reading after stdin
    # ends, so the transcript holds the server's replies up to its close after QUIT.
    return run_peer([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", SNI,
                     "-crlf", "-ign_eof", *extra], input_bytes=commands, timeout=30)


class OpensslClient(unittest.TestCase):
    def setUp(self):
        require_tool(self, OPENSSL)

    def assert_handshake(self, out):
        m = re.search(r"^New, (TLSv1\.[23]), Cipher is (\S+)$", out, re.M)
        self.assertIsNotNone(m, "no negotiated protocol/cipher in:\n" + out)
        self.assertNotEqual(m.group(2), "(NONE)", out)
        # The generated certificate names the sink's hostname.
        self.assertRegex(out, r"subject=CN ?= ?relaylab\.test", out)
        # After the handshake the session works: EHLO inside TLS, then QUIT.
        self.assertRegex(out, r"(?m)^250[- ]relaylab\.test", out)
        self.assertRegex(out, r"(?m)^221 2\.0\.0 ", out)
        return m.group(1), m.group(2)

    def test_starttls(self):
        with Sink("--starttls") as sink:
            rc, out = s_client(sink.port, "-starttls", "smtp")
            self.assertEqual(rc, 0, out)
            self.assert_handshake(out)
            # RFC 3207 4.2: the EHLO reply inside TLS no longer offers STARTTLS. s_client
            # prints only replies read after the handshake, from "New, ..." on.
            after = out[out.index("\nNew, "):]
            self.assertNotRegex(after, r"(?m)^250[- ]STARTTLS", out)
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 0, counts)
            self.assertEqual(counts["connections"], 1, counts)

    def test_starttls_tls12(self):
        with Sink("--starttls") as sink:
            rc, out = s_client(sink.port, "-starttls", "smtp", "-tls1_2")
            self.assertEqual(rc, 0, out)
            protocol, _ = self.assert_handshake(out)
            self.assertEqual(protocol, "TLSv1.2")

    def test_implicit_tls(self):
        with Sink(tls_listen=True) as sink:
            rc, out = s_client(sink.tls_port)
            self.assertEqual(rc, 0, out)
            self.assert_handshake(out)
            # RFC 8314 3: the greeting comes inside TLS.
            self.assertRegex(out, r"(?m)^220 relaylab\.test ", out)
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 0, counts)

    def test_tls_below_1_2_refused(self):
        # OpenSSL 3 at security level 0 can still offer TLS 1.1; the sink sets 1.2 as minimum.
        with Sink(tls_listen=True) as sink:
            rc, out = s_client(sink.tls_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
            self.assertNotEqual(rc, 0, out)
            self.assertNotRegex(out, r"(?m)^New, TLSv1(\.1)?, Cipher is [A-Z]", out)
            self.assertTrue(sink.alive())
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 1, counts)

    def test_starttls_not_offered(self):
        with Sink() as sink:
            rc, out = s_client(sink.port, "-starttls", "smtp", commands=b"QUIT\n")
            self.assertNotEqual(rc, 0, out)
            self.assertIn("Didn't find STARTTLS in server response", out)
            self.assertRegex(out, r"New, \(NONE\), Cipher is \(NONE\)", out)
            # The sink refused STARTTLS and stays up for the next client.
            self.assertTrue(sink.alive(), "sink died")
            with smtplib.SMTP("127.0.0.1", sink.port, timeout=SOCKET_TIMEOUT) as smtp:
                self.assertEqual(smtp.sendmail("a@client.test", ["b@example.test"],
                                               b"Subject: after\r\n\r\nx\r\n"), {})
            counts = sink.stop()
            self.assertEqual(counts["messages"], 1, counts)
            self.assertEqual(counts["connections"], 2, counts)


if __name__ == "__main__":
    main()
