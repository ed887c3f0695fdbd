"""Synthetic shard reports (`relaylab run --shard I/N`'s report.json) for the merge's CLI test
and bench/shards/merge_bench.sh: reports/examples/report.json plus a `shard` section, its
histograms in the compact form (relaylab.histogram/1, delta-LEB128 base64) made from given
latencies with the same bucket layout as harness/load/latency_histogram.cpp.
"""

import base64
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "reports", "examples",
                                        "report.json"))

SUB_BUCKET_BITS = 11
SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS
HALF_COUNT = SUB_BUCKET_COUNT // 2
MAX_TRACKABLE_US = 3_600_000_000
INDEX_COUNT = SUB_BUCKET_COUNT + 21 * HALF_COUNT


def example():
    with open(EXAMPLE, encoding="utf-8") as f:
        return json.load(f)


def index_of(value_us):
    if value_us < SUB_BUCKET_COUNT:
        return value_us
    shift = value_us.bit_length() - 1 - (SUB_BUCKET_BITS - 1)
    sub = value_us >> shift
    return min(SUB_BUCKET_COUNT + (shift - 1) * HALF_COUNT + (sub - HALF_COUNT), INDEX_COUNT - 1)


def _varint(out, value):
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def compact_histogram(samples_us):
    """{value_us: count} -> the compact JSON histogram of them."""
    counts = {}
    total = 0
    for value, count in samples_us.items():
        value = min(max(int(value), 0), MAX_TRACKABLE_US)
        counts[index_of(value)] = counts.get(index_of(value), 0) + count
        total += count
    packed = bytearray()
    previous = 0
    for index in sorted(counts):
        _varint(packed, index - previous)
        _varint(packed, counts[index])
        previous = index
    values = [v for v, c in samples_us.items() if c]
    return {"schema": "relaylab.histogram/1", "unit": "us", "significant_digits": 3,
            "max_trackable": MAX_TRACKABLE_US, "count": total,
            "min": min(values) if values else 0, "max": max(values) if values else 0,
            "sum": float(sum(v * c for v, c in samples_us.items())),
            "below_range": 0, "above_range": 0,
            "buckets": base64.b64encode(bytes(packed)).decode("ascii"),
            "encoding": "delta-leb128-base64"}


def shard_report(index, count, started_ms=1_780_000_000_000, role="full", submit=None,
                 end_to_end=None, base=None):
    """The example (or `base`) as shard `index` of `count`, 2000 messages planned each."""
    report = copy.deepcopy(base if base is not None else example())
    report["shard"] = {
        "index": index, "count": count, "role": role,
        "scenario_digest": "sha256:" + "a" * 64,
        "numbers": {"first": index + 1, "stride": count, "planned": 2000,
                    "planned_total": 2000 * count},
        "histograms": {"submit": compact_histogram(submit or {4000: 2000}),
                       "end_to_end": compact_histogram(end_to_end or {900_000: 1998})},
        "started_at_unix_ms": started_ms,
        "last_accept_s": 4.9, "last_delivery_s": 5.9}
    return report
