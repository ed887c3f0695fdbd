"""scenarios/greylisting.json: a receiver that greylists (1 s window) and one that does not.
Every gmail.test recipient is deferred at least once and still delivered; outlook.test is never
deferred; the greylisted mail waited for the relay's 2 s backoff; nothing lost.
"""

import unittest

import scenario_run as s

COUNT = 300
BACKOFF_MS = 2000  # relay.settings.retry.minimal_backoff, jitter 0


class Greylisting(unittest.TestCase):
    def test_everything_delivered_late(self):
        result = s.run(self, s.shipped("greylisting"))
        s.check_reports(self, result, 0, "greylisting")
        s.check_accounting(self, result, COUNT)
        self.assertEqual(result.total("delivered"), COUNT, result.report["totals"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.total("bounced"), 0)
        rcpts = s.domains_recipients(result, ["gmail.test", "outlook.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)

        gmail, outlook = result.domain("gmail.test"), result.domain("outlook.test")
        # Each greylisted recipient: one 451 4.7.1 at least, then the retry passes.
        self.assertGreaterEqual(gmail["deferred"], rcpts["gmail.test"], gmail)
        self.assertGreaterEqual(gmail["replies"].get("451", 0), rcpts["gmail.test"], gmail)
        self.assertEqual(gmail["delivered"], rcpts["gmail.test"], gmail)
        self.assertGreater(gmail["attempts"], gmail["delivered"], gmail)
        self.assertEqual(outlook["deferred"], 0, outlook)
        self.assertEqual(outlook["delivered"], rcpts["outlook.test"], outlook)
        self.assertEqual(result.mx("mx1.gmail.test")["accepted"], rcpts["gmail.test"])
        self.assertEqual(result.mx("mx1.outlook.test")["accepted"], rcpts["outlook.test"])
        # Two thirds of the mail waited for the backoff: the 90th percentile includes it.
        e2e = result.report["latency_ms"]["end_to_end"]
        self.assertGreaterEqual(e2e["p90"], BACKOFF_MS * 0.9, e2e)
        self.assertGreaterEqual(e2e["max"], BACKOFF_MS * 0.9, e2e)


if __name__ == "__main__":
    s.main()
