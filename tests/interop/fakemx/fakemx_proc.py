"""Shared helpers for the `relaylab fake-mx` interop tests: start the real binary on ephemeral
loopback ports (one or more hosts plus the HTTP API), talk to the API, always stop it.

Standard library only, Debian's /usr/bin/python3; every wait is bounded.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "smtp"))
import relaylab_proc  # noqa: E402
from relaylab_proc import LOOPBACK, run_peer  # noqa: E402,F401

STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
HTTP_TIMEOUT = 10.0
SWAKS = "/usr/bin/swaks"


def main():
    relaylab_proc.main()


def relaylab():
    return relaylab_proc.RELAYLAB


def skip_without(testcase, path):
    """A peer program: skipped when absent (exit 77), a failure with CI=true (tests/lib/skip.py)."""
    relaylab_proc.skip.require_program(path)
    return path


def write_json(directory, name, obj):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


class FakeMx:
    """`relaylab fake-mx --listen NAME=127.0.0.1:0 ... --api 127.0.0.1:0 [extra]`.

    hosts: list of host names (None: one default host). After start, `ports[name]` and
    `api_port` are known. stdout/stderr go to temporary files (never a full pipe).
    """

    def __init__(self, *extra, hosts=None, env=None):
        self.hosts = hosts
        self.args = [relaylab(), "fake-mx"]
        if hosts is None:
            self.args += ["--listen", LOOPBACK + ":0"]
        else:
            for h in hosts:
                self.args += ["--listen", "%s=%s:0" % (h, LOOPBACK)]
        self.args += ["--api", LOOPBACK + ":0"]
        self.args += [str(a) for a in extra]
        self.env = env
        self.proc = None
        self.ports = {}
        self.port = None
        self.api_port = None
        self.returncode = None

    def __enter__(self):
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.err = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL, env=self.env)
        try:
            self._wait_listening()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.returncode is None:
            try:
                self.stop()
            finally:
                self.kill()
        self.out.close()
        self.err.close()
        return False

    def stdout_text(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stderr_text(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def _wait_listening(self):
        wanted = 1 if self.hosts is None else len(self.hosts)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            text = self.stdout_text()
            api = re.search(r"^api listening on http://127\.0\.0\.1:(\d+)/\n", text, re.M)
            hosts = re.findall(r"^(\S+) listening on 127\.0\.0\.1:(\d+)\n", text, re.M)
            hosts = [(n, int(p)) for n, p in hosts if n != "api"]
            if api and len(hosts) >= wanted:
                self.api_port = int(api.group(1))
                self.ports = dict(hosts)
                self.port = hosts[0][1]
                return
            if self.proc.poll() is not None:
                raise AssertionError("relaylab fake-mx exited with %d before listening: %s %s"
                                     % (self.proc.returncode, text, self.stderr_text()))
            time.sleep(0.02)
        raise AssertionError("relaylab fake-mx did not print its addresses within %ss: %r"
                             % (STARTUP_TIMEOUT, self.stdout_text()))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
        if self.proc is not None and self.returncode is None:
            self.returncode = self.proc.returncode

    def stop(self):
        """SIGTERM; returns the exit code (killed after STOP_TIMEOUT: AssertionError)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("relaylab fake-mx ignored SIGTERM for %ss" % STOP_TIMEOUT)
        self.returncode = self.proc.returncode
        return self.returncode

    def request(self, path, method="GET"):
        """(status, headers dict lower-cased, body bytes)."""
        conn = http.client.HTTPConnection(LOOPBACK, self.api_port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
        finally:
            conn.close()

    def get_json(self, path, method="GET"):
        status, _, body = self.request(path, method)
        if status != 200:
            raise AssertionError("%s %s -> %d %r" % (method, path, status, body[:500]))
        return json.loads(body)

    def messages(self, query=""):
        return self.get_json("/api/v1/messages" + query)

    def sessions(self, query=""):
        return self.get_json("/api/v1/sessions" + query)

    def wait_for(self, predicate, timeout, step=0.05):
        """Polls predicate() until true or timeout; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(step)


def swaks(port, *extra, timeout=60):
    """Runs swaks against 127.0.0.1:port; returns (exit code, output)."""
    args = [SWAKS, "--server", "%s:%d" % (LOOPBACK, port), "--helo", "client.test",
            "--timeout", "20", "--hide-informational"]
    return run_peer(args + [str(a) for a in extra], timeout=timeout)


def smtp_replies(swaks_output):
    """The server's reply lines swaks printed ('<-  250 ...' / '<** 451 ...')."""
    return re.findall(r"^<[-~*]+\s+(\d{3}[ -].*)$", swaks_output, re.M)
