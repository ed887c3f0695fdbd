"""scenarios/dns-chaos.json: SERVFAIL on servfail.test's MX lookups and timeouts on
mx1.timeout.test's A lookups for a while, slow answers on the side. The relay defers (never
bounces) and delivers everything once DNS recovers; the control domain is unaffected.
"""

import unittest

import scenario_run as s

COUNT = 150
BACKOFF_MS = 1000  # relay.settings.retry.minimal_backoff
MIN_DELAYED = 10  # of the 2/3 of the mail that goes to the faulty domains


class DnsChaos(unittest.TestCase):
    def test_nothing_lost_through_dns_faults(self):
        result = s.run(self, s.shipped("dns-chaos"))
        s.check_reports(self, result, 0, "dns-chaos")
        s.check_accounting(self, result, COUNT)
        self.assertEqual(result.total("delivered"), COUNT, result.report["totals"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.total("bounced"), 0)
        self.assertEqual(result.total("duplicates"), 0)
        rcpts = s.domains_recipients(result, ["servfail.test", "timeout.test", "steady.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        for name, count in rcpts.items():
            self.assertEqual(result.domain(name)["delivered"], count, result.domain(name))
            self.assertEqual(result.mx("mx1." + name)["accepted"], count)
        # Mail of the faulty domains waited at least one backoff: without the faults every
        # message arrives in a fraction of a second; with them a good share waits over 1 s.
        e2e = result.report["latency_ms"]["end_to_end"]
        self.assertGreaterEqual(e2e["max"], BACKOFF_MS, e2e)
        histogram = result.report["latency_ms"]["histograms"]["end_to_end"]
        waited = sum(b["count"] for b in histogram if b["le"] > BACKOFF_MS)
        self.assertGreaterEqual(waited, MIN_DELAYED, histogram)


if __name__ == "__main__":
    s.main()
