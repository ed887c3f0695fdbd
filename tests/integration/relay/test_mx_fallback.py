"""Case 4, primary MX down: the preferred MX host's address has nothing listening (connection
refused), so the relay walks on to the secondary MX (RFC 5321 5.1) and delivers everything there
on the first attempt: no message waits for a retry.
"""

import os

import relay_world as w

COUNT = 20
DOMAIN = "fallback.test"
PRIMARY_IP = "127.0.0.6"    # nothing listens here
SECONDARY_IP = "127.0.0.7"


class MxFallback(w.WorldTest):
    def test_secondary_takes_the_mail(self):
        port = w.pick_mx_port([PRIMARY_IP, SECONDARY_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx1", PRIMARY_IP),
                                                         (20, "mx2", SECONDARY_IP)])})
        mx = self.start_mx({"mx2." + DOMAIN: SECONDARY_IP}, port)
        relay = self.start_relay(dns, port)
        rc, out, events = w.send(relay.port, COUNT, 4, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= COUNT, 30, "%d arrivals" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)
        arrived = mx.messages()
        self.assertEqual(sorted(m["tracking_id"] for m in arrived),
                         sorted(e["tracking_id"] for e in events))
        self.assertEqual({m["host"] for m in arrived}, {"mx2." + DOMAIN})
        self.assertEqual(len(relay.events("delivered")), COUNT)
        self.assertEqual(relay.events("deferred"), [], "the secondary was there at once")
        self.assertEqual(relay.events("retry_scheduled"), [])


if __name__ == "__main__":
    w.main()
