"""Case 3, 5xx then a DSN: the recipient domain's MX answers 550 5.1.1 at RCPT (the reject-all
preset); the sender's domain has an MX of its own (another fake MX host). For every message a
multipart/report DSN (RFC 3464) arrives there from the null sender, to the original sender,
naming the failed recipient and the remote reply. And never a bounce for a bounce (RFC 5321 6.1):
a message from MAIL FROM:<> that fails makes no DSN. A message with recipients in several
domains gets one DSN naming exactly the recipients that failed (a 550 at RCPT and an NXDOMAIN
domain), while the others are delivered once.
"""

import email
import email.policy
import os
import re
import smtplib

import relay_world as w

COUNT = 5
REJECT_DOMAIN = "reject.test"
SENDER_DOMAIN = "sender.test"
SENDER = "alice@" + SENDER_DOMAIN
OK_DOMAIN = "ok.test"
REJECT_IP = "127.0.0.4"
SENDER_IP = "127.0.0.5"


class BounceDsn(w.WorldTest):
    def start_world(self):
        port = w.pick_mx_port([REJECT_IP, SENDER_IP])
        dns = self.start_dns({
            REJECT_DOMAIN: w.mx_zone(REJECT_DOMAIN, [(10, "mx", REJECT_IP)]),
            # ok.test shares the sender domain's MX host.
            SENDER_DOMAIN: w.mx_zone(SENDER_DOMAIN, [(10, "mx", SENDER_IP)]),
            OK_DOMAIN: w.mx_zone(OK_DOMAIN, [(10, "mx", SENDER_IP)]),
        })
        mx = self.start_mx({"mx." + REJECT_DOMAIN: REJECT_IP, "mx." + SENDER_DOMAIN: SENDER_IP},
                           port, "--behaviour", "mx.%s=reject-all" % REJECT_DOMAIN)
        return mx, self.start_relay(dns, port)

    def test_dsn_for_each_failed_message(self):
        mx, relay = self.start_world()
        rc, out, events = w.send(relay.port, COUNT, 2, "nobody{n}@" + REJECT_DOMAIN, SENDER,
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total("from=%3C%3E") >= COUNT, 60, "%d DSNs" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.assertEqual(mx.total("host=mx." + REJECT_DOMAIN), 0)

        dsns = mx.messages("from=%3C%3E")
        self.assertEqual(len(dsns), COUNT, "one DSN per failed message")
        failed = set()
        returned = set()
        for entry in dsns:
            self.assertEqual(entry["host"], "mx." + SENDER_DOMAIN)
            self.assertEqual(entry["to"], [SENDER])
            self.assertEqual(entry["from"], "")
            raw = mx.raw(entry["id"])
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            self.assertEqual(msg.get_content_type(), "multipart/report")
            self.assertEqual(msg.get_param("report-type"), "delivery-status")
            self.assertIn(SENDER, msg["To"])
            parts = msg.get_payload()
            self.assertGreaterEqual(len(parts), 2)
            self.assertEqual(parts[0].get_content_type(), "text/plain")
            self.assertEqual(parts[1].get_content_type(), "message/delivery-status")
            # message/delivery-status: the per-message block, then one block per recipient.
            blocks = parts[1].get_payload()
            per_recipient = blocks[1]
            recipient = per_recipient["Final-Recipient"]
            self.assertRegex(recipient, r"(?i)^rfc822;\s*nobody\d+@reject\.test$")
            failed.add(recipient.split(";")[1].strip().lower())
            self.assertEqual(per_recipient["Action"].strip(), "failed")
            self.assertEqual(per_recipient["Status"].strip(), "5.1.1")
            self.assertIn("550", per_recipient["Diagnostic-Code"])
            self.assertIn(w.RELAY_HOSTNAME, blocks[0]["Reporting-MTA"])
            # The returned headers tie the DSN to the message that failed.
            returned.update(re.findall(r"X-Relaylab-Id: (run-\d+)", raw.decode("utf-8", "replace")))
        self.assertEqual(len(failed), COUNT, "one DSN for each recipient: %s" % failed)
        self.assertEqual(returned, {e["tracking_id"] for e in events})
        self.stop_relay_checked(relay)
        self.assertEqual(len(relay.events("bounced")), COUNT)
        self.assertEqual(len(relay.events("dsn_created")), COUNT)

    def test_no_bounce_for_a_bounce(self):
        mx, relay = self.start_world()
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as client:
            client.ehlo("client.test")
            code, _ = client.mail("<>")
            self.assertEqual(code, 250)
            code, _ = client.rcpt("nobody@" + REJECT_DOMAIN)
            self.assertEqual(code, 250)
            code, reply = client.data(b"From: <>\r\nTo: nobody@reject.test\r\n"
                                      b"Subject: a bounce\r\n\r\nundeliverable\r\n")
            self.assertEqual(code, 250, reply)
        queue_id = re.search(r"queued as (\S+)", reply.decode()).group(1)
        w.wait_until(lambda: [e for e in relay.events("finished") if e["id"] == queue_id],
                     30, "the bounce to be finished")
        self.stop_relay_checked(relay)
        bounced = [e for e in relay.events("bounced") if e["id"] == queue_id]
        self.assertEqual(len(bounced), 1, relay.events())
        self.assertTrue(bounced[0]["reply"].startswith("550"), bounced)
        self.assertEqual(relay.events("dsn_created"), [])
        self.assertEqual(mx.total(), 0, "nothing may reach any MX")

    def test_one_dsn_for_the_failed_recipients_only(self):
        mx, relay = self.start_world()
        missing_domain = "nowhere." + SENDER_DOMAIN  # NXDOMAIN in a zone we serve: 5.1.2
        recipients = ["x@" + OK_DOMAIN, "y@" + REJECT_DOMAIN, "z@" + missing_domain,
                      "q@" + OK_DOMAIN]
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as client:
            refused = client.sendmail(SENDER, recipients,
                                      b"From: " + SENDER.encode() + b"\r\nSubject: mixed\r\n"
                                      b"X-Relaylab-Id: mixed-1\r\n\r\nfour recipients\r\n")
            self.assertEqual(refused, {})
        w.wait_until(lambda: mx.total("from=%3C%3E") >= 1 and relay.queue_total() == 0, 30,
                     "the DSN and an empty queue", step=0.1)
        [delivered] = mx.messages("tracking_id=mixed-1")
        self.assertEqual(sorted(delivered["to"]), ["q@" + OK_DOMAIN, "x@" + OK_DOMAIN])
        [dsn] = mx.messages("from=%3C%3E")
        self.assertEqual(dsn["to"], [SENDER])
        msg = email.message_from_bytes(mx.raw(dsn["id"]), policy=email.policy.compat32)
        blocks = msg.get_payload()[1].get_payload()[1:]
        statuses = {b["Final-Recipient"].split(";")[1].strip(): b["Status"].strip()
                    for b in blocks}
        self.assertEqual(statuses, {"y@" + REJECT_DOMAIN: "5.1.1", "z@" + missing_domain: "5.1.2"})
        self.stop_relay_checked(relay)
        self.assertEqual(len(relay.events("dsn_created")), 1)
        self.assertEqual(sorted(e["recipient"] for e in relay.events("bounced")),
                         ["y@" + REJECT_DOMAIN, "z@" + missing_domain])


if __name__ == "__main__":
    w.main()
