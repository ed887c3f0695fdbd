"""scenarios/mx-failover.json: mx1.failover.test refuses every connection with 421, mx1.dropped.test
closes every connection without a greeting; the backup MX of both domains takes every message.
The per-host `accepted` counts in world.mx show where the mail went.
"""

import unittest

import scenario_run as s

COUNT = 200


class MxFailover(unittest.TestCase):
    def test_backup_takes_everything(self):
        result = s.run(self, s.shipped("mx-failover"))
        s.check_reports(self, result, 0, "mx-failover")
        s.check_accounting(self, result, COUNT)
        self.assertEqual(result.total("delivered"), COUNT, result.report["totals"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.total("bounced"), 0)
        rcpts = s.domains_recipients(result, ["failover.test", "dropped.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        for name, count in rcpts.items():
            self.assertEqual(result.domain(name)["delivered"], count, result.domain(name))

        self.assertEqual(result.mx("mx1.failover.test")["accepted"], 0)
        self.assertEqual(result.mx("mx1.dropped.test")["accepted"], 0)
        self.assertEqual(result.mx("backup.failover.test")["accepted"], COUNT)
        # Fallback within the same attempt: no message waited for the 10 s retry.
        e2e = result.report["latency_ms"]["end_to_end"]
        self.assertLess(e2e["max"], 5000, e2e)
        # The primaries were really tried: the 421s and the dropped connections are on record
        # (a refusal before RCPT counts under the host's domain).
        self.assertGreater(result.domain("failover.test")["replies"].get("421", 0), 0,
                           result.domain("failover.test"))
        self.assertGreater(result.domain("dropped.test")["replies"].get("dropped", 0), 0,
                           result.domain("dropped.test"))


if __name__ == "__main__":
    s.main()
