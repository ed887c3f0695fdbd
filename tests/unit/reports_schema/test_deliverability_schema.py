"""report.json's optional `deliverability` section (issue 13) against reports/report.schema.json:
the example report with tests/unit/reports_schema/deliverability_section.json added validates;
the section stays optional (old reports unchanged); its inner shapes are strict (an unknown or
misspelled key, a missing required one, a rate above 1, a negative count are refused at their
JSON pointer); nulls are allowed where a value cannot be known (an external relay's opens).

python3-jsonschema is needed; without it: 77, or a failure with CI=true.
"""

import copy
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
import report_check  # noqa: E402
import skip  # noqa: E402

EXAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "reports", "examples",
                                        "report.json"))
SECTION = os.path.join(HERE, "deliverability_section.json")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class DeliverabilitySchema(unittest.TestCase):
    def setUp(self):
        skip.require_module("jsonschema", "python3-jsonschema")
        self.report = load(EXAMPLE)
        self.report["deliverability"] = load(SECTION)

    def assert_refused(self, document, pointer, words):
        errors = report_check.schema_errors(document)
        matching = [e for e in errors if e.startswith(pointer + ": ")]
        self.assertTrue(matching, "no error at %s, got %s" % (pointer, errors))
        self.assertTrue(any(all(w in e for w in words) for e in matching),
                        "want %s in an error at %s, got %s" % (words, pointer, matching))

    def test_report_with_deliverability_validates(self):
        self.assertEqual(report_check.schema_errors(self.report), [])

    def test_section_is_optional(self):
        del self.report["deliverability"]
        self.assertEqual(report_check.schema_errors(self.report), [])

    def test_not_measured_is_null(self):
        engagement = self.report["deliverability"]["engagement"]
        for key in ("opens", "clicks", "open_rate", "click_rate", "true_open_rate",
                    "true_click_rate", "simulated", "true_opens", "true_clicks"):
            engagement[key] = None
        self.report["deliverability"]["spam"]["mean_score"] = None
        self.report["deliverability"]["unsubscribe"]["sent_after_unsubscribe"] = None
        self.report["deliverability"]["complaints"]["reported"] = None
        self.report["deliverability"]["complaints"]["rate"] = None
        self.assertEqual(report_check.schema_errors(self.report), [])

    def test_complaints_are_optional(self):
        # Reports written before the complaint rate still validate.
        del self.report["deliverability"]["complaints"]
        self.assertEqual(report_check.schema_errors(self.report), [])

    def test_unknown_key_in_each_part(self):
        for part in ("placement/gmail", "spam", "unsubscribe", "engagement", "quotas",
                     "complaints", ""):
            with self.subTest(part=part):
                broken = copy.deepcopy(self.report)
                target = broken["deliverability"]
                for step in filter(None, part.split("/")):
                    target = target[step]
                target["inbox_rate"] = 1
                pointer = "/deliverability" + ("/" + part if part else "")
                self.assert_refused(broken, pointer, ["inbox_rate"])

    def test_required_keys(self):
        for part, key in (("", "placement"), ("", "quotas"), ("engagement", "open_rate"),
                          ("unsubscribe", "sent_after_unsubscribe"), ("spam", "top_rules"),
                          ("placement/gmail", "rejected"), ("quotas", "deferred_by_quota"),
                          ("complaints", "reported"), ("complaints", "rate")):
            with self.subTest(key=key):
                broken = copy.deepcopy(self.report)
                target = broken["deliverability"]
                for step in filter(None, part.split("/")):
                    target = target[step]
                del target[key]
                pointer = "/deliverability" + ("/" + part if part else "")
                self.assert_refused(broken, pointer, [key])

    def test_rates_and_counts_in_range(self):
        broken = copy.deepcopy(self.report)
        broken["deliverability"]["engagement"]["open_rate"] = 1.5
        self.assert_refused(broken, "/deliverability/engagement/open_rate", ["1.5"])
        broken = copy.deepcopy(self.report)
        broken["deliverability"]["placement"]["gmail"]["spam"] = -1
        self.assert_refused(broken, "/deliverability/placement/gmail/spam", ["-1"])
        broken = copy.deepcopy(self.report)
        broken["deliverability"]["spam"]["top_rules"][0]["count"] = "12"
        self.assert_refused(broken, "/deliverability/spam/top_rules/0/count", ["12"])
        broken = copy.deepcopy(self.report)
        broken["deliverability"]["complaints"]["rate"] = 2
        self.assert_refused(broken, "/deliverability/complaints/rate", ["2"])


if __name__ == "__main__":
    unittest.main()
