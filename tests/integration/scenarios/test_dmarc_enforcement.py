"""scenarios/dmarc-enforcement.json: the signed shop.test stream passes SPF, DKIM and DMARC and is
delivered; the forged bank.test stream (p=reject, SPF without the relay, no DKIM) is refused
with 550 5.7.26 by the receiver's DMARC rule and bounces back to its sender. Every message is
either delivered or bounced, the forged share is about the weight's quarter (and the same in a
second run with the same seed), and no DMARC failure reached a mailbox.
"""

import unittest

import scenario_run as s

COUNT = 200
FORGED_WEIGHT = 1 / 4  # traffic.from weights 3 (shop.test) : 1 (bank.test)


class DmarcEnforcement(unittest.TestCase):
    def test_forged_share_bounces_signed_share_passes(self):
        result = s.run(self, s.shipped("dmarc-enforcement"))
        s.check_reports(self, result, 0, "dmarc-enforcement")
        s.check_accounting(self, result, COUNT)
        delivered, bounced = result.total("delivered"), result.total("bounced")
        self.assertEqual(delivered + bounced, COUNT, result.report["totals"])
        self.assertGreater(delivered, 0)
        self.assertGreater(bounced, 0)
        self.assertEqual(result.total("lost"), 0)
        # The sender is drawn per message from (seed, n): a fair draw of 200 at 1/4 lands
        # within +-50% of 50 (the binomial's sd is about 6).
        expected = COUNT * FORGED_WEIGHT
        self.assertTrue(expected * 0.5 <= bounced <= expected * 1.5,
                        "forged share %d, expected about %d" % (bounced, expected))

        gmail = result.domain("gmail.test")
        self.assertEqual(gmail["replies"].get("550", 0), bounced, gmail)
        self.assertEqual(gmail["bounced"], bounced, gmail)
        self.assertEqual(gmail["delivered"], delivered, gmail)
        self.assertEqual(result.mx("mx1.gmail.test")["accepted"], delivered)
        # Every DSN reached the sender domain's MX, the world's bounce catcher.
        self.assertEqual(result.mx("bounces.relaylab.test")["accepted"], bounced)
        # What the receiver accepted is authenticated: signed, aligned, passing.
        self.assertEqual(result.auth("dmarc", "fail"), 0, result.report["auth"])
        self.assertGreaterEqual(result.auth("dkim", "pass"), delivered, result.report["auth"])
        self.assertGreaterEqual(result.auth("dmarc", "pass"), delivered, result.report["auth"])
        self.assertGreaterEqual(result.auth("spf", "pass"), delivered, result.report["auth"])

        # The sender of each message is drawn from (seed, n): the same seed forges the same
        # messages again, so the split repeats exactly.
        again = s.run(self, s.shipped("dmarc-enforcement"))
        self.assertEqual(again.returncode, 0, again.describe())
        self.assertEqual((again.total("delivered"), again.total("bounced")), (delivered, bounced))


if __name__ == "__main__":
    s.main()
