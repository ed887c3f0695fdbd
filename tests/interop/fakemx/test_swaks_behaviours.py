"""swaks (and, where one connection must carry several transactions, smtplib or a raw socket)
against `relaylab fake-mx` with every shipped preset and every rule kind of docs/fake-mx-behaviours.md.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import json
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, skip_without, smtp_replies, swaks, write_json
from relaylab_proc import RawSmtp, run_peer

SENDER = "alice@sender.test"


class Base(unittest.TestCase):
    def setUp(self):
        skip_without(self, fakemx_proc.SWAKS)
        self.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-swaks-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def behaviour(self, obj, name="b.json"):
        return write_json(self.tmp, name, obj)

    def send(self, mx, to="bob@rcpt.test", frm=SENDER, *extra, host_port=None):
        rc, out = swaks(host_port or mx.port, "--to", to, "--from", frm, *extra)
        return rc, out, smtp_replies(out)

    def assertReply(self, replies, prefix, out):
        self.assertTrue(any(r.startswith(prefix) for r in replies),
                        "no reply starting %r in:\n%s" % (prefix, out))

    def assertNoMessages(self, mx):
        self.assertEqual(mx.messages()["total"], 0)


class Presets(Base):
    def test_accept_all(self):
        with FakeMx("--behaviour", "accept-all") as mx:
            rc, out, replies = self.send(mx, "bob@rcpt.test", SENDER,
                                         "--header", "Subject: preset accept-all",
                                         "--header", "X-Relaylab-Id: run-accept-1")
            self.assertEqual(rc, 0, out)
            self.assertReply(replies, "250 2.0.0", out)
            listing = mx.messages("?tracking_id=run-accept-1")
            self.assertEqual(listing["total"], 1, listing)
            m = listing["messages"][0]
            self.assertEqual(m["from"], SENDER)
            self.assertEqual(m["to"], ["bob@rcpt.test"])
            self.assertEqual(m["subject"], "preset accept-all")
            self.assertEqual(m["tracking_id"], "run-accept-1")
            self.assertEqual(mx.messages("?tracking_id=run-other")["total"], 0)
            self.assertEqual(mx.stop(), 0)

    def test_greylist_preset_defers_first_attempt(self):
        with FakeMx("--behaviour", "greylist") as mx:
            rc, out, replies = self.send(mx)
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "451 4.7.1 <bob@rcpt.test>: Recipient address rejected: "
                             "Greylisted", out)
            self.assertNoMessages(mx)

    def test_greylist_short_window(self):
        path = self.behaviour({"greylist": {"min_retry_s": 1, "max_retry_s": 60}})
        with FakeMx("--behaviour", path) as mx:
            first = time.monotonic()
            rc, out, replies = self.send(mx)
            self.assertReply(replies, "451 4.7.1", out)
            # A retry inside the window is deferred again.
            rc, out, replies = self.send(mx)
            self.assertLess(time.monotonic() - first, 1.0, "too slow to retry inside the window")
            self.assertReply(replies, "451 4.7.1", out)
            self.assertNoMessages(mx)
            # Another triplet is greylisted independently.
            rc, out, replies = self.send(mx, "carol@rcpt.test")
            self.assertReply(replies, "451 4.7.1", out)
            time.sleep(max(0.0, first + 1.3 - time.monotonic()))
            rc, out, replies = self.send(mx)
            self.assertEqual(rc, 0, out)
            self.assertReply(replies, "250 2.0.0", out)
            self.assertEqual(mx.messages()["total"], 1)
            # Now whitelisted: passes at once.
            rc, out, replies = self.send(mx)
            self.assertEqual(rc, 0, out)
            self.assertEqual(mx.messages()["total"], 2)

    def test_reject_all(self):
        with FakeMx("--behaviour", "reject-all") as mx:
            rc, out, replies = self.send(mx, "nobody@rcpt.test")
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "550 5.1.1 <nobody@rcpt.test>: Recipient address rejected: "
                             "User unknown", out)
            self.assertNoMessages(mx)

    def test_tls_required(self):
        ca = os.path.join(self.tmp, "ca")
        with FakeMx("--behaviour", "tls-required", "--tls-ca-dir", ca) as mx:
            rc, out, replies = self.send(mx)
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "530 5.7.0", out)
            self.assertNoMessages(mx)
            rc, out, replies = self.send(mx, "bob@rcpt.test", SENDER, "--tls")
            self.assertEqual(rc, 0, out)
            self.assertReply(replies, "250 2.0.0", out)
            listing = mx.messages()
            self.assertEqual(listing["total"], 1)
            self.assertIsNotNone(listing["messages"][0]["tls"], listing)

    def test_rate_limited(self):
        with FakeMx("--behaviour", "rate-limited") as mx:
            # 2 concurrent connections per IP: a third is refused with 421 4.7.0.
            held = [RawSmtp(mx.port), RawSmtp(mx.port)]
            try:
                for c in held:
                    self.assertEqual(c.reply()[0], 220)
                rc, out, replies = self.send(mx)
                self.assertReply(replies, "421 4.7.0 Too many concurrent SMTP connections", out)
            finally:
                for c in held:
                    c.close()
            time.sleep(0.2)  # let the server see the closes
            # 10 messages per connection: the 11th MAIL gets 451 4.7.1.
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:
                s.ehlo("client.test")
                for i in range(10):
                    s.sendmail(SENDER, ["bob@rcpt.test"], b"Subject: %d\r\n\r\nx\r\n" % i)
                code, text = s.mail(SENDER)
                self.assertEqual(code, 451, text)
                self.assertTrue(text.startswith(b"4.7.1 Too many messages"), text)
            # 30 a minute per IP: 20 more are fine, the 31st gets the Gmail-like 451 4.7.28.
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:
                s.ehlo("client.test")
                for i in range(10):
                    s.sendmail(SENDER, ["bob@rcpt.test"], b"Subject: b%d\r\n\r\nx\r\n" % i)
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:
                s.ehlo("client.test")
                for i in range(10):
                    s.sendmail(SENDER, ["bob@rcpt.test"], b"Subject: c%d\r\n\r\nx\r\n" % i)
            rc, out, replies = self.send(mx)
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "451-4.7.28 [127.0.0.1] Our system has detected", out)
            self.assertEqual(mx.messages()["total"], 30)

    def test_slow(self):
        # slow.json: banner after 2-3 s drip-fed, EHLO 0.5-1 s.
        with FakeMx("--behaviour", "slow") as mx:
            start = time.monotonic()
            with RawSmtp(mx.port, timeout=10) as c:
                code, lines = c.reply()
                banner_s = time.monotonic() - start
                self.assertEqual(code, 220)
                self.assertEqual(lines, ["mx1.relaylab.test ESMTP Postfix"])
                self.assertGreaterEqual(banner_s, 2.0)
                t = time.monotonic()
                code, _ = c.command("EHLO client.test")
                self.assertEqual(code, 250)
                self.assertGreaterEqual(time.monotonic() - t, 0.5)


class Rules(Base):
    def test_reply_per_phase(self):
        rules = [
            {"phase": "connect", "match": {"connection": 1},
             "reply": "554 5.7.1 No SMTP service here"},
            {"phase": "helo", "match": {"connection": 2},
             "reply": {"code": 550, "enhanced": "5.7.1",
                       "text": ["Bad HELO", "second line"]}},
            {"phase": "mail", "match": {"sender": "*@blocked.test"},
             "reply": "553 5.7.1 Sender {sender} blocked"},
            {"phase": "rcpt", "match": {"recipient": "full-*@*"},
             "reply": "452 4.2.2 <{recipient}>: Mailbox full"},
            {"phase": "data", "match": {"domain": "nodata.test"},
             "reply": "554 5.3.0 No DATA for {domain}"},
            {"phase": "data_end", "match": {"recipient": "spam@*"},
             "reply": {"code": 550, "enhanced": "5.7.1",
                       "text": ["Message looks like spam", "See https://example.test/"]}},
        ]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            rc, out, replies = self.send(mx)
            self.assertReply(replies, "554 5.7.1 No SMTP service here", out)
            rc, out, replies = self.send(mx)
            self.assertIn("550-5.7.1 Bad HELO", replies, out)
            self.assertIn("550 5.7.1 second line", replies, out)
            rc, out, replies = self.send(mx, "bob@rcpt.test", "eve@blocked.test")
            self.assertReply(replies, "553 5.7.1 Sender eve@blocked.test blocked", out)
            rc, out, replies = self.send(mx, "full-1@rcpt.test")
            self.assertReply(replies, "452 4.2.2 <full-1@rcpt.test>: Mailbox full", out)
            rc, out, replies = self.send(mx, "x@nodata.test")
            self.assertReply(replies, "554 5.3.0 No DATA for nodata.test", out)
            rc, out, replies = self.send(mx, "spam@rcpt.test")
            self.assertIn("550-5.7.1 Message looks like spam", replies, out)
            self.assertIn("550 5.7.1 See https://example.test/", replies, out)
            self.assertNoMessages(mx)
            rc, out, replies = self.send(mx, "ok@rcpt.test")
            self.assertEqual(rc, 0, out)
            self.assertEqual(mx.messages()["total"], 1)

    def test_connection_message_and_first(self):
        rules = [
            {"phase": "connect", "match": {"connection": 2},
             "reply": "421 4.3.2 Second connection refused", "disconnect": "after_reply"},
            {"phase": "mail", "match": {"message": 2}, "reply": "451 4.3.0 Second message"},
            {"phase": "rcpt", "match": {"recipient": "first@*", "first": 2},
             "reply": "451 4.3.0 First two"},
        ]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:  # connection 1
                s.ehlo("client.test")
                self.assertEqual(s.mail(SENDER)[0], 250)
                self.assertEqual(s.rcpt("first@rcpt.test")[0], 451)
                self.assertEqual(s.rcpt("first@rcpt.test")[0], 451)
                self.assertEqual(s.rcpt("first@rcpt.test")[0], 250)
                self.assertEqual(s.rcpt("other@rcpt.test")[0], 250)
                self.assertEqual(s.data(b"Subject: one\r\n\r\nx\r\n")[0], 250)
                code, text = s.mail(SENDER)  # message 2 on this connection
                self.assertEqual((code, text), (451, b"4.3.0 Second message"))
            rc, out, replies = self.send(mx)  # connection 2
            self.assertReply(replies, "421 4.3.2 Second connection refused", out)
            rc, out, replies = self.send(mx)  # connection 3
            self.assertEqual(rc, 0, out)
            self.assertEqual(mx.messages()["total"], 2)

    def probability_run(self, path):
        with FakeMx("--behaviour", path) as mx:
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:
                s.ehlo("client.test")
                s.mail(SENDER)
                return [s.rcpt("r%d@rcpt.test" % i)[0] for i in range(40)]

    def test_probability_is_seeded(self):
        rules = [{"phase": "rcpt", "match": {"probability": 0.5},
                  "reply": "451 4.3.0 Unlucky"}]
        path = self.behaviour({"seed": 12345, "rules": rules})
        first = self.probability_run(path)
        second = self.probability_run(path)
        self.assertEqual(first, second, "the same seed gave different draws")
        self.assertEqual(set(first), {250, 451}, first)
        self.assertTrue(8 <= first.count(451) <= 32, first)
        other = self.probability_run(self.behaviour({"seed": 999, "rules": rules}, "c.json"))
        self.assertNotEqual(first, other, "another seed gave the very same 40 draws")

    def test_delay(self):
        rules = [{"phase": "mail", "delay_ms": 800}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            with smtplib.SMTP("127.0.0.1", mx.port, timeout=10) as s:
                t = time.monotonic()
                s.ehlo("client.test")
                self.assertLess(time.monotonic() - t, 0.7)
                t = time.monotonic()
                self.assertEqual(s.mail(SENDER)[0], 250)
                self.assertGreaterEqual(time.monotonic() - t, 0.8)

    def test_disconnect_before_reply(self):
        rules = [{"phase": "rcpt", "match": {"recipient": "drop@*"}, "disconnect": "before_reply"}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            rc, out, replies = self.send(mx, "drop@rcpt.test")
            self.assertNotEqual(rc, 0, out)
            self.assertEqual(replies[-1], "250 2.1.0 Ok", out)  # MAIL's; RCPT never answered
            self.assertRegex(out, r"(?i)(connection|closed|lost|EOF)", out)
            self.assertNoMessages(mx)

    def test_disconnect_before_reply_at_data_end(self):
        # docs/fake-mx-behaviours.md: at data_end "the message arrived but the sender never hears so": it is
        # captured, but the sender sees no 250 and will send it again (duplicates).
        rules = [{"phase": "data_end", "disconnect": "before_reply"}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            rc, out, replies = self.send(mx)
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "354", out)
            self.assertFalse(any(r.startswith("250 2.0.0") for r in replies), out)
            self.assertEqual(mx.messages()["total"], 1)

    def test_disconnect_after_reply(self):
        rules = [{"phase": "mail", "match": {"sender": "*@spammer.test"},
                  "reply": "421 4.7.0 Go away", "disconnect": "after_reply"}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            with RawSmtp(mx.port) as c:
                c.greet()
                self.assertEqual(c.command("MAIL FROM:<x@spammer.test>"), (421, ["4.7.0 Go away"]))
                self.assertEqual(c.wait_closed(), b"")
            rc, out, replies = self.send(mx, "bob@rcpt.test", "x@spammer.test")
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "421 4.7.0 Go away", out)
            self.assertNoMessages(mx)

    def test_helo_condition_at_helo_phase(self):
        """A helo condition and the {helo} placeholder see the name being decided."""
        rules = [{"phase": "helo", "match": {"helo": "localhost"},
                  "reply": "421 4.7.0 Bad HELO {helo}", "disconnect": "after_reply"}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            with RawSmtp(mx.port) as c:
                self.assertEqual(c.reply()[0], 220)
                self.assertEqual(c.command("EHLO localhost"), (421, ["4.7.0 Bad HELO localhost"]))
                self.assertEqual(c.wait_closed(), b"")

    def test_disconnect_mid_data(self):
        rules = [{"phase": "data", "disconnect": "mid_data", "disconnect_after_bytes": 512}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            body = "".join("line of body text number %d\n" % i for i in range(2000))
            rc, out, replies = self.send(mx, "bob@rcpt.test", SENDER, "--body", body)
            self.assertNotEqual(rc, 0, out)
            self.assertReply(replies, "354", out)
            self.assertFalse(any(r.startswith("250 2.0.0") for r in replies), out)
            self.assertNoMessages(mx)

    def test_tarpit(self):
        interval = 0.05
        reply = "250 2.1.5 slowly"
        rules = [{"phase": "rcpt", "tarpit_ms": int(interval * 1000), "reply": reply}]
        with FakeMx("--behaviour", self.behaviour({"rules": rules})) as mx:
            with RawSmtp(mx.port, timeout=10) as c:
                c.greet()
                self.assertEqual(c.command("MAIL FROM:<%s>" % SENDER)[0], 250)
                t = time.monotonic()
                c.send(b"RCPT TO:<bob@rcpt.test>\r\n")
                # The reply arrives in pieces: the first byte early, the whole line late.
                first = c.sock.recv(1)
                first_s = time.monotonic() - t
                c.buffer = first
                code, lines = c.reply()
                took = time.monotonic() - t
                self.assertEqual((code, lines), (250, ["2.1.5 slowly"]))
                chunks = len(reply) + 2  # one byte a chunk, CRLF included
                self.assertLess(first_s, took / 2, (first_s, took))
                self.assertGreaterEqual(took, interval * (chunks - 1) * 0.95, took)

    def test_accept_skips_later_rules_and_greylist(self):
        rules = [
            {"phase": "rcpt", "match": {"recipient": "vip@*"}, "accept": True},
            {"phase": "rcpt", "match": {"domain": "rcpt.test"},
             "reply": "550 5.1.1 Unknown"},
        ]
        path = self.behaviour({"greylist": {"min_retry_s": 300}, "rules": rules})
        with FakeMx("--behaviour", path) as mx:
            rc, out, replies = self.send(mx, "vip@rcpt.test")
            self.assertEqual(rc, 0, out)
            rc, out, replies = self.send(mx, "bob@rcpt.test")
            self.assertReply(replies, "550 5.1.1 Unknown", out)
            rc, out, replies = self.send(mx, "bob@other.test")
            self.assertReply(replies, "451 4.7.1", out)  # greylist still applies here
            listing = mx.messages()
            self.assertEqual(listing["total"], 1)
            self.assertEqual(listing["messages"][0]["to"], ["vip@rcpt.test"])


class BadInput(Base):
    def test_unknown_key_names_json_pointer(self):
        path = self.behaviour({"rules": [{"phase": "rcpt", "reply": "250 ok",
                                          "replly": "451 4.3.0 typo"}]})
        rc, out = run_peer([fakemx_proc.relaylab(), "fake-mx", "--listen", "127.0.0.1:0",
                            "--api", "127.0.0.1:0", "--behaviour", path], timeout=20)
        self.assertEqual(rc, 2, out)
        self.assertIn(path, out)
        self.assertIn("/rules/0/replly", out)

    def test_unknown_top_level_key(self):
        path = self.behaviour({"greylsit": {}})
        rc, out = run_peer([fakemx_proc.relaylab(), "fake-mx", "--listen", "127.0.0.1:0",
                            "--api", "127.0.0.1:0", "--behaviour", path], timeout=20)
        self.assertEqual(rc, 2, out)
        self.assertIn("/greylsit", out)


if __name__ == "__main__":
    main()
