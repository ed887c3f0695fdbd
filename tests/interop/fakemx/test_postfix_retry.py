"""Postfix as the sending relay meets `relaylab fake-mx`: (a) greylisting with a short window
and (b) a 421 on the first connection. Postfix must retry and deliver; the fake MX's API shows
the message once and the attempt log (GET /api/v1/sessions) the rejected attempt(s) first.

Postfix runs from its own config, queue and data directories under a temporary directory
(loopback only, no DNS, no chroot, short backoff times), as root; skipped (exit 77, a failure
with CI=true) when not root or when Postfix is absent. Stopped with `postfix -c OUR_DIR stop`,
then by the pid in our own pid file, also when a test fails (addCleanup before start).
Standard library only, Debian's /usr/bin/python3; every wait bounded.
"""

import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, run_peer, write_json
from relaylab_proc import free_port

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
DELIVERY_TIMEOUT = 60.0

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/spool
data_directory = {dir}/data
myhostname = relay.test
mydomain = relay.test
myorigin = relay.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
relayhost = [127.0.0.1]:{mx_port}
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtp_connection_cache_on_demand = no
smtp_connect_timeout = 5s
smtp_helo_timeout = 10s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
maillog_file = {dir}/postfix.log
maillog_file_prefixes = {dir}
"""


class PostfixRelay:
    """A private Postfix instance relaying everything to 127.0.0.1:mx_port."""

    def __init__(self, mx_port):
        self.dir = tempfile.mkdtemp(prefix="relaylab-postfix-")
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "etc")
        os.mkdir(self.conf)
        self.port = free_port()
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, mx_port=mx_port))
        with open("/etc/postfix/master.cf") as f:
            master = f.read()
        master = re.sub(r"(?m)^smtp\s+inet\s.*$",
                        "127.0.0.1:%d inet n - n - - smtpd" % self.port, master)
        # No chroot anywhere: nothing to copy into the spool.
        master = re.sub(r"(?m)^(\S+\s+(?:unix|inet|fifo|pass|unix-dgram)\s+\S+\s+\S+\s+)y(\s)",
                        r"\1n\2", master)
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(master)
        self.started = False

    def postfix(self, *args, timeout=60):
        return run_peer([POSTFIX, "-c", self.conf, *args], timeout=timeout)

    def start(self):
        spool = os.path.join(self.dir, "spool")
        os.mkdir(spool, 0o755)
        data = os.path.join(self.dir, "data")
        os.mkdir(data, 0o700)
        shutil.chown(data, "postfix", "postfix")
        # Creates the queue's subdirectories with the owners and modes Postfix wants.
        rc, out = self.postfix("set-permissions", "create-missing")
        if rc != 0:
            raise AssertionError("postfix create-missing failed: %s\n%s" % (out, self.log()))
        rc, out = self.postfix("start")
        if rc != 0:
            raise AssertionError("postfix start failed: %s\n%s" % (out, self.log()))
        self.started = True
        deadline = time.monotonic() + 20
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5) as s:
                    s.noop()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("Postfix smtpd does not answer: " + self.log())
                time.sleep(0.1)

    def flush(self):
        run_peer([POSTQUEUE, "-c", self.conf, "-f"], timeout=20)

    def log(self):
        try:
            with open(os.path.join(self.dir, "postfix.log"), errors="replace") as f:
                return f.read()[-6000:]
        except OSError:
            return "(no log)"

    def _is_our_master(self, pid):
        """The process `pid` runs with MAIL_CONFIG set to our config directory (as `postfix -c`
        starts the master): a reused pid or the system's master is left alone."""
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            return False
        return ("MAIL_CONFIG=" + self.conf).encode() in environ

    def stop(self):
        if self.started:
            try:
                self.postfix("stop", timeout=30)
            except AssertionError:
                pass
            # Make sure our master is gone even if `postfix stop` failed: the pid from our own
            # pid file, and only while that process is still the master of our config directory
            # (never a process found by name, never the system instance).
            pid_file = os.path.join(self.dir, "spool", "pid", "master.pid")
            try:
                with open(pid_file) as f:
                    pid = int(f.read().strip())
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and self._is_our_master(pid):
                    time.sleep(0.1)
                if self._is_our_master(pid):
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class PostfixRetry(unittest.TestCase):
    def setUp(self):
        fakemx_proc.relaylab_proc.skip.require_program(POSTFIX, "postfix")
        if os.geteuid() != 0:
            fakemx_proc.relaylab_proc.skip.missing("running a private Postfix instance needs root")
        self.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-pf-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def relay(self, mx, tracking):
        postfix = PostfixRelay(mx.port)
        self.addCleanup(postfix.stop)
        postfix.start()
        msg = ("From: <alice@sender.test>\r\nTo: <bob@rcpt.test>\r\nSubject: retry %s\r\n"
               "X-Relaylab-Id: %s\r\n\r\nPlease arrive once.\r\n" % (tracking, tracking))
        with smtplib.SMTP("127.0.0.1", postfix.port, timeout=10) as s:
            s.ehlo("client.test")
            s.sendmail("alice@sender.test", ["bob@rcpt.test"], msg.encode())
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        next_flush = time.monotonic() + 3
        while time.monotonic() < deadline:
            if mx.messages("?tracking_id=" + tracking)["total"] >= 1:
                break
            if time.monotonic() > next_flush:
                postfix.flush()
                next_flush = time.monotonic() + 3
            time.sleep(0.2)
        else:
            self.fail("not delivered within %ss; Postfix log:\n%s"
                      % (DELIVERY_TIMEOUT, postfix.log()))
        time.sleep(1.5)  # a duplicate would show up now
        listing = mx.messages("?tracking_id=" + tracking)
        self.assertEqual(listing["total"], 1, "delivered more than once: %r" % listing)
        m = listing["messages"][0]
        self.assertEqual(m["from"], "alice@sender.test")
        self.assertEqual(m["to"], ["bob@rcpt.test"])
        self.assertEqual(m["helo"], "relay.test")
        # Sessions newest first; we want them in time order.
        sessions = mx.wait_for(
            lambda: [s for s in mx.sessions()["sessions"]
                     if any(l["text"].startswith("250 2.0.0 Ok: queued") for l in s["transcript"])]
            and mx.sessions()["sessions"], 5)
        sessions = sorted(sessions, key=lambda s: (s["connected_at"], s["id"]))
        return postfix, sessions

    @staticmethod
    def server_lines(session):
        return [l["text"] for l in session["transcript"] if l["side"] == "server"]

    def test_greylisting(self):
        path = write_json(self.tmp, "grey.json",
                          {"greylist": {"min_retry_s": 2, "max_retry_s": 120}})
        with FakeMx("--behaviour", path) as mx:
            postfix, sessions = self.relay(mx, "pf-grey")
            self.assertGreaterEqual(len(sessions), 2, sessions)
            first, last = sessions[0], sessions[-1]
            self.assertTrue(any(t.startswith("451 4.7.1") for t in self.server_lines(first)),
                            self.server_lines(first))
            self.assertTrue(any(t.startswith("250 2.0.0 Ok: queued") for t in self.server_lines(last)),
                            self.server_lines(last))
            for s in sessions[:-1]:  # every earlier attempt was deferred, none accepted
                self.assertFalse(any(t.startswith("250 2.0.0 Ok: queued") for t in self.server_lines(s)),
                                 [(x["connected_at"], self.server_lines(x)) for x in sessions])
            # The accepted attempt came after the greylist window.
            self.assertGreaterEqual(last["connected_at"], first["connected_at"])
            self.assertRegex(postfix.log(), r"status=deferred.*451 4\.7\.1")
            self.assertRegex(postfix.log(), r"status=sent")

    def test_421_on_first_connection(self):
        path = write_json(self.tmp, "busy.json", {"rules": [
            {"phase": "connect", "match": {"first": 1},
             "reply": "421 4.3.2 Service not available, closing transmission channel"}]})
        with FakeMx("--behaviour", path) as mx:
            postfix, sessions = self.relay(mx, "pf-421")
            self.assertGreaterEqual(len(sessions), 2, sessions)
            self.assertEqual(self.server_lines(sessions[0]),
                             ["421 4.3.2 Service not available, closing transmission channel"])
            self.assertTrue(any(t.startswith("250 2.0.0 Ok: queued")
                                for t in self.server_lines(sessions[-1])))
            self.assertRegex(postfix.log(), r"(status=deferred|refused to talk).*421 4\.3\.2")


if __name__ == "__main__":
    main()
