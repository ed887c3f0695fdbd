"""`relaylab report compare` as users run it: two runs of reports/examples/report.json with
different numbers (the builtin relay against an external one) give compare.json with the right
values under the given labels, and compare.html beside it; files that are missing, not JSON,
too large or not a report exit 2 naming the file, and write nothing.

Standard library only, Debian's /usr/bin/python3; no network, every run bounded.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
import skip  # noqa: E402

EXAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "reports", "examples",
                                        "report.json"))
RUN_TIMEOUT = 60  # seconds; one compare of small files takes milliseconds
RELAYLAB = None


def example():
    with open(EXAMPLE, encoding="utf-8") as f:
        return json.load(f)


def external_run():
    """The example as if sent through another relay: fewer delivered, two lost, slower."""
    report = example()
    report["relay"] = {"kind": "external", "address": "127.0.0.1:2525"}
    report["totals"]["delivered"] = 1990
    report["totals"]["lost"] = 2
    report["throughput"]["delivered_per_s"] = 99.5
    report["latency_ms"]["end_to_end"]["p99"] = 3100.25
    report["auth"]["dkim"] = {"pass": 995, "fail": 995}
    report["expectations"][0]["passed"] = False
    return report


def metric(comparison, path):
    rows = [row for row in comparison["metrics"] if row["path"] == path]
    assert len(rows) == 1, "%d rows for %s" % (len(rows), path)
    return rows[0]


class ReportCompare(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="relaylab-compare-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content if isinstance(content, (str, bytes)) else json.dumps(content))
        return path

    def relaylab(self, *args):
        return subprocess.run([RELAYLAB, "report"] + list(args), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)

    def test_two_runs_with_labels(self):
        builtin = self.write("builtin.json", example())
        external = self.write("external.json", external_run())
        out = os.path.join(self.tmp, "out", "compare")
        result = self.relaylab("compare", builtin, external, "--label", "builtin relay",
                               "--label", "postfix", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        json_path = os.path.join(out, "compare.json")
        html_path = os.path.join(out, "compare.html")
        self.assertEqual(result.stdout.split(), [json_path, html_path])
        self.assertTrue(os.path.getsize(html_path) > 0)

        with open(json_path, encoding="utf-8") as f:
            comparison = json.load(f)
        self.assertEqual(comparison["schema"], "relaylab.compare/1")
        self.assertEqual([r["label"] for r in comparison["runs"]], ["builtin relay", "postfix"])
        self.assertEqual([r["file"] for r in comparison["runs"]], [builtin, external])
        self.assertEqual([r["relay"]["kind"] for r in comparison["runs"]],
                         ["builtin", "external"])
        self.assertEqual([r["passed"] for r in comparison["runs"]], [False, False])
        self.assertEqual(metric(comparison, "totals.delivered")["values"], [1998, 1990])
        self.assertEqual(metric(comparison, "totals.lost")["values"], [0, 2])
        self.assertEqual(metric(comparison, "totals.lost")["better"], "lower")
        self.assertEqual(metric(comparison, "throughput.delivered_per_s")["values"],
                         [134.8, 99.5])
        self.assertEqual(metric(comparison, "throughput.delivered_per_s")["better"], "higher")
        self.assertEqual(metric(comparison, "latency_ms.end_to_end.p99")["values"],
                         [2250.7, 3100.25])
        self.assertEqual(metric(comparison, "auth.dkim.pass / totals.delivered")["values"],
                         [1, 0.5])
        self.assertEqual(metric(comparison, "expectations.failed")["values"], [1, 2])
        # The labels reach the page too (whatever its layout).
        with open(html_path, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("builtin relay", html)
        self.assertIn("postfix", html)

    def test_default_labels_name_scenario_and_relay(self):
        a = self.write("a.json", example())
        b = self.write("b.json", external_run())
        out = os.path.join(self.tmp, "out")
        result = self.relaylab("compare", a, b, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(out, "compare.json"), encoding="utf-8") as f:
            comparison = json.load(f)
        self.assertEqual([r["label"] for r in comparison["runs"]],
                         ["quickstart (builtin 127.0.0.1:40123)",
                          "quickstart (external 127.0.0.1:2525)"])

    def assert_refused(self, args, *words):
        out = os.path.join(self.tmp, "refused")
        result = self.relaylab(*(list(args) + ["--out", out]))
        self.assertEqual(result.returncode, 2, "stdout %r stderr %r" % (result.stdout,
                                                                        result.stderr))
        for word in words:
            self.assertIn(word, result.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "compare.json")))
        return result.stderr

    def test_bad_files_exit_2_naming_the_file(self):
        good = self.write("good.json", example())
        missing = os.path.join(self.tmp, "missing.json")
        self.assert_refused(["compare", good, missing], missing)

        not_json = self.write("broken.json", '{\n  "schema": "relaylab.report/1",\n  "totals": {,\n}')
        stderr = self.assert_refused(["compare", good, not_json], not_json + ":3:")
        self.assertIn("not valid JSON", stderr)

        other = example()
        other["schema"] = "relaylab.report/9"
        wrong_schema = self.write("other.json", other)
        self.assert_refused(["compare", good, wrong_schema], wrong_schema, "relaylab.report/9")

        array = self.write("array.json", [1, 2])
        self.assert_refused(["compare", array, good], array, "array")

        self.assert_refused(["compare", good, self.tmp], self.tmp, "directory")

        not_utf8 = self.write("latin1.json", b'{"schema": "relaylab.report/1", "x": "\xe9"}')
        # The parser quotes what it read: the stray byte is shown escaped, not sent raw (the
        # text=True decoding of stderr would fail on it).
        stderr = self.assert_refused(["compare", good, not_utf8], not_utf8)
        self.assertIn("\\xe9", stderr)

    def test_a_file_over_64_mib_is_refused_unread(self):
        good = self.write("good.json", example())
        big = os.path.join(self.tmp, "big.json")
        with open(big, "wb") as f:
            f.truncate(64 * 1024 * 1024 + 1)  # sparse: no disk needed
        self.assert_refused(["compare", good, big], big, "64 MiB")

    def test_usage_errors_exit_2(self):
        good = self.write("good.json", example())
        self.assert_refused(["compare", good, good, "--label", "only one"], "--label")
        self.assert_refused(["compare", good, good, "--label", "same", "--label", "same"],
                            "'same'")
        self.assert_refused(["compare"], "RUN.json")
        self.assert_refused(["diff", good], "unknown action 'diff'")
        result = self.relaylab("compare", good)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--out", result.stderr)

    def test_help(self):
        result = self.relaylab("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("compare RUN.json", result.stdout)


def main():
    global RELAYLAB
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--relaylab", required=True)
    args, rest = parser.parse_known_args()
    RELAYLAB = os.path.abspath(args.relaylab)
    if not os.access(RELAYLAB, os.X_OK):
        sys.exit("relaylab binary not found or not executable: " + RELAYLAB)
    skip.run_tests([sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
