"""Case 6, DNS SERVFAIL: the recipient domain's MX lookups fail with SERVFAIL for a while (a
`relaylab dns --faults` rule with "first": N). The relay defers (a temporary DNS error is never a
bounce, RFC 5321 5.1) and delivers when the fault clears.
"""

import os

import relay_world as w

COUNT = 5
DOMAIN = "flaky-dns.test"
MX_IP = "127.0.0.9"
# Enough failing queries to outlast the resolver's own tries in the first attempt.
FAILING_QUERIES = 6


class DnsServfail(w.WorldTest):
    def test_deferred_then_delivered(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])},
                             faults={"rules": [{"name": DOMAIN, "type": "MX",
                                                "action": "servfail",
                                                "first": FAILING_QUERIES}]})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        relay = self.start_relay(dns, port)
        rc, out, events = w.send(relay.port, COUNT, 1, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= COUNT, 60, "%d arrivals" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)

        self.assertEqual(sorted(m["tracking_id"] for m in mx.messages()),
                         sorted(e["tracking_id"] for e in events))
        deferred = relay.events("deferred")
        self.assertGreater(len(deferred), 0, "the SERVFAIL must defer: %s" % relay.events())
        self.assertEqual(relay.events("bounced"), [])
        delivered = relay.events("delivered")
        self.assertEqual(len(delivered), COUNT)
        # Deferred first, delivered later, for every message that was deferred.
        first_delivery = {}
        for n, e in enumerate(relay.events()):
            if e["event"] == "delivered":
                first_delivery.setdefault(e["id"], n)
        for n, e in enumerate(relay.events()):
            if e["event"] == "deferred":
                self.assertGreater(first_delivery[e["id"]], n, e)


if __name__ == "__main__":
    w.main()
