"""Case 7, shaping holds: relay.json gives the destination max_messages_per_second = 20. 100
messages reach the relay at once; their arrival rate at the fake MX (its capture timestamps) is
within 10% of 20/s, so a provider's rate limit is respected however fast the mail comes in.
"""

import datetime
import os

import relay_world as w

COUNT = 100
RATE = 20.0
TOLERANCE = 0.10
DOMAIN = "shaped.test"
MX_IP = "127.0.0.10"


def seconds(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Shaping(w.WorldTest):
    def test_arrival_rate_follows_the_limit(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        config = self.write("relay.json", {
            "destinations": {DOMAIN: {"max_messages_per_second": RATE}}})
        relay = self.start_relay(dns, port, config=config)
        rc, out, events = w.send(relay.port, COUNT, 10, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= COUNT, 30, "%d arrivals" % COUNT, step=0.2)
        self.stop_relay_checked(relay)

        stamps = sorted(seconds(m["received_at"]) for m in mx.messages())
        self.assertEqual(len(stamps), COUNT)
        span = stamps[-1] - stamps[0]
        self.assertGreater(span, 0)
        rate = (COUNT - 1) / span
        print("arrival rate %.2f/s over %.2f s (limit %.0f/s)" % (rate, span, RATE), flush=True)
        self.assertLessEqual(abs(rate - RATE) / RATE, TOLERANCE,
                             "arrival rate %.2f/s, limit %.0f/s" % (rate, RATE))
        # And no burst hides inside the average: no second holds more than the limit plus
        # the bucket's one-second capacity.
        for start in stamps:
            inside = sum(1 for s in stamps if start <= s < start + 1.0)
            self.assertLessEqual(inside, 2 * RATE + 1, "a burst at %.3f" % start)


if __name__ == "__main__":
    w.main()
