"""Expiry: the recipient domain's MX answers 451 to every attempt and the queue lifetime is 3 s
(Postfix's maximal_queue_lifetime, shortened). The relay keeps retrying until then, and then
bounces the message as expired: an "expired" event, and a DSN to the sender with status 4.4.7
(RFC 3463: delivery time expired) whose diagnostic carries the last remote reply.
"""

import email
import email.policy
import os

import relay_world as w

DOMAIN = "later.test"
SENDER_DOMAIN = "sender.test"
SENDER = "carol@" + SENDER_DOMAIN
DEST_IP = "127.0.0.17"
SENDER_IP = "127.0.0.18"
TEMPFAIL = {"name": "tempfail-later", "rules": [
    {"phase": "rcpt", "match": {"domain": DOMAIN}, "reply": "451 4.3.0 try again later"}]}
RETRY = ["--minimal-backoff", "1s", "--maximal-backoff", "1s", "--maximal-queue-lifetime", "3s"]


class Expired(w.WorldTest):
    def test_expired_after_the_queue_lifetime(self):
        port = w.pick_mx_port([DEST_IP, SENDER_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", DEST_IP)]),
                              SENDER_DOMAIN: w.mx_zone(SENDER_DOMAIN, [(10, "mx", SENDER_IP)])})
        behaviour = self.write("tempfail.json", TEMPFAIL)
        mx = self.start_mx({"mx." + DOMAIN: DEST_IP, "mx." + SENDER_DOMAIN: SENDER_IP}, port,
                           "--behaviour", behaviour)
        relay = self.start_relay(dns, port, retry=RETRY)
        rc, out, events = w.send(relay.port, 1, 1, "dave@" + DOMAIN, SENDER,
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= 1, 20, "the DSN", step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 10, "an empty queue")
        self.stop_relay_checked(relay)

        log = relay.events()
        deferred = [e for e in log if e["event"] == "deferred"]
        self.assertGreaterEqual(len(deferred), 2, "retried before giving up: %s" % log)
        [expired] = [e for e in log if e["event"] == "expired"]
        self.assertEqual(expired["recipient"], "dave@" + DOMAIN)
        self.assertEqual([e["why"] for e in log if e["event"] == "finished"
                          and e["id"] == events[0]["queue_id"]], ["expired"])

        [dsn] = mx.messages()
        self.assertEqual((dsn["from"], dsn["to"], dsn["host"]),
                         ("", [SENDER], "mx." + SENDER_DOMAIN))
        msg = email.message_from_bytes(mx.raw(dsn["id"]), policy=email.policy.compat32)
        status = msg.get_payload()[1].get_payload()[1]
        self.assertEqual(status["Action"].strip(), "failed")
        self.assertEqual(status["Status"].strip(), "4.4.7")
        self.assertIn("try again later", " ".join(status["Diagnostic-Code"].split()))


if __name__ == "__main__":
    w.main()
