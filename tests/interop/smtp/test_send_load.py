"""`relaylab send` as README documents it, checked at real receivers: `--size N` is exactly N
octets per message as received (headers and CRLFs included, dot-stuffing undone), counted by
`relaylab sink --json` and by Python's smtpd (an independent server, no PIPELINING, so the
client's one-command-at-a-time path too); `--recipients`; and a greeting that never comes is
counted as `timeout`, not `session`."""

import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import unittest
import warnings

import relaylab_proc
from relaylab_proc import LOOPBACK, Sink, main, run_peer

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore  # noqa: E402  (smtpd's event loop; both deprecated, both in Python 3.11)
    import smtpd  # noqa: E402

MESSAGES = 60


def send(port, *extra):
    rc, out = run_peer([relaylab_proc.RELAYLAB, "send", "--server", "%s:%d" % (LOOPBACK, port),
                        "--json", *[str(e) for e in extra]])
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if not lines:
        raise AssertionError("relaylab send printed no JSON:\n" + out)
    return rc, json.loads(lines[-1]), out


class Receiver(smtpd.SMTPServer):
    """smtpd on an ephemeral loopback port, keeping each message's octets as transmitted."""

    def __init__(self):
        super().__init__((LOOPBACK, 0), None, decode_data=False)
        self.port = self.socket.getsockname()[1]
        self.messages = []  # (recipients, octets)
        self.lock = threading.Lock()

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        # smtpd joins the unstuffed lines with LF and drops the final CRLF: put them back.
        octets = data.replace(b"\n", b"\r\n") + b"\r\n"
        with self.lock:
            self.messages.append((list(rcpttos), octets))
        return None  # 250 OK

    def __enter__(self):
        self.stop_flag = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while not self.stop_flag:
            asyncore.loop(timeout=0.05, count=1)

    def __exit__(self, *exc):
        self.stop_flag = True
        self.thread.join(timeout=10)
        self.close()
        asyncore.close_all()
        return False


class ExactSize(unittest.TestCase):
    def test_sink_counts_exactly_size_times_count(self):
        for size in (400, 1024, 1180, 20000):
            for extra in ((), ("--chunking",), ("--recipients", "3")):
                with self.subTest(size=size, extra=extra):
                    with Sink("--count", MESSAGES) as sink:
                        rc, result, out = send(sink.port, "--count", MESSAGES, "--concurrency", 3,
                                               "--size", size, *extra)
                        self.assertEqual(rc, 0, out)
                        self.assertEqual(result["sent"], MESSAGES, out)
                        counts = sink.wait_exit(timeout=30)
                    self.assertEqual(counts["messages"], MESSAGES, counts)
                    self.assertEqual(counts["bytes"], MESSAGES * size, counts)

    def test_smtpd_receives_exactly_size(self):
        with Receiver() as receiver:
            rc, result, out = send(receiver.port, "--count", 20, "--concurrency", 2, "--size",
                                   2345, "--recipients", "1-3", "--to", "user{n}.{r}@example.test")
            self.assertEqual(rc, 0, out)
            self.assertEqual(result["sent"], 20, out)
            with receiver.lock:
                messages = list(receiver.messages)
        self.assertEqual(len(messages), 20)
        for recipients, octets in messages:
            self.assertEqual(len(octets), 2345, octets[:400])
            self.assertIn(b"\r\nX-Relaylab-Id: run-", octets)
            self.assertGreaterEqual(len(recipients), 1)
            self.assertLessEqual(len(recipients), 3)
            self.assertEqual(len(set(recipients)), len(recipients), recipients)


class EventsAndRunId(unittest.TestCase):
    """--events writes one line per outcome with the tracking id the message carried (smtpd, a
    peer we did not write, sees the header) and the queue id of the 250; --run-id sets their
    prefix; a run id that could break the header line is refused."""

    def test_events_match_what_arrived(self):
        events_path = os.path.join(tempfile.mkdtemp(prefix="relaylab-send-events-"), "ev.jsonl")
        with Receiver() as receiver:
            rc, result, out = send(receiver.port, "--count", 12, "--concurrency", 3,
                                   "--run-id", "nightly-7", "--events", events_path)
            self.assertEqual(rc, 0, out)
            with receiver.lock:
                arrived = [re.search(rb"\r\nX-Relaylab-Id: (\S+)\r\n", octets).group(1).decode()
                           for _, octets in receiver.messages]
        with open(events_path) as f:
            events = [json.loads(line) for line in f]
        shutil.rmtree(os.path.dirname(events_path), ignore_errors=True)
        self.assertEqual(sorted(e["n"] for e in events), list(range(1, 13)))
        # smtpd's "250 OK" names no queue id: the field is there, empty (not made up).
        self.assertTrue(all(e["event"] == "accepted" and e["queue_id"] == "" for e in events),
                        events)
        self.assertEqual(sorted(e["tracking_id"] for e in events), sorted(arrived))
        self.assertEqual(sorted(arrived), sorted("nightly-7-%d" % n for n in range(1, 13)))

    def test_bad_run_id_is_refused(self):
        for bad in ("two words", "a\r\nBcc: x@y", "", "x" * 65):
            rc, out = run_peer([relaylab_proc.RELAYLAB, "send", "--server", "127.0.0.1:9",
                                "--run-id", bad])
            self.assertEqual(rc, 2, out)
            self.assertIn("--run-id", out)


class GreetingTimeout(unittest.TestCase):
    def test_silent_server_counts_as_timeout(self):
        # A server that accepts and never greets: each attempt fails at the greeting timeout.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((LOOPBACK, 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        held = []
        stop = threading.Event()

        def accept():
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                    held.append(conn)
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            started = time.monotonic()
            rc, result, out = send(port, "--count", 2, "--concurrency", 1, "--timeout", "0.5")
            self.assertLess(time.monotonic() - started, 20, out)
        finally:
            stop.set()
            thread.join(timeout=5)
            for conn in held:
                conn.close()
            listener.close()
        self.assertEqual(rc, 1, out)
        self.assertEqual(result["sent"], 0, out)
        self.assertEqual(result["failed"], {"timeout": 2}, out)
        self.assertIn("timed out waiting for the greeting", result.get("first_error", ""), out)


if __name__ == "__main__":
    main()
