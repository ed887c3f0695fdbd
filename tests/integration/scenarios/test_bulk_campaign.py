"""scenarios/bulk-campaign.json: a compliant campaign (SPF, DKIM, aligned DMARC, forward-confirmed
PTR, one-click unsubscribe signed, HTML with tracked opens and clicks, every message scored by a
private spamd) reaches the inbox of every modelled provider (gmail, yahoo, outlook presets as a
bulk sender); simulated recipients open, click and unsubscribe at the configured rates; after an
address unsubscribed the relay refuses it, so nothing arrives for it later; measured (tracked)
rates differ from the true ones the way image blocking and scanners make them differ.
"""

import unittest

import scenario_run as s
import skip

COUNT = 300
OPEN_RATE = 0.20  # world.recipients.open.inbox
CLICK_RATE = 0.04
IMAGE_BLOCKING = 0.10
LINK_SCANNER = 0.02
# What the pixel should see: a person who opened with images on, or a scanner's fetch.
MEASURED_OPEN_RATE = 1 - (1 - OPEN_RATE * (1 - IMAGE_BLOCKING)) * (1 - LINK_SCANNER)


def sigma_bounds(rate, n, k=4):
    sd = (rate * (1 - rate) / n) ** 0.5
    return rate - k * sd, rate + k * sd


class BulkCampaign(unittest.TestCase):
    def test_compliant_campaign_reaches_every_inbox(self):
        skip.require_path("/usr/sbin/spamd", "spamd (Debian package spamd)")
        result = s.run(self, s.shipped("bulk-campaign"))
        s.check_reports(self, result, 0, "bulk-campaign")
        d = result.report["deliverability"]
        totals = result.report["totals"]
        self.assertEqual(result.total("lost"), 0, totals)
        self.assertEqual(result.total("bounced"), 0, totals)
        # Later mail to unsubscribed addresses is refused at RCPT: the only rejections.
        self.assertEqual(totals["rejected"], d["unsubscribe"]["refused_by_relay"], (totals, d))

        # Placement: every provider files everything in the inbox.
        for provider, domain in (("gmail", "gmail.test"), ("yahoo", "yahoo.test"),
                                 ("outlook", "outlook.test")):
            placed = d["placement"][provider]
            self.assertGreater(placed["inbox"], 0, (provider, placed))
            self.assertEqual((placed["spam"], placed["rejected"], placed["deferred"]), (0, 0, 0),
                             (provider, placed))
            self.assertEqual(placed["inbox"], result.domain(domain)["delivered"], provider)

        # Spam: scored by the real filter, far from its threshold, rules named.
        delivered = totals["delivered"]
        self.assertEqual(d["spam"]["scored"], delivered, d["spam"])
        self.assertEqual(d["spam"]["failed"], 0, d["spam"])
        self.assertLess(d["spam"]["mean_score"], 5, d["spam"])
        self.assertTrue(d["spam"]["top_rules"], d["spam"])

        # Unsubscribe: coverage, suppression honoured.
        unsub = d["unsubscribe"]
        self.assertEqual(unsub["one_click"], unsub["messages"], unsub)
        self.assertEqual(unsub["list_unsubscribe"], unsub["messages"], unsub)
        self.assertGreater(unsub["unsubscribed"], 0, unsub)
        self.assertEqual(unsub["sent_after_unsubscribe"], 0, unsub)
        # Addresses recur and the campaign lasts half a minute: later mail to an unsubscribed
        # address was submitted, and refused at RCPT (550 5.7.1).
        self.assertGreater(unsub["refused_by_relay"], 0, unsub)
        self.assertEqual(result.report["replies"]["submission"].get("550", 0),
                         unsub["refused_by_relay"], result.report["replies"])
        self.assertEqual(d["recipients"]["unsubscribes_done"], unsub["unsubscribed"],
                         d["recipients"])

        # Engagement: the truth within 4 sd of the configured rates; tracking sees fewer opens
        # than people made (10% block images) plus the scanners' fetches.
        e = d["engagement"]
        low, high = sigma_bounds(OPEN_RATE, e["simulated"])
        self.assertTrue(low <= e["true_open_rate"] <= high, e)
        low, high = sigma_bounds(CLICK_RATE, e["simulated"])
        self.assertTrue(low <= e["true_click_rate"] <= high, e)
        # The tracked (measured) open rate within 4 sd of what image blocking and scanners make
        # of the configured one.
        low, high = sigma_bounds(MEASURED_OPEN_RATE, e["delivered"])
        self.assertTrue(low <= e["open_rate"] <= high, (MEASURED_OPEN_RATE, e))
        self.assertGreater(e["clicks"], 0, e)
        # Every true click went through the tracker (no click without its link being rewritten).
        self.assertGreaterEqual(e["clicks"], e["true_clicks"] - d["recipients"]["requests_failed"],
                                (e, d["recipients"]))


if __name__ == "__main__":
    s.main()
