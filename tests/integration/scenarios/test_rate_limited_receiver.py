"""scenarios/rate-limited-receiver.json: two rate-limited receivers (2 connections, 10 messages
per connection, 30 a minute per IP). shaped.test's relay settings match those limits: it
collects (almost) no deferral, and its deliveries are spread at 30 a minute, which the run's
duration shows. unshaped.test is sent at the relay's defaults and still gets everything in the
end through retries.
"""

import unittest

import scenario_run as s

COUNT = 24
SHAPED_GAP_S = 2.0  # max_messages_per_minute 30


class RateLimitedReceiver(unittest.TestCase):
    def test_shaping_keeps_deferrals_bounded(self):
        result = s.run(self, s.shipped("rate-limited-receiver"))
        s.check_reports(self, result, 0, "rate-limited-receiver")
        s.check_accounting(self, result, COUNT)
        self.assertEqual(result.total("delivered"), COUNT, result.report["totals"])
        self.assertEqual(result.total("lost"), 0)
        rcpts = s.domains_recipients(result, ["shaped.test", "unshaped.test"])
        shaped = result.domain("shaped.test")
        self.assertEqual(shaped["delivered"], rcpts["shaped.test"], shaped)
        self.assertLessEqual(shaped["deferred"], 2, shaped)
        self.assertLessEqual(shaped["replies"].get("421", 0), 1, shaped)
        self.assertLessEqual(shaped["attempts"], rcpts["shaped.test"] + 2, shaped)
        self.assertEqual(result.domain("unshaped.test")["delivered"], rcpts["unshaped.test"])
        # The shaper let one message go at once, then one every 2 s: the run cannot have been
        # shorter than that (a shaper that does nothing would finish in well under a second).
        self.assertGreaterEqual(result.report["duration_s"],
                                (rcpts["shaped.test"] - 1) * SHAPED_GAP_S * 0.9,
                                "shaped.test: %d recipients" % rcpts["shaped.test"])


if __name__ == "__main__":
    s.main()
