"""A run whose expectation cannot hold exits 1, and the failure shows in all three reports:
report.json (passed false, that row false with its actual value), junit.xml (exactly one
<failure>, on that testcase, saying expected and got) and report.html (the expectation's name,
marked failed).
"""

import html
import re
import unittest

import scenario_run as s

FAILING = "impossible delivery count"
COUNT = 20


class FailingExpectation(unittest.TestCase):
    def test_exit_1_and_the_failure_in_every_report(self):
        result = s.run(self, s.data("failing-expectation.json"))
        junit = s.check_reports(self, result, 1, "failing-expectation")
        report = result.report
        self.assertFalse(report["passed"])
        failed = [e for e in report["expectations"] if not e["passed"]]
        self.assertEqual([e["name"] for e in failed], [FAILING], report["expectations"])
        row = result.expectation(FAILING)
        self.assertEqual(row["expected"], "totals.delivered > 1000000")
        self.assertEqual(row["actual"], str(COUNT))
        # The other two held: the run itself was healthy.
        self.assertTrue(result.expectation("nothing lost")["passed"])
        self.assertTrue(result.expectation("totals.submitted == 20")["passed"])
        self.assertEqual(result.total("delivered"), COUNT)

        # junit.xml: three testcases, one failure, on ours, with expected and actual.
        self.assertEqual(len(junit), 3, junit)
        failures = [(name, message) for name, passed, message in junit if not passed]
        self.assertEqual(len(failures), 1, junit)
        self.assertEqual(failures[0][0], FAILING)
        self.assertIn("1000000", failures[0][1])
        self.assertIn(str(COUNT), failures[0][1])
        with open(result.path("junit.xml"), encoding="utf-8") as f:
            xml = f.read()
        self.assertEqual(len(re.findall(r"<failure\b", xml)), 1, xml)

        # report.html: the name, and a "failed" mark near it (the expectations table row).
        with open(result.path("report.html"), encoding="utf-8") as f:
            page = f.read()
        at = page.find(html.escape(FAILING))
        self.assertGreaterEqual(at, 0, "the failing expectation's name is not on the page")
        rows = [m.start() for m in re.finditer(re.escape(html.escape(FAILING)), page)]
        near = [page[max(0, i - 1500):i + 1500] for i in rows]
        self.assertTrue(any(re.search(r"fail", text, re.IGNORECASE) for text in near),
                        "no 'failed' near the expectation's name in report.html")
        self.assertRegex(page, r"(?i)failed")


if __name__ == "__main__":
    s.main()
