"""Shared helpers for the SMTP interop tests: start `relaylab sink` on an ephemeral loopback
port, always stop it, and read its final counts; a raw SMTP client for hostile input.

Standard library only (the tests run under Debian's /usr/bin/python3 on a fresh machine).
Every wait here is bounded: a hung server fails the test, it never hangs ctest.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import skip  # noqa: E402  tests/lib/skip.py: the one skip rule (77, or a failure with CI=true)

# Bounds on every wait (seconds). Generous because CI runs relaylab under ASan on 2 busy cores.
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
SOCKET_TIMEOUT = 10.0
PEER_TIMEOUT = 60.0  # one run of swaks, smtp-source, openssl, relaylab send
LOOPBACK = "127.0.0.1"

# Largest reply we read before calling the server broken (RFC 5321 4.5.3.1.5 allows 512 octets
# a line; a few lines of EHLO keywords fit easily).
MAX_REPLY_OCTETS = 64 * 1024

RELAYLAB = None  # set by main()


def main():
    """unittest.main() with a required --relaylab PATH argument in front; a skipped test makes
    the script exit 77 (a failure with CI=true), see tests/lib/skip.py."""
    global RELAYLAB
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--relaylab", required=True, help="path of the relaylab binary")
    args, rest = parser.parse_known_args()
    RELAYLAB = os.path.abspath(args.relaylab)
    if not os.access(RELAYLAB, os.X_OK):
        sys.exit("relaylab binary not found or not executable: " + RELAYLAB)
    skip.run_tests([sys.argv[0]] + rest)


def require_tool(testcase, path):
    """A peer program: skipped when absent (exit 77), a failure with CI=true (bootstrap.sh
    installs every one of them: see test_packages in scripts/bootstrap.sh)."""
    return skip.require_program(path)


def free_port():
    """A loopback TCP port that was free a moment ago (for peers that cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class Sink:
    """`relaylab sink --listen 127.0.0.1:0 --json [extra]` as a context manager.

    stdout and stderr go to temporary files, so a chatty sink can never block on a full pipe.
    After the `with` block (or stop()), `counts` holds the final JSON object.
    """

    def __init__(self, *extra, tls_listen=False):
        self.args = [RELAYLAB, "sink", "--listen", LOOPBACK + ":0", "--json"]
        if tls_listen:
            self.args += ["--tls-listen", LOOPBACK + ":0"]
        self.args += [str(a) for a in extra]
        self.tls_listen = tls_listen
        self.port = None
        self.tls_port = None
        self.counts = None
        self.returncode = None
        self.proc = None

    def __enter__(self):
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.err = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        try:
            self._wait_listening()
        except BaseException:
            self._kill()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.returncode is None:
            self.stop(check=exc_type is None)
        self.out.close()
        self.err.close()
        return False

    def _stdout_text(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stderr_text(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def _wait_listening(self):
        wanted = 2 if self.tls_listen else 1
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            lines = self._stdout_text().splitlines()
            complete = [l for l in lines if l.startswith("listening")]
            if len(complete) >= wanted and self._stdout_text().endswith("\n"):
                plain = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", complete[0])
                if not plain:
                    raise AssertionError("unexpected first line from relaylab sink: %r"
                                         % complete[0])
                self.port = int(plain.group(1))
                if self.tls_listen:
                    tls = re.fullmatch(r"listening \(implicit TLS\) on 127\.0\.0\.1:(\d+)",
                                       complete[1])
                    if not tls:
                        raise AssertionError("unexpected second line from relaylab sink: %r"
                                             % complete[1])
                    self.tls_port = int(tls.group(1))
                return
            if self.proc.poll() is not None:
                raise AssertionError("relaylab sink exited with %d before listening: %s"
                                     % (self.proc.returncode, self.stderr_text()))
            time.sleep(0.01)
        raise AssertionError("relaylab sink did not print 'listening on' within %ss"
                             % STARTUP_TIMEOUT)

    def alive(self):
        return self.proc.poll() is None

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def _collect(self):
        self.returncode = self.proc.returncode
        lines = [l for l in self._stdout_text().splitlines() if l.startswith("{")]
        if lines:
            self.counts = json.loads(lines[-1])
        return self.counts

    def wait_exit(self, timeout):
        """For --count/--duration: the sink must exit by itself within `timeout` seconds."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            self._collect()
            raise AssertionError("relaylab sink did not exit by itself within %ss" % timeout)
        return self._collect()

    def stop(self, check=True):
        """SIGTERM, then the final counts. A sink that ignores SIGTERM is a failure."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill()
                self._collect()
                if check:
                    raise AssertionError("relaylab sink ignored SIGTERM for %ss" % STOP_TIMEOUT)
                return self.counts
        self._collect()
        if check:
            if self.returncode != 0:
                raise AssertionError("relaylab sink exited with %d: %s"
                                     % (self.returncode, self.stderr_text()[-2000:]))
            if self.counts is None:
                raise AssertionError("relaylab sink printed no JSON counts: %r"
                                     % self._stdout_text())
        return self.counts


def run_peer(args, timeout=PEER_TIMEOUT, input_bytes=None):
    """Runs a peer program to completion; returns (exit code, stdout+stderr text)."""
    try:
        done = subprocess.run(args, input=input_bytes, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout,
                              stdin=None if input_bytes is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = (e.output or b"").decode("utf-8", "replace")
        raise AssertionError("%s did not finish within %ss; output so far:\n%s"
                             % (" ".join(args), timeout, out[-4000:]))
    return done.returncode, done.stdout.decode("utf-8", "replace")


class RawSmtp:
    """A byte-level SMTP client for input no well-behaved client library would send."""

    def __init__(self, port, timeout=SOCKET_TIMEOUT, sock=None):
        self.sock = sock or socket.create_connection((LOOPBACK, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buffer = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection; unread: %r" % self.buffer)
        self.buffer += chunk
        if len(self.buffer) > MAX_REPLY_OCTETS:
            raise AssertionError("reply longer than %d octets" % MAX_REPLY_OCTETS)

    def reply(self):
        """One (multi-line) reply: (code, [text lines]). Raises on close or timeout."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            if not re.match(r"^\d{3}[ -]", text + " "):
                raise AssertionError("malformed reply line %r" % text)
            lines.append(text[4:])
            if len(text) == 3 or text[3] == " ":
                return int(text[:3]), lines

    def command(self, line):
        """Sends `line` + CRLF (bytes or str) and returns its reply."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def greet(self, ehlo="client.test"):
        code, _ = self.reply()
        assert code == 220, "greeting %d" % code
        code, lines = self.command("EHLO " + ehlo)
        assert code == 250, "EHLO got %d %r" % (code, lines)
        return lines

    def wait_closed(self, timeout=SOCKET_TIMEOUT):
        """Reads until the server closes; returns what it sent. Times out -> AssertionError."""
        self.sock.settimeout(timeout)
        data = self.buffer
        self.buffer = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return data
                data += chunk
                if len(data) > MAX_REPLY_OCTETS:
                    raise AssertionError("server keeps talking: %r" % data[:200])
        except ConnectionResetError:
            return data
        except socket.timeout:
            raise AssertionError("server did not close within %ss; got %r" % (timeout, data))
