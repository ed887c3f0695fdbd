#!/usr/bin/python3
"""Reads Prometheus text exposition (format 0.0.4) on stdin with the reference parser of
Debian's python3-prometheus-client and prints what it understood as one JSON object:
{"families": {name: type}, "samples": [[sample name, {labels}, value], ...]}, values as strings
("+Inf" stays readable). Exit 1 with the parser's error on input it refuses; exit 77 when the
module is absent (the caller decides whether that is a skip or, under CI=true, a failure)."""

import json
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    text = sys.stdin.read()
    families = {}
    samples = []
    try:
        for family in text_string_to_metric_families(text):
            if family.name in families:
                raise ValueError("metric family %s given twice" % family.name)
            families[family.name] = family.type
            for sample in family.samples:
                samples.append([sample.name, dict(sample.labels), repr(float(sample.value))])
    except Exception as error:  # the parser raises ValueError and friends on bad input
        print("refused: %s" % error, file=sys.stderr)
        sys.exit(1)
    json.dump({"families": families, "samples": samples}, sys.stdout)


main()
