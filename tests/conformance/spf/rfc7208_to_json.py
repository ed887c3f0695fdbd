#!/usr/bin/python3
"""Converts the RFC 7208 SPF test suite (YAML, as Debian's python3-spf ships it) into JSON for
the C++ conformance test. Run at test time; the suite itself is never copied into the project.

Zone semantics follow the suite's reference driver (pyspf's testspf.py):
- "SPF" records also serve as TXT records unless the name lists TXT records of its own;
  "TXT: NONE" marks a name that has TXT (so none are generated) without any record;
- a bare "TIMEOUT" entry makes queries of every type not listed before it time out;
- a record whose value is TIMEOUT makes queries of that type time out;
- names that are not listed do not exist (NXDOMAIN); CNAMEs are followed by the resolver.

Usage: rfc7208_to_json.py SUITE.yml[.gz] OUT.json
"""
import gzip
import json
import sys

import yaml

QTYPES = ("A", "AAAA", "MX", "PTR", "TXT", "CNAME")


def rdata(entries, name):
    """pyspf's getrdata(): a list of (type, value) or 'TIMEOUT', with generated TXT records."""
    out, generated, gen = [], [], True
    for entry in entries:
        if not isinstance(entry, dict):
            out.append(entry)
            continue
        for rtype, value in entry.items():
            if rtype in ("TXT", "SPF") and isinstance(value, str):
                value = (value,)
            if rtype == "TXT":
                gen = False
            elif rtype == "SPF" and gen:
                generated.append(("TXT", value))
            if value != ("NONE",):
                out.append((rtype, value))
    if gen:
        out.extend(generated)
    return out


def text(rtype, value):
    if rtype in ("TXT", "SPF"):
        return "".join(value)  # character-strings are concatenated (RFC 7208 3.3)
    if rtype == "MX":
        return str(value[1])
    return str(value)


def answer(entries, qtype):
    """pyspf's DNSLookup() for one type: 'timeout' or the list of record texts."""
    seen_type, records = False, []
    for entry in entries:
        if entry == "TIMEOUT":
            return records if seen_type else "timeout"
        rtype, value = entry
        if rtype == qtype:
            seen_type = True
        if value == "TIMEOUT":
            if rtype == qtype:
                return "timeout"
            continue
        if rtype == qtype:
            records.append(text(rtype, value))
    return records


def main():
    path, out = sys.argv[1], sys.argv[2]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        scenarios = list(yaml.safe_load_all(f))
    result = {"scenarios": []}
    for scenario in scenarios:
        zone = {}
        for name, entries in scenario.get("zonedata", {}).items():
            rd = rdata(entries, name)
            zone[name] = {q: answer(rd, q) for q in QTYPES}
        cases = []
        for case_id, case in scenario["tests"].items():
            expected = case["result"]
            cases.append({
                "id": case_id,
                "spec": str(case.get("spec", "")),
                "helo": str(case["helo"]),
                "host": str(case["host"]),
                "mailfrom": str(case["mailfrom"]),
                "results": expected if isinstance(expected, list) else [expected],
                "explanation": case.get("explanation"),
            })
        result["scenarios"].append({
            "description": scenario.get("description", ""),
            "zone": zone,
            "cases": cases,
        })
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
