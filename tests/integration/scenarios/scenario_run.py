"""Shared helpers of the shipped-scenario tests: run `relaylab run [SCENARIO] --report-dir TMP
--quiet` as users do, then read the three reports back and check what every run must satisfy
(exit code and verdict agree; report.json valid against reports/report.schema.json; junit.xml
has one testcase per expectation and the same failures; report.html exists and names the
scenario). Each test_*.py then asserts its scenario's own numbers.

Standard library only, Debian's /usr/bin/python3 (jsonschema comes in through
tests/lib/report_check.py, which skips or fails by tests/lib/skip.py's rule). Every run is
bounded: a hung run is killed (it is our own child) and fails the test.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SCENARIOS = os.path.join(REPO, "scenarios")
DATA = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import skip  # noqa: E402  the one skip rule (77, or a failure with CI=true)
import report_check  # noqa: E402  validate(report.json) against the schema, parse_junit()
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "smtp"))
import relaylab_proc  # noqa: E402  the --relaylab argument, shared with the other Python tests

# A run under ASan on two busy cores is several times slower than a release build: generous,
# and below the ctest TIMEOUT (CMakeLists.txt) so a hung run fails with its output.
RUN_TIMEOUT = float(os.environ.get("RELAYLAB_SCENARIO_TIMEOUT", "200"))


def main():
    """unittest.main() with a required --relaylab PATH in front; see tests/lib/skip.py."""
    relaylab_proc.main()


def shipped(name):
    """The path of scenarios/NAME.json."""
    return os.path.join(SCENARIOS, name + ".json")


def data(name):
    """The path of tests/integration/scenarios/data/NAME."""
    return os.path.join(DATA, name)


def temp_dir(testcase, prefix="relaylab-scenario-"):
    """A private directory removed when the test ends (also when it fails)."""
    path = tempfile.mkdtemp(prefix=prefix)
    testcase.addCleanup(shutil.rmtree, path, True)
    return path


class Run:
    """One `relaylab run`: exit code, output, and the reports it wrote (None when absent)."""

    def __init__(self, args, returncode, stdout, stderr, report_dir):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.report_dir = report_dir
        self.report = None
        path = self.path("report.json")
        if os.path.exists(path):
            with open(path) as f:
                self.report = json.load(f)

    def path(self, name):
        return os.path.join(self.report_dir, name)

    def describe(self):
        """What a failure message shows: the command, the exit code and the output's tail."""
        return "%s\nexit code %s\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.args), self.returncode, self.stdout[-3000:], self.stderr[-6000:])

    # Reading report.json as the expectation grammar does: arrays by "domain" or "name", a
    # count that was never seen is 0.
    def total(self, key):
        return self.report["totals"].get(key, 0)

    def domain(self, name):
        for entry in self.report.get("domains", []):
            if entry.get("domain") == name:
                return entry
        return {"domain": name, "recipients": 0, "delivered": 0, "deferred": 0, "bounced": 0,
                "attempts": 0, "replies": {}}

    def mx(self, name):
        for entry in self.report.get("world", {}).get("mx", []):
            if entry.get("name") == name:
                return entry
        raise AssertionError("no world.mx entry named %s in %r"
                             % (name, self.report.get("world", {}).get("mx")))

    def auth(self, method, verdict):
        return self.report.get("auth", {}).get(method, {}).get(verdict, 0)

    def expectation(self, name):
        for entry in self.report.get("expectations", []):
            if entry["name"] == name:
                return entry
        raise AssertionError("no expectation named %r in %r"
                             % (name, self.report.get("expectations")))


def run(testcase, scenario, *extra, timeout=RUN_TIMEOUT, cwd=None):
    """`relaylab run [scenario] --report-dir DIR --quiet [extra]` in a private directory.
    scenario None: the embedded quickstart."""
    work = cwd or temp_dir(testcase)
    report_dir = os.path.join(work, "report")
    args = [relaylab_proc.RELAYLAB, "run"] + ([scenario] if scenario else []) + \
        ["--report-dir", report_dir, "--quiet"] + [str(a) for a in extra]
    try:
        proc = subprocess.run(args, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:  # subprocess.run killed our child already
        testcase.fail("%s did not finish within %ss\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(args), timeout, (e.stdout or b"").decode(errors="replace")[-3000:],
            (e.stderr or b"").decode(errors="replace")[-6000:]))
    return Run(args, proc.returncode, proc.stdout.decode(errors="replace"),
               proc.stderr.decode(errors="replace"), report_dir)


def check_reports(testcase, result, expected_returncode, scenario_name):
    """What every finished run satisfies, whatever its scenario: the exit code, report.json
    valid against the shipped schema with a verdict that matches the exit code and each
    expectation's row, junit.xml with the same expectations and failures, report.html present
    and naming the scenario. Returns the parsed JUnit cases."""
    testcase.assertEqual(result.returncode, expected_returncode, result.describe())
    report_json = result.path("report.json")
    testcase.assertTrue(os.path.exists(report_json), "no report.json\n" + result.describe())
    report_check.validate(report_json)
    report = result.report
    testcase.assertEqual(report["schema"], "relaylab.report/1")
    testcase.assertEqual(report["scenario"]["name"], scenario_name)
    testcase.assertIsNone(report.get("error"), result.describe())
    testcase.assertEqual(report["passed"], expected_returncode == 0, report["expectations"])
    testcase.assertEqual(report["passed"], all(e["passed"] for e in report["expectations"]))
    testcase.assertGreater(len(report["expectations"]), 0)

    junit = report_check.parse_junit(result.path("junit.xml"))
    testcase.assertEqual(sorted(name for name, _, _ in junit),
                         sorted(e["name"] for e in report["expectations"]))
    testcase.assertEqual(sorted(name for name, passed, _ in junit if not passed),
                         sorted(e["name"] for e in report["expectations"] if not e["passed"]))

    with open(result.path("report.html"), encoding="utf-8") as f:
        page = f.read()
    testcase.assertIn(scenario_name, page)
    return junit


def check_accounting(testcase, result, submitted):
    """Every submission accepted (the shipped scenarios submit from loopback, which the relay
    trusts), and with one recipient per message every accepted message ends in exactly one of
    delivered, bounced, still queued (in_flight) or lost (README's definitions)."""
    t = result.report["totals"]
    testcase.assertEqual(t["submitted"], submitted, t)
    testcase.assertEqual(t["accepted"], submitted, t)
    testcase.assertEqual(t["rejected"], 0, t)
    testcase.assertEqual(t["delivered"] + t["bounced"] + t.get("in_flight", 0) + t["lost"],
                         t["accepted"], t)


def domains_recipients(result, names):
    """Recipients per domain, asserting the traffic reached each (a weight that never drew
    would make every per-domain check vacuous)."""
    counts = {name: result.domain(name).get("recipients", 0) for name in names}
    for name, count in counts.items():
        if count <= 0:
            raise AssertionError("no recipient at %s: %r" % (name, result.report.get("domains")))
    return counts

