"""SPF/DKIM/DMARC verdicts of `relaylab fake-mx --dns`: a fixture DNS (`relaylab dns`) serves
zones written here, `relaylab dkim keygen|sign` makes the key and the signature, smtplib sends.
Checked: the API's `auth` field, the Authentication-Results header prepended to the raw copy,
and a data_end rule on "dmarc": "fail" + "dmarc_policy": "reject" answering 550 5.7.26.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, run_peer, write_json

SIGNED = "signed.test"    # SPF allows 127.0.0.1, DKIM key s1, DMARC p=reject
STRICT = "strict.test"    # SPF -all, no DKIM key, DMARC p=reject
AUTHSERV = "fake-mx.relaylab.test"


def zone(domain, records):
    return ("$ORIGIN %s.\n$TTL 300\n"
            "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n"
            "@ IN NS ns.%s.\nns IN A 127.0.0.1\n" % (domain, domain, domain, domain)) + records


def message(frm, subject, tracking):
    return ("From: Alice <%s>\r\nTo: <bob@rcpt.test>\r\nSubject: %s\r\n"
            "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@x.test>\r\n"
            "X-Relaylab-Id: %s\r\n\r\nHello Bob.\r\n" % (frm, subject, tracking, tracking)).encode()


def verdict(auth, method):
    """The result word of one method: objects ({"spf": {"result": "pass"}}), "dkim" a list with
    one entry per signature (pass if any passed, as receivers summarise it)."""
    value = auth[method]
    if isinstance(value, list):
        results = [v["result"] for v in value]
        if not results:
            return "none"
        return "pass" if "pass" in results else results[0]
    return value["result"]


class FakeMxAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-auth-")
        cls.dns = None
        try:
            cls._set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _set_up(cls):
        d = cls.tmp
        relaylab = fakemx_proc.relaylab()
        cls.key = os.path.join(d, "s1.pem")
        rc, out = run_peer([relaylab, "dkim", "keygen", "--selector", "s1", "--domain", SIGNED,
                            "--out", cls.key], timeout=60)
        assert rc == 0, out
        txt = [l for l in out.splitlines() if "_domainkey" in l]
        assert txt, out
        record = txt[-1].strip().replace("s1._domainkey.%s. " % SIGNED, "s1._domainkey ")
        zones = []
        for domain, records in [
                (SIGNED, '@ IN TXT "v=spf1 ip4:127.0.0.1 -all"\n'
                         '_dmarc IN TXT "v=DMARC1; p=reject"\n' + record + "\n"),
                (STRICT, '@ IN TXT "v=spf1 -all"\n'
                         '_dmarc IN TXT "v=DMARC1; p=reject"\n')]:
            path = os.path.join(d, domain + ".zone")
            with open(path, "w") as f:
                f.write(zone(domain, records))
            zones += ["--zone", path]
        cls.dns_out = tempfile.TemporaryFile(mode="w+b")
        cls.dns = subprocess.Popen([relaylab, "dns", *zones, "--listen", "127.0.0.1:0",
                                    "--duration", "120"], stdout=cls.dns_out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        cls.dns_address = None
        while time.monotonic() < deadline and cls.dns_address is None:
            cls.dns_out.seek(0)
            text = cls.dns_out.read().decode("utf-8", "replace")
            m = re.search(r"listening on (127\.0\.0\.1:\d+)", text)
            if m:
                cls.dns_address = m.group(1)
            elif cls.dns.poll() is not None:
                raise AssertionError("relaylab dns exited: " + text)
            else:
                time.sleep(0.02)
        assert cls.dns_address, "relaylab dns did not print its address"

        unsigned = os.path.join(d, "signme.eml")
        with open(unsigned, "wb") as f:
            f.write(message("alice@" + SIGNED, "Signed hello", "auth-signed"))
        done = subprocess.run([relaylab, "dkim", "sign", unsigned, "--key", cls.key,
                               "--selector", "s1", "--domain", SIGNED],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        assert done.returncode == 0, done.stderr
        cls.signed = done.stdout
        assert cls.signed.startswith(b"DKIM-Signature:"), cls.signed[:200]

        rule = {"name": "dmarc reject", "phase": "data_end",
                "match": {"dmarc": "fail", "dmarc_policy": "reject"},
                "reply": "550 5.7.26 Unauthenticated email from {sender} is not accepted due "
                         "to domain's DMARC policy"}
        strict = write_json(d, "strict.json", {"rules": [rule]})
        cls.mx = FakeMx("--dns", cls.dns_address, "--behaviour", "mx-strict.test=" + strict,
                        hosts=["mx-plain.test", "mx-strict.test"])
        cls.mx.__enter__()

    @classmethod
    def tearDownClass(cls):
        mx = getattr(cls, "mx", None)
        if mx is not None and mx.proc is not None:
            mx.__exit__(None, None, None)
        if cls.dns is not None and cls.dns.poll() is None:
            cls.dns.send_signal(signal.SIGTERM)
            try:
                cls.dns.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.dns.kill()
                cls.dns.wait(timeout=10)
        if getattr(cls, "dns_out", None):
            cls.dns_out.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def sendmail(self, host, frm, data):
        with smtplib.SMTP("127.0.0.1", self.mx.ports[host], timeout=20) as s:
            s.ehlo("relay.test")
            return s.sendmail(frm, ["bob@rcpt.test"], data)

    def one(self, tracking):
        listing = self.mx.messages("?tracking_id=" + tracking)
        self.assertEqual(listing["total"], 1, listing)
        return listing["messages"][0]

    def test_signed_message_passes(self):
        self.sendmail("mx-plain.test", "alice@" + SIGNED, self.signed)
        m = self.one("auth-signed")
        self.assertIsNotNone(m["auth"], m)
        self.assertEqual(verdict(m["auth"], "spf"), "pass", m["auth"])
        self.assertEqual(verdict(m["auth"], "dkim"), "pass", m["auth"])
        self.assertEqual(verdict(m["auth"], "dmarc"), "pass", m["auth"])
        status, headers, raw = self.mx.request("/api/v1/messages/%d/raw" % m["id"])
        self.assertEqual(status, 200)
        first = raw.split(b"\r\n")[0]
        self.assertTrue(raw.startswith(b"Authentication-Results: " + AUTHSERV.encode()),
                        raw[:300])
        header = re.match(rb"Authentication-Results:.*?\r\n(?![ \t])", raw, re.S).group(0)
        header = re.sub(rb"\r\n[ \t]+", b" ", header)
        for word in (b"spf=pass", b"dkim=pass", b"dmarc=pass"):
            self.assertIn(word, header, header)
        self.assertIn(b"header.d=" + SIGNED.encode(), header)
        # The original message follows unchanged.
        self.assertIn(self.signed, raw)
        self.assertTrue(first)

    def test_signed_message_passes_strict_host(self):
        self.sendmail("mx-strict.test", "alice@" + SIGNED,
                      self.signed.replace(b"X-Relaylab-Id: auth-signed",
                                          b"X-Relaylab-Id: auth-signed-strict"))
        # X-Relaylab-Id is not signed, so DKIM still passes and the rule does not fire.
        m = self.one("auth-signed-strict")
        self.assertEqual(verdict(m["auth"], "dmarc"), "pass", m["auth"])

    def test_unsigned_from_spf_fail_domain_fails_dmarc(self):
        self.sendmail("mx-plain.test", "carol@" + STRICT,
                      message("carol@" + STRICT, "Unsigned", "auth-unsigned"))
        m = self.one("auth-unsigned")
        self.assertEqual(verdict(m["auth"], "spf"), "fail", m["auth"])
        self.assertEqual(verdict(m["auth"], "dkim"), "none", m["auth"])
        if isinstance(m["auth"]["dmarc"], dict):
            self.assertEqual(m["auth"]["dmarc"].get("policy"), "reject", m["auth"])
        self.assertEqual(verdict(m["auth"], "dmarc"), "fail", m["auth"])
        status, _, raw = self.mx.request("/api/v1/messages/%d/raw" % m["id"])
        header = re.sub(rb"\r\n[ \t]+", b" ", raw.split(b"\r\n\r\n")[0])
        self.assertIn(b"dmarc=fail", header)
        self.assertIn(b"spf=fail", header)

    def test_dmarc_reject_rule(self):
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.sendmail("mx-strict.test", "carol@" + STRICT,
                          message("carol@" + STRICT, "Rejected", "auth-rejected"))
        self.assertEqual(caught.exception.smtp_code, 550)
        self.assertTrue(caught.exception.smtp_error.startswith(
            b"5.7.26 Unauthenticated email from carol@strict.test"), caught.exception)
        self.assertEqual(self.mx.messages("?tracking_id=auth-rejected")["total"], 0)


if __name__ == "__main__":
    main()
