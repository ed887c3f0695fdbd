"""scenarios/bulk-campaign-misconfigured.json: SPF passes for the ESP's bounce domain but the From
domain has no DKIM and no SPF of its own, so DMARC fails for lack of alignment; no
List-Unsubscribe; a relay quota and a yahoo daily limit. The first hundred messages per provider
pass as a small sender's; past the bulk threshold gmail (550 5.7.30/5.7.26) and outlook (550
5.7.515) refuse, yahoo defers past its daily limit (421 4.7.0 [TSS04]) and the relay's quota
refuses the end of the campaign at submission (451 4.7.1). The scenario's expectations say so and
hold (exit 0).
"""

import unittest

import scenario_run as s

COUNT = 400
QUOTA = 350
YAHOO_DAILY = 60
GMAIL_BULK_THRESHOLD = 100
OUTLOOK_BULK_THRESHOLD = 50
# Sessions decided at once may each pass a threshold before the count catches up: the relay
# delivers over a few connections per destination.
SLACK = 10


def about(testcase, value, at_least, what):
    testcase.assertTrue(at_least <= value <= at_least + SLACK,
                        "%s: %d, expected %d (+%d)" % (what, value, at_least, SLACK))


class BulkCampaignMisconfigured(unittest.TestCase):
    def test_misconfigured_campaign_is_refused_deferred_and_limited(self):
        result = s.run(self, s.shipped("bulk-campaign-misconfigured"))
        s.check_reports(self, result, 0, "bulk-campaign-misconfigured")
        d = result.report["deliverability"]
        totals = result.report["totals"]
        self.assertEqual(result.total("lost"), 0, totals)
        # The relay's quota: QUOTA accepted (parallel sessions may each pass the last free slot:
        # counted when stored), the rest refused at MAIL with 451 4.7.1 (a session that keeps
        # trying meets the relay's error limit, 421, as with Postfix).
        about(self, totals["accepted"], QUOTA, "accepted under the quota")
        self.assertEqual(totals["rejected"], COUNT - totals["accepted"], totals)
        self.assertGreater(d["quotas"]["relay_refused"], 0, d["quotas"])
        self.assertEqual(result.report["replies"]["submission"].get("451", 0),
                         d["quotas"]["relay_refused"], result.report["replies"])
        # No alignment anywhere, SPF passes (for esp-mail.test), no DKIM.
        self.assertEqual(result.auth("dmarc", "pass"), 0, result.report["auth"])
        self.assertEqual(result.auth("dkim", "pass"), 0, result.report["auth"])
        self.assertGreater(result.auth("spf", "pass"), 0, result.report["auth"])

        gmail, outlook, yahoo = (d["placement"][p] for p in ("gmail", "outlook", "yahoo"))
        # A small sender first: the bulk threshold's worth is accepted, then refusals.
        about(self, gmail["inbox"] + gmail["spam"], GMAIL_BULK_THRESHOLD, "gmail accepted")
        self.assertGreater(gmail["rejected"], 0, gmail)
        about(self, outlook["inbox"] + outlook["spam"], OUTLOOK_BULK_THRESHOLD, "outlook accepted")
        self.assertGreater(outlook["rejected"], 0, outlook)
        # Yahoo: its daily limit for shop.test, then 421 deferrals that the relay retries.
        about(self, yahoo["inbox"] + yahoo["spam"], YAHOO_DAILY, "yahoo accepted")
        self.assertGreater(yahoo["deferred"], 0, yahoo)
        self.assertGreater(d["quotas"]["receiver_deferred"], 0, d["quotas"])
        self.assertEqual(d["quotas"]["deferred_by_quota"],
                         d["quotas"]["relay_refused"] + d["quotas"]["receiver_deferred"])
        gmail_replies = result.domain("gmail.test")["replies"]
        self.assertGreater(gmail_replies.get("550", 0), 0, gmail_replies)
        self.assertGreater(result.domain("yahoo.test")["replies"].get("421", 0), 0)
        # Refused mail bounces back to the envelope sender's domain.
        self.assertGreater(result.total("bounced"), 0, totals)
        self.assertEqual(d["unsubscribe"]["one_click"], 0, d["unsubscribe"])
        self.assertEqual(d["unsubscribe"]["list_unsubscribe"], 0, d["unsubscribe"])


if __name__ == "__main__":
    s.main()
