"""TLS variants of `relaylab fake-mx` hosts (behaviour "tls": certificate valid, self-signed,
expired, wrong-host; versions 1.2 / 1.3; broken_starttls) checked with openssl s_client
-starttls smtp and with `relaylab send --starttls`. One fake-mx process runs one host per
variant, each with its own behaviour file (--behaviour NAME=FILE), and a test CA (--tls-ca-dir).

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import json
import os
import re
import shutil
import tempfile
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, run_peer, skip_without, write_json

OPENSSL = "/usr/bin/openssl"

VARIANTS = {
    "valid.mx.test": {"certificate": "valid"},
    "selfsigned.mx.test": {"certificate": "self-signed"},
    "expired.mx.test": {"certificate": "expired"},
    "wronghost.mx.test": {"certificate": "wrong-host"},
    "tls12.mx.test": {"certificate": "valid", "versions": "1.2"},
    "tls13.mx.test": {"certificate": "valid", "versions": "1.3"},
    "broken.mx.test": {"certificate": "valid", "broken_starttls": True},
    "none.mx.test": {"certificate": "none"},
}


class FakeMxTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        skip_without(cls, OPENSSL)
        cls.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-tls-")
        cls.ca_dir = os.path.join(cls.tmp, "ca")
        cls.ca_file = os.path.join(cls.ca_dir, "ca.pem")
        args = []
        for name, tls in VARIANTS.items():
            path = write_json(cls.tmp, name + ".json", {"hostname": name, "tls": tls})
            args += ["--behaviour", "%s=%s" % (name, path)]
        cls.mx = FakeMx(*args, "--tls-ca-dir", cls.ca_dir, hosts=list(VARIANTS))
        try:
            cls.mx.__enter__()
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.mx.__exit__(None, None, None)
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def s_client(self, name, *extra):
        return run_peer([OPENSSL, "s_client", "-starttls", "smtp",
                         "-connect", "127.0.0.1:%d" % self.mx.ports[name], "-servername", name,
                         "-verify_return_error", "-CAfile", self.ca_file,
                         "-verify_hostname", name, "-crlf", "-ign_eof", *extra],
                        input_bytes=b"QUIT\n", timeout=30)

    def send(self, name, *extra):
        rc, out = run_peer([fakemx_proc.relaylab(), "send", "--server",
                            "127.0.0.1:%d" % self.mx.ports[name], "--count", "1",
                            "--concurrency", "1", "--starttls", "--tls-ca", self.ca_file,
                            "--tls-servername", name, "--timeout", "10", "--json", *extra])
        lines = [l for l in out.splitlines() if l.startswith("{")]
        self.assertTrue(lines, "relaylab send printed no JSON:\n" + out)
        return rc, json.loads(lines[-1]), out

    def host_messages(self, name):
        return self.mx.messages("?host=" + name)["total"]

    def test_ca_file_created(self):
        self.assertTrue(os.path.isfile(self.ca_file))

    def test_valid(self):
        name = "valid.mx.test"
        rc, out = self.s_client(name)
        self.assertEqual(rc, 0, out)
        self.assertIn("Verify return code: 0 (ok)", out)
        self.assertRegex(out, r"subject=CN ?= ?valid\.mx\.test", out)
        rc, summary, out = self.send(name)
        self.assertEqual(rc, 0, out)
        self.assertEqual(summary["sent"], 1, out)
        listing = self.mx.messages("?host=" + name)
        self.assertEqual(listing["total"], 1, listing)
        self.assertEqual(listing["messages"][0]["tls"]["sni"], name, listing)

    def assert_refused(self, name, openssl_reason):
        rc, out = self.s_client(name)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, openssl_reason, out)
        self.assertNotRegex(out, r"(?m)^250[- ]", "a session went on after a failed verify")
        rc, summary, out = self.send(name)
        self.assertEqual(rc, 1, out)
        self.assertEqual(summary["sent"], 0, out)
        self.assertEqual(summary["failed"], {"tls": 1}, out)
        self.assertIn("TLS handshake failed", summary.get("first_error", ""), out)
        self.assertEqual(self.host_messages(name), 0)
        return summary

    def test_self_signed(self):
        s = self.assert_refused("selfsigned.mx.test", r"self[- ]signed certificate")
        self.assertIn("self-signed certificate", s["first_error"])

    def test_expired(self):
        s = self.assert_refused("expired.mx.test", r"certificate has expired")
        self.assertIn("certificate expired", s["first_error"])

    def test_wrong_host(self):
        s = self.assert_refused("wronghost.mx.test", r"hostname mismatch")
        self.assertIn("host name mismatch", s["first_error"])

    def test_broken_starttls(self):
        name = "broken.mx.test"
        rc, out = self.s_client(name)
        self.assertNotEqual(rc, 0, out)
        # STARTTLS was advertised and answered 220, then the handshake failed.
        self.assertRegex(out, r"alert handshake failure|handshake failure", out)
        rc, summary, out = self.send(name)
        self.assertEqual(rc, 1, out)
        self.assertEqual(summary["failed"], {"tls": 1}, out)
        self.assertIn("TLS handshake failed: handshake failure", summary.get("first_error", ""))
        self.assertEqual(self.host_messages(name), 0)

    def assert_only(self, name, refused_flag, wanted_flag, protocol):
        rc, out = self.s_client(name, refused_flag)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"protocol version|unsupported protocol|no protocols", out)
        rc, out = self.s_client(name, wanted_flag)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"(?m)^New, %s, Cipher is " % re.escape(protocol), out)
        rc, summary, out = self.send(name)
        self.assertEqual(rc, 0, out)
        self.assertEqual(summary["tls"], {protocol: 1}, out)
        listing = self.mx.messages("?host=" + name)
        self.assertEqual(listing["messages"][0]["tls"]["version"], protocol, listing)

    def test_tls12_only(self):
        self.assert_only("tls12.mx.test", "-tls1_3", "-tls1_2", "TLSv1.2")

    def test_tls13_only(self):
        self.assert_only("tls13.mx.test", "-tls1_2", "-tls1_3", "TLSv1.3")

    def test_no_certificate_no_starttls(self):
        name = "none.mx.test"
        rc, out = self.s_client(name)
        self.assertNotEqual(rc, 0, out)
        self.assertRegex(out, r"(?i)STARTTLS", out)
        rc, summary, out = self.send(name)
        self.assertNotEqual(rc, 0, out)
        self.assertEqual(summary["sent"], 0, out)


if __name__ == "__main__":
    main()
