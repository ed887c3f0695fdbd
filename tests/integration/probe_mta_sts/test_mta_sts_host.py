"""curl as a real HTTPS peer of `relaylab fake-mx --mta-sts`: the fixture policy host serves
each domain's policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt with a certificate that
verifies against DIR/ca.pem of --tls-ca-dir (and only against it), chosen by SNI; usage errors
exit 2.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import skip  # noqa: E402

RELAYLAB = None
CURL = "curl"
START_TIMEOUT = 20      # seconds for the fake MX to print its listening lines
PEER_TIMEOUT = 30       # one curl run
LIFETIME = 120          # --duration: the fake MX ends itself even if this script dies

GOOD = "version: STSv1\r\nmode: enforce\r\nmx: *.good.test\r\nmax_age: 604800\r\n"
TESTING = "version: STSv1\nmode: testing\nmx: mx.other.test\nmax_age: 86400\n"


class PolicyHost:
    """`relaylab fake-mx --mta-sts ...` as a child process, stopped by its pid."""

    def __init__(self, workdir, policies):
        self.ca_dir = os.path.join(workdir, "ca")
        args = [RELAYLAB, "fake-mx", "--listen", "127.0.0.1:0", "--api", "none",
                "--tls-ca-dir", self.ca_dir, "--mta-sts-listen", "127.0.0.1:0",
                "--duration", str(LIFETIME)]
        for domain, text in policies.items():
            path = os.path.join(workdir, domain + ".txt")
            with open(path, "w", newline="") as f:
                f.write(text)
            args += ["--mta-sts", "%s=%s" % (domain, path)]
        self.out_path = os.path.join(workdir, "fake-mx.out")
        self.out = open(self.out_path, "w+")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(self.out_path) as f:
                m = re.search(r"mta-sts listening on https://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise AssertionError("fake-mx did not start its policy host:\n" + self.output())

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.out.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def curl(port, domain, *extra):
    host = "mta-sts." + domain
    args = [CURL, "-sS", "--max-time", "10", "-D", "-", "--proto", "=https",
            "--resolve", "%s:%d:127.0.0.1" % (host, port),
            "https://%s:%d/.well-known/mta-sts.txt" % (host, port), *extra]
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=PEER_TIMEOUT)
    return done.returncode, done.stdout.decode("utf-8", "replace")


class MtaStsHost(unittest.TestCase):
    def setUp(self):
        skip.require_program(CURL, "curl")
        self.workdir = tempfile.mkdtemp(prefix="relaylab-mta-sts-host-")

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_curl_fetches_each_policy_with_the_test_ca(self):
        with PolicyHost(self.workdir, {"good.test": GOOD, "testing.test": TESTING}) as host:
            ca = os.path.join(host.ca_dir, "ca.pem")
            for domain, policy in (("good.test", GOOD), ("testing.test", TESTING)):
                rc, out = curl(host.port, domain, "--cacert", ca)
                self.assertEqual(rc, 0, out)
                self.assertRegex(out, r"^HTTP/1\.1 200 OK\r\n", out)
                self.assertRegex(out, r"(?i)\r\ncontent-type: text/plain\r\n", out)
                # The body exactly as the file holds it (CRLF or LF lines untouched).
                self.assertTrue(out.endswith(policy), out)

    def test_another_test_ca_is_not_trusted(self):
        with PolicyHost(self.workdir, {"good.test": GOOD}) as host:
            other = tempfile.mkdtemp(prefix="relaylab-other-ca-", dir=self.workdir)
            # Another test CA (made by a second fake MX) must not be trusted for this host.
            with PolicyHost(other, {"x.test": GOOD}) as second:
                rc, out = curl(host.port, "good.test", "--cacert",
                               os.path.join(second.ca_dir, "ca.pem"))
            self.assertNotEqual(rc, 0, out)
            self.assertRegex(out, r"(?i)certificate", out)

    def test_an_unknown_domain_gets_a_certificate_for_another_name(self):
        with PolicyHost(self.workdir, {"good.test": GOOD}) as host:
            rc, out = curl(host.port, "unknown.test", "--cacert",
                           os.path.join(host.ca_dir, "ca.pem"))
            self.assertNotEqual(rc, 0, out)
            self.assertRegex(out, r"(?i)(no alternative certificate subject name|"
                                  r"does not match|SSL)", out)

    def test_usage_errors_exit_2(self):
        policy = os.path.join(self.workdir, "p.txt")
        with open(policy, "w") as f:
            f.write(GOOD)
        cases = [
            ["--mta-sts", "good.test=" + policy],  # no --tls-ca-dir
            ["--tls-ca-dir", os.path.join(self.workdir, "ca"), "--mta-sts", "good.test"],
            ["--tls-ca-dir", os.path.join(self.workdir, "ca"), "--mta-sts",
             "good.test=" + os.path.join(self.workdir, "absent.txt")],
            ["--tls-ca-dir", os.path.join(self.workdir, "ca"), "--mta-sts-listen",
             "127.0.0.1:0"],
        ]
        for extra in cases:
            done = subprocess.run([RELAYLAB, "fake-mx", "--listen", "127.0.0.1:0", "--api", "none",
                                   "--duration", "5", *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            out = done.stdout.decode("utf-8", "replace")
            self.assertEqual(done.returncode, 2, "%s\n%s" % (extra, out))
            self.assertIn("--mta-sts", out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--relaylab", required=True)
    args, rest = parser.parse_known_args()
    RELAYLAB = os.path.abspath(args.relaylab)
    skip.run_tests([sys.argv[0]] + rest)
