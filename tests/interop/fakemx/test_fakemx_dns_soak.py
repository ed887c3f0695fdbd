"""Soak: thousands of DKIM-signed messages from a handful of domains through
`relaylab fake-mx --dns`, with `relaylab dns` serving the domains' SPF, DKIM and DMARC records.

Issue 9's crash: the second message whose lookups the resolver answered from its cache killed
the process (heap-use-after-free of a lookup's cancellation state in the async judge). Here
every message after the first few per domain is judged from the cache, several connections
at once, so lookups that complete immediately and judgements that end while other lookups are
still unwinding both happen thousands of times. CI runs it on the ASan build.

Checked: every captured message has verdicts (SPF, DKIM and DMARC pass), every tracking id
arrived exactly once, the process is alive at the end and exits 0 on SIGTERM.

Keys: `relaylab dkim keygen` (RSA 2048 for most domains, as mail is signed today; one
Ed25519). Each domain's message template is signed once with `relaylab dkim sign`; the
per-message X-Relaylab-Id is added above the signature (it is not a signed field), so every
message verifies. Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports,
every wait bounded.
"""

import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import threading
import time
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, run_peer

DOMAINS = [("soak-a.test", "rsa"), ("soak-b.test", "rsa"), ("soak-c.test", "rsa"),
           ("soak-d.test", "ed25519")]
SELECTOR = "soak"
# Sized for < 90 s under the ASan build on 2 busy cores (about 25 s on an idle machine).
MESSAGES = int(os.environ.get("RELAYLAB_SOAK_MESSAGES", "3000"))
CONNECTIONS = 6               # clients at once, so judgements overlap
MESSAGES_PER_CONNECTION = 50  # then a new connection (sessions end and start under load)
SEND_TIMEOUT = 240.0          # the whole sending phase
ARRIVAL_TIMEOUT = 60.0        # after sending: every message captured and judged
PAGE = 1000                   # the API's largest page


def zone(domain, records):
    return ("$ORIGIN %s.\n$TTL 300\n"
            "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n"
            "@ IN NS ns.%s.\nns IN A 127.0.0.1\n" % (domain, domain, domain, domain)) + records


def template(domain):
    body = "".join("Line %d of the soak message body, long enough to look like mail.\r\n" % i
                   for i in range(20))
    return ("From: Soak Sender <sender@%s>\r\nTo: <rcpt@fakemx.test>\r\n"
            "Subject: soak from %s\r\nDate: Wed, 02 Dec 2026 04:00:00 +0000\r\n"
            "Message-ID: <template@%s>\r\n\r\n%s" % (domain, domain, domain, body)).encode()


class RelaylabDns:
    """`relaylab dns --zone ... --listen 127.0.0.1:0`, stopped by pid."""

    def __init__(self, zones, duration):
        self.args = [fakemx_proc.relaylab(), "dns", "--listen", "127.0.0.1:0",
                     "--duration", str(duration)]
        for path in zones:
            self.args += ["--zone", path]
        self.out = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.address = None
        deadline = time.monotonic() + fakemx_proc.STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            m = re.search(r"listening on (127\.0\.0\.1:\d+)", self.text())
            if m:
                self.address = m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        text = self.text()
        self.stop()
        raise AssertionError("relaylab dns did not start: " + text)

    def text(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=fakemx_proc.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=fakemx_proc.STOP_TIMEOUT)
        self.out.close()


class FakeMxDnsSoak(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-soak-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        relaylab = fakemx_proc.relaylab()
        zones = []
        self.signed = {}
        for domain, key_type in DOMAINS:
            key = os.path.join(self.tmp, domain + ".pem")
            rc, out = run_peer([relaylab, "dkim", "keygen", "--type", key_type, "--selector",
                                SELECTOR, "--domain", domain, "--out", key], timeout=60)
            self.assertEqual(rc, 0, out)
            record = [l for l in out.splitlines() if "_domainkey" in l][-1].strip()
            record = record.replace("%s._domainkey.%s. " % (SELECTOR, domain),
                                    SELECTOR + "._domainkey ")
            path = os.path.join(self.tmp, domain + ".zone")
            with open(path, "w") as f:
                f.write(zone(domain, '@ IN TXT "v=spf1 ip4:127.0.0.0/8 -all"\n'
                                     '_dmarc IN TXT "v=DMARC1; p=reject; adkim=s"\n'
                             + record + "\n"))
            zones.append(path)
            unsigned = os.path.join(self.tmp, domain + ".eml")
            with open(unsigned, "wb") as f:
                f.write(template(domain))
            done = subprocess.run([relaylab, "dkim", "sign", unsigned, "--key", key,
                                   "--selector", SELECTOR, "--domain", domain],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertTrue(done.stdout.startswith(b"DKIM-Signature:"), done.stdout[:200])
            self.signed[domain] = done.stdout
        self.dns = RelaylabDns(zones, duration=int(SEND_TIMEOUT + ARRIVAL_TIMEOUT + 120))
        self.addCleanup(self.dns.stop)
        self.mx = FakeMx("--dns", self.dns.address, "--no-transcripts")
        self.mx.__enter__()
        self.addCleanup(self.mx.__exit__, None, None, None)

    def message(self, n):
        domain = DOMAINS[n % len(DOMAINS)][0]
        return domain, b"X-Relaylab-Id: soak-%d\r\n" % n + self.signed[domain]

    def send_all(self):
        """CONNECTIONS threads share the numbers 0..MESSAGES-1; returns the errors."""
        errors = []
        lock = threading.Lock()
        next_number = [0]
        deadline = time.monotonic() + SEND_TIMEOUT

        def take():
            with lock:
                n = next_number[0]
                if n >= MESSAGES:
                    return None
                next_number[0] += 1
                return n

        def client():
            try:
                n = take()
                while n is not None and time.monotonic() < deadline:
                    with smtplib.SMTP("127.0.0.1", self.mx.port, timeout=30) as s:
                        s.ehlo("soak.client.test")
                        for _ in range(MESSAGES_PER_CONNECTION):
                            domain, data = self.message(n)
                            refused = s.sendmail("sender@" + domain, ["rcpt@fakemx.test"], data)
                            if refused:
                                raise AssertionError("refused %r" % refused)
                            n = take()
                            if n is None:
                                break
            except Exception as e:  # reported by the main thread
                with lock:
                    errors.append(repr(e))

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CONNECTIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()) + 1)
        self.assertFalse(any(t.is_alive() for t in threads),
                         "clients still sending after %ss" % SEND_TIMEOUT)
        return errors

    def all_messages(self):
        out = []
        offset = 0
        while True:
            page = self.mx.messages("?limit=%d&offset=%d" % (PAGE, offset))
            out += page["messages"]
            offset += PAGE
            if offset >= page["total"]:
                return out

    def test_every_message_judged_and_process_alive(self):
        started = time.monotonic()
        errors = self.send_all()
        sent_in = time.monotonic() - started
        self.assertEqual(errors, [], "SMTP errors (the fake MX died?): %s\n%s"
                         % (errors[:5], self.mx.stderr_text()[-4000:]))
        self.assertIsNone(self.mx.proc.poll(), "fake-mx exited: " + self.mx.stderr_text())
        total = self.mx.wait_for(lambda: self.mx.messages("?limit=0")["total"] >= MESSAGES,
                                 ARRIVAL_TIMEOUT, step=0.2)
        self.assertTrue(total, "captured %d of %d" % (self.mx.messages("?limit=0")["total"],
                                                       MESSAGES))
        messages = self.all_messages()
        self.assertEqual(len(messages), MESSAGES)
        seen = set()
        bad = []
        for m in messages:
            seen.add(m["tracking_id"])
            auth = m["auth"]
            if (auth is None or auth["spf"]["result"] != "pass"
                    or [d["result"] for d in auth["dkim"]] != ["pass"]
                    or auth["dmarc"]["result"] != "pass"):
                bad.append((m["tracking_id"], auth))
        self.assertEqual(bad[:5], [], "%d messages not judged pass" % len(bad))
        self.assertEqual(seen, {"soak-%d" % n for n in range(MESSAGES)})
        self.assertIsNone(self.mx.proc.poll(), "fake-mx exited: " + self.mx.stderr_text())
        self.assertEqual(self.mx.stop(), 0, self.mx.stderr_text()[-4000:])
        print("soak: %d messages from %d domains sent in %.1f s (%.0f/s), all judged pass"
              % (MESSAGES, len(DOMAINS), sent_in, MESSAGES / sent_in))


if __name__ == "__main__":
    main()
