"""Case 2, greylisted then delivered: the recipient domain's MX greylists every new (client,
sender, recipient) triplet for one second (postgrey's behaviour, shortened). The relay's first
attempts are deferred with the 451; its retries (minimal backoff 1 s) deliver every message.
"""

import os

import relay_world as w

COUNT = 20
DOMAIN = "grey.test"
MX_IP = "127.0.0.3"
GREYLIST = {"name": "greylist-1s",
            "greylist": {"min_retry_s": 1, "max_retry_s": 600, "whitelist_s": 3600}}


class Greylisted(w.WorldTest):
    def test_deferred_then_delivered(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        behaviour = self.write("greylist.json", GREYLIST)
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port, "--behaviour", behaviour)
        relay = self.start_relay(dns, port)
        rc, out, events = w.send(relay.port, COUNT, 4, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= COUNT, 60, "%d arrivals" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)

        arrived = sorted(m["tracking_id"] for m in mx.messages())
        self.assertEqual(arrived, sorted(e["tracking_id"] for e in events))
        log = relay.events()
        for queue_id in {e["queue_id"] for e in events}:
            mine = [e["event"] for e in log if e.get("id") == queue_id
                    and e["event"] in ("deferred", "delivered", "retry_scheduled")]
            self.assertEqual(mine[0], "deferred", (queue_id, mine))
            self.assertIn("retry_scheduled", mine, (queue_id, mine))
            self.assertEqual(mine[-1], "delivered", (queue_id, mine))
            self.assertEqual(mine.count("delivered"), 1, (queue_id, mine))
        deferred = relay.events("deferred")
        self.assertTrue(all(e["reply"].startswith("451 4.7.1") for e in deferred), deferred[:3])


if __name__ == "__main__":
    w.main()
