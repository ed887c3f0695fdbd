#!/usr/bin/python3
"""Relay throughput end to end, relaylab relay against Postfix in the same run (issue 10):

    relaylab send --concurrency 20 --count N  ->  RELAY  ->  relaylab sink --count N

RELAY is `relaylab relay` (spool fsync on, --smarthost to the sink) or a private Postfix
instance (PEERS.md's relay configuration, relayhost = the sink; Postfix's cleanup fsyncs every
queue file). Same generator, same sink, same message size. Figures per side:
  accepted/s   N / the sender's wall time (every 250 came after the spool write was durable)
  delivered/s  N / time from the sender's start until the sink has seen N messages
  peak RSS     the relay process's VmHWM (relaylab; Postfix runs a dozen processes: n/a)
Rounds alternate the two sides; the median of REPEAT rounds is printed. Not a test: nothing
here runs in CI. Needs root (Postfix) and the postfix package.

usage: /usr/bin/python3 bench/relay/run.py [path/to/relaylab]
       env: COUNT=50000 SIZE=1024 SESSIONS=20 REPEAT=3 SIDES=relaylab,postfix
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "interop", "fakemx"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "interop", "smtp"))
import test_postfix_retry  # noqa: E402  (its PostfixRelay: a private instance, stopped by pid)
from relaylab_proc import free_port  # noqa: E402

RELAYLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/relaylab")
COUNT = int(os.environ.get("COUNT", "50000"))
SIZE = int(os.environ.get("SIZE", "1024"))
SESSIONS = int(os.environ.get("SESSIONS", "20"))
REPEAT = int(os.environ.get("REPEAT", "3"))
SIDES = os.environ.get("SIDES", "relaylab,postfix").split(",")
TIMEOUT = float(os.environ.get("TIMEOUT", "900"))

# PEERS.md: Postfix as a relay under test, tuned as its docs suggest for throughput.
POSTFIX_MAIN_CF = test_postfix_retry.MAIN_CF.replace(
    "smtp_connection_cache_on_demand = no", "smtp_connection_cache_on_demand = yes").replace(
    "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\nqueue_run_delay = 1s\n", "") + \
    "default_destination_concurrency_limit = 50\n"


def wait_port(port, timeout=20):
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %d" % port)


def start_sink(port):
    sink = subprocess.Popen([RELAYLAB, "sink", "--listen", "127.0.0.1:%d" % port, "--count",
                             str(COUNT), "--max-connections", "2000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return sink


def send_and_wait(relay_port, sink):
    started = time.monotonic()
    send = subprocess.run([RELAYLAB, "send", "--server", "127.0.0.1:%d" % relay_port,
                           "--count", str(COUNT), "--concurrency", str(SESSIONS),
                           "--size", str(SIZE), "--to", "rcpt{n}@example.test"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    sent = time.monotonic()
    if send.returncode != 0:
        raise RuntimeError("send failed: " + send.stdout.decode(errors="replace")[-2000:])
    sink.wait(timeout=TIMEOUT)
    delivered = time.monotonic()
    return COUNT / (sent - started), COUNT / (delivered - started)


def peak_rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def run_relaylab():
    sink_port = free_port()
    sink = start_sink(sink_port)
    spool = tempfile.mkdtemp(prefix="relaylab-bench-spool-")
    relay = subprocess.Popen([RELAYLAB, "relay", "--listen", "127.0.0.1:0", "--spool", spool,
                              "--smarthost", "127.0.0.1:%d" % sink_port],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        while port is None:
            line = relay.stdout.readline()
            if not line:
                raise RuntimeError("relaylab relay did not start")
            if line.startswith("listening on ") and "(relay-in)" in line:
                port = int(line.split()[2].rsplit(":", 1)[1])
        accepted, delivered = send_and_wait(port, sink)
        rss = peak_rss_mb(relay.pid)
        return accepted, delivered, rss
    finally:
        relay.terminate()
        relay.wait(timeout=60)
        sink.kill()
        sink.wait()
        shutil.rmtree(spool, ignore_errors=True)


def run_postfix():
    sink_port = free_port()
    sink = start_sink(sink_port)
    saved = test_postfix_retry.MAIN_CF
    test_postfix_retry.MAIN_CF = POSTFIX_MAIN_CF
    postfix = test_postfix_retry.PostfixRelay(sink_port)
    test_postfix_retry.MAIN_CF = saved
    try:
        postfix.start()
        accepted, delivered = send_and_wait(postfix.port, sink)
        return accepted, delivered, float("nan")
    finally:
        postfix.stop()
        sink.kill()
        sink.wait()


def main():
    results = {side: [] for side in SIDES}
    for round_number in range(REPEAT):
        for side in SIDES:
            figures = run_relaylab() if side == "relaylab" else run_postfix()
            results[side].append(figures)
            print("round %d %-8s accepted %8.0f/s  delivered %8.0f/s  peak RSS %6.1f MB"
                  % (round_number + 1, side, *figures), flush=True)
    print("\nmedian of %d, %d messages of %d bytes, %d sessions:" % (REPEAT, COUNT, SIZE, SESSIONS))
    medians = {}
    for side, rows in results.items():
        medians[side] = [statistics.median(r[i] for r in rows) for i in range(3)]
        print("  %-8s accepted %8.0f/s  delivered %8.0f/s  peak RSS %6.1f MB" % (side, *medians[side]))
    if "relaylab" in medians and "postfix" in medians:
        print("  ratio    accepted %8.2fx  delivered %8.2fx" % (
            medians["relaylab"][0] / medians["postfix"][0],
            medians["relaylab"][1] / medians["postfix"][1]))


if __name__ == "__main__":
    main()
