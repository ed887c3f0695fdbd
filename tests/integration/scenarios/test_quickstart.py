"""`relaylab run` without a scenario: the embedded quickstart (README's first command). It must
pass its own expectations and leave a complete, valid set of reports: three receiving
providers with their behaviours, the bounce catcher, authenticated mail, nothing lost.
"""

import unittest

import scenario_run as s


class Quickstart(unittest.TestCase):
    def test_embedded_quickstart(self):
        result = s.run(self, None)
        s.check_reports(self, result, 0, "quickstart")
        report = result.report
        self.assertEqual(report["relay"]["kind"], "builtin")
        t = report["totals"]
        self.assertGreater(t["submitted"], 0, t)
        self.assertEqual(t["accepted"], t["submitted"], t)
        self.assertEqual(t["lost"], 0, t)
        self.assertEqual(t["duplicates"], 0, t)
        self.assertEqual(t.get("in_flight", 0), 0, t)
        self.assertGreater(t["delivered"], 0, t)
        domains = {d["domain"] for d in report["domains"]}
        self.assertTrue({"gmail.test", "outlook.test", "yahoo.test"} <= domains, domains)
        # The greylisting provider deferred, and its mail arrived anyway.
        gmail = result.domain("gmail.test")
        self.assertGreater(gmail["deferred"], 0, gmail)
        self.assertEqual(gmail["delivered"], gmail["recipients"], gmail)
        hosts = {m["name"] for m in report["world"]["mx"]}
        self.assertIn("bounces.relaylab.test", hosts)
        self.assertGreaterEqual(len(hosts), 4, hosts)
        # The relay signs and the receivers judge: delivered mail passes DKIM and DMARC.
        self.assertGreaterEqual(result.auth("dkim", "pass"), t["delivered"] * 0.99, report["auth"])
        self.assertGreaterEqual(result.auth("dmarc", "pass"), t["delivered"] * 0.99, report["auth"])
        self.assertGreater(len(report["throughput"]["timeline"]), 0)


if __name__ == "__main__":
    s.main()
