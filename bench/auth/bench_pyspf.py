#!/usr/bin/python3
"""pyspf (python3-spf) side of the SPF benchmark: evaluations/s on the workload of
spf_workload.py, with DNS from memory or from a DNS server (the relaylab fixture).

Usage: bench_pyspf.py memory CASES.json SECONDS
       bench_pyspf.py dns CASES.json SECONDS ADDR:PORT
"""
import json
import sys
import time

import spf


def memory_lookup(zone):
    def lookup(name, qtype, *args, **kwargs):
        node = zone.get(name.rstrip(".").lower(), {})
        out = []
        for value in node.get(qtype, []):
            if qtype == "TXT":
                out.append(((name, qtype), [value.encode()]))
            elif qtype == "MX":
                out.append(((name, qtype), (10, value)))
            else:
                out.append(((name, qtype), value))
        return out
    return lookup


def main():
    mode, cases_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(cases_path) as f:
        cases = json.load(f)
    if mode == "memory":
        spf.DNSLookup = memory_lookup(cases["zone"])
    else:
        import dns.resolver
        host, port = sys.argv[4].rsplit(":", 1)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = int(port)
        resolver.cache = None
        dns.resolver.default_resolver = resolver
    checks = cases["checks"]
    for c in checks:  # the same verdicts as relaylab, or the comparison is void
        res, _ = spf.check2(i=c["ip"], s=c["mail_from"], h=c["helo"])
        if res != c["want"]:
            sys.exit(f"pyspf: {c} gave {res}")
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for c in checks:
            spf.check2(i=c["ip"], s=c["mail_from"], h=c["helo"])
        n += len(checks)
    elapsed = time.perf_counter() - start
    print(f"pyspf {mode}: {n} evaluations in {elapsed:.2f} s = {n / elapsed:.0f}/s")


if __name__ == "__main__":
    main()
