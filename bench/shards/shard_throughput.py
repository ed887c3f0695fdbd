#!/usr/bin/env python3
"""Throughput of 1, 2 and 4 local shards against one fake MX (issue 14), with Postfix's
smtp-source pushing the same count into the same receiver in the same run as the peer.

Each round starts N processes `relaylab run SCENARIO --shard I/N --send-only --relay MX` (the
Kubernetes pods' code path, on one machine) and times them from the first start to the last
exit; msgs/s = messages the receiver captured for that run id / wall seconds. smtp-source
(20 sessions reusing their connections (-d) as the shards do, 1 KiB messages, the same count)
gives the peer's msgs/s into the same fake MX. On a 2-core machine the ceiling shows: shards add processes, not cores. Loopback only;
stops only the fake MX it started (by pid). Not a test.

usage: bench/shards/shard_throughput.py [BUILD_DIR]   (COUNT=200000 ROUNDS=3)
needs: a release build (RelWithDebInfo) of relaylab; postfix (smtp-source)
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SCENARIO = os.path.join(ROOT, "tests", "integration", "shards", "data", "sharded-40k.json")
SMTP_SOURCE = "/usr/sbin/smtp-source"


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    relaylab = os.path.join(build, "relaylab")
    count = int(os.environ.get("COUNT", "200000"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    if not os.access(relaylab, os.X_OK) or not os.access(SMTP_SOURCE, os.X_OK):
        sys.exit("needs %s and %s" % (relaylab, SMTP_SOURCE))
    work = tempfile.mkdtemp(prefix="relaylab-shard-bench-")
    # The test's scenario with COUNT messages (--scale only shrinks).
    with open(SCENARIO) as f:
        scenario = json.load(f)
    scenario["traffic"]["count"] = count
    scenario["expect"] = []
    scenario_path = os.path.join(work, "scenario.json")
    with open(scenario_path, "w") as f:
        json.dump(scenario, f)
    log = open(os.path.join(work, "fake-mx.log"), "w+")
    mx = subprocess.Popen([relaylab, "fake-mx", "--listen", "127.0.0.1:0", "--api",
                           "127.0.0.1:0", "--no-transcripts", "--memory-limit", "64",
                           "--threads", "1"], stdout=log, stderr=subprocess.STDOUT)
    try:
        port = api = None
        deadline = time.monotonic() + 15
        while (port is None or api is None) and time.monotonic() < deadline:
            time.sleep(0.05)
            log.seek(0)
            text = log.read()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
            port = m and int(m.group(1))
            m = re.search(r"api listening on http://127\.0\.0\.1:(\d+)/", text)
            api = m and int(m.group(1))
        if port is None or api is None:
            sys.exit("fake-mx did not start")

        def captured(run_id):
            url = "http://127.0.0.1:%d/api/v1/tracking?run_id=%s" % (api, run_id)
            with urllib.request.urlopen(url, timeout=30) as r:
                return json.load(r)["distinct"]

        def stats_messages():
            url = "http://127.0.0.1:%d/api/v1/stats" % api
            with urllib.request.urlopen(url, timeout=30) as r:
                return json.load(r)["store"]["messages_total"]

        print("%d cores, %d messages, %d rounds" % (os.cpu_count(), count, rounds))
        results = {}
        for r in range(rounds):
            before = stats_messages()
            started = time.monotonic()
            subprocess.run([SMTP_SOURCE, "-s", "20", "-m", str(count), "-l", "1024", "-d",
                            "-f", "load@gen.test", "-t", "user@sink.test",
                            "127.0.0.1:%d" % port], check=True, stdout=subprocess.DEVNULL,
                           timeout=600)
            seconds = time.monotonic() - started
            got = stats_messages() - before
            results.setdefault("smtp-source", []).append(got / seconds)
            for shards in (1, 2, 4):
                run_id = "bench-%d-%d-%d" % (os.getpid(), r, shards)
                started = time.monotonic()
                procs = [subprocess.Popen(
                    [relaylab, "run", scenario_path, "--relay",
                     "127.0.0.1:%d" % port, "--send-only", "--shard", "%d/%d" % (i, shards),
                     "--run-id", run_id, "--quiet", "--report-dir",
                     os.path.join(work, run_id, str(i))], stdout=subprocess.DEVNULL)
                    for i in range(shards)]
                codes = [p.wait(600) for p in procs]
                seconds = time.monotonic() - started
                if codes != [0] * shards:
                    sys.exit("shards exited %s" % codes)
                got = captured(run_id)
                if got != count:
                    sys.exit("%s: the receiver holds %d of %d" % (run_id, got, count))
                results.setdefault("%d shard%s" % (shards, "s" if shards > 1 else ""),
                                   []).append(got / seconds)
        peer = max(results["smtp-source"])
        for name, rates in results.items():
            best = max(rates)
            print("%-12s %9.0f msgs/s (best of %s)  ratio to smtp-source %.2f" % (
                name, best, ", ".join("%.0f" % x for x in rates), best / peer))
    finally:
        mx.terminate()
        mx.wait(15)
        log.close()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
