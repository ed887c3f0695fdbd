"""openssl s_client and `relaylab send` against `relaylab sink` presenting each TLS variant a
fake MX can have: a certificate from relaylab's test CA, self-signed, expired, for the wrong
host, TLS 1.2 only, TLS 1.3 only, and STARTTLS that is advertised but whose handshake fails.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import json
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "interop", "smtp"))
import relaylab_proc  # noqa: E402
from relaylab_proc import Sink, main, require_tool, run_peer  # noqa: E402

OPENSSL = "/usr/bin/openssl"
MX = "mx.tls.test"


class TlsVariants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_dir = tempfile.mkdtemp(prefix="relaylab-tls-ca-")
        cls.ca_file = os.path.join(cls.ca_dir, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.ca_dir, ignore_errors=True)

    def setUp(self):
        require_tool(self, OPENSSL)

    def sink(self, *extra):
        return Sink("--hostname", MX, "--tls-ca-dir", self.ca_dir, *extra)

    def s_client(self, port, *extra):
        # -verify_return_error: a failed verification ends the handshake (as a careful MTA
        # does) instead of being printed and ignored.
        return run_peer([OPENSSL, "s_client", "-starttls", "smtp",
                         "-connect", "127.0.0.1:%d" % port, "-servername", MX,
                         "-verify_return_error", "-CAfile", self.ca_file,
                         "-verify_hostname", MX, "-crlf", "-ign_eof", *extra],
                        input_bytes=b"QUIT\n", timeout=30)

    def send(self, port, *extra, servername=MX, verify=True):
        tls = ["--tls-ca", self.ca_file, "--tls-servername", servername] if verify else []
        rc, out = run_peer([relaylab_proc.RELAYLAB, "send", "--server", "127.0.0.1:%d" % port,
                            "--count", "1", "--concurrency", "1", "--starttls", *tls,
                            "--timeout", "10", "--json", *extra])
        lines = [l for l in out.splitlines() if l.startswith("{")]
        self.assertTrue(lines, "relaylab send printed no JSON:\n" + out)
        return rc, json.loads(lines[-1]), out

    def assert_verify_fails(self, variant, openssl_reason, relaylab_reason):
        with self.sink("--tls-variant", variant) as sink:
            rc, out = self.s_client(sink.port)
            self.assertNotEqual(rc, 0, out)
            self.assertRegex(out, openssl_reason, out)
            self.assertNotRegex(out, r"(?m)^250[- ]", "a session went on after a failed verify")
            rc, summary, out = self.send(sink.port)
            self.assertEqual(summary["sent"], 0, out)
            self.assertIn("TLS handshake failed: " + relaylab_reason,
                          summary.get("first_error", ""), out)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 0, counts)
            # Each refusing client shows up as one failed handshake on the server.
            self.assertEqual(counts["tls_failures"], 2, counts)

    def test_valid_certificate_from_the_test_ca(self):
        with self.sink("--tls-variant", "valid") as sink:
            self.assertTrue(os.path.exists(self.ca_file), "the sink did not create DIR/ca.pem")
            rc, out = self.s_client(sink.port)
            self.assertEqual(rc, 0, out)
            self.assertIn("Verify return code: 0 (ok)", out)
            self.assertRegex(out, r"issuer=CN ?= ?relaylab test CA", out)
            rc, summary, out = self.send(sink.port)
            self.assertEqual(rc, 0, out)
            self.assertEqual(summary["sent"], 1, out)
            # By address: the certificate also names 127.0.0.1.
            rc, summary, out = self.send(sink.port, servername="127.0.0.1")
            self.assertEqual(rc, 0, out)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 2, counts)
            self.assertEqual(counts["tls_failures"], 0, counts)

    def test_expired(self):
        self.assert_verify_fails("expired", r"certificate has expired",
                                 "certificate expired")

    def test_wrong_host(self):
        self.assert_verify_fails("wrong-host", r"hostname mismatch", "host name mismatch")

    def test_self_signed(self):
        self.assert_verify_fails("self-signed", r"self[- ]signed certificate",
                                 "self-signed certificate")

    def assert_versions(self, only, refused_flag, wanted_flag, wanted_protocol):
        with self.sink("--tls-versions", only) as sink:
            rc, out = self.s_client(sink.port, refused_flag)
            self.assertNotEqual(rc, 0, out)
            self.assertRegex(out, r"protocol version|unsupported protocol|no protocols", out)
            rc, out = self.s_client(sink.port, wanted_flag)
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"(?m)^New, %s, Cipher is " % re.escape(wanted_protocol), out)
            refused_version = "1.3" if refused_flag == "-tls1_3" else "1.2"
            rc, summary, out = self.send(sink.port, "--tls-versions", refused_version)
            self.assertEqual(summary["sent"], 0, out)
            self.assertIn("TLS handshake failed: no TLS protocol version in common",
                          summary.get("first_error", ""), out)
            rc, summary, out = self.send(sink.port)
            self.assertEqual(rc, 0, out)
            self.assertEqual(summary["tls"], {wanted_protocol: 1}, out)

    def test_tls12_only(self):
        self.assert_versions("1.2", "-tls1_3", "-tls1_2", "TLSv1.2")

    def test_tls13_only(self):
        self.assert_versions("1.3", "-tls1_2", "-tls1_3", "TLSv1.3")

    def test_broken_starttls(self):
        with Sink("--broken-starttls") as sink:
            rc, out = run_peer([OPENSSL, "s_client", "-starttls", "smtp",
                                "-connect", "127.0.0.1:%d" % sink.port, "-crlf", "-ign_eof"],
                               input_bytes=b"QUIT\n", timeout=30)
            self.assertNotEqual(rc, 0, out)
            self.assertRegex(out, r"alert handshake failure", out)
            rc, summary, out = self.send(sink.port, verify=False)
            self.assertEqual(summary["sent"], 0, out)
            self.assertIn("TLS handshake failed: handshake failure",
                          summary.get("first_error", ""), out)
            self.assertTrue(sink.alive())
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 2, counts)
            self.assertEqual(counts["messages"], 0, counts)

    def test_send_exit_code_after_tls_failure(self):
        """A session that dies in the TLS handshake counts its message as failed ("tls"), so
        `relaylab send` exits 1 instead of reporting nothing sent and nothing failed."""
        with self.sink("--tls-variant", "expired") as sink:
            rc, summary, out = self.send(sink.port)
            self.assertEqual(summary["failed"], {"tls": 1}, out)
            self.assertEqual(rc, 1, out)

    def test_bad_option_values(self):
        for args, message in [
                (["--tls-variant", "expried"], "is not valid, self-signed, expired or wrong-host"),
                (["--tls-variant", "expired"], "needs --tls-ca-dir"),
                (["--tls-versions", "1.1", "--starttls"], "is not any, 1.2 or 1.3")]:
            rc, out = run_peer([relaylab_proc.RELAYLAB, "sink", "--listen", "127.0.0.1:0",
                                *args], timeout=30)
            self.assertEqual(rc, 2, out)
            self.assertIn(message, out)


if __name__ == "__main__":
    main()
