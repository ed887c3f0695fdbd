"""The relay's listener under abuse (issue 10): `relaylab relay` runs the same SMTP server as
the sink and the fake MX, and must keep taking and delivering ordinary mail while a client
drips inside DATA, a thousand idle connections sit on it, or its descriptors run out.

The world: a fake MX (accept-all) and the relay with --smarthost to it (no DNS needed). The
ordinary client (127.0.0.1) must get its 250 and its message must arrive at the fake MX;
abusers bind 127.0.0.2. Standard library only, /usr/bin/python3; every wait is bounded.

    test_relay_abuse.py --relaylab PATH [ClassName]
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_abuse  # noqa: E402  (its abusers, drippers and limits)
from test_abuse import (ABUSER, Dripper, abuser_socket, need_descriptors,  # noqa: E402
                        read_until_closed, rss_kb, rss_limit_kb)
from fakemx_proc import FakeMx  # noqa: E402
import relaylab_proc  # noqa: E402
from relaylab_proc import LOOPBACK, RawSmtp  # noqa: E402

STARTUP_TIMEOUT = 20.0
DELIVERY_TIMEOUT = 30.0


class Relay:
    """`relaylab relay --listen 127.0.0.1:0 --smarthost 127.0.0.1:MX [extra]`, with its own spool,
    stopped by its pid (SIGTERM, then SIGKILL if it hangs)."""

    def __init__(self, mx_port, *extra, wrapper=()):
        self.dir = tempfile.mkdtemp(prefix="relaylab-relay-abuse-")
        self.args = list(wrapper) + [relaylab_proc.RELAYLAB, "relay", "--listen", LOOPBACK + ":0",
                                     "--spool", os.path.join(self.dir, "spool"),
                                     "--smarthost", "%s:%d" % (LOOPBACK, mx_port)]
        self.args += [str(a) for a in extra]
        self.port = None
        self.proc = None

    def __enter__(self):
        self.out = open(os.path.join(self.dir, "stdout"), "w+b")
        self.err = open(os.path.join(self.dir, "stderr"), "w+b")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            self.out.flush()
            self.out.seek(0)
            found = re.search(rb"listening on 127\.0\.0\.1:(\d+) \(relay-in\)\n", self.out.read())
            if found:
                self.port = int(found.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise AssertionError("relaylab relay did not start: " + self.stderr_text())

    def stderr_text(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")[-4000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def __exit__(self, *exc):
        self.stop()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def relay_ordinary_mail(testcase, relay, mx, tag):
    """One message from 127.0.0.1 through the relay: 250 at once, and it arrives at the MX."""
    testcase.assertEqual(test_abuse.send_ordinary_mail(relay.port, tag), 250)
    arrived = mx.wait_for(
        lambda: any(tag in m.get("subject", "") for m in mx.messages("?limit=1000")["messages"]),
        DELIVERY_TIMEOUT)
    testcase.assertTrue(arrived, "%r never reached the fake MX" % tag)


class RelayDripInData(unittest.TestCase):
    """A client dripping a byte every 0.2 s inside DATA is cut off by the per-request deadline
    (500 bytes/s minimum) at about --smtpd-timeout, while ordinary mail is relayed."""

    TIMEOUT = 3

    def test_dripper_is_cut_off_and_mail_flows(self):
        with FakeMx() as mx, Relay(mx.port, "--smtpd-timeout", "%ds" % self.TIMEOUT) as relay:
            raw = RawSmtp(relay.port, sock=abuser_socket(relay.port))
            raw.greet("dripper.test")
            self.assertEqual(raw.command("MAIL FROM:<d@dripper.test>")[0], 250)
            self.assertEqual(raw.command("RCPT TO:<b@example.test>")[0], 250)
            self.assertEqual(raw.command("DATA")[0], 354)
            drip = Dripper(raw.sock, 0.2, limit=30)
            drip.start()
            relay_ordinary_mail(self, relay, mx, "while dripping")
            drip.join(timeout=20)
            self.assertFalse(drip.is_alive(), "the dripper was never cut off")
            self.assertIn(b"421 4.4.2", read_until_closed(raw.sock, 5))
            self.assertLess(drip.closed_after, self.TIMEOUT + 4)
            raw.close()
            relay_ordinary_mail(self, relay, mx, "after the dripper")
            self.assertLess(rss_kb(relay.proc.pid), rss_limit_kb())
            self.assertEqual(relay.stop(), 0, relay.stderr_text())


class RelayIdleFlood(unittest.TestCase):
    """A thousand idle connections from one address: it gets half the budget and 421 beyond;
    ordinary mail is still accepted and delivered."""

    FLOOD = 1000

    def test_idle_flood(self):
        need_descriptors(self, self.FLOOD + 200)
        with FakeMx() as mx, Relay(mx.port) as relay:
            flood = []
            try:
                for _ in range(self.FLOOD):
                    flood.append(abuser_socket(relay.port))
                refused = sum(1 for s in flood[-50:] if s.recv(512).startswith(b"421"))
                self.assertEqual(refused, 50)
                self.assertTrue(flood[0].recv(512).startswith(b"220"))
                for i in range(3):
                    relay_ordinary_mail(self, relay, mx, "during flood %d" % i)
                self.assertLess(rss_kb(relay.proc.pid), rss_limit_kb())
            finally:
                for s in flood:
                    s.close()
            self.assertEqual(relay.stop(), 0, relay.stderr_text())


class RelayDescriptors(unittest.TestCase):
    """With a hard limit of 64 descriptors (spool segments, the spool lock, the delivery
    connection and the listener all count) a flood gets 421s, ordinary mail is still relayed,
    and everything frees afterwards."""

    def test_flood_at_a_low_hard_limit(self):
        if shutil.which("prlimit") is None:
            relaylab_proc.skip.missing("prlimit (util-linux) is not installed")
        with FakeMx() as mx, Relay(mx.port, wrapper=("prlimit", "--nofile=64:64", "--")) as relay:
            flood = []
            try:
                for _ in range(200):
                    flood.append(abuser_socket(relay.port))
                refused = sum(1 for s in flood[-20:] if s.recv(512).startswith(b"421"))
                self.assertEqual(refused, 20)
                relay_ordinary_mail(self, relay, mx, "low limit")
            finally:
                for s in flood:
                    s.close()
            for i in range(20):
                relay_ordinary_mail(self, relay, mx, "after %d" % i)
            self.assertEqual(relay.stop(), 0, relay.stderr_text())


if __name__ == "__main__":
    test_abuse.relaylab_proc.main()
