"""`relaylab probe --checks tls,dane` over the command line against `relaylab fake-mx` hosts
configured each way and `relaylab dns` serving TLSA records computed from the certificate the
probe itself reported: verdicts in --json, exit codes (1 on a fail, 0 with warns only).

Standard library only, Debian's /usr/bin/python3; every process is started and stopped here,
on loopback, each wait bounded.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "fakemx"))
import fakemx_proc  # noqa: E402

PROBE_TIMEOUT = 60.0
DNS_STARTUP_TIMEOUT = 15.0

BEHAVIOURS = {
    "good.probe.test": {"tls": {"certificate": "valid"}},
    "expired.probe.test": {"tls": {"certificate": "expired"}},
    "legacy.probe.test": {"tls": {"certificate": "valid", "versions": "legacy"}},
    "plain.probe.test": {"tls": {"certificate": "none"}},
}


def probe(*args):
    """Runs relaylab probe ... --json; returns (exit code, report)."""
    proc = subprocess.run([fakemx_proc.relaylab(), "probe"] + [str(a) for a in args] + ["--json"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("probe printed no JSON (exit %d): %r %r"
                             % (proc.returncode, proc.stdout[:2000], proc.stderr[:2000]))
    return proc.returncode, report


def verdicts(report):
    return {c["name"]: c["verdict"] for c in report["checks"]}


class DnsFixture:
    """`relaylab dns --zone FILE --listen 127.0.0.1:0`, stopped by pid."""

    def __init__(self, zone_file):
        self.args = [fakemx_proc.relaylab(), "dns", "--zone", zone_file, "--listen", "127.0.0.1:0"]

    def __enter__(self):
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + DNS_STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            self.out.seek(0)
            text = self.out.read().decode("utf-8", "replace")
            m = re.search(r"listening on (127\.0\.0\.1:\d+)", text)
            if m:
                self.endpoint = m.group(1)
                return self
            if self.proc.poll() is not None:
                raise AssertionError("relaylab dns exited: " + text)
            time.sleep(0.02)
        self.__exit__(None, None, None)
        raise AssertionError("relaylab dns did not print its address")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.out.close()
        return False


class ProbeTlsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        ca_dir = os.path.join(cls.tmp.name, "ca")
        cls.ca_file = os.path.join(ca_dir, "ca.pem")
        args = ["--tls-ca-dir", ca_dir]
        for host, behaviour in BEHAVIOURS.items():
            path = fakemx_proc.write_json(cls.tmp.name, host + ".json", behaviour)
            args += ["--behaviour", "%s=%s" % (host, path)]
        cls.mx = fakemx_proc.FakeMx(*args, hosts=list(BEHAVIOURS))
        cls.mx.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.mx.__exit__(None, None, None)
        cls.tmp.cleanup()

    def target(self, host):
        return "127.0.0.1:%d" % self.mx.ports[host]

    def test_good_tls_passes_and_exits_0(self):
        code, report = probe(self.target("good.probe.test"), "--checks", "tls", "--ca", self.ca_file)
        self.assertEqual(report["schema"], "relaylab.probe/1")
        v = verdicts(report)
        self.assertEqual(v, {"tls.starttls": "pass", "tls.versions": "pass", "tls.cipher": "pass",
                             "tls.certificate": "pass", "tls.auth-before-tls": "pass"}, report)
        self.assertEqual(code, 0)
        cert = [c for c in report["checks"] if c["name"] == "tls.certificate"][0]
        self.assertIn("name not checked", cert["explanation"])  # the target is an address
        self.assertTrue(any(line == "C: STARTTLS" for line in report["checks"][0]["evidence"]))

    def test_expired_certificate_fails_and_exits_1(self):
        code, report = probe(self.target("expired.probe.test"), "--checks", "tls", "--ca", self.ca_file)
        self.assertEqual(verdicts(report)["tls.certificate"], "fail", report)
        self.assertEqual(code, 1)

    def test_no_starttls_fails(self):
        code, report = probe(self.target("plain.probe.test"), "--checks", "tls")
        self.assertEqual(verdicts(report)["tls.starttls"], "fail", report)
        self.assertEqual(code, 1)

    def test_tls10_allowed_warns_and_exits_0(self):
        code, report = probe(self.target("legacy.probe.test"), "--checks", "tls", "--ca", self.ca_file)
        v = verdicts(report)
        self.assertEqual(v["tls.versions"], "warn", report)
        self.assertNotIn("fail", v.values(), report)
        self.assertEqual(code, 0)

    def test_dane_by_name_over_fixture_dns(self):
        # The good host's key, as the probe reports it, published for good.probe.test; the
        # expired host's record names that same key (a rollover gone wrong).
        _, report = probe(self.target("good.probe.test"), "--checks", "tls", "--ca", self.ca_file)
        cert = [c for c in report["checks"] if c["name"] == "tls.certificate"][0]
        spki = cert["details"]["chain"][0]["spki_sha256"]
        zone = os.path.join(self.tmp.name, "probe.test.zone")
        with open(zone, "w") as f:
            f.write("$ORIGIN probe.test.\n$TTL 300\n"
                    "@ IN SOA ns.probe.test. hostmaster.probe.test. 1 3600 600 86400 300\n"
                    "@ IN NS ns.probe.test.\nns IN A 127.0.0.1\n"
                    "good IN A 127.0.0.1\nexpired IN A 127.0.0.1\nlegacy IN A 127.0.0.1\n"
                    "_25._tcp.good IN TLSA 3 1 1 %s\n_25._tcp.expired IN TLSA 3 1 1 %s\n"
                    % (spki, spki))
        with DnsFixture(zone) as dns:
            def dane(host):
                code, report = probe("%s:%d" % (host, self.mx.ports[host]), "--checks", "dane",
                                     "--dns", dns.endpoint, "--ca", self.ca_file)
                return code, [c for c in report["checks"] if c["name"] == "dane"][0]

            code, good = dane("good.probe.test")
            self.assertEqual(good["verdict"], "warn", good)  # matches; the fixture does not sign
            self.assertIn("not DNSSEC-validated", good["explanation"])
            self.assertEqual(code, 0)
            code, mismatch = dane("expired.probe.test")
            self.assertEqual(mismatch["verdict"], "fail", mismatch)
            self.assertEqual(code, 1)
            _, none = dane("legacy.probe.test")
            self.assertEqual(none["verdict"], "warn", none)
            self.assertIn("DANE not deployed", none["explanation"])


if __name__ == "__main__":
    fakemx_proc.main()
