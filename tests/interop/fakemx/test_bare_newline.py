"""`relaylab fake-mx --bare-newline` and the behaviour key `bare_newline`: a raw socket client
sends SMTP smuggling look-alikes (<LF>.<LF>, <CRLF>.<LF>, <CRLF>.<NUL><CRLF>) inside DATA; hosts
that normalize or accept capture the message, and its `findings` (read with curl from the API)
count them; a host that rejects answers 550 5.5.2 and captures nothing; the smuggled command
never runs (one message per DATA).

Exits 77 (ctest skip) with a reason when curl is absent; under CI=true that is a failure.
Loopback only, ephemeral ports, every wait bounded.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import fakemx_proc
from fakemx_proc import LOOPBACK, FakeMx, write_json

CURL = "/usr/bin/curl"
SOCKET_TIMEOUT = 10.0
CURL_TIMEOUT = 10

# Each look-alike is content to us; to a receiver that ends data on it, what follows would be a
# second, smuggled transaction.
SMUGGLING_BODY = (b"Subject: smuggle\r\n\r\n"
                  b"line1\n.\nMAIL FROM:<evil@smuggled.test>\r\n"  # <LF>.<LF>
                  b"a\r\n.\nRCPT TO:<victim@smuggled.test>\r\n"    # <CRLF>.<LF>
                  b"b\r\n.\x00\r\nDATA\r\n"                          # <CRLF>.<NUL><CRLF>
                  b"end\r\n")
EXPECTED = {"bare_lf": 3, "nul": 1, "eod_lookalikes": 3, "bare_newlines": True}


def read_reply(sock_file):
    """One SMTP reply (all its lines) as text; raises on EOF."""
    lines = []
    while True:
        line = sock_file.readline(1024)
        if not line:
            raise AssertionError("connection closed after %r" % lines)
        lines.append(line.decode("ascii", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            return "\n".join(lines)


def send_smuggling(port):
    """One transaction with the smuggling body; returns the reply to the end of data."""
    with socket.create_connection((LOOPBACK, port), timeout=SOCKET_TIMEOUT) as sock:
        sock.settimeout(SOCKET_TIMEOUT)
        f = sock.makefile("rb")
        assert read_reply(f).startswith("220")
        for command, code in ((b"EHLO client.test", "250"),
                              (b"MAIL FROM:<a@sender.test>", "250"),
                              (b"RCPT TO:<b@receiver.test>", "250"),
                              (b"DATA", "354")):
            sock.sendall(command + b"\r\n")
            reply = read_reply(f)
            assert reply.startswith(code), (command, reply)
        sock.sendall(SMUGGLING_BODY + b".\r\n")
        final = read_reply(f)
        sock.sendall(b"QUIT\r\n")
        assert read_reply(f).startswith("221")
        return final


def curl_json(api_port, path):
    done = subprocess.run([CURL, "-s", "-f", "--max-time", str(CURL_TIMEOUT),
                           "http://%s:%d%s" % (LOOPBACK, api_port, path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=CURL_TIMEOUT + 5)
    if done.returncode != 0:
        raise AssertionError("curl %s: exit %d %r" % (path, done.returncode, done.stderr))
    return done.stdout


class BareNewlinePolicy(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="relaylab-bare-newline-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_policies_per_host(self):
        accept = write_json(self.dir, "accept.json", {"bare_newline": "accept"})
        reject = write_json(self.dir, "reject.json", {"bare_newline": "reject"})
        hosts = ["mx-normalize.test", "mx-accept.test", "mx-reject.test"]
        with FakeMx("--bare-newline", "normalize",
                    "--behaviour", "mx-accept.test=" + accept,
                    "--behaviour", "mx-reject.test=" + reject, hosts=hosts) as mx:
            for host in hosts:
                final = send_smuggling(mx.ports[host])
                if host == "mx-reject.test":
                    self.assertTrue(final.startswith("550 5.5.2"), final)
                else:
                    self.assertTrue(final.startswith("250 2.0.0"), (host, final))

            listing = json.loads(curl_json(mx.api_port, "/api/v1/messages"))
            # Two captured messages, no smuggled second transaction anywhere.
            self.assertEqual(listing["total"], 2, listing)
            by_host = {m["host"]: m for m in listing["messages"]}
            self.assertEqual(sorted(by_host), ["mx-accept.test", "mx-normalize.test"])
            for host, entry in by_host.items():
                self.assertEqual(entry["from"], "a@sender.test")
                self.assertEqual(entry["to"], ["b@receiver.test"])
                facts = json.loads(curl_json(mx.api_port, "/api/v1/messages/%d" % entry["id"]))
                findings = facts["findings"]
                for key, want in EXPECTED.items():
                    self.assertEqual(findings[key], want, (host, key, findings))

            raw_accept = curl_json(mx.api_port,
                                   "/api/v1/messages/%d/raw" % by_host["mx-accept.test"]["id"])
            raw_normal = curl_json(mx.api_port,
                                   "/api/v1/messages/%d/raw" % by_host["mx-normalize.test"]["id"])
            # accept stores the bytes as sent; normalize makes every bare LF a CRLF.
            self.assertIn(b"line1\n.\nMAIL FROM:<evil@smuggled.test>\r\n", raw_accept)
            self.assertIn(b"line1\r\n.\r\nMAIL FROM:<evil@smuggled.test>\r\n", raw_normal)
            self.assertNotIn(b"\n.\n", raw_normal)

            sessions = json.loads(curl_json(mx.api_port, "/api/v1/sessions"))
            text = json.dumps(sessions)
            self.assertNotIn("evil@smuggled.test", text)  # never run as a command
            self.assertIn("550 5.5.2", text)

    def test_bad_policy_is_a_usage_error(self):
        done = subprocess.run([fakemx_proc.relaylab(), "fake-mx", "--listen", LOOPBACK + ":0",
                               "--api", "none", "--bare-newline", "strip"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn(b"--bare-newline", done.stderr)


if __name__ == "__main__":
    if not os.path.exists(CURL):
        reason = "%s is not installed" % CURL
        if os.environ.get("CI") == "true":
            print("FAIL: " + reason + " (CI=true: a missing peer is a failure)")
            sys.exit(1)
        print("SKIP: " + reason)
        sys.exit(77)
    fakemx_proc.main()
