"""Case 5, null MX: the recipient domain publishes "MX 0 ." (RFC 7505), it accepts no mail. The
relay bounces at once, without a retry and without connecting anywhere, and the sender's MX gets
a DSN with status 5.1.10 (RFC 7505 4.2, RFC 3463 as updated by RFC 7505).
"""

import email
import email.policy
import os
import time

import relay_world as w

NULL_DOMAIN = "nomail.test"
SENDER_DOMAIN = "sender.test"
SENDER = "bob@" + SENDER_DOMAIN
SENDER_IP = "127.0.0.8"


class NullMx(w.WorldTest):
    def test_bounced_at_once_with_5_1_10(self):
        port = w.pick_mx_port([SENDER_IP])
        dns = self.start_dns({
            NULL_DOMAIN: w.zone(NULL_DOMAIN, "@ IN MX 0 .\n"),
            SENDER_DOMAIN: w.mx_zone(SENDER_DOMAIN, [(10, "mx", SENDER_IP)]),
        })
        mx = self.start_mx({"mx." + SENDER_DOMAIN: SENDER_IP}, port)
        relay = self.start_relay(dns, port)
        started = time.monotonic()
        rc, out, events = w.send(relay.port, 1, 1, "someone@" + NULL_DOMAIN, SENDER,
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= 1, 20, "the DSN", step=0.1)
        # At once: well before the first retry would be due (minimal backoff is 1 s, but a
        # retry would show in the event log below).
        self.assertLess(time.monotonic() - started, 15)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)

        [entry] = mx.messages()
        self.assertEqual(entry["from"], "")
        self.assertEqual(entry["to"], [SENDER])
        msg = email.message_from_bytes(mx.raw(entry["id"]), policy=email.policy.compat32)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        status = msg.get_payload()[1].get_payload()[1]
        self.assertEqual(status["Action"].strip(), "failed")
        self.assertEqual(status["Status"].strip(), "5.1.10")
        self.assertIn("someone@" + NULL_DOMAIN, status["Final-Recipient"])

        self.assertEqual(len(relay.events("bounced")), 1, relay.events())
        self.assertEqual(relay.events("retry_scheduled"), [])
        self.assertEqual(relay.events("deferred"), [])
        self.assertEqual([e for e in relay.events("attempt") if e.get("domain") == NULL_DOMAIN],
                         [], "no connection for a null MX domain")


if __name__ == "__main__":
    w.main()
