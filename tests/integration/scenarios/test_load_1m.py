"""scenarios/load-1m.json scaled down (--scale 0.005: 5,000 of the million messages): every
message accepted, delivered once, none lost or duplicated; the throughput timeline and the
latency histograms are filled.
"""

import unittest

import scenario_run as s

SCALE = "0.005"
COUNT = 5000  # 1,000,000 * 0.005


class Load1m(unittest.TestCase):
    def test_scaled_down(self):
        result = s.run(self, s.shipped("load-1m"), "--scale", SCALE, timeout=540)
        s.check_reports(self, result, 0, "load-1m")
        s.check_accounting(self, result, COUNT)
        self.assertEqual(result.total("delivered"), COUNT, result.report["totals"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.total("duplicates"), 0)
        self.assertEqual(result.total("bounced"), 0)
        self.assertEqual(result.report["traffic"]["count"], COUNT)
        rcpts = s.domains_recipients(result, ["gmail.test", "outlook.test", "yahoo.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        # Weights 5:3:2 over 5,000 draws: each share within 3 points of its weight.
        for name, weight in (("gmail.test", 0.5), ("outlook.test", 0.3), ("yahoo.test", 0.2)):
            self.assertAlmostEqual(rcpts[name] / COUNT, weight, delta=0.03, msg=rcpts)
        accepted = sum(result.mx("mx1." + d)["accepted"] for d in rcpts)
        self.assertEqual(accepted, COUNT)
        throughput = result.report["throughput"]
        self.assertGreater(throughput["delivered_per_s"], 0, throughput)
        self.assertGreater(len(throughput["timeline"]), 0)
        self.assertEqual(sum(step["delivered"] for step in throughput["timeline"]), COUNT,
                         "the timeline's deliveries add up to the total")
        latency = result.report["latency_ms"]
        self.assertEqual(latency["end_to_end"]["count"], COUNT, latency["end_to_end"])
        self.assertEqual(latency["submit"]["count"], COUNT, latency["submit"])
        for kind in ("submit", "end_to_end"):
            p = latency[kind]
            self.assertTrue(0 < p["p50"] <= p["p90"] <= p["p99"] <= p["p999"] <= p["max"], p)


if __name__ == "__main__":
    s.main()
