#!/usr/bin/python3
"""relaylab auth check end to end: zones served by `relaylab dns`, a message signed by dkimpy
(a verifier and signer nobody here wrote), verdicts read from --json. Also README's example as
written (the shipped quickstart zone with its TEST KEY from scenarios/keys/), and the exit
codes of bad input to `auth check` and `dkim sign --identity`.

dkimpy missing: exit 77 (ctest skip) with the reason, a failure when CI=true."""
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
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
QUICKSTART_ZONE = os.path.join(ROOT, "scenarios", "zones", "example.test.zone")
QUICKSTART_KEY = os.path.join(ROOT, "scenarios", "keys", "quickstart.example.test.pem")

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

    def test_ip_that_is_no_address_is_a_usage_error(self):
        for ip in ("999.1.1.1", "127.0.0.01", "mx.example.test", "2001:db8::g", ""):
            result = run("auth", "check", self.signed, "--ip", ip, "--helo", "mx.example.test",
                         "--mail-from", "alice@example.test", "--dns", self.dns_address)
            self.assertEqual(result.returncode, 2, (ip, result.stdout, result.stderr))
            self.assertIn(b"--ip", result.stderr)
            self.assertEqual(result.stdout, b"", ip)
        for ip in ("::1", "2001:db8::25"):  # IPv6 is an address too (SPF fail, but exit 0)
            self.assertEqual(self.check(self.signed, ip)["spf"]["result"], "fail")


class Usage(unittest.TestCase):
    def test_auth_help_prints_usage_once(self):
        result = run("auth", "--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.count(b"usage:"), 1, result.stdout)
        self.assertIn(b"usage: relaylab auth check MESSAGE.eml", result.stdout)
        bare = run("auth")
        self.assertEqual(bare.returncode, 2)
        self.assertEqual((bare.stdout + bare.stderr).count(b"usage:"), 1)

    def test_dkim_sign_identity_must_be_an_address_in_d(self):
        with tempfile.TemporaryDirectory() as d:
            message = os.path.join(d, "msg.eml")
            with open(message, "wb") as f:
                f.write(MESSAGE)
            sign = ["dkim", "sign", message, "--key", QUICKSTART_KEY, "--selector", "quickstart",
                    "--domain", "example.test", "--identity"]
            for bad in ("bob@example.org", "bob@notexample.test", "bob", "bob@", "@",
                        "bob@exa mple.test", "bob@example.test;x=1", "bob@-x.example.test"):
                result = run(*sign, bad)
                self.assertEqual(result.returncode, 2, (bad, result.stderr))
                self.assertIn(b"--identity", result.stderr)
                self.assertEqual(result.stdout, b"", bad)
            for good in ("bob@example.test", "@example.test", "bob@news.Example.TEST"):
                result = run(*sign, good)
                self.assertEqual(result.returncode, 0, (good, result.stderr))
                self.assertIn(b"i=" + good.encode(), result.stdout.replace(b"\r\n\t", b" "))


class ReadmeQuickstart(unittest.TestCase):
    """README's `auth check` example as written: the shipped zone and its shipped TEST KEY."""

    def test_shipped_key_signs_what_the_shipped_zone_verifies(self):
        self.assertTrue(os.path.exists(QUICKSTART_KEY), QUICKSTART_KEY)
        with open(QUICKSTART_KEY) as f:
            self.assertIn("TEST KEY", f.read())
        dns = subprocess.Popen([RELAYLAB, "dns", "--zone", QUICKSTART_ZONE, "--listen",
                                "127.0.0.1:0", "--duration", "60"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        try:
            line = dns.stdout.readline().decode()
            self.assertIn("listening on", line)
            address = line.split("listening on ")[1].split()[0]
            with tempfile.TemporaryDirectory() as d:
                message = os.path.join(d, "msg.eml")
                with open(message, "wb") as f:
                    f.write(b"From: Alice <alice@example.test>\r\nTo: bob@example.net\r\n"
                            b"Subject: hello\r\n\r\nHello Bob.\r\n")
                signed = run("dkim", "sign", message, "--key", QUICKSTART_KEY, "--selector",
                             "quickstart", "--domain", "example.test")
                self.assertEqual(signed.returncode, 0, signed.stderr)
                signed_path = os.path.join(d, "signed.eml")
                with open(signed_path, "wb") as f:
                    f.write(signed.stdout)
                common = ["--helo", "mx.example.test", "--mail-from", "alice@example.test",
                          "--dns", address]
                text = run("auth", "check", signed_path, "--ip", "127.0.0.1", *common)
                self.assertEqual(text.returncode, 0, text.stderr)
                lines = text.stdout.decode().splitlines()
                self.assertEqual(lines[0], "spf:   pass ('ip4:127.0.0.0/8' matched in the "
                                           "record of example.test)")
                self.assertEqual(lines[1], "dkim:  pass d=example.test s=quickstart "
                                           "(signature verified)")
                self.assertTrue(lines[2].startswith("dmarc: pass, policy none"), lines[2])
                # dkimpy agrees with the shipped key and zone.
                with open(QUICKSTART_ZONE) as f:
                    zone = f.read()
                p = "".join(zone.split("quickstart._domainkey IN TXT (")[1].split(")")[0]
                            .replace('"', "").split())
                record = p.encode()
                self.assertTrue(dkim.verify(signed.stdout, dnsfunc=lambda name, timeout=5: record))
                # The --json example: DMARC relaxed alignment, as the zone says (adkim=r).
                js = run("auth", "check", message, "--ip", "10.1.2.3", *common, "--json")
                self.assertEqual(js.returncode, 0, js.stderr)
                dmarc = json.loads(js.stdout)["dmarc"]
                self.assertEqual((dmarc["result"], dmarc["policy"]), ("fail", "reject"))
                self.assertIn("adkim=r", dmarc["reason"])
        finally:
            dns.terminate()
            dns.wait(timeout=10)
            dns.stdout.close()
            dns.stderr.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--relaylab", required=True)
    args, rest = parser.parse_known_args()
    RELAYLAB = args.relaylab
    skip.run_tests([sys.argv[0], *rest])
