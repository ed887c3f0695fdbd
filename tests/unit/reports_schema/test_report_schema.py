"""reports/report.schema.json against reports/examples/report.json: the example validates, and
copies broken the ways a report writer breaks (a key missing, a number written as a string, a
key nobody published) are refused with the JSON pointer of the fault. Also the helpers of
tests/lib/report_check.py that scenario tests rely on.

python3-jsonschema (Debian 12: 4.10) is needed; without it: 77, or a failure with CI=true.
"""

import copy
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
import report_check  # noqa: E402
import skip  # noqa: E402

EXAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "reports", "examples",
                                        "report.json"))


def load_example():
    with open(EXAMPLE, encoding="utf-8") as f:
        return json.load(f)


class ReportSchema(unittest.TestCase):
    def setUp(self):
        skip.require_module("jsonschema", "python3-jsonschema")
        self.example = load_example()

    def assert_refused(self, document, pointer, words):
        errors = report_check.schema_errors(document)
        self.assertTrue(errors, "the schema accepted a broken report (want %s)" % pointer)
        matching = [e for e in errors if e.startswith(pointer + ": ")]
        self.assertTrue(matching, "no error at %s, got %s" % (pointer, errors))
        self.assertTrue(any(all(w in e for w in words) for e in matching),
                        "want %s in an error at %s, got %s" % (words, pointer, matching))

    def test_example_validates(self):
        self.assertEqual(report_check.schema_errors(self.example), [])
        self.assertEqual(report_check.validate(EXAMPLE)["schema"], "relaylab.report/1")

    def test_missing_totals_lost(self):
        broken = copy.deepcopy(self.example)
        del broken["totals"]["lost"]
        self.assert_refused(broken, "/totals", ["'lost'", "required"])

    def test_string_where_a_number_is(self):
        broken = copy.deepcopy(self.example)
        broken["totals"]["delivered"] = "1998"
        self.assert_refused(broken, "/totals/delivered", ["'1998'", "integer"])
        broken = copy.deepcopy(self.example)
        broken["latency_ms"]["end_to_end"]["p99"] = "2250.7"
        self.assert_refused(broken, "/latency_ms/end_to_end/p99", ["'2250.7'"])
        broken = copy.deepcopy(self.example)
        broken["duration_s"] = "14.82"
        self.assert_refused(broken, "/duration_s", ["'14.82'", "number"])

    def test_unknown_top_level_key(self):
        broken = copy.deepcopy(self.example)
        broken["totalz"] = {}
        self.assert_refused(broken, "/", ["'totalz'", "Additional properties"])

    def test_unknown_key_in_totals(self):
        broken = copy.deepcopy(self.example)
        broken["totals"]["delivred"] = 3
        self.assert_refused(broken, "/totals", ["'delivred'", "Additional properties"])

    def test_every_published_top_level_key_is_required(self):
        published = ["schema", "scenario", "started_at", "duration_s", "relay", "totals",
                     "throughput", "latency_ms", "domains", "auth", "tls", "expectations",
                     "passed"]
        for key in published:
            with self.subTest(key=key):
                broken = copy.deepcopy(self.example)
                del broken[key]
                self.assert_refused(broken, "/", ["'%s'" % key, "required"])

    def test_other_schema_version(self):
        broken = copy.deepcopy(self.example)
        broken["schema"] = "relaylab.report/2"
        self.assert_refused(broken, "/schema", ["relaylab.report/1"])

    def test_negative_count_and_bad_verdict(self):
        broken = copy.deepcopy(self.example)
        broken["auth"]["dmarc"]["fail"] = -1
        self.assert_refused(broken, "/auth/dmarc/fail", ["-1"])
        broken = copy.deepcopy(self.example)
        broken["expectations"][0]["passed"] = "true"
        self.assert_refused(broken, "/expectations/0/passed", ["boolean"])

    def test_run_error_is_a_string_or_null(self):
        report = copy.deepcopy(self.example)
        report["error"] = "port 127.0.0.1:25 in use"
        self.assertEqual(report_check.schema_errors(report), [])
        report["error"] = 3
        self.assert_refused(report, "/error", ["3"])

    def test_validate_names_the_file_and_pointer(self):
        broken = copy.deepcopy(self.example)
        broken["totals"]["lost"] = None
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "report.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(broken, f)
            with self.assertRaises(AssertionError) as raised:
                report_check.validate(path)
        self.assertIn(path, str(raised.exception))
        self.assertIn("/totals/lost", str(raised.exception))


JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="relaylab" tests="3" failures="1" errors="1" time="1.500">
  <testsuite name="q" tests="3" failures="1" errors="1" skipped="0" time="1.500">
    <testcase name="nothing lost" classname="relaylab.q" time="0"/>
    <testcase name="p99 &lt; 2000" classname="relaylab.q" time="0">
      <failure message="expected a &lt; 1, got 2" type="expectation">body</failure>
    </testcase>
    <testcase name="run" classname="relaylab.q" time="0"><error message="broke">x</error></testcase>
  </testsuite>
</testsuites>
"""


class ParseJunit(unittest.TestCase):
    def write(self, text):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "junit.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_cases_in_order(self):
        self.assertEqual(report_check.parse_junit(self.write(JUNIT)),
                         [("nothing lost", True, None),
                          ("p99 < 2000", False, "expected a < 1, got 2"),
                          ("run", False, "broke")])

    def test_counts_that_disagree_are_refused(self):
        path = self.write(JUNIT.replace('tests="3" failures="1" errors="1" skipped',
                                        'tests="3" failures="0" errors="1" skipped'))
        with self.assertRaises(AssertionError) as raised:
            report_check.parse_junit(path)
        self.assertIn("failures=0", str(raised.exception))


if __name__ == "__main__":
    skip.run_tests(sys.argv)
