"""relaylab probe against servers that misbehave on purpose: each check must end in `error`
with the reason (timed out, closed in the middle of a reply, not an SMTP reply, refused) within
its deadline, never hang and never pass; the exit code is 3 (a check could not decide). Also:
usage errors exit 2 naming the option, and --report-dir writes three reports that parse.
Standard library only; loopback; every server is a thread of this script, stopped by it.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
import skip  # noqa: E402

RELAYLAB = None
# The probe's per-reply deadline in these tests; a check may wait a few of them in a row
# (reconnects, one dialogue per TLS version), so the bound on a whole run is generous, but far
# below what a hang would take (the test's own timeout is 240 s).
REPLY_TIMEOUT = "1s"
RUN_BOUND_S = 60


class Server:
    """A TCP listener on 127.0.0.1 whose every connection gets `behave(conn, stop)`."""

    def __init__(self, behave):
        self.behave = behave
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(0.2)
            self.behave(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


def silent(conn, stop):
    stop.wait(30)


def garbage(conn, stop):
    conn.sendall(b"HELLO THERE, THIS IS NOT SMTP\r\n")
    stop.wait(5)


def mid_reply_close(conn, stop):
    conn.sendall(b"220-mx.hostile.test ESMTP\r\n220-and then\r\n")
    # returning closes the connection in the middle of the multi-line reply


def drip(conn, stop):
    # One octet of a valid banner every 300 ms: each read makes progress, the whole reply does
    # not arrive within the deadline.
    for octet in b"220 mx.hostile.test ESMTP slow and steady\r\n":
        if stop.wait(0.3):
            return
        conn.sendall(bytes([octet]))


def flood(conn, stop):
    # A multi-line reply that never ends.
    line = b"220-" + b"x" * 200 + b"\r\n"
    deadline = time.monotonic() + 20
    while not stop.is_set() and time.monotonic() < deadline:
        conn.sendall(line * 50)


def banner_then_garbage(conn, stop):
    conn.sendall(b"220 mx.hostile.test ESMTP\r\n")
    buffered = b""
    while not stop.is_set():
        try:
            data = conn.recv(4096)
        except socket.timeout:
            continue
        if not data:
            return
        buffered += data
        if b"\n" in buffered:
            conn.sendall(b"\x00\x01\x02 binary junk\r\n")
            buffered = b""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def probe(*args, timeout=RUN_BOUND_S + 30):
    started = time.monotonic()
    proc = subprocess.run([RELAYLAB, "probe", *args], capture_output=True, text=True,
                          timeout=timeout)
    return proc, time.monotonic() - started


class HostileServers(unittest.TestCase):
    def run_against(self, behave, reason_words, checks="banner,open-relay,tls"):
        server = Server(behave)
        try:
            proc, elapsed = probe("127.0.0.1:%d" % server.port, "--checks", checks, "--json",
                                  "--timeout", REPLY_TIMEOUT, "--quiet-wait", "300ms")
        finally:
            server.close()
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertLess(elapsed, RUN_BOUND_S, "the probe took %.1f s" % elapsed)
        report = json.loads(proc.stdout)
        self.assertEqual(report["schema"], "relaylab.probe/1")
        self.assertTrue(report["checks"], report)
        groups = {c["name"].split(".")[0] for c in report["checks"]}
        self.assertEqual(groups, set(checks.split(",")), report["checks"])
        for check in report["checks"]:
            # Nothing can be concluded about a server that never spoke SMTP: no pass, no fail.
            self.assertEqual(check["verdict"], "error", check)
            text = check["explanation"].lower()
            self.assertTrue(any(w in text for w in reason_words),
                            "%s: %r names none of %s" % (check["name"], text, reason_words))
        self.assertEqual(report["verdicts"]["pass"], 0)
        self.assertFalse(report["passed"])
        return report

    def test_silent_server_times_out(self):
        self.run_against(silent, ["timed out"])

    def test_garbage_is_not_an_smtp_reply(self):
        self.run_against(garbage, ["not an smtp reply"])

    def test_closed_in_the_middle_of_a_reply(self):
        report = self.run_against(mid_reply_close, ["closed"])
        evidence = "\n".join(report["checks"][0]["evidence"])
        self.assertIn("220-mx.hostile.test", evidence)

    def test_dripping_banner_hits_the_reply_deadline(self):
        self.run_against(drip, ["timed out"], checks="banner")

    def test_endless_reply_is_cut(self):
        self.run_against(flood, ["not an smtp reply", "too many", "long"], checks="banner")

    def test_garbage_after_the_banner(self):
        server = Server(banner_then_garbage)
        try:
            proc, elapsed = probe("127.0.0.1:%d" % server.port, "--checks", "open-relay",
                                  "--json", "--timeout", REPLY_TIMEOUT)
        finally:
            server.close()
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertLess(elapsed, RUN_BOUND_S)
        report = json.loads(proc.stdout)
        summary = [c for c in report["checks"] if c["name"] == "open-relay"]
        self.assertEqual(len(summary), 1, report["checks"])
        self.assertEqual(summary[0]["verdict"], "error", summary)
        self.assertFalse(any(c["verdict"] == "pass" for c in report["checks"]), report["checks"])

    def test_nothing_listening(self):
        port = free_port()
        proc, elapsed = probe("127.0.0.1:%d" % port, "--checks", "banner,tls", "--json",
                              "--timeout", REPLY_TIMEOUT)
        self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        self.assertLess(elapsed, RUN_BOUND_S)
        report = json.loads(proc.stdout)
        for check in report["checks"]:
            self.assertEqual(check["verdict"], "error", check)
            self.assertIn("refused", check["explanation"])


class Usage(unittest.TestCase):
    def assert_usage(self, args, words):
        proc, _ = probe(*args, timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        for word in words:
            self.assertIn(word, proc.stderr)

    def test_usage_errors_name_the_option(self):
        self.assert_usage(["127.0.0.1:25", "--checks", "tsl"], ["--checks", "unknown check 'tsl'"])
        self.assert_usage(["127.0.0.1:25", "--checks", "mta-sts"], ["needs --domain"])
        self.assert_usage(["127.0.0.1:25", "--timeout", "soon"], ["--timeout", "soon"])
        self.assert_usage(["127.0.0.1"], ["HOST:PORT"])
        self.assert_usage(["127.0.0.1:25", "--sink", "mx.example:25"], ["--sink"])
        self.assert_usage(["127.0.0.1:25", "--ca", "/nonexistent/ca.pem"], ["--ca"])
        self.assert_usage([], ["HOST:PORT"])


class Reports(unittest.TestCase):
    def test_report_dir_holds_three_reports_that_agree(self):
        server = Server(mid_reply_close)
        with tempfile.TemporaryDirectory() as out:
            try:
                proc, _ = probe("127.0.0.1:%d" % server.port, "--checks", "banner,open-relay",
                                "--report-dir", out, "--timeout", REPLY_TIMEOUT)
            finally:
                server.close()
            self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
            # Without --json: a table on stdout, one line per check.
            self.assertIn("ERROR", proc.stdout)
            with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
                report = json.load(f)
            names = [c["name"] for c in report["checks"]]
            for name in names:
                self.assertIn(name, proc.stdout)
            suite = ET.parse(os.path.join(out, "junit.xml")).getroot().find("testsuite")
            cases = suite.findall("testcase")
            self.assertEqual([c.get("name") for c in cases], names)
            self.assertEqual(int(suite.get("errors")), len(names))
            self.assertTrue(all(c.find("error") is not None for c in cases))
            with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
                page = f.read()
            self.assertNotIn("<script", page)
            self.assertNotIn("src=\"http", page)
            for name in names:
                self.assertIn(name, page)
            self.assertIn("220-mx.hostile.test", page)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--relaylab", required=True)
    args, rest = parser.parse_known_args()
    RELAYLAB = args.relaylab
    skip.run_tests([sys.argv[0]] + rest)
