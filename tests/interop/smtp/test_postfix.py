"""Postfix's own load tools as peers: smtp-source sends to `relaylab sink`, and `relaylab send`
sends to smtp-sink. Both count on their side, so each direction is checked at both ends."""

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import relaylab_proc
from relaylab_proc import (LOOPBACK, Sink, free_port, main,
                           require_tool, run_peer)

SMTP_SOURCE = "/usr/sbin/smtp-source"
SMTP_SINK = "/usr/sbin/smtp-sink"
SOURCE_MESSAGES = 200
SOURCE_SESSIONS = 5
SEND_MESSAGES = 500
SEND_CONCURRENCY = 5


class SmtpSourceToSink(unittest.TestCase):
    def setUp(self):
        require_tool(self, SMTP_SOURCE)

    def run_source(self, *extra):
        with Sink("--count", SOURCE_MESSAGES) as sink:
            # -M: no hostname lookup for the HELO name and the default addresses. A later -l
            # in `extra` overrides the 1 KB body.
            rc, out = run_peer([SMTP_SOURCE, "-s", str(SOURCE_SESSIONS), "-m",
                                str(SOURCE_MESSAGES), "-l", "1024", "-M", "client.test",
                                *extra, "%s:%d" % (LOOPBACK, sink.port)])
            self.assertEqual(rc, 0, out)
            self.assertNotRegex(out, r"(?i)(error|fatal|warning)", out)
            # The sink leaves by itself after --count messages.
            counts = sink.wait_exit(timeout=30)
            self.assertEqual(sink.returncode, 0, sink.stderr_text())
            self.assertIsNotNone(counts, "no JSON counts after --count")
            self.assertEqual(counts["messages"], SOURCE_MESSAGES, counts)
            self.assertGreater(counts["bytes"], SOURCE_MESSAGES * 1024, counts)
            return counts

    def test_connection_per_message(self):
        counts = self.run_source()
        # smtp-source opens a new connection for every message without -d.
        self.assertEqual(counts["connections"], SOURCE_MESSAGES, counts)

    def test_one_connection_per_session(self):
        counts = self.run_source("-d")
        self.assertEqual(counts["connections"], SOURCE_SESSIONS, counts)

    def test_several_recipients_large_bodies(self):
        # -r: recipients per message; bodies of 100 KB cross many socket reads.
        counts = self.run_source("-d", "-r", "3", "-l", "102400")
        self.assertGreater(counts["bytes"], SOURCE_MESSAGES * 102400, counts)


class SmtpSink:
    """Postfix smtp-sink on a free loopback port; its -c counter is read from stdout."""

    START_ATTEMPTS = 3  # the free port may be taken by someone else before smtp-sink binds it

    def __enter__(self):
        for attempt in range(self.START_ATTEMPTS):
            if self._start():
                break
            if attempt + 1 == self.START_ATTEMPTS:
                raise AssertionError("smtp-sink did not start: " + self.output())
        # The probe connection in _start() counts as a session; remember where we start.
        self.base = self.wait_counts(lambda c: c["sess"] >= 1, 5)
        return self

    def _start(self):
        self.port = free_port()
        args = [SMTP_SINK, "-c"]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]  # smtp-sink refuses to run as root
        args += ["%s:%d" % (LOOPBACK, self.port), "100"]
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((LOOPBACK, self.port), timeout=1).close()
                return True
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    if self.proc.poll() is None:
                        self.proc.kill()
                    self.proc.wait(timeout=10)
                    return False
                time.sleep(0.02)

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

    def output(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def counts(self):
        found = re.findall(r"sess=(\d+) quit=(\d+) mesg=(\d+)", self.output())
        if not found:
            return {"sess": 0, "quit": 0, "mesg": 0}
        sess, quit_, mesg = (int(x) for x in found[-1])
        return {"sess": sess, "quit": quit_, "mesg": mesg}

    def wait_counts(self, predicate, timeout):
        """smtp-sink updates its counter after each session: wait until it settles."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if predicate(counts) or time.monotonic() > deadline:
                return counts
            time.sleep(0.02)


class SendToSmtpSink(unittest.TestCase):
    def setUp(self):
        require_tool(self, SMTP_SINK)

    def send(self, sink, *extra, count=SEND_MESSAGES):
        rc, out = run_peer([relaylab_proc.RELAYLAB, "send", "--server", "%s:%d" % (LOOPBACK, sink.port),
                            "--count", str(count), "--concurrency", str(SEND_CONCURRENCY),
                            "--json", *extra])
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.fail("relaylab send printed no JSON:\n" + out)
        self.assertEqual(rc, 0, out)
        self.assertEqual(result["sent"], count, result)
        self.assertEqual(result["failed"], {}, result)
        latency = result["latency_ms"]
        self.assertTrue(0 <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"],
                        latency)
        self.assertGreater(result["msgs_per_s"], 0, result)
        return result

    def check(self, *extra, count=SEND_MESSAGES):
        with SmtpSink() as sink:
            result = self.send(sink, *extra, count=count)
            base = sink.base
            counts = sink.wait_counts(lambda c: c["mesg"] >= base["mesg"] + count and
                                      c["sess"] >= base["sess"] + result["connections"], 10)
            # What smtp-sink counted is what relaylab says it sent: nothing lost, nothing extra.
            self.assertEqual(counts["mesg"] - base["mesg"], count, (counts, base))
            self.assertEqual(counts["sess"] - base["sess"], result["connections"],
                             (counts, base, result))
            return result

    def test_pipelined(self):
        result = self.check()
        self.assertEqual(result["connections"], SEND_CONCURRENCY, result)

    def test_no_pipelining(self):
        result = self.check("--no-pipelining")
        self.assertEqual(result["connections"], SEND_CONCURRENCY, result)

    def test_one_message_per_connection(self):
        count = 100  # a connection each: keep the count small
        result = self.check("--messages-per-connection", "1", count=count)
        self.assertEqual(result["connections"], count, result)


if __name__ == "__main__":
    main()
