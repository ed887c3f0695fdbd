"""Case 1, delivered: 200 messages from `relaylab send --concurrency 10` through the relay to the
recipient domain's fake MX. Every tracking id arrives exactly once, the event log says
"delivered" 200 times, and the relay's queue is empty afterwards (admin API GET /queue).
"""

import os
from collections import Counter

import relay_world as w

COUNT = 200
DOMAIN = "dest.test"
MX_IP = "127.0.0.2"


class Delivered(w.WorldTest):
    def test_every_message_arrives_once(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        relay = self.start_relay(dns, port)
        rc, out, events = w.send(relay.port, COUNT, 10, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        accepted = [e for e in events if e["event"] == "accepted"]
        self.assertEqual(len(accepted), COUNT)
        self.assertTrue(all(e["queue_id"] for e in accepted), accepted[:3])

        w.wait_until(lambda: mx.total() >= COUNT, 60, "%d arrivals" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        arrived = Counter(m["tracking_id"] for m in mx.messages())
        self.assertEqual(set(arrived), {e["tracking_id"] for e in accepted})
        self.assertEqual([t for t, n in arrived.items() if n > 1], [], "duplicates")
        # Every message came through the relay, which says who it is in its EHLO.
        self.assertEqual({m["helo"] for m in mx.messages()}, {w.RELAY_HOSTNAME})

        self.stop_relay_checked(relay)
        delivered = relay.events("delivered")
        self.assertEqual(len(delivered), COUNT, self.dump(relay))
        self.assertEqual(len({e["id"] for e in delivered}), COUNT)
        self.assertEqual({e["id"] for e in delivered}, {e["queue_id"] for e in accepted})
        self.assertEqual(relay.events("bounced"), [])


if __name__ == "__main__":
    w.main()
