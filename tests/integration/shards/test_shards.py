"""Sharded runs the way a Kubernetes Indexed Job runs them (issue 14), as local processes: four
`relaylab run --shards 4 --send-only` with JOB_COMPLETION_INDEX=0..3 (the variable the Job
sets, the same command in every pod) against one `relaylab fake-mx` receiver, then
`relaylab report merge shard-*/report.json --receiver API`:

- the merged totals equal an unsharded run's (`--shard 0/1`, merged the same way) exactly;
- the receiver holds every tracking id of each run once: [[1, 40000]], no duplicate, and each
  shard's ids are its own class ((n - 1) mod 4 == index), 10,000 each;
- merged latency counts, the timeline and the expectations add up; all reports match the schema;
- a shard stopped midway (SIGTERM: exit 3, its report says why) and a shard that left no report
  are both named in the merged report (failed / missing), exit 3, never a silently smaller run;
- shards of different runs, or the same index twice, are refused (exit 2).

Standard library plus python3-jsonschema (tests/lib/report_check.py); loopback only; every
process is ours and stopped by its pid; every wait bounded.
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "fakemx"))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import fakemx_proc  # noqa: E402
import report_check  # noqa: E402

COUNT = 40000
SHARDS = 4
# Under ASan on two busy cores 40,000 messages take tens of seconds; below ctest's TIMEOUT.
RUN_TIMEOUT = 240
MERGE_TIMEOUT = 60


def data(name):
    return os.path.join(HERE, "data", name)


class Shards(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="relaylab-shards-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.receiver = fakemx_proc.FakeMx("--no-transcripts", "--memory-limit", "32")
        self.receiver.__enter__()
        self.addCleanup(self.receiver.__exit__, None, None, None)
        self.api = "http://127.0.0.1:%d" % self.receiver.api_port
        self.relay = "127.0.0.1:%d" % self.receiver.port

    # -- processes -------------------------------------------------------------------------

    def start_shard(self, scenario, run_id, report_dir, index=None, extra=(), quiet=True):
        """One generator pod: `relaylab run SCENARIO --shards 4 --send-only ...` with
        JOB_COMPLETION_INDEX=index (None: no variable, e.g. with --shard in `extra`)."""
        env = dict(os.environ)
        env.pop("JOB_COMPLETION_INDEX", None)
        env.pop("RELAYLAB_RUN_ID", None)
        args = [fakemx_proc.relaylab(), "run", scenario, "--relay", self.relay, "--send-only",
                "--report-dir", report_dir] + (["--quiet"] if quiet else [])
        if index is not None:
            env["JOB_COMPLETION_INDEX"] = str(index)
            env["RELAYLAB_RUN_ID"] = run_id
            args += ["--shards", str(SHARDS)]
        else:
            args += ["--run-id", run_id]
        args += list(extra)
        log = open(os.path.join(self.tmp, os.path.basename(report_dir) + ".log"), "w+b")
        self.addCleanup(log.close)
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        self.addCleanup(self.reap, proc)
        proc.log = log
        return proc

    def reap(self, proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    def wait(self, proc, timeout=RUN_TIMEOUT):
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            self.fail("a shard ran past %ss: %s" % (timeout, self.output(proc)))

    def output(self, proc):
        proc.log.seek(0)
        return proc.log.read().decode("utf-8", "replace")[-3000:]

    def run_shards(self, scenario, run_id):
        dirs = [os.path.join(self.tmp, run_id, "shard-%d" % i) for i in range(SHARDS)]
        procs = [self.start_shard(scenario, run_id, d, index=i) for i, d in enumerate(dirs)]
        for proc in procs:
            # A shard exits 0 unless it broke: its expectations speak of the whole run.
            self.assertEqual(self.wait(proc), 0, self.output(proc))
        return [os.path.join(d, "report.json") for d in dirs]

    def merge(self, reports, out, receivers=True):
        args = [fakemx_proc.relaylab(), "report", "merge"] + list(reports)
        if receivers:
            args += ["--receiver", self.api]
        args += ["--out", out]
        done = subprocess.run(args, capture_output=True, timeout=MERGE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout.decode() + done.stderr.decode()

    def tracking(self, run_id):
        return self.receiver.get_json("/api/v1/tracking?run_id=" + run_id)

    # -- the tests -------------------------------------------------------------------------

    def test_four_shards_add_up_to_one_unsharded_run(self):
        scenario = data("sharded-40k.json")
        single_dir = os.path.join(self.tmp, "single")
        single = self.start_shard(scenario, "single-%d" % os.getpid(), single_dir,
                                  extra=["--shard", "0/1"])
        self.assertEqual(self.wait(single), 0, self.output(single))
        sharded_id = "sharded-%d" % os.getpid()
        reports = self.run_shards(scenario, sharded_id)

        shard_docs = [report_check.validate(r) for r in reports]
        for index, doc in enumerate(shard_docs):
            shard = doc["shard"]
            self.assertEqual((shard["index"], shard["count"]), (index, SHARDS))
            self.assertEqual(shard["role"], "generator")
            self.assertEqual(shard["numbers"], {"first": index + 1, "stride": SHARDS,
                                                "planned": COUNT // SHARDS,
                                                "planned_total": COUNT})
            self.assertEqual(doc["run_id"], sharded_id)
            self.assertEqual(doc["totals"]["accepted"], COUNT // SHARDS, doc["totals"])
            self.assertEqual(doc["traffic"]["concurrency"], 5)
        self.assertEqual(len({d["shard"]["scenario_digest"] for d in shard_docs}), 1)

        # The receiver saw every id of each run exactly once.
        for run_id in (sharded_id, "single-%d" % os.getpid()):
            coverage = self.tracking(run_id)
            self.assertEqual(coverage["ranges"], [[1, COUNT]], run_id)
            self.assertEqual((coverage["messages"], coverage["distinct"],
                              coverage["duplicates"]), (COUNT, COUNT, 0), coverage)

        merged_dir = os.path.join(self.tmp, "merged")
        rc, out = self.merge(reports, merged_dir)
        self.assertEqual(rc, 0, out)
        merged = report_check.validate(os.path.join(merged_dir, "report.json"))
        single_merged_dir = os.path.join(self.tmp, "single-merged")
        rc, out = self.merge([os.path.join(single_dir, "report.json")], single_merged_dir)
        self.assertEqual(rc, 0, out)
        single_merged = report_check.validate(os.path.join(single_merged_dir, "report.json"))

        self.assertEqual(merged["totals"], single_merged["totals"])
        self.assertEqual(merged["totals"]["delivered"], COUNT, merged["totals"])
        self.assertEqual(merged["totals"]["lost"], 0)
        self.assertEqual(merged["totals"]["in_flight"], 0)
        self.assertEqual(merged["totals"]["duplicates"], 0)
        self.assertEqual(merged["shards"]["merged"], list(range(SHARDS)))
        self.assertEqual(merged["shards"]["missing"], [])
        by_shard = merged["shards"]["receivers"]["by_shard"]
        self.assertEqual([(s["index"], s["arrived"], s["missing"]) for s in by_shard],
                         [(i, COUNT // SHARDS, 0) for i in range(SHARDS)])
        self.assertNotIn("shard", merged)
        self.assertEqual(merged["traffic"]["count"], COUNT)
        self.assertEqual(merged["traffic"]["concurrency"], 20)
        self.assertEqual(merged["latency_ms"]["submit"]["count"], COUNT)
        self.assertEqual(sum(s["accepted"] for s in merged["throughput"]["timeline"]), COUNT)
        self.assertGreater(merged["throughput"]["submit_per_s"], 0)
        p = merged["latency_ms"]["submit"]
        self.assertTrue(0 < p["p50"] <= p["p90"] <= p["p99"] <= p["p999"] <= p["max"], p)
        # The shards' expectations fail on a quarter of the traffic; merged, they hold.
        self.assertFalse(shard_docs[0]["passed"])
        self.assertTrue(merged["passed"], merged["expectations"])
        self.assertEqual(len(merged["expectations"]), 4)
        for name in ("report.html", "junit.xml"):
            self.assertTrue(os.path.getsize(os.path.join(merged_dir, name)) > 0, name)
        cases = report_check.parse_junit(os.path.join(merged_dir, "junit.xml"))
        self.assertTrue(all(passed for _, passed, _ in cases), cases)

        # Refused: the same index twice, shards of another run.
        rc, out = self.merge([reports[0], reports[0]] + reports[1:], os.path.join(self.tmp, "x"),
                             receivers=False)
        self.assertEqual(rc, 2, out)
        self.assertIn("index 0", out)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x", "report.json")))
        rc, out = self.merge(reports[:3] + [os.path.join(single_dir, "report.json")],
                             os.path.join(self.tmp, "y"), receivers=False)
        self.assertEqual(rc, 2, out)

    def test_a_stopped_shard_and_a_missing_one_are_named(self):
        scenario = data("sharded-paced.json")
        run_id = "paced-%d" % os.getpid()
        dirs = [os.path.join(self.tmp, run_id, "shard-%d" % i) for i in range(SHARDS)]
        procs = [self.start_shard(scenario, run_id, d, index=i, quiet=i != 2)
                 for i, d in enumerate(dirs)]
        # Shard 2 is stopped once it sends (a pod evicted): it writes its report with the
        # reason and exits 3. Its first line says it runs; the progress lines that it sends.
        deadline = time.monotonic() + 60
        while "sending" not in self.output(procs[2]) and procs[2].poll() is None:
            self.assertLess(time.monotonic(), deadline, self.output(procs[2]))
            time.sleep(0.05)
        time.sleep(0.5)
        procs[2].send_signal(signal.SIGTERM)
        codes = [self.wait(p) for p in procs]
        self.assertEqual(codes, [0, 0, 3, 0], [self.output(p) for p in procs])
        stopped = report_check.validate(os.path.join(dirs[2], "report.json"))
        self.assertIn("signal", stopped["error"])
        reports = [os.path.join(d, "report.json") for d in dirs]

        rc, out = self.merge(reports, os.path.join(self.tmp, "with-failed"))
        self.assertEqual(rc, 3, out)
        merged = report_check.validate(os.path.join(self.tmp, "with-failed", "report.json"))
        self.assertEqual([f["index"] for f in merged["shards"]["failed"]], [2])
        self.assertIn("2", merged["error"])
        self.assertFalse(merged["passed"])
        self.assertLess(merged["totals"]["submitted"], 2000, merged["totals"])

        # Shard 3's report never arrived (its pod died without writing one).
        rc, out = self.merge(reports[:3], os.path.join(self.tmp, "with-missing"))
        self.assertEqual(rc, 3, out)
        merged = report_check.validate(os.path.join(self.tmp, "with-missing", "report.json"))
        self.assertEqual(merged["shards"]["missing"], [3])
        self.assertIn("3", merged["error"])
        self.assertFalse(merged["passed"])
        cases = report_check.parse_junit(os.path.join(self.tmp, "with-missing", "junit.xml"))
        self.assertFalse(all(passed for _, passed, _ in cases), cases)


if __name__ == "__main__":
    fakemx_proc.main()
