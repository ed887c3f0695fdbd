"""`relaylab sink --count N` accepts exactly N messages however many senders race for the last
one: the Nth 250 is reserved at the end-of-data decision, a message beyond N gets
421 4.3.2 and its connection is closed, and the sink then exits with messages == N.
(It used to poll its counter every 50 ms and let sessions accept on meanwhile: 100 for 50.)
Peers: `relaylab send` (counts what it saw accepted) and a raw socket (exact replies)."""

import json
import socket
import time
import unittest

import relaylab_proc
from relaylab_proc import LOOPBACK, MAX_REPLY_OCTETS, SOCKET_TIMEOUT, Sink, main, run_peer

LIMIT = 50
OFFERED = 100
EXIT_TIMEOUT = 15.0  # seconds for the sink to leave after its Nth message (polls every 50 ms)


class SinkCountIsExact(unittest.TestCase):
    def send_over_limit(self, *extra):
        with Sink("--count", LIMIT) as sink:
            rc, out = run_peer([relaylab_proc.RELAYLAB, "send", "--server",
                                "%s:%d" % (LOOPBACK, sink.port), "--count", str(OFFERED),
                                "--json", *extra])
            counts = sink.wait_exit(timeout=EXIT_TIMEOUT)
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.fail("relaylab send printed no JSON:\n" + out)
        # Some messages failed, so send exits non-zero; what matters is who saw what.
        self.assertNotEqual(rc, 0, out)
        self.assertEqual(result["sent"], LIMIT, result)
        self.assertIsNotNone(counts, "no JSON counts after --count")
        self.assertEqual(counts["messages"], LIMIT, counts)
        self.assertEqual(sum(result["failed"].values()), OFFERED - LIMIT, result)
        return result

    def test_twenty_connections_race(self):
        result = self.send_over_limit("--concurrency", "20")
        # Every connection open when the limit fell was told 421, none got a 250 for more.
        self.assertGreater(result["failed"].get("421", 0), 0, result)
        self.assertIn("421 4.3.2", result.get("first_error", ""), result)

    def test_open_loop_rate(self):
        # Open loop: new connections keep coming; after the 421s the sink is gone (connect
        # failures), never a 51st acceptance.
        self.send_over_limit("--rate", "400", "--concurrency", "20")

    def test_reply_beyond_limit(self):
        """The N+1st message gets 421 4.3.2 at its end of data and the connection closes.

        Three transactions in one write (smtplib would wait for each reply, and the sink may
        already be stopping by the third): the server handles all it has read before it looks
        at its stop flag, so the third is refused by the --count decision, not by the stop."""
        message = (b"MAIL FROM:<a@relaylab.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
                   b"Subject: x\r\n\r\nbody\r\n.\r\n")
        with Sink("--count", 2) as sink:
            with socket.create_connection((LOOPBACK, sink.port), timeout=SOCKET_TIMEOUT) as s:
                s.sendall(b"EHLO client.relaylab.test\r\n" + message * 3)
                received = b""
                deadline = time.monotonic() + SOCKET_TIMEOUT
                while time.monotonic() < deadline and len(received) < MAX_REPLY_OCTETS:
                    chunk = s.recv(4096)
                    if not chunk:
                        break  # the server closed the connection
                    received += chunk
                else:
                    self.fail("connection still open after the 421: %r" % received)
            started = time.monotonic()
            counts = sink.wait_exit(timeout=EXIT_TIMEOUT)
            self.assertLess(time.monotonic() - started, 5.0, "sink did not stop promptly")
        lines = received.decode("ascii", "replace").splitlines()
        self.assertEqual(sum(1 for l in lines if l.startswith("250 2.0.0 Ok: queued")), 2, lines)
        self.assertEqual(lines[-1], "421 4.3.2 service shutting down", lines)
        self.assertEqual(counts["messages"], 2, counts)

if __name__ == "__main__":
    main()
