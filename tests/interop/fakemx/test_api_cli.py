"""The HTTP API of the `relaylab fake-mx` binary, driven with curl: every endpoint, filters,
bad requests; several hosts in one process; --store Maildir files; SIGTERM exits 0.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import json
import os
import shutil
import smtplib
import tempfile
import time
import unittest

from fakemx_proc import FakeMx, main, run_peer, skip_without

CURL = "/usr/bin/curl"


def message(subject, tracking_id, frm="alice@sender.test", to="bob@rcpt.test", body="Hello.\r\n"):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nX-Relaylab-Id: %s\r\n"
            "Message-ID: <%s@sender.test>\r\n\r\n%s" % (frm, to, subject, tracking_id,
                                                        tracking_id, body)).encode()


def smtp_send(port, frm, to, data):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.ehlo("client.test")
        s.sendmail(frm, to, data)


class ApiTest(unittest.TestCase):
    def setUp(self):
        skip_without(self, CURL)
        self.tmp = tempfile.mkdtemp(prefix="relaylab-fakemx-api-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def curl(self, mx, path, *extra):
        """(status, headers text, body bytes) through curl."""
        headers = os.path.join(self.tmp, "headers")
        body = os.path.join(self.tmp, "body")
        rc, out = run_peer([CURL, "-sS", "--max-time", "10", "-D", headers, "-o", body,
                            "-w", "%{http_code}", *extra,
                            "http://127.0.0.1:%d%s" % (mx.api_port, path)], timeout=20)
        self.assertEqual(rc, 0, out)
        with open(headers, "rb") as f:
            head = f.read().decode("latin-1")
        with open(body, "rb") as f:
            data = f.read()
        return int(out.strip()[-3:]), head, data

    def curl_json(self, mx, path, *extra, status=200):
        code, head, data = self.curl(mx, path, *extra)
        self.assertEqual(code, status, (path, data[:500]))
        self.assertRegex(head, r"(?i)content-type: application/json")
        return json.loads(data)

    def test_endpoints(self):
        store = os.path.join(self.tmp, "maildir")
        with FakeMx("--store", store) as mx:
            smtp_send(mx.port, "alice@sender.test", ["bob@rcpt.test"],
                      message("First report", "trk-1"))
            time.sleep(1.1)  # a second boundary for ?since=
            cut = int(time.time())
            smtp_send(mx.port, "carol@other.test", ["dave@rcpt.test", "erin@rcpt.test"],
                      message("Second NEWS", "trk-2", "carol@other.test", "dave@rcpt.test"))
            smtp_send(mx.port, "", ["bob@rcpt.test"], message("Bounce", "trk-3", "mailer@x.test"))

            all_ = self.curl_json(mx, "/api/v1/messages")
            self.assertEqual(all_["total"], 3, all_)
            self.assertEqual([m["tracking_id"] for m in all_["messages"]],
                             ["trk-3", "trk-2", "trk-1"], "not newest first")
            ids = {m["tracking_id"]: m["id"] for m in all_["messages"]}

            def tracking(query):
                r = self.curl_json(mx, "/api/v1/messages?" + query)
                return sorted(m["tracking_id"] for m in r["messages"])

            self.assertEqual(tracking("to=BOB@rcpt.test"), ["trk-1", "trk-3"])
            self.assertEqual(tracking("to=erin%40rcpt.test"), ["trk-2"])
            self.assertEqual(tracking("from=carol@other.test"), ["trk-2"])
            self.assertEqual(tracking("subject=news"), ["trk-2"])
            self.assertEqual(tracking("subject=report&to=bob@rcpt.test"), ["trk-1"])
            self.assertEqual(tracking("tracking_id=trk-2"), ["trk-2"])
            self.assertEqual(tracking("tracking_id=trk"), [])
            self.assertEqual(tracking("since=%d" % cut), ["trk-2", "trk-3"])
            self.assertEqual(tracking("since=" + time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                               time.gmtime(cut))),
                             ["trk-2", "trk-3"])
            page = self.curl_json(mx, "/api/v1/messages?limit=1&offset=1")
            self.assertEqual((page["total"], len(page["messages"])), (3, 1))
            self.assertEqual(page["messages"][0]["tracking_id"], "trk-2")

            one = self.curl_json(mx, "/api/v1/messages/%d" % ids["trk-2"])
            self.assertEqual(one["envelope"]["mail_from"]["address"]
                             if isinstance(one["envelope"]["mail_from"], dict)
                             else one["envelope"]["mail_from"], "carol@other.test")
            self.assertEqual(len(one["envelope"]["recipients"]), 2)
            self.assertEqual(one["header_summary"]["subject"], "Second NEWS")
            self.assertIn({"name": "X-Relaylab-Id", "value": "trk-2"}, one["headers"])
            self.assertEqual(one["client"]["helo"], "client.test")

            code, head, raw = self.curl(mx, "/api/v1/messages/%d/raw" % ids["trk-1"])
            self.assertEqual(code, 200)
            self.assertRegex(head, r"(?i)content-type: message/rfc822")
            self.assertIn(b"Subject: First report\r\n", raw)
            self.assertIn(b"X-Relaylab-Id: trk-1\r\n", raw)

            sessions = self.curl_json(mx, "/api/v1/sessions")
            self.assertEqual(len(sessions["sessions"]), 3)
            texts = [l["text"] for l in sessions["sessions"][-1]["transcript"]]
            self.assertIn("ehlo client.test", texts)  # smtplib sends lower case
            self.assertTrue(any(t.startswith("250 2.0.0") for t in texts), texts)

            stats = self.curl_json(mx, "/api/v1/stats")
            self.assertEqual(stats["store"]["messages_total"], 3, stats)
            self.assertEqual(stats["store"]["raw_in_maildir"], 3, stats)

            code, head, metrics = self.curl(mx, "/metrics")
            self.assertEqual(code, 200)
            self.assertRegex(head, r"(?i)content-type: text/plain")
            text = metrics.decode()
            self.assertRegex(text, r"(?m)^# TYPE relaylab_fakemx_messages_total counter$")
            self.assertRegex(text, r"(?m)^relaylab_fakemx_messages_total(\{[^}]*\})? 3$")
            self.assertRegex(text, r"(?m)^relaylab_fakemx_raw_stored_total(\{[^}]*\})? 3$")

            code, head, page = self.curl(mx, "/")
            self.assertEqual(code, 200)
            self.assertRegex(head, r"(?i)content-type: text/html")
            self.assertIn(b"<table", page)
            self.assertIn(b"<script", page)
            self.assertNotRegex(page, rb"(?i)(src|href)=\"https?://", "external resource")

            # Maildir: one file each in new/, holding the raw message.
            new = os.path.join(store, "new")
            files = sorted(os.listdir(new))
            self.assertEqual(len(files), 3, files)
            contents = b"".join(open(os.path.join(new, f), "rb").read() for f in files)
            for t in (b"trk-1", b"trk-2", b"trk-3"):
                self.assertIn(b"X-Relaylab-Id: " + t, contents)
            self.assertTrue(os.path.isdir(os.path.join(store, "tmp")))
            self.assertTrue(os.path.isdir(os.path.join(store, "cur")))

            deleted = self.curl_json(mx, "/api/v1/messages", "-X", "DELETE")
            self.assertEqual(deleted["deleted"], 3, deleted)
            self.assertEqual(deleted["sessions_deleted"], 3, deleted)
            self.assertEqual(self.curl_json(mx, "/api/v1/messages")["total"], 0)
            self.assertEqual(self.curl_json(mx, "/api/v1/messages/%d" % ids["trk-1"],
                                            status=404).keys(), {"error"})
            self.assertEqual(len(os.listdir(new)), 3, "DELETE removed Maildir files")
            smtp_send(mx.port, "a@sender.test", ["b@rcpt.test"], message("After", "trk-4"))
            after = self.curl_json(mx, "/api/v1/messages")
            self.assertGreater(after["messages"][0]["id"], max(ids.values()), "ids restarted")
            self.assertEqual(mx.stop(), 0, mx.stderr_text())

    def test_from_null_sender(self):
        """from=<> selects bounces (MAIL FROM:<>); an empty from= does too."""
        with FakeMx() as mx:
            smtp_send(mx.port, "", ["bob@rcpt.test"], message("Bounce", "trk-null"))
            smtp_send(mx.port, "a@sender.test", ["bob@rcpt.test"], message("Normal", "trk-a"))
            r = self.curl_json(mx, "/api/v1/messages?from=%3C%3E")
            self.assertEqual([m["tracking_id"] for m in r["messages"]], ["trk-null"])
            r = self.curl_json(mx, "/api/v1/messages?from=")
            self.assertEqual([m["tracking_id"] for m in r["messages"]], ["trk-null"])
            r = self.curl_json(mx, "/api/v1/messages?from=A%40sender.test")
            self.assertEqual([m["tracking_id"] for m in r["messages"]], ["trk-a"])

    def test_bad_requests(self):
        with FakeMx() as mx:
            self.assertIn("error", self.curl_json(mx, "/api/v1/nowhere", status=404))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages/999999", status=404))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?limit=abc", status=400))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?limit=1001", status=400))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?limit=-1", status=400))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?colour=red", status=400))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?since=yesterday",
                                                  status=400))
            self.assertIn("error", self.curl_json(mx, "/api/v1/messages?to=%zz", status=400))
            code, head, data = self.curl(mx, "/api/v1/messages", "-X", "PUT")
            self.assertEqual(code, 405, data)
            self.assertRegex(head, r"(?i)\r\nallow: [^\r]*GET")
            self.assertRegex(head, r"(?i)\r\nallow: [^\r]*DELETE")
            code, head, data = self.curl(mx, "/api/v1/stats", "-X", "POST")
            self.assertEqual(code, 405, data)
            self.assertEqual(mx.stop(), 0)

    def test_several_hosts(self):
        names = ["mx1.a.test", "mx2.b.test", "mx3.c.test"]
        with FakeMx(hosts=names) as mx:
            self.assertEqual(sorted(mx.ports), sorted(names))
            self.assertEqual(len(set(mx.ports.values())), 3)
            for name in names:
                smtp_send(mx.ports[name], "alice@sender.test", ["to-%s@rcpt.test" % name],
                          message("to " + name, "host-" + name))
                with smtplib.SMTP("127.0.0.1", mx.ports[name], timeout=10) as s:
                    # The host greets with its own name.
                    self.assertIn(name.encode(), s.ehlo("client.test")[1])
            for name in names:
                listing = self.curl_json(mx, "/api/v1/messages?tracking_id=host-" + name)
                self.assertEqual(listing["total"], 1)
                self.assertEqual(listing["messages"][0]["host"], name)
                self.assertEqual(listing["messages"][0]["to"], ["to-%s@rcpt.test" % name])
                by_host = self.curl_json(mx, "/api/v1/messages?host=" + name)
                self.assertEqual([m["tracking_id"] for m in by_host["messages"]], ["host-" + name])
                sess = self.curl_json(mx, "/api/v1/sessions?host=" + name)
                self.assertEqual({s["host"] for s in sess["sessions"]}, {name})
            self.assertEqual(mx.stop(), 0, mx.stderr_text())


if __name__ == "__main__":
    main()
