"""`relaylab probe --json` against a private Postfix, hardened and weak.

hardened: relaying refused to the probe's address (mynetworks = 192.0.2.0/24, which loopback is
not in; smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination), the one local
domain example.test relayed to discard:, smtpd_forbid_bare_newline = yes (Postfix 3.7.11 in
Debian 12 has the yes/no form; "normalize" came with 3.9), STARTTLS with a certificate issued by
a CA made for the test, TLS 1.2 and up.
weak: mynetworks = 127.0.0.0/8 (so the probe on loopback may relay anywhere: an open relay as
far as it can tell), bare newlines accepted, no STARTTLS.

Both discard whatever they accept (transport discard:), so no probe message goes anywhere.
Postfix runs from its own config, queue and data directories under a temporary directory
(tests/interop/fakemx/test_postfix_retry.PostfixRelay), stopped by its own config directory and
pid file, never the system's instance. Needs root and Postfix: skipped otherwise (exit 77, a
failure with CI=true). Every wait bounded.
"""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "fakemx"))
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "smtp"))
import relaylab_proc  # noqa: E402  main(), RELAYLAB, the skip rule
import test_postfix_retry  # noqa: E402  PostfixRelay: a private instance, stopped by pid

skip = relaylab_proc.skip
OPENSSL = "/usr/bin/openssl"
PROBE_TIMEOUT = 180.0  # the whole probe run: smuggling waits --quiet-wait per variant
CHECKS = "banner,open-relay,smuggling,tls,limits"
RCPT = "postmaster@example.test"

COMMON_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/spool
data_directory = {dir}/data
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
relayhost =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
maillog_file = {dir}/postfix.log
maillog_file_prefixes = {dir}
transport_maps = texthash:{dir}/etc/transport
smtpd_error_sleep_time = 0
"""

HARDENED_CF = COMMON_CF + """\
myhostname = mx.hardened.test
mynetworks = 192.0.2.0/24
relay_domains = example.test
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_forbid_bare_newline = yes
smtpd_tls_security_level = may
smtpd_tls_cert_file = {dir}/tls/server.pem
smtpd_tls_key_file = {dir}/tls/server.key
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
"""

WEAK_CF = COMMON_CF + """\
myhostname = mx.weak.test
mynetworks = 127.0.0.0/8
relay_domains = example.test
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_forbid_bare_newline = no
smtpd_tls_security_level = none
"""


def make_pki(directory, host):
    """A CA and a certificate for `host` (and 127.0.0.1) it signed, with Debian's openssl."""
    os.makedirs(directory, exist_ok=True)

    def openssl(*args):
        rc, out = relaylab_proc.run_peer([OPENSSL, *args], timeout=60)
        if rc != 0:
            raise AssertionError("openssl %s failed: %s" % (" ".join(args), out))

    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    cert = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
            "-days", "2", "-subj", "/CN=relaylab probe test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=" + host)
    with open(ext, "w") as f:
        f.write("subjectAltName = DNS:%s, IP:127.0.0.1\nbasicConstraints = CA:FALSE\n"
                "extendedKeyUsage = serverAuth\n" % host)
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return ca


class ProbedPostfix(test_postfix_retry.PostfixRelay):
    """PostfixRelay with `main_cf` (a format string with {dir}), everything routed to discard:."""

    def __init__(self, main_cf, tls_host=None):
        super().__init__(0)
        self.ca = make_pki(os.path.join(self.dir, "tls"), tls_host) if tls_host else None
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(main_cf.format(dir=self.dir))
        with open(os.path.join(self.conf, "transport"), "w") as f:
            f.write("* discard:\n")


class RelayingPostfix(ProbedPostfix):
    """The weak instance as a relay whose transport map sends sink.relaylab.test to the probe's
    own --sink (smtp:[127.0.0.1]:PORT, no DNS) and everything else to discard:."""

    def __init__(self, main_cf, sink_port):
        super().__init__(main_cf)
        with open(os.path.join(self.conf, "transport"), "w") as f:
            f.write("sink.relaylab.test smtp:[127.0.0.1]:%d\n* discard:\n" % sink_port)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(port, *extra):
    """Runs `relaylab probe --json`; returns (exit code, report, stderr)."""
    args = [relaylab_proc.RELAYLAB, "probe", "127.0.0.1:%d" % port, "--json",
            "--checks", CHECKS, "--domain", "example.test", "--rcpt", RCPT,
            "--helo", "probe.relaylab.test", "--timeout", "10s", "--quiet-wait", "1s",
            *extra]
    try:
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("relaylab probe did not finish within %ss" % PROBE_TIMEOUT)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode == 2 and b"probe" not in done.stdout and "unknown" in stderr.lower():
        skip.missing("this relaylab has no `probe` subcommand yet: " + stderr[-300:])
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise AssertionError("not JSON (exit %d): %r\nstderr: %s"
                             % (done.returncode, done.stdout[-2000:], stderr[-2000:]))
    return done.returncode, report, stderr


def by_group(report, group):
    """The results of one check group: "<group>" and "<group>.<aspect>"."""
    return [c for c in report["checks"]
            if c["name"] == group or c["name"].startswith(group + ".")]


def verdicts(results):
    return {c["name"]: c["verdict"] for c in results}


def show(report):
    return "\n".join("%s: %s: %s" % (c["name"], c["verdict"], c["explanation"])
                     for c in report.get("checks", []))


class ProbePostfix(unittest.TestCase):
    def setUp(self):
        skip.require_program(test_postfix_retry.POSTFIX, "postfix")
        skip.require_program(OPENSSL, "openssl")
        if os.geteuid() != 0:
            skip.missing("running a private Postfix instance needs root")

    def run_probe(self, main_cf, tls_host=None):
        postfix = ProbedPostfix(main_cf, tls_host)
        self.addCleanup(postfix.stop)
        postfix.start()
        extra = ["--ca", postfix.ca] if postfix.ca else []
        code, report, stderr = probe(postfix.port, *extra)
        return postfix, code, report, stderr

    def check_common(self, report, code):
        self.assertEqual(report["schema"], "relaylab.probe/1")
        names = {c["name"] for c in report["checks"]}
        for group in CHECKS.split(","):
            self.assertTrue(any(n == group or n.startswith(group + ".") for n in names),
                            "no result of %s:\n%s" % (group, show(report)))
        for c in report["checks"]:
            self.assertIn(c["verdict"], ("pass", "warn", "fail", "error"))
            self.assertNotIn("\n", c["explanation"])
            self.assertNotEqual(c["explanation"], "not built yet", show(report))
        # Both instances greet properly and take EHLO; SIZE (10240000 by default) is enforced
        # at MAIL FROM; PIPELINING is advertised and honoured.
        self.assertEqual(verdicts(by_group(report, "banner")).get("banner"), "pass", show(report))
        self.assertEqual(verdicts(by_group(report, "banner")).get("banner.ehlo"), "pass",
                         show(report))
        limits = verdicts(by_group(report, "limits"))
        self.assertEqual(limits.get("limits.size"), "pass", show(report))
        self.assertEqual(limits.get("limits.pipelining"), "pass", show(report))
        self.assertEqual(limits.get("limits.recipients"), "pass", show(report))
        # Nothing the probe found can make the exit code disagree with the verdicts.
        all_verdicts = [c["verdict"] for c in report["checks"]]
        expected = 1 if "fail" in all_verdicts else 3 if "error" in all_verdicts else 0
        self.assertEqual(code, expected, show(report))

    def test_hardened(self):
        postfix, code, report, stderr = self.run_probe(HARDENED_CF, "mx.hardened.test")
        msg = show(report) + "\nstderr: " + stderr[-2000:] + "\nPostfix log:\n" + postfix.log()
        self.check_common(report, code)
        banner = {c["name"]: c for c in by_group(report, "banner")}
        self.assertEqual(banner["banner.hostname"]["details"]["hostname"], "mx.hardened.test")
        self.assertTrue(banner["banner.ehlo"]["details"]["starttls"], msg)
        # Relaying refused from the probe's address, whatever the address trick.
        relay = by_group(report, "open-relay")
        self.assertTrue(relay, msg)
        self.assertNotIn("fail", [c["verdict"] for c in relay], msg)
        self.assertIn("pass", [c["verdict"] for c in relay], msg)
        # smtpd_forbid_bare_newline = yes: no end-of-data look-alike ends the DATA.
        smuggling = by_group(report, "smuggling")
        self.assertTrue(smuggling, msg)
        self.assertNotIn("fail", [c["verdict"] for c in smuggling], msg)
        # STARTTLS offered with a certificate the test CA vouches for.
        tls = by_group(report, "tls")
        self.assertIn("pass", [c["verdict"] for c in tls], msg)

    def test_weak(self):
        postfix, code, report, stderr = self.run_probe(WEAK_CF)
        msg = show(report) + "\nstderr: " + stderr[-2000:] + "\nPostfix log:\n" + postfix.log()
        self.check_common(report, code)
        ehlo = {c["name"]: c for c in by_group(report, "banner")}["banner.ehlo"]
        self.assertFalse(ehlo["details"]["starttls"], msg)
        # mynetworks = 127.0.0.0/8: the probe on loopback may relay to a foreign domain.
        relay = by_group(report, "open-relay")
        self.assertIn("fail", [c["verdict"] for c in relay], msg)
        # Bare newlines accepted: at least one look-alike (<LF>.<LF>) ends the DATA.
        smuggling = by_group(report, "smuggling")
        self.assertIn("fail", [c["verdict"] for c in smuggling], msg)
        # No STARTTLS offered.
        tls = by_group(report, "tls")
        self.assertTrue(tls, msg)
        self.assertNotIn("pass", [tls_result["verdict"] for tls_result in tls
                                  if tls_result["name"] in ("tls", "tls.starttls")], msg)
        self.assertEqual(code, 1, msg)


    def test_weak_relay_outbound_smuggling(self):
        # Postfix as the relay under test: the probe submits one message per look-alike to
        # probe@sink.relaylab.test, Postfix delivers it to the probe's own sink, and the probe
        # compares what arrives with what it sent. Which variants Postfix 3.7 forwards as they
        # came is its business; here every variant must be decided (refused, or arrived and
        # compared), and at least one must have made the whole trip.
        sink_port = free_port()
        postfix = RelayingPostfix(WEAK_CF, sink_port)
        self.addCleanup(postfix.stop)
        postfix.start()
        args = [relaylab_proc.RELAYLAB, "probe", "127.0.0.1:%d" % postfix.port, "--json",
                "--checks", "smuggling-outbound", "--sink", "127.0.0.1:%d" % sink_port,
                "--sink-rcpt", "probe@sink.relaylab.test", "--sink-wait", "60s",
                "--timeout", "10s"]
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT)
        report = json.loads(done.stdout)
        msg = show(report) + "\nPostfix log:\n" + postfix.log()
        results = by_group(report, "smuggling-outbound")
        self.assertGreater(len(results), 10, msg)
        self.assertEqual(results[0]["name"], "smuggling-outbound", msg)
        variants = [c for c in results if c["name"] != "smuggling-outbound"]
        for c in variants:
            self.assertNotEqual(c["verdict"], "error", msg)
        arrived = [c for c in variants if c.get("details", {}).get("arrived") is True]
        self.assertTrue(arrived, msg)
        self.assertIn(done.returncode, (0, 1), msg)


if __name__ == "__main__":
    relaylab_proc.main()
