"""The embedded world of the relay's integration tests: `relaylab dns` serving zones whose MX
records point at 127.0.0.x names, one `relaylab fake-mx` listening on those addresses all on ONE
port (the relay's --mx-port), and `relaylab relay` between the sender and them.

Linux routes all of 127.0.0.0/8 on lo, so every MX host is a distinct loopback address and the
relay walks MX records as it would on the Internet. Processes are stopped by their own pid
(SIGTERM, then SIGKILL after a bound); every wait has a deadline.

Standard library only, Debian's /usr/bin/python3.
"""

import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "smtp"))
import relaylab_proc  # noqa: E402  the --relaylab argument, run_peer, skip rule
from relaylab_proc import run_peer, skip  # noqa: E402,F401

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
HTTP_TIMEOUT = 10.0
PAGE = 1000  # the fake MX API's largest page
RELAY_HOSTNAME = "relay.relaylab.test"
# The relay's retry schedule in every world: short, so deferred mail comes back within a test.
FAST_RETRY = ["--minimal-backoff", "1s", "--maximal-backoff", "2s",
              "--maximal-queue-lifetime", "30s"]


def main():
    relaylab_proc.main()


def relaylab():
    return relaylab_proc.RELAYLAB


def wait_until(predicate, timeout, what, step=0.05):
    """Polls predicate() until it returns a true value (returned) or fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s (last: %r)"
                                 % (timeout, what, value))
        time.sleep(step)


def zone(domain, records):
    """An RFC 1035 master file for `domain` with `records` (relative owner names)."""
    return ("$ORIGIN %s.\n$TTL 300\n"
            "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n"
            "@ IN NS ns.%s.\nns IN A 127.0.0.1\n" % (domain, domain, domain, domain)) + records


def mx_zone(domain, hosts):
    """MX records for `domain`: hosts is [(preference, label, ip)], labels inside the zone."""
    records = ""
    for preference, label, ip in hosts:
        records += "@ IN MX %d %s\n%s IN A %s\n" % (preference, label, label, ip)
    return zone(domain, records)


def pick_mx_port(ips):
    """A TCP port free on every address of `ips` a moment ago (the relay's one --mx-port)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as first:
            first.bind((ips[0], 0))
            port = first.getsockname()[1]
            ok = True
            for ip in ips[1:]:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
                    try:
                        other.bind((ip, port))
                    except OSError:
                        ok = False
                        break
            if ok:
                return port
    raise AssertionError("no port free on all of %s" % ips)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_the_test(then=None):
    """A preexec_fn: the child gets SIGKILL when this test process dies (ctest's timeout kills
    the test, never its servers), then runs `then` (a resource limit, say)."""
    def preexec():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if then is not None:
            then()
    return preexec


def read_json_lines(path):
    """Every complete JSON line of `path` (a line being written is ignored)."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for line in data.split(b"\n")[:-1]:
        if line.strip():
            out.append(json.loads(line))
    return out


def get_json(port, path, who):
    """GET http://127.0.0.1:port/path, which must answer 200 with JSON."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise AssertionError("%s GET %s -> %d %r" % (who, path, resp.status, body[:300]))
    return json.loads(body)


class Process:
    """A relaylab subcommand with stdout/stderr in files (never a full pipe), stopped by pid."""

    def __init__(self, name, args, directory, preexec_fn=None):
        self.name = name
        self.args = [relaylab()] + [str(a) for a in args]
        self.out_path = os.path.join(directory, "%s.%d.out" % (name, id(self)))
        self.err_path = os.path.join(directory, "%s.%d.err" % (name, id(self)))
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=die_with_the_test(preexec_fn))

    def stdout_text(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr_text(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_output(self, pattern, what):
        """Waits for `pattern` (a regex, multiline) in stdout; returns the match."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            m = re.search(pattern, self.stdout_text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                self._close()
                raise AssertionError("%s exited with %d before %s:\n%s\n%s"
                                     % (self.name, self.proc.returncode, what,
                                        self.stdout_text(), self.stderr_text()[-3000:]))
            time.sleep(0.02)
        self.kill()
        raise AssertionError("%s did not print %s within %ss: %r"
                             % (self.name, what, STARTUP_TIMEOUT, self.stdout_text()))

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """SIGKILL (the crash tests' tool too)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)
        self._close()

    def stop(self):
        """SIGTERM; returns the exit code. Ignoring SIGTERM fails the test (after a SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("%s ignored SIGTERM for %ss" % (self.name, STOP_TIMEOUT))
        self._close()
        return self.proc.returncode

    def _close(self):
        for f in (self.out, self.err):
            if not f.closed:
                f.close()


class Dns(Process):
    """`relaylab dns --zone ... --listen 127.0.0.1:0 [--faults FILE]`."""

    def __init__(self, directory, zones, faults=None):
        args = ["dns", "--listen", "127.0.0.1:0"]
        for path in zones:
            args += ["--zone", path]
        if faults is not None:
            args += ["--faults", faults]
        super().__init__("dns", args, directory)
        m = self.wait_output(r"listening on (127\.0\.0\.1:\d+)", "its address")
        self.address = m.group(1)


class FakeMx(Process):
    """`relaylab fake-mx` with hosts {name: ip}, all on `port`, and its API on 127.0.0.1:0."""

    def __init__(self, directory, hosts, port, *extra):
        args = ["fake-mx", "--api", "127.0.0.1:0", "--no-transcripts"]
        for name, ip in hosts.items():
            args += ["--listen", "%s=%s:%d" % (name, ip, port)]
        args += list(extra)
        super().__init__("fake-mx", args, directory)
        for name, ip in hosts.items():
            self.wait_output(r"^%s listening on %s:%d$" % (re.escape(name), re.escape(ip), port),
                             "host %s" % name)
        m = self.wait_output(r"^api listening on http://127\.0\.0\.1:(\d+)/$", "its API")
        self.api_port = int(m.group(1))

    def get_json(self, path):
        return get_json(self.api_port, path, "fake-mx")

    def total(self, query=""):
        sep = "&" if query else ""
        return self.get_json("/api/v1/messages?limit=0" + sep + query)["total"]

    def messages(self, query=""):
        """Every captured message matching `query` (list entries), paged; oldest first."""
        seen = {}
        offset = 0
        sep = "&" if query else ""
        while True:
            page = self.get_json("/api/v1/messages?limit=%d&offset=%d%s%s"
                                 % (PAGE, offset, sep, query))
            for m in page["messages"]:
                seen[m["id"]] = m
            offset += len(page["messages"])
            if not page["messages"] or offset >= page["total"]:
                break
        return [seen[k] for k in sorted(seen)]

    def raw(self, message_id):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=HTTP_TIMEOUT)
        try:
            conn.request("GET", "/api/v1/messages/%d/raw" % message_id)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        if resp.status != 200:
            raise AssertionError("raw of %d -> %d" % (message_id, resp.status))
        return body


class Relay(Process):
    """`relaylab relay` on ephemeral ports with an admin API and an event log in `directory`;
    `retry` replaces the fast retry schedule's flags."""

    def __init__(self, directory, dns, mx_port, *extra, spool=None, submission=False,
                 preexec_fn=None, config=None, retry=FAST_RETRY, listen="127.0.0.1:0"):
        self.spool = spool or os.path.join(directory, "spool")
        self.event_log = os.path.join(directory, "events.jsonl")
        args = ["relay"]
        if config is not None:
            args += ["--config", config]
        args += ["--listen", listen, "--spool", self.spool, "--admin", "127.0.0.1:0",
                 "--event-log", self.event_log, "--hostname", RELAY_HOSTNAME]
        if dns is not None:
            args += ["--dns", dns.address, "--mx-port", mx_port]
        if submission:
            args += ["--submission", "127.0.0.1:0"]
        args += list(retry) + list(extra)
        super().__init__("relay", args, directory, preexec_fn=preexec_fn)
        # The last line once ready: "spool: N messages recovered from DIR".
        m = self.wait_output(r"^spool\b.*?\b(\d+) messages recovered", "its spool line")
        self.recovered = int(m.group(1))
        text = self.stdout_text()
        self.port = int(re.search(r"^listening on 127\.0\.0\.1:(\d+) \(relay-in\)$", text,
                                  re.M).group(1))
        self.admin_port = int(re.search(r"^admin api on http://127\.0\.0\.1:(\d+)/$", text,
                                        re.M).group(1))
        self.submission_port = None
        if submission:
            self.submission_port = int(re.search(
                r"^listening on 127\.0\.0\.1:(\d+) \(submission\)$", text, re.M).group(1))

    def admin(self, path):
        return get_json(self.admin_port, path, "relay admin")

    def queue_total(self):
        return self.admin("/queue")["total"]

    def events(self, kind=None):
        lines = read_json_lines(self.event_log)
        return [e for e in lines if kind is None or e.get("event") == kind]


def send(port, count, concurrency, to, sender, events_path, timeout=120, extra=()):
    """`relaylab send` against the relay; returns (exit code, output, [event lines])."""
    args = [relaylab(), "send", "--server", "127.0.0.1:%d" % port, "--count", count,
            "--concurrency", concurrency, "--to", to, "--from", sender,
            "--events", events_path, "--timeout", "20"] + list(extra)
    rc, out = run_peer([str(a) for a in args], timeout=timeout)
    return rc, out, read_json_lines(events_path)


class WorldTest(unittest.TestCase):
    """A temporary directory and a cleanup list; subclasses build the world they need."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="relaylab-relay-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.processes = []
        self.addCleanup(self._stop_all)

    def _stop_all(self):
        for p in reversed(self.processes):
            try:
                p.kill()
            except Exception:  # noqa: BLE001  cleanup: stop the rest whatever happened
                pass

    def track(self, process):
        self.processes.append(process)
        return process

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text if isinstance(text, str) else json.dumps(text))
        return path

    def start_dns(self, zones, faults=None):
        """zones: {domain: zone text}; faults: a JSON object or None."""
        paths = [self.write(d + ".zone", text) for d, text in zones.items()]
        fault_path = self.write("faults.json", faults) if faults is not None else None
        return self.track(Dns(self.tmp, paths, fault_path))

    def start_mx(self, hosts, port, *extra):
        return self.track(FakeMx(self.tmp, hosts, port, *extra))

    def start_relay(self, dns, mx_port, *extra, **kw):
        return self.track(Relay(self.tmp, dns, mx_port, *extra, **kw))

    def stop_relay_checked(self, relay):
        rc = relay.stop()
        self.assertEqual(rc, 0, "relay exit code; stderr: " + relay.stderr_text()[-3000:])

    def dump(self, *processes):
        """Diagnostics for a failure message: the tails of the processes' stderr."""
        return "\n".join("--- %s stderr:\n%s" % (p.name, p.stderr_text()[-2000:])
                         for p in processes)
