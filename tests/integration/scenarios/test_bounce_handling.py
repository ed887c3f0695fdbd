"""scenarios/bounce-handling.json: every gone.test recipient is refused 550 5.1.1 at RCPT. Each such
message bounces once (one DSN, caught by the sender domain's MX, the world's bounce catcher)
and is never retried; ok.test delivers; nothing lost.
"""

import unittest

import scenario_run as s

COUNT = 200


class BounceHandling(unittest.TestCase):
    def test_dsns_come_back(self):
        result = s.run(self, s.shipped("bounce-handling"))
        s.check_reports(self, result, 0, "bounce-handling")
        s.check_accounting(self, result, COUNT)
        rcpts = s.domains_recipients(result, ["gone.test", "ok.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        gone, ok = result.domain("gone.test"), result.domain("ok.test")
        self.assertEqual(gone["bounced"], rcpts["gone.test"], gone)
        self.assertEqual(gone["delivered"], 0, gone)
        self.assertEqual(gone["replies"].get("550", 0), rcpts["gone.test"], gone)
        self.assertEqual(gone["attempts"], rcpts["gone.test"], gone)  # a 5xx is final
        self.assertEqual(gone["deferred"], 0, gone)
        self.assertEqual(ok["delivered"], rcpts["ok.test"], ok)
        self.assertEqual(ok["bounced"], 0, ok)
        self.assertEqual(result.total("bounced"), rcpts["gone.test"], result.report["totals"])
        self.assertEqual(result.total("delivered"), rcpts["ok.test"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.mx("bounces.relaylab.test")["accepted"], rcpts["gone.test"])
        self.assertEqual(result.mx("mx1.gone.test")["accepted"], 0)


if __name__ == "__main__":
    s.main()
