"""Slow and abusive clients against the real binary (issue 9), each while an ordinary client is
served and the server's memory stays bounded.

Abusers bind 127.0.0.2 as their source address (Linux routes all of 127.0.0.0/8 on lo without
set-up); the ordinary client is 127.0.0.1, so per-client limits tell them apart. Everything runs
at default settings except a short --timeout where the mechanism is a deadline (the mechanism
is the default one; only the test waits less). Standard library only, /usr/bin/python3; every
wait is bounded; each class stays well under a minute.

    test_abuse.py --relaylab PATH [ClassName]
"""

import http.client
import os
import re
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "smtp"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "fakemx"))
import fakemx_proc  # noqa: E402
import relaylab_proc  # noqa: E402
from fakemx_proc import FakeMx  # noqa: E402
from relaylab_proc import LOOPBACK, RawSmtp  # noqa: E402

ABUSER = "127.0.0.2"
SOCKET_TIMEOUT = 10.0
# Resident memory the server may reach while abused (it idles at a few MB; a thousand idle
# connections must not cost more than their socket state). ASan's shadow memory, redzones and
# 256 MB quarantine get their own allowance.
MAX_RSS_KB = 200 * 1024
MAX_RSS_KB_ASAN = 700 * 1024
ZONE = os.path.join(HERE, "..", "..", "..", "scenarios", "zones", "example.test.zone")


def is_asan_build(path):
    """True when the binary carries AddressSanitizer (statically or as libasan)."""
    for args in (["nm", "-D", path], ["nm", path]):
        try:
            done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return "ASAN_OPTIONS" in os.environ
        if b"__asan_init" in done.stdout:
            return True
    return False


def rss_limit_kb():
    return MAX_RSS_KB_ASAN if is_asan_build(relaylab_proc.RELAYLAB) else MAX_RSS_KB


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_files_limit(pid):
    """(soft, hard) of 'Max open files' in /proc/PID/limits."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                fields = line.split()
                return int(fields[3]), int(fields[4])
    raise AssertionError("no 'Max open files' in /proc/%d/limits" % pid)


def need_descriptors(testcase, count):
    """Raises this process's soft limit so it can hold `count` sockets; skips if it cannot."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count:
        if hard != resource.RLIM_INFINITY and hard < count:
            raise unittest.SkipTest("hard descriptor limit %d < %d" % (hard, count))
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))


def abuser_socket(port, timeout=SOCKET_TIMEOUT):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((ABUSER, 0))
    s.connect((LOOPBACK, port))
    return s


def send_ordinary_mail(port, tag):
    """One message from 127.0.0.1 with smtplib; returns the DATA reply code."""
    with smtplib.SMTP(LOOPBACK, port, timeout=SOCKET_TIMEOUT,
                      source_address=(LOOPBACK, 0)) as client:
        client.ehlo("ordinary.test")
        message = ("From: a@ordinary.test\r\nTo: b@example.test\r\nSubject: %s\r\n\r\nhello\r\n"
                   % tag)
        refused = client.sendmail("a@ordinary.test", ["b@example.test"], message)
        return 250 if not refused else 0


def read_until_closed(sock, timeout):
    """Everything the server sends until it closes; AssertionError if it stays open."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            chunk = sock.recv(4096)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data
    except socket.timeout:
        pass
    raise AssertionError("server kept the connection open for %ss; got %r" % (timeout, data))


class Dripper(threading.Thread):
    """Sends one byte every `interval` seconds until the server closes or `limit` passes."""

    def __init__(self, sock, interval, limit):
        super().__init__(daemon=True)
        self.sock, self.interval, self.limit = sock, interval, limit
        self.started_at = None
        self.closed_after = None
        self.sent = 0

    def run(self):
        self.started_at = time.monotonic()
        try:
            while time.monotonic() - self.started_at < self.limit:
                self.sock.sendall(b"x")
                self.sent += 1
                time.sleep(self.interval)
        except OSError:
            self.closed_after = time.monotonic() - self.started_at


class DripInData(unittest.TestCase):
    """A client dripping a byte every 0.2 s inside DATA or BDAT is cut off by the per-request
    deadline (--min-data-rate, default 500 bytes/s), although each byte arrives well inside
    --timeout; an honest slow client that sends 1 KB/s for longer than --timeout is not."""

    TIMEOUT = 3  # the test-sized --timeout; the deadline mechanism is the default one

    def dripper(self, port, bdat):
        s = abuser_socket(port)
        raw = RawSmtp(port, sock=s)
        lines = raw.greet("dripper.test")
        self.assertEqual(raw.command("MAIL FROM:<d@dripper.test>")[0], 250)
        self.assertEqual(raw.command("RCPT TO:<b@example.test>")[0], 250)
        if bdat:
            self.assertIn("CHUNKING", lines)
            raw.send(b"BDAT 100000 LAST\r\n")
        else:
            self.assertEqual(raw.command("DATA")[0], 354)
        return raw

    def check_cut_off(self, bdat):
        with FakeMx("--timeout", self.TIMEOUT) as mx:
            raw = self.dripper(mx.port, bdat)
            drip = Dripper(raw.sock, 0.2, limit=30)
            drip.start()
            # Meanwhile an ordinary client is served at once.
            self.assertEqual(send_ordinary_mail(mx.port, "while dripping"), 250)
            drip.join(timeout=20)
            self.assertFalse(drip.is_alive(), "the dripper was never cut off")
            said = read_until_closed(raw.sock, 5)
            self.assertIn(b"421 4.4.2", said)
            self.assertIsNotNone(drip.closed_after)
            # Cut near --timeout (a few bytes buy milliseconds), never at the 30 s test limit.
            self.assertLess(drip.closed_after, self.TIMEOUT + 4)
            self.assertGreater(drip.sent, self.TIMEOUT * 3)  # it did drip past one timeout
            raw.close()
            self.assertLess(rss_kb(mx.proc.pid), rss_limit_kb())
            self.assertEqual(send_ordinary_mail(mx.port, "after"), 250)
            host = mx.get_json("/api/v1/stats")["hosts"][0]
            self.assertGreaterEqual(host["timeouts"], 1)

    def test_dripper_inside_data_is_cut_off(self):
        self.check_cut_off(bdat=False)

    def test_dripper_inside_bdat_is_cut_off(self):
        self.check_cut_off(bdat=True)

    def test_sink_dripper_inside_data_is_cut_off(self):
        """relaylab sink runs the same server: the same deadline."""
        with relaylab_proc.Sink("--timeout", self.TIMEOUT) as sink:
            raw = self.dripper(sink.port, bdat=False)
            drip = Dripper(raw.sock, 0.2, limit=30)
            drip.start()
            self.assertEqual(send_ordinary_mail(sink.port, "while dripping"), 250)
            drip.join(timeout=20)
            self.assertFalse(drip.is_alive(), "the dripper was never cut off")
            self.assertIn(b"421 4.4.2", read_until_closed(raw.sock, 5))
            self.assertLess(drip.closed_after, self.TIMEOUT + 4)
            raw.close()
            counts = sink.stop()
            self.assertEqual(counts["timeouts"], 1, counts)
            self.assertEqual(counts["messages"], 1, counts)

    def test_honest_slow_client_is_not_cut_off(self):
        with FakeMx("--timeout", self.TIMEOUT) as mx:
            with RawSmtp(mx.port) as raw:
                raw.greet("slow.test")
                self.assertEqual(raw.command("MAIL FROM:<s@slow.test>")[0], 250)
                self.assertEqual(raw.command("RCPT TO:<b@example.test>")[0], 250)
                self.assertEqual(raw.command("DATA")[0], 354)
                raw.send(b"Subject: slow\r\n\r\n")
                started = time.monotonic()
                line = b"y" * 498 + b"\r\n"  # 1000 bytes a second: twice the minimum rate
                while time.monotonic() - started < self.TIMEOUT * 2:
                    raw.send(line + line)
                    time.sleep(1.0)
                code, _ = raw.command(".")
                self.assertEqual(code, 250)


class IdleFlood(unittest.TestCase):
    """One address opens a thousand idle connections: it gets its share (half of
    --max-connections, default 1000) and 421s beyond; 127.0.0.1 still sends mail."""

    FLOOD = 1000

    def test_thousand_idle_connections_from_one_address(self):
        need_descriptors(self, self.FLOOD + 200)
        with FakeMx() as mx:
            flood = []
            try:
                for _ in range(self.FLOOD):
                    flood.append(abuser_socket(mx.port))
                # Every connection is answered: a greeting (held) or a 421 (closed).
                refused = 0
                for s in flood[-50:]:
                    first = s.recv(512)
                    if first.startswith(b"421"):
                        self.assertIn(b"too many connections from 127.0.0.2", first)
                        refused += 1
                self.assertEqual(refused, 50)
                self.assertTrue(flood[0].recv(512).startswith(b"220"))
                for i in range(3):
                    self.assertEqual(send_ordinary_mail(mx.port, "during flood %d" % i), 250)
                host = mx.get_json("/api/v1/stats")["hosts"][0]
                self.assertEqual(host["refused_client_connections"], self.FLOOD // 2)
                self.assertLessEqual(host["active_connections"], self.FLOOD // 2 + 1)
                self.assertLess(rss_kb(mx.proc.pid), rss_limit_kb())
            finally:
                for s in flood:
                    s.close()


class ClientLimits(unittest.TestCase):
    """--max-connection-rate (a per-client token bucket over a minute) and --client-prefix
    (addresses grouped into one client)."""

    def test_connection_rate_per_client(self):
        with relaylab_proc.Sink("--max-connection-rate", "5") as sink:
            for i in range(5):
                s = abuser_socket(sink.port)
                self.assertTrue(s.recv(512).startswith(b"220"), i)
                s.close()
            s = abuser_socket(sink.port)
            refusal = s.recv(512)
            s.close()
            self.assertTrue(refusal.startswith(b"421 4.7.0"), refusal)
            self.assertIn(b"too many connection attempts from 127.0.0.2", refusal)
            # Another client is not affected.
            self.assertEqual(send_ordinary_mail(sink.port, "rate"), 250)
            counts = sink.stop()
            self.assertEqual(counts["refused_client_connections"], 1, counts)

    def test_client_prefix_groups_addresses(self):
        with relaylab_proc.Sink("--max-connections-per-client", "2",
                                "--client-prefix", "24/64") as sink:
            held = []
            try:
                for source in ("127.0.0.2", "127.0.0.3"):
                    s = socket.create_connection((LOOPBACK, sink.port), timeout=SOCKET_TIMEOUT,
                                                 source_address=(source, 0))
                    held.append(s)
                    self.assertTrue(s.recv(512).startswith(b"220"))
                # A third address of the same /24 is the same client, over its 2.
                s = socket.create_connection((LOOPBACK, sink.port), timeout=SOCKET_TIMEOUT,
                                             source_address=("127.0.0.4", 0))
                held.append(s)
                self.assertTrue(s.recv(512).startswith(b"421 4.7.0"))
            finally:
                for s in held:
                    s.close()
            sink.stop()


class Descriptors(unittest.TestCase):
    """The soft RLIMIT_NOFILE is raised to the hard one at start; with a low hard limit the
    connection budget stays below it, so a flood gets 421s instead of a silent hang."""

    def start(self, nofile, *extra):
        mx = FakeMx(*extra)
        mx.args = ["prlimit", "--nofile=%s" % nofile, "--"] + mx.args
        return mx

    def test_soft_limit_raised_to_hard(self):
        if shutil.which("prlimit") is None:
            raise unittest.SkipTest("prlimit (util-linux) is not installed")
        with self.start("256:4096") as mx:
            self.assertEqual(open_files_limit(mx.proc.pid), (4096, 4096))
            self.assertEqual(send_ordinary_mail(mx.port, "raised"), 250)

    def test_flood_at_a_low_hard_limit(self):
        if shutil.which("prlimit") is None:
            raise unittest.SkipTest("prlimit (util-linux) is not installed")
        # 64 descriptors: a budget of 32 connections for SMTP and API together, 16 per client.
        with self.start("64:64") as mx:
            flood = []
            try:
                for _ in range(200):
                    flood.append(abuser_socket(mx.port))
                refused = sum(1 for s in flood[-20:] if s.recv(512).startswith(b"421"))
                self.assertEqual(refused, 20)
                # The ordinary client and the API are still served during the flood.
                self.assertEqual(send_ordinary_mail(mx.port, "low limit"), 250)
                self.assertEqual(mx.request("/api/v1/stats")[0], 200)
                self.assertLess(rss_kb(mx.proc.pid), rss_limit_kb())
            finally:
                for s in flood:
                    s.close()
            # And after it, everything frees: many ordinary sessions in a row.
            for i in range(40):
                self.assertEqual(send_ordinary_mail(mx.port, "after %d" % i), 250)
            self.assertEqual(mx.stop(), 0)


class ApiKeepAlive(unittest.TestCase):
    """64 idle keep-alive connections (the API's whole budget) do not lock anyone out: the
    longest-idle one is closed to make room, at once, not after the 30 s read timeout."""

    def hold_keep_alives(self, api_port, source, count):
        held = []
        for _ in range(count):
            conn = http.client.HTTPConnection(LOOPBACK, api_port, timeout=SOCKET_TIMEOUT,
                                              source_address=(source, 0))
            conn.request("GET", "/api/v1/stats")
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
            held.append(conn)
        return held

    def curl_stats(self, api_port):
        curl = shutil.which("curl")
        if curl is None:
            raise unittest.SkipTest("curl is not installed")
        started = time.monotonic()
        done = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10",
                               "http://%s:%d/api/v1/stats" % (LOOPBACK, api_port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
        return done.stdout.decode().strip(), time.monotonic() - started

    def test_idle_keep_alives_from_another_address(self):
        with FakeMx() as mx:
            held = self.hold_keep_alives(mx.api_port, ABUSER, 70)
            try:
                # And some that never send a request at all.
                silent = [abuser_socket(mx.api_port) for _ in range(10)]
                code, took = self.curl_stats(mx.api_port)
                self.assertEqual(code, "200")
                self.assertLess(took, 5)
                for s in silent:
                    s.close()
            finally:
                for conn in held:
                    conn.close()

    def test_idle_keep_alives_from_the_same_address(self):
        with FakeMx() as mx:
            held = self.hold_keep_alives(mx.api_port, LOOPBACK, 64)
            try:
                for _ in range(5):
                    code, took = self.curl_stats(mx.api_port)
                    self.assertEqual(code, "200")
                    self.assertLess(took, 5)
                self.assertLess(rss_kb(mx.proc.pid), rss_limit_kb())
            finally:
                for conn in held:
                    conn.close()


class DnsTcpIdle(unittest.TestCase):
    """Idle TCP connections to the fixture DNS (more than its 256-connection cap) do not keep
    a TCP query from being answered."""

    def test_idle_tcp_connections_do_not_block_queries(self):
        dig = shutil.which("dig")
        if dig is None:
            raise unittest.SkipTest("dig is not installed")
        need_descriptors(self, 600)
        out = tempfile.TemporaryFile(mode="w+b")
        err = tempfile.TemporaryFile(mode="w+b")
        proc = subprocess.Popen([relaylab_proc.RELAYLAB, "dns", "--zone", ZONE, "--listen",
                                 LOOPBACK + ":0"], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        idle = []
        try:
            port = None
            deadline = time.monotonic() + 15
            while port is None and time.monotonic() < deadline:
                out.seek(0)
                found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", out.read())
                if found:
                    port = int(found.group(1))
                elif proc.poll() is not None:
                    err.seek(0)
                    self.fail("relaylab dns exited: %r" % err.read())
                else:
                    time.sleep(0.02)
            self.assertIsNotNone(port, "relaylab dns did not print its address")
            for _ in range(300):
                idle.append(abuser_socket(port))
            for _ in range(3):
                started = time.monotonic()
                done = subprocess.run([dig, "+tcp", "+time=3", "+tries=1", "+short",
                                       "@" + LOOPBACK, "-p", str(port), "mx1.example.test", "A"],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      timeout=15)
                self.assertEqual(done.stdout.decode().strip(), "127.0.0.1")
                self.assertLess(time.monotonic() - started, 5)
            self.assertLess(rss_kb(proc.pid), rss_limit_kb())
        finally:
            for s in idle:
                s.close()
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            out.close()
            err.close()


if __name__ == "__main__":
    fakemx_proc.main()
