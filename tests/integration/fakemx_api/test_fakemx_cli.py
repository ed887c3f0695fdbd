"""`relaylab fake-mx` as documented (README, docs/fake-mx-api.md, docs/fake-mx-behaviours.md),
tried the way a user would, with curl for the API and Postfix's smtp-source for traffic:

- `--count N` accepts exactly N messages however many sessions race for the last one;
- `--store DIR` writes every message (the writes run on the worker pool) and `raw_available` /
  `raw.available` turn false when the Maildir file is removed, as `/raw` turns 410;
- `/metrics` carries the per-host `relaylab_fakemx_server_*` series with a host label;
- `/api/v1/sessions?client_ip=bad` is 400;
- the `slow` preset's banner is complete after 2-3 s, not ~10 s.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits. A
missing peer exits 77 (ctest skip) with the reason; under CI=true it fails instead.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "fakemx"))
import fakemx_proc  # noqa: E402
from fakemx_proc import FakeMx, run_peer  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
CURL = "/usr/bin/curl"
CURL_MAX_TIME = "10"


def require_peers():
    missing = [p for p in (SMTP_SOURCE, CURL) if shutil.which(p) is None]
    if missing:
        print("peer program(s) not installed: %s" % ", ".join(missing))
        sys.exit(1 if os.environ.get("CI") == "true" else 77)


def curl(port, path):
    """(HTTP status, body text) of GET http://127.0.0.1:port/path through Debian's curl."""
    done = subprocess.run([CURL, "-sS", "--max-time", CURL_MAX_TIME, "-o", "-", "-w",
                           "\n%{http_code}", "http://127.0.0.1:%d%s" % (port, path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if done.returncode != 0:
        raise AssertionError("curl %s: exit %d %s" % (path, done.returncode, done.stderr))
    text = done.stdout.decode("utf-8", "replace")
    body, _, status = text.rpartition("\n")
    return int(status), body


def smtp_source(port, messages, sessions):
    """Postfix's load generator; its exit code is not asserted (a 421 may end a session)."""
    return run_peer([SMTP_SOURCE, "-m", str(messages), "-s", str(sessions), "-l", "300",
                     "-M", "client.test", "-f", "sender@client.test", "-t", "rcpt@mx.test",
                     "127.0.0.1:%d" % port], timeout=120)


class FakeMxAsDocumented(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_count_accepts_exactly_n(self):
        store = os.path.join(self.tmp, "maildir")
        with FakeMx("--count", "50", "--store", store, "--json") as mx:
            smtp_source(mx.port, messages=100, sessions=10)
            mx.proc.wait(timeout=fakemx_proc.STOP_TIMEOUT)
            mx.returncode = mx.proc.returncode
            self.assertEqual(mx.returncode, 0, mx.stderr_text())
            stats = json.loads(mx.stdout_text().strip().splitlines()[-1])
        accepted = sum(h["messages"] for h in stats["hosts"])
        self.assertEqual(accepted, 50, stats)
        self.assertEqual(len(os.listdir(os.path.join(store, "new"))), 50)
        self.assertEqual(os.listdir(os.path.join(store, "tmp")), [])

    def test_store_metrics_and_sessions_filter(self):
        store = os.path.join(self.tmp, "maildir")
        with FakeMx("--store", store) as mx:
            smtp_source(mx.port, messages=3, sessions=1)
            self.assertTrue(mx.wait_for(lambda: mx.messages()["total"] == 3, timeout=20))
            status, body = curl(mx.api_port, "/api/v1/messages")
            self.assertEqual(status, 200, body)
            page = json.loads(body)
            self.assertTrue(all(m["raw_available"] for m in page["messages"]), page)

            newest = page["messages"][0]
            status, body = curl(mx.api_port, "/api/v1/messages/%d" % newest["id"])
            detail = json.loads(body)
            self.assertTrue(detail["raw"]["available"])
            self.assertIsNotNone(detail["raw"]["maildir_file"])

        # Again with the raw content only in the Maildir (a memory bound of 0 MB keeps none).
        with FakeMx("--store", store, "--memory-limit", "0") as mx:
            smtp_source(mx.port, messages=3, sessions=1)
            self.assertTrue(mx.wait_for(lambda: mx.messages()["total"] == 3, timeout=20))
            page = json.loads(curl(mx.api_port, "/api/v1/messages")[1])
            victim = page["messages"][1]
            detail = json.loads(curl(mx.api_port, "/api/v1/messages/%d" % victim["id"])[1])
            self.assertTrue(detail["raw"]["available"])
            os.remove(os.path.join(store, detail["raw"]["maildir_file"]))

            status, _ = curl(mx.api_port, "/api/v1/messages/%d/raw" % victim["id"])
            self.assertEqual(status, 410)
            detail = json.loads(curl(mx.api_port, "/api/v1/messages/%d" % victim["id"])[1])
            self.assertFalse(detail["raw"]["available"], detail)
            page = json.loads(curl(mx.api_port, "/api/v1/messages")[1])
            available = {m["id"]: m["raw_available"] for m in page["messages"]}
            self.assertEqual(available[victim["id"]], False, page)
            self.assertEqual(sum(available.values()), 2, page)

            # docs/fake-mx-api.md: every number of the server's stats, per host with its label.
            status, metrics = curl(mx.api_port, "/metrics")
            self.assertEqual(status, 200)
            host = list(mx.ports)[0]
            self.assertRegex(metrics, r"(?m)^# TYPE relaylab_fakemx_server_hosts_messages untyped$")
            self.assertIn('relaylab_fakemx_server_hosts_messages{host="%s"} 3\n' % host, metrics)
            self.assertRegex(metrics, r'(?m)^relaylab_fakemx_server_hosts_connections\{host="%s"\} [1-9]\d*$'
                             % re.escape(host))

            status, body = curl(mx.api_port, "/api/v1/sessions?client_ip=bad")
            self.assertEqual(status, 400, body)
            self.assertIn("client_ip", json.loads(body)["error"])
            status, body = curl(mx.api_port, "/api/v1/sessions?client_ip=127.0.0.1")
            self.assertEqual(status, 200, body)
            self.assertGreaterEqual(json.loads(body)["total"], 1)

    def test_slow_preset_banner_in_two_to_three_seconds(self):
        with FakeMx("--behaviour", "slow") as mx:
            with socket.create_connection(("127.0.0.1", mx.port), timeout=15) as s:
                started = time.monotonic()
                banner = b""
                while not banner.endswith(b"\r\n") and len(banner) < 1024:
                    chunk = s.recv(1024)
                    if not chunk:
                        break
                    banner += chunk
                elapsed = time.monotonic() - started
                s.sendall(b"QUIT\r\n")
        self.assertTrue(banner.startswith(b"220 "), banner)
        # docs/fake-mx-behaviours.md: "banner after 2-3 s". The lower bound is the preset's
        # delay; the upper one leaves room for a loaded CI machine (it was ~10 s before).
        self.assertGreaterEqual(elapsed, 1.5, banner)
        self.assertLess(elapsed, 5.0, banner)


if __name__ == "__main__":
    require_peers()
    fakemx_proc.main()
