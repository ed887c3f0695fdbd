"""`relaylab report merge` as users run it, on shard reports this test writes (the example
report plus a `shard` section): exit codes 0/1/2/3, the three files, error texts naming the
files, the merged report.json valid against reports/report.schema.json (python3-jsonschema),
and a receiver served by Python's http.server answering /api/v1/tracking.

Standard library (and python3-jsonschema for the schema check); loopback only, every run
and wait bounded; the HTTP server is this test's own, stopped by the test.
"""

import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
sys.path.insert(0, HERE)
import report_check  # noqa: E402
import shard_reports  # noqa: E402
import skip  # noqa: E402

RUN_TIMEOUT = 60  # seconds; a merge of a few small files takes milliseconds
RELAYLAB = None


class TrackingReceiver:
    """A fake MX's API as far as the merge asks it: GET /api/v1/tracking?run_id=RUN."""

    def __init__(self, answer):
        self.answer = answer
        self.queries = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                outer.queries.append((url.path, urllib.parse.parse_qs(url.query)))
                if url.path != "/api/v1/tracking":
                    self.send_error(404)
                    return
                body = json.dumps(outer.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReportMerge(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="relaylab-merge-test-")
        self.out = os.path.join(self.dir.name, "merged")

    def tearDown(self):
        self.dir.cleanup()

    def write_shards(self, reports):
        paths = []
        for report in reports:
            folder = os.path.join(self.dir.name, "shard-%d" % report["shard"]["index"])
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, "report.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(report, f)
            paths.append(path)
        return paths

    def merge(self, paths, *extra):
        return subprocess.run([RELAYLAB, "report", "merge", *paths, *extra, "--out", self.out],
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def merged(self):
        with open(os.path.join(self.out, "report.json"), encoding="utf-8") as f:
            return json.load(f)

    def test_two_shards_merge_into_one_valid_report(self):
        # A tail past 2 s in each shard: the example's "p99 < 2000" fails on the merged figures.
        paths = self.write_shards([
            shard_reports.shard_report(i, 2, end_to_end={900_000: 1900, 2_250_000: 98})
            for i in range(2)])
        run = self.merge(paths)
        self.assertEqual(run.returncode, 1, run.stderr)  # the example's p99 expectation fails
        for name in ("report.json", "report.html", "junit.xml"):
            self.assertTrue(os.path.isfile(os.path.join(self.out, name)), name)
        report = self.merged()
        self.assertEqual(report["totals"]["submitted"], 4000)
        self.assertEqual(report["shards"]["merged"], [0, 1])
        self.assertEqual(report["shards"]["sources"], paths)
        self.assertNotIn("shard", report)
        self.assertIn("expectation failed: latency_ms.end_to_end.p99 < 2000", run.stderr)
        with open(os.path.join(self.out, "report.html"), encoding="utf-8") as f:
            self.assertIn('id="shards"', f.read())
        ET.parse(os.path.join(self.out, "junit.xml"))
        skip.require_module("jsonschema", "python3-jsonschema")
        self.assertEqual(report_check.schema_errors(report), [])

    def test_all_expectations_hold_exit_0(self):
        reports = [shard_reports.shard_report(i, 2) for i in range(2)]
        for r in reports:
            r["expectations"] = [{"name": "volume", "expected": "totals.delivered >= 3000",
                                  "actual": "1998", "passed": False}]
        run = self.merge(self.write_shards(reports))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertTrue(self.merged()["passed"])

    def test_shards_of_different_runs_exit_2_and_write_nothing(self):
        reports = [shard_reports.shard_report(i, 2) for i in range(2)]
        reports[1]["scenario"]["seed"] = 99
        paths = self.write_shards(reports)
        run = self.merge(paths)
        self.assertEqual(run.returncode, 2)
        self.assertIn(paths[1] + ": /scenario/seed: 99 differs from 1 in " + paths[0], run.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_same_index_twice_and_bad_json_exit_2(self):
        paths = self.write_shards([shard_reports.shard_report(0, 2)])
        copy_path = os.path.join(self.dir.name, "copy.json")
        with open(paths[0], encoding="utf-8") as f, open(copy_path, "w") as g:
            g.write(f.read())
        run = self.merge([paths[0], copy_path])
        self.assertEqual(run.returncode, 2)
        self.assertIn(copy_path + ": /shard/index: index 0 is also in " + paths[0], run.stderr)
        broken = os.path.join(self.dir.name, "broken.json")
        with open(broken, "w") as f:
            f.write('{"schema": "relaylab.report/1",\n  "shard": }\n')
        run = self.merge([broken])
        self.assertEqual(run.returncode, 2)
        self.assertIn(broken + ":2:12: not valid JSON", run.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_missing_shard_exit_3_with_reports_written(self):
        paths = self.write_shards([shard_reports.shard_report(i, 3) for i in (0, 2)])
        run = self.merge(paths)
        self.assertEqual(run.returncode, 3, run.stderr)
        self.assertIn("shard 1 of 3 is missing: its report was not given (the merged figures "
                      "cover 2 of 3 shards)", run.stderr)
        report = self.merged()
        self.assertEqual(report["shards"]["missing"], [1])
        self.assertFalse(report["passed"])
        cases = ET.parse(os.path.join(self.out, "junit.xml")).getroot().iter("testcase")
        self.assertIn("shard 1", [c.get("name") for c in cases])

    def test_broken_shard_exit_3(self):
        reports = [shard_reports.shard_report(i, 2) for i in range(2)]
        reports[0]["error"] = "port 2525 in use"
        run = self.merge(self.write_shards(reports))
        self.assertEqual(run.returncode, 3)
        self.assertIn("shard 0 of 2 broke: port 2525 in use", run.stderr)
        self.assertEqual(self.merged()["shards"]["failed"],
                         [{"index": 0, "error": "port 2525 in use"}])

    def test_receiver_join_for_generator_shards(self):
        reports = [shard_reports.shard_report(i, 2, role="generator") for i in range(2)]
        for r in reports:
            r["relay"] = {"kind": "external", "address": "relay.example:25"}
            r["totals"]["delivered"] = 0
            r["expectations"] = []
        # 4000 planned (ids 1..4000); 10 of shard 1's (even ids 2..20) never arrived; id 3 twice.
        answer = {"run_id": reports[0]["run_id"], "messages": 3991, "distinct": 3990,
                  "duplicates": 1, "ranges": [[1, 1], [3, 3], [5, 5], [7, 7], [9, 9], [11, 11],
                                              [13, 13], [15, 15], [17, 17], [19, 19], [21, 4000]],
                  "ranges_truncated": False, "other": 0, "duplicated": [3]}
        with TrackingReceiver(answer) as receiver:
            run = self.merge(self.write_shards(reports), "--receiver", receiver.url + "/")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(receiver.queries,
                         [("/api/v1/tracking", {"run_id": [reports[0]["run_id"]]})])
        report = self.merged()
        join = report["shards"]["receivers"]
        self.assertEqual([s["missing"] for s in join["by_shard"]], [0, 10])
        self.assertEqual(report["totals"]["delivered"], 3990)
        self.assertEqual(report["totals"]["lost"], 10)
        self.assertEqual(report["totals"]["duplicates"], 1)
        skip.require_module("jsonschema", "python3-jsonschema")
        self.assertEqual(report_check.schema_errors(report), [])

    def test_unreachable_receiver_exit_3_reports_written_without_join(self):
        paths = self.write_shards([shard_reports.shard_report(i, 2) for i in range(2)])
        url = "http://127.0.0.1:%d" % closed_port()
        run = self.merge(paths, "--receiver", url)
        self.assertEqual(run.returncode, 3)
        self.assertIn("receiver " + url + ": connection refused", run.stderr)
        report = self.merged()
        self.assertNotIn("receivers", report["shards"])
        self.assertIn("the receiver join is left out", report["error"])


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
