#!/usr/bin/python3
"""The load-1m scenario end to end, the builtin relay against Postfix as the relay (issue 11):

    builtin  /usr/bin/time -v relaylab run load-1m.json --scale S --report-dir D --quiet
             (one process: generator, builtin relay with its fsynced spool, fake MX, fixture DNS)
    postfix  the same scenario with relay {"kind": "external"} pointing at a private Postfix
             instance whose transport_maps send each domain to [127.0.0.x]:PORT, the fixed
             address and port of its fake MX host (world.mx_port and world.mx[].address are
             filled into a temporary copy of the scenario)

Figures per side, from report.json: totals, throughput.submit_per_s and delivered_per_s,
latency_ms.end_to_end p50/p99, duration_s; end-to-end messages/s = totals.delivered /
duration_s (the ratio printed at the end is builtin / postfix of that). Peak RSS is "Maximum
resident set size" of /usr/bin/time -v for the relaylab process: on the builtin side that is the
whole run, on the postfix side only relaylab's generator and fake MX (Postfix itself runs a dozen
processes: n/a).

Postfix is tuned as bench/relay/run.py tunes it (PEERS.md: connection cache on demand,
default_destination_concurrency_limit = 50; its cleanup fsyncs every queue file). It runs from
its own config, queue and data directories and is stopped with `postfix -c OUR_DIR stop`, then
by the pid in our own pid file only (test_postfix_retry.PostfixRelay); never the system one.

Not a test: nothing here runs in CI. Needs root and the postfix package for the postfix side.

usage: /usr/bin/python3 bench/scenario/run.py [--relaylab build/relaylab]
           [--scenario scenarios/load-1m.json] [--builtin-scale 1] [--postfix-scale 0.1]
           [--sides builtin,postfix] [--out DIR]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration", "scenarios"))
import scenario_postfix  # noqa: E402  (the scenario tests' Postfix with a transport map)

TIME = "/usr/bin/time"
# A million messages take minutes; a broken run must still end (the scenario's own drain
# timeout comes first; this only catches a hang).
RUN_TIMEOUT_S = 3 * 3600

# The scenario tests' main.cf (no relayhost: transport_maps only, nothing goes to system DNS)
# tuned as bench/relay/run.py does.
POSTFIX_MAIN_CF = scenario_postfix.MAIN_CF.replace(
    "smtp_connection_cache_on_demand = no", "smtp_connection_cache_on_demand = yes").replace(
    "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\nqueue_run_delay = 1s\n", "") + \
    "default_destination_concurrency_limit = 50\n"


class ScenarioPostfix(scenario_postfix.ScenarioPostfix):
    """The scenario tests' private Postfix, tuned as bench/relay/run.py tunes it."""

    def __init__(self, routes):
        super().__init__(routes, POSTFIX_MAIN_CF)


free_port_on = scenario_postfix.free_port_on


def uptime():
    return subprocess.run(["uptime"], stdout=subprocess.PIPE, text=True).stdout.strip()


def run_scenario(relaylab, scenario_path, scale, report_dir):
    """relaylab run under /usr/bin/time -v; returns (report, peak RSS in MB, wall seconds)."""
    command = [TIME, "-v", relaylab, "run", scenario_path, "--scale", repr(scale),
               "--report-dir", report_dir, "--quiet"]
    print("$ " + " ".join(command), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=RUN_TIMEOUT_S, cwd=os.path.dirname(scenario_path))
    wall = time.monotonic() - started
    # 0: every expectation held; 1: some did not (still a complete report, shown in the table).
    if result.returncode not in (0, 1):
        raise RuntimeError("relaylab run exited %d:\n%s%s" % (
            result.returncode, result.stdout[-3000:], result.stderr[-3000:]))
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    rss_mb = int(match.group(1)) / 1024.0 if match else float("nan")
    with open(os.path.join(report_dir, "report.json")) as f:
        report = json.load(f)
    if result.returncode == 1:
        failed = [e["name"] for e in report.get("expectations", []) if not e.get("passed")]
        print("  expectations failed: %s" % ", ".join(failed), flush=True)
    return report, rss_mb, wall


def figures(side, scale, report, rss_mb, wall):
    totals = report["totals"]
    e2e = report["latency_ms"]["end_to_end"]
    duration = report["duration_s"]
    return {
        "side": side, "scale": scale, "totals": totals, "duration_s": duration,
        "wall_s": wall, "submit_per_s": report["throughput"]["submit_per_s"],
        "delivered_per_s": report["throughput"]["delivered_per_s"],
        "end_to_end_per_s": totals["delivered"] / duration if duration > 0 else float("nan"),
        "p50_ms": e2e.get("p50"), "p99_ms": e2e.get("p99"), "peak_rss_mb": rss_mb,
        "passed": report.get("passed"),
    }


def run_builtin(relaylab, scenario, scale, out):
    report_dir = os.path.join(out, "builtin")
    report, rss, wall = run_scenario(relaylab, scenario, scale, report_dir)
    return figures("builtin", scale, report, rss, wall)


def run_postfix(relaylab, scenario, scale, out):
    with open(scenario) as f:
        model = json.load(f)
    hosts = model["world"]["mx"]
    # Fixed loopback addresses, one per fake MX host, so Postfix's transport can name them.
    for number, host in enumerate(hosts):
        host["address"] = "127.0.0.%d" % (number + 2)
    mx_port = free_port_on([h["address"] for h in hosts])
    routes = {d: (h["address"], mx_port) for h in hosts for d in h["domains"]}
    postfix = ScenarioPostfix(routes)
    try:
        postfix.start()
        model["world"]["mx_port"] = mx_port
        model["relay"] = {"kind": "external", "server": "127.0.0.1:%d" % postfix.port,
                          "tls": "none"}
        # The copy sits next to the original: any file the scenario names resolves the same.
        path = os.path.join(os.path.dirname(scenario), ".bench-postfix-%d.json" % os.getpid())
        with open(path, "w") as f:
            json.dump(model, f, indent=2)
        try:
            report, rss, wall = run_scenario(relaylab, path, scale, os.path.join(out, "postfix"))
        finally:
            os.unlink(path)
        sent_lines = postfix.log().count("status=sent")
        if report["totals"]["delivered"] > 0 and sent_lines == 0:
            raise RuntimeError("Postfix's log shows no delivery: " + postfix.log())
        return figures("postfix", scale, report, rss, wall)
    finally:
        postfix.stop()


def number(value, digits=0):
    if value is None:
        return "-"
    if isinstance(value, float) and value != value:
        return "n/a"
    return "{:,.{}f}".format(value, digits)


def print_table(rows):
    print("\n| side | scale | submitted | delivered | lost | dup | duration s | submit/s "
          "| delivered/s | e2e msgs/s | p50 e2e ms | p99 e2e ms | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = r["totals"]
        rss = number(r["peak_rss_mb"], 1)
        if r["side"] == "postfix":
            rss = "n/a (relaylab side: %s)" % rss
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["side"], r["scale"], number(t["submitted"]), number(t["delivered"]),
            number(t["lost"]), number(t["duplicates"]), number(r["duration_s"], 1),
            number(r["submit_per_s"]), number(r["delivered_per_s"]),
            number(r["end_to_end_per_s"]), number(r["p50_ms"], 1), number(r["p99_ms"], 1), rss))
    by_side = {r["side"]: r for r in rows}
    if "builtin" in by_side and "postfix" in by_side and by_side["postfix"]["end_to_end_per_s"]:
        print("\nratio builtin / postfix, delivered msgs/s end to end: %.2fx" % (
            by_side["builtin"]["end_to_end_per_s"] / by_side["postfix"]["end_to_end_per_s"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relaylab", default=os.path.join(REPO, "build", "relaylab"))
    parser.add_argument("--scenario", default=os.path.join(REPO, "scenarios", "load-1m.json"))
    parser.add_argument("--builtin-scale", type=float, default=1.0)
    parser.add_argument("--postfix-scale", type=float, default=0.1)
    parser.add_argument("--sides", default="builtin,postfix")
    parser.add_argument("--out", help="where the reports go (default: a new temporary folder)")
    args = parser.parse_args()
    relaylab = os.path.abspath(args.relaylab)
    scenario = os.path.abspath(args.scenario)
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="relaylab-bench-scenario-"))
    os.makedirs(out, exist_ok=True)
    sides = args.sides.split(",")
    for side in sides:
        if side not in ("builtin", "postfix"):
            parser.error("unknown side %r (builtin, postfix)" % side)

    print("uptime before: " + uptime(), flush=True)
    rows = []
    for side in sides:
        if side == "builtin":
            rows.append(run_builtin(relaylab, scenario, args.builtin_scale, out))
        else:
            rows.append(run_postfix(relaylab, scenario, args.postfix_scale, out))
        print("  %s: %s delivered in %.1f s (wall %.1f s)" % (
            side, number(rows[-1]["totals"]["delivered"]), rows[-1]["duration_s"],
            rows[-1]["wall_s"]), flush=True)
    print("uptime after: " + uptime(), flush=True)
    print_table(rows)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(rows, f, indent=2)
    if len(rows) > 1:
        # The same runs side by side in relaylab's own comparison page.
        subprocess.run([relaylab, "report", "compare"]
                       + [os.path.join(out, r["side"], "report.json") for r in rows]
                       + [a for r in rows for a in ("--label", r["side"])]
                       + ["--out", os.path.join(out, "compare")],
                       stdout=subprocess.DEVNULL, timeout=120)
    print("\nreports in " + out)


if __name__ == "__main__":
    main()
