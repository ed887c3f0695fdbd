#!/usr/bin/python3
"""Converts YAML test data (from ../shared/testdata) to JSON for the C++ tests, at test time.
Usage: yaml_to_json.py IN.yml OUT.json"""
import json
import sys

import yaml

with open(sys.argv[1], "rb") as f:
    data = yaml.safe_load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False)
