#!/usr/bin/python3
"""relaylab auth check end to end: zones served by `relaylab dns`, a message signed by dkimpy
(a verifier and signer nobody here wrote), verdicts read from --json."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import skip  # noqa: E402  tests/lib/skip.py: exit 77 when a peer is absent, a failure with CI=true

try:
    import dkim  # Debian python3-dkim
except ImportError as e:
    skip.exit_missing("/usr/bin/python3 cannot import dkim (%s; Debian package python3-dkim)" % e)

RELAYLAB = None

MESSAGE = (b"From: Alice <alice@example.test>\r\nTo: bob@example.net\r\n"
           b"Subject: hello\r\nDate: Thu, 26 Nov 2026 23:00:00 +0000\r\n"
           b"Message-ID: <1@example.test>\r\n\r\nHello Bob.\r\n")


def run(*args, timeout=30):
    return subprocess.run([RELAYLAB, *args], capture_output=True, timeout=timeout, check=False)


class AuthCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        key = os.path.join(d, "s1.pem")
        keygen = run("dkim", "keygen", "--type", "rsa", "--bits", "2048", "--selector", "s1",
                     "--domain", "example.test", "--out", key)
        assert keygen.returncode == 0, keygen.stderr
        record = keygen.stdout.decode().strip().replace("s1._domainkey.example.test. ", "s1._domainkey ")
        zone = os.path.join(d, "example.test.zone")
        with open(zone, "w") as f:
            f.write("$ORIGIN example.test.\n$TTL 300\n"
                    "@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300\n"
                    "@ IN NS ns.example.test.\nns IN A 127.0.0.1\n"
                    '@ IN TXT "v=spf1 ip4:127.0.0.0/8 -all"\n'
                    '_dmarc IN TXT "v=DMARC1; p=reject; adkim=s"\n' + record + "\n")
        with open(key, "rb") as f:
            signature = dkim.sign(MESSAGE, b"s1", b"example.test", f.read(),
                                  canonicalize=(b"relaxed", b"relaxed"),
                                  include_headers=[b"from", b"to", b"subject", b"date"])
        cls.signed = os.path.join(d, "signed.eml")
        with open(cls.signed, "wb") as f:
            f.write(signature + MESSAGE)
        cls.unsigned = os.path.join(d, "unsigned.eml")
        with open(cls.unsigned, "wb") as f:
            f.write(MESSAGE)
        cls.dns = subprocess.Popen([RELAYLAB, "dns", "--zone", zone, "--listen", "127.0.0.1:0",
                                    "--duration", "60"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        line = cls.dns.stdout.readline().decode()
        assert "listening on" in line, line
        cls.dns_address = line.split("listening on ")[1].split()[0]

    @classmethod
    def tearDownClass(cls):
        cls.dns.terminate()
        cls.dns.wait(timeout=10)
        cls.dir.cleanup()

    def check(self, message, ip):
        result = run("auth", "check", message, "--ip", ip, "--helo", "mx.example.test",
                     "--mail-from", "alice@example.test", "--dns", self.dns_address, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_signed_from_allowed_ip_passes_everything(self):
        verdicts = self.check(self.signed, "127.0.0.1")
        self.assertEqual(verdicts["spf"]["result"], "pass")
        self.assertEqual(len(verdicts["dkim"]), 1)
        self.assertEqual(verdicts["dkim"][0]["result"], "pass", verdicts["dkim"][0]["reason"])
        self.assertEqual(verdicts["dkim"][0]["domain"], "example.test")
        self.assertEqual(verdicts["dmarc"]["result"], "pass")
        self.assertEqual(verdicts["arc"]["result"], "none")

    def test_unsigned_from_foreign_ip_fails_dmarc_with_reject(self):
        verdicts = self.check(self.unsigned, "192.0.2.7")
        self.assertEqual(verdicts["spf"]["result"], "fail")
        self.assertEqual(verdicts["dkim"], [])
        self.assertEqual(verdicts["dmarc"]["result"], "fail")
        self.assertEqual(verdicts["dmarc"]["policy"], "reject")

    def test_tampered_body_fails_dkim_but_spf_still_aligns(self):
        tampered = os.path.join(self.dir.name, "tampered.eml")
        with open(self.signed, "rb") as f:
            data = f.read().replace(b"Hello Bob.", b"Hello Eve.")
        with open(tampered, "wb") as f:
            f.write(data)
        verdicts = self.check(tampered, "127.0.0.1")
        self.assertEqual(verdicts["dkim"][0]["result"], "fail")
        self.assertIn("body hash", verdicts["dkim"][0]["reason"])
        self.assertEqual(verdicts["dmarc"]["result"], "pass")  # relaxed SPF alignment

    def test_missing_options_are_usage_errors(self):
        result = run("auth", "check", self.signed, "--ip", "127.0.0.1")
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"--helo is required", result.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--relaylab", required=True)
    args, rest = parser.parse_known_args()
    RELAYLAB = args.relaylab
    skip.run_tests([sys.argv[0], *rest])
