#!/usr/bin/python3
"""The SPF benchmark workload, one source for both sides: a zone (served from memory or by
`relaylab dns`) and the checks to run against it, with the result each must give.

Usage: spf_workload.py OUTDIR  -> OUTDIR/cases.json, OUTDIR/bench.zone
"""
import json
import os
import sys

ORIGIN = "bench.test"

# name (relative to ORIGIN) -> list of (type, value)
ZONE = {
    # A typical sender: a provider's include chain, an ESP, its MX and an outbound host.
    "sender": [
        ("TXT", "v=spf1 include:_spf.provider.bench.test include:mail.esp.bench.test mx "
                "a:out.sender.bench.test -all"),
        ("MX", "10 mx1.sender.bench.test."),
        ("MX", "20 mx2.sender.bench.test."),
    ],
    "mx1.sender": [("A", "192.0.2.10")],
    "mx2.sender": [("A", "192.0.2.11")],
    "out.sender": [("A", "192.0.2.20")],
    "_spf.provider": [("TXT", "v=spf1 include:_nb1.provider.bench.test "
                              "include:_nb2.provider.bench.test include:_nb3.provider.bench.test ~all")],
    "_nb1.provider": [("TXT", "v=spf1 ip4:198.51.100.0/26 ip4:198.51.100.64/27 "
                              "ip6:2001:db8:1::/48 ~all")],
    "_nb2.provider": [("TXT", "v=spf1 ip4:198.51.100.128/26 ip4:198.51.100.192/28 "
                              "ip6:2001:db8:2::/48 ~all")],
    "_nb3.provider": [("TXT", "v=spf1 ip4:198.51.100.224/27 ip6:2001:db8:3::/48 ~all")],
    "mail.esp": [("TXT", "v=spf1 ip4:203.0.113.0/25 exists:%{i}._spf.esp.bench.test -all")],
    "203.0.113.200._spf.esp": [("A", "127.0.0.2")],
}

CHECKS = [
    {"ip": "198.51.100.70", "mail_from": "alice@sender.bench.test", "want": "pass"},
    {"ip": "2001:db8:3::5", "mail_from": "bob@sender.bench.test", "want": "pass"},
    {"ip": "203.0.113.200", "mail_from": "news@sender.bench.test", "want": "pass"},
    {"ip": "192.0.2.11", "mail_from": "carol@sender.bench.test", "want": "pass"},
    {"ip": "192.0.2.20", "mail_from": "dave@sender.bench.test", "want": "pass"},
    {"ip": "192.0.2.99", "mail_from": "eve@sender.bench.test", "want": "fail"},
]


def fqdn(name):
    return f"{name}.{ORIGIN}"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    zone = {}
    for name, records in ZONE.items():
        node = zone.setdefault(fqdn(name), {})
        for rtype, value in records:
            if rtype == "MX":
                value = value.split()[1].rstrip(".")
            node.setdefault(rtype, []).append(value)
    for check in CHECKS:
        check["helo"] = "mta.client.example"
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"zone": zone, "checks": CHECKS}, f, indent=1)
    lines = [f"$ORIGIN {ORIGIN}.", "$TTL 300",
             f"@ IN SOA ns.{ORIGIN}. hostmaster.{ORIGIN}. 1 3600 600 86400 300",
             f"@ IN NS ns.{ORIGIN}.", "ns IN A 127.0.0.1"]
    for name, records in ZONE.items():
        for rtype, value in records:
            if rtype == "TXT":
                value = '"' + value + '"'
            lines.append(f"{name} IN {rtype} {value}")
    with open(os.path.join(out, "bench.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
