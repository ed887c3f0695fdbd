"""Writes N synthetic shard reports of a one-hour run for bench/shards/merge_bench.sh: the
example report with a `shard` section (tests/unit/shard_merge/shard_reports.py), per shard a
lognormal latency histogram of 36,000 messages (10/s for an hour; submit ~5 ms, end to end
~800 ms with a long tail) and a timeline of 1,800 two-second steps, as a recorder writes for an
hour-long run.

usage: python3 merge_make_shards.py OUT_DIR [N]   -> OUT_DIR/shard-I/report.json
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "unit", "shard_merge"))
import shard_reports  # noqa: E402

MESSAGES_PER_SHARD = 36_000
STEP_S = 2
STEPS = 1800


def histogram(rng, median_us, sigma):
    samples = {}
    for _ in range(MESSAGES_PER_SHARD):
        value = int(rng.lognormvariate(0, sigma) * median_us)
        samples[value] = samples.get(value, 0) + 1
    return samples


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    base = shard_reports.example()
    base["traffic"].update({"arrivals": "constant", "rate": 10, "count": MESSAGES_PER_SHARD})
    per_step = MESSAGES_PER_SHARD // STEPS
    base["throughput"]["timeline_step_s"] = STEP_S
    base["throughput"]["timeline"] = [
        {"t": i * STEP_S, "submitted": per_step, "accepted": per_step, "rejected": 0,
         "delivered": per_step, "deferred": 1, "bounced": 0} for i in range(STEPS)]
    base["duration_s"] = 3600.5
    for key in ("submitted", "accepted", "delivered"):
        base["totals"][key] = MESSAGES_PER_SHARD
    for index in range(count):
        rng = random.Random(index)
        report = shard_reports.shard_report(
            index, count, started_ms=1_780_000_000_000 + rng.randrange(3000), base=base,
            submit=histogram(rng, 5_000, 0.6), end_to_end=histogram(rng, 800_000, 1.0))
        report["shard"]["last_accept_s"] = 3599.9
        report["shard"]["last_delivery_s"] = 3600.4
        folder = os.path.join(out, "shard-%d" % index)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "report.json"), "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
