"""An MX list that names the relay itself (RFC 5321 5.1): the relay listens on 127.0.0.1:P and
is also the best MX of loop.test on --mx-port P. It must not deliver to itself: hosts from its
own preference on are cut, and with nothing more preferred left the recipient fails at once
with 554 5.4.6 "loops back to myself" (Postfix's words), without retries, and the sender gets a
DSN. A backup MX less preferred than the relay is not tried either.
"""

import email
import email.policy
import os

import relay_world as w

LOOP_DOMAIN = "loop.test"
SENDER_DOMAIN = "sender.test"
SENDER = "bob@" + SENDER_DOMAIN
SENDER_IP = "127.0.0.8"
BACKUP_IP = "127.0.0.9"


class MxLoop(w.WorldTest):
    def test_mx_naming_the_relay_fails_with_5_4_6(self):
        port = w.pick_mx_port(["127.0.0.1", SENDER_IP, BACKUP_IP])
        dns = self.start_dns({
            LOOP_DOMAIN: w.mx_zone(LOOP_DOMAIN, [(10, "mx", "127.0.0.1"), (20, "backup", BACKUP_IP)]),
            SENDER_DOMAIN: w.mx_zone(SENDER_DOMAIN, [(10, "mx", SENDER_IP)]),
        })
        mx = self.start_mx({"mx." + SENDER_DOMAIN: SENDER_IP, "backup." + LOOP_DOMAIN: BACKUP_IP},
                           port)
        relay = self.start_relay(dns, port, listen="127.0.0.1:%d" % port)
        self.assertEqual(relay.port, port)
        rc, out, _ = w.send(relay.port, 2, 1, "someone{n}@" + LOOP_DOMAIN, SENDER,
                            os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= 2, 20, "two DSNs", step=0.1)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)

        bounced = relay.events("bounced")
        self.assertEqual(len(bounced), 2, relay.events())
        for event in bounced:
            self.assertIn("554 5.4.6", event["reply"])
            self.assertIn("loops back to myself", event["reply"])
        self.assertEqual(relay.events("retry_scheduled"), [])
        self.assertEqual([e for e in relay.events("delivered") if LOOP_DOMAIN in e["recipient"]],
                         [], "nothing went to the relay or the backup")
        self.assertEqual(len(relay.events("delivered")), 2, "the two DSNs")
        # Only the two DSNs reached a fake MX host: the backup MX saw nothing.
        for entry in mx.messages():
            self.assertEqual(entry["from"], "")
            self.assertEqual(entry["to"], [SENDER])
            msg = email.message_from_bytes(mx.raw(entry["id"]), policy=email.policy.compat32)
            status = msg.get_payload()[1].get_payload()[1]
            self.assertEqual(status["Status"].strip(), "5.4.6")


if __name__ == "__main__":
    w.main()
