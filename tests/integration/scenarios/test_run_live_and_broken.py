"""`relaylab run` around the scenario: the live dashboard of a real run (--dashboard), and a run
that breaks (exit 3). The dashboard: while the quickstart runs, /snapshot.json is a report
document of this run with counts that grow, / is the page, /events streams the rendered
sections; after the run the reports are the usual ones. A relay that is not there: exit 3,
and the three reports still written, with the reason in "error" and a <error> testcase.
Loopback only, every wait bounded, the child stopped by our own hand if it hangs.
"""

import json
import os
import socket
import subprocess
import time
import unittest
import urllib.request

import scenario_run as s
import relaylab_proc


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers, response.read()


class LiveAndBroken(unittest.TestCase):
    def test_dashboard_during_a_run(self):
        work = s.temp_dir(self)
        port = free_port()
        args = [relaylab_proc.RELAYLAB, "run", "--report-dir", os.path.join(work, "report"),
                "--dashboard", "127.0.0.1:%d" % port]
        proc = subprocess.Popen(args, cwd=work, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        base = "http://127.0.0.1:%d" % port
        snapshots = []
        deadline = time.monotonic() + s.RUN_TIMEOUT
        page = None
        events = b""
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                status, headers, body = get(base + "/snapshot.json")
                self.assertEqual(status, 200)
                snapshot = json.loads(body)
                if isinstance(snapshot, dict) and "schema" in snapshot:
                    snapshots.append(snapshot)  # (before the first publish there is none)
                if page is None:
                    page = get(base + "/")[2].decode()
                    req = urllib.request.urlopen(base + "/events", timeout=5)
                    self.assertEqual(req.headers.get_content_type(), "text/event-stream")
                    events = req.read1(65536)
                    req.close()
            except (OSError, ValueError):
                pass  # not up yet, or the run ended between two requests
            time.sleep(0.3)
        out, _ = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out.decode(errors="replace")[-3000:])
        self.assertIn(b"dashboard on http://127.0.0.1:%d/" % port, out)
        self.assertGreaterEqual(len(snapshots), 2, "the dashboard served no snapshot")
        run_ids = {snap["run_id"] for snap in snapshots}
        self.assertEqual(len(run_ids), 1, run_ids)
        self.assertEqual(snapshots[0]["schema"], "relaylab.report/1")
        delivered = [snap["totals"]["delivered"] for snap in snapshots]
        self.assertEqual(delivered, sorted(delivered), "counts went backwards: %r" % delivered)
        self.assertIsNotNone(page)
        self.assertIn('EventSource("/events")', page.replace("'", '"'))
        self.assertIn(b"data:", events)
        final = json.load(open(os.path.join(work, "report", "report.json")))
        self.assertEqual(final["run_id"], run_ids.pop())
        self.assertGreaterEqual(final["totals"]["delivered"], delivered[-1])

    def test_relay_not_there_exits_3_with_reports(self):
        with socket.socket() as sock:  # a port nobody listens on: bound, never listening
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            result = s.run(self, None, "--relay", "127.0.0.1:%d" % port)
        self.assertEqual(result.returncode, 3, result.describe())
        self.assertIn("could not reach the relay", result.report["error"])
        self.assertFalse(result.report["passed"])
        cases = s.report_check.parse_junit(result.path("junit.xml"))
        self.assertIn(("run", False), [(name, passed) for name, passed, _ in cases])
        self.assertTrue(os.path.exists(result.path("report.html")))


if __name__ == "__main__":
    s.main()
