"""Capture of 100,000 messages under a small memory bound: Postfix's smtp-source pushes them
into `relaylab fake-mx --memory-limit 8 --no-transcripts`; the process's resident memory must
grow by no more than the raw bound plus the documented per-message metadata, every message must
be indexed, and the raw copies beyond 8 MB must have been dropped.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits.
"""

import os
import re
import subprocess
import time
import unittest

import fakemx_proc
from fakemx_proc import FakeMx, main, run_peer, skip_without

SMTP_SOURCE = "/usr/sbin/smtp-source"
MIB = 1024 * 1024
MEMORY_LIMIT_MB = 8
# docs/fake-mx-api.md: "about 400 bytes each" of metadata; the issue allows 600 B a message.
PER_MESSAGE_BYTES = 600
# Allocator slack, 20 sessions' buffers, io and API state: a fixed allowance on top.
SLACK_BYTES = 24 * MIB
BODY_BYTES = 1000


def is_asan_build(path):
    """True when the binary carries AddressSanitizer (statically or as libasan)."""
    try:
        done = subprocess.run(["nm", "-D", path], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60)
        if b"__asan_init" in done.stdout:
            return True
        done = subprocess.run(["nm", path], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60)
        if b"__asan_init" in done.stdout:
            return True
        done = subprocess.run(["ldd", path], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60)
        return b"libasan" in done.stdout
    except (OSError, subprocess.TimeoutExpired):
        return "ASAN_OPTIONS" in os.environ


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        text = f.read()
    values = {}
    for key in ("VmRSS", "VmHWM"):
        m = re.search(r"^%s:\s+(\d+) kB" % key, text, re.M)
        values[key] = int(m.group(1)) * 1024
    return values


class CaptureMemory(unittest.TestCase):
    def test_100k_messages_small_memory_bound(self):
        skip_without(self, SMTP_SOURCE)
        asan = is_asan_build(fakemx_proc.relaylab())
        # Under ASan every message costs far more CPU on 2 cores, and shadow memory and
        # redzones inflate the footprint: 20,000 messages keep the run inside the time budget
        # while the raw bound (8 MB = about 7,000 1 KB messages) is still crossed well over
        # twice. The plain build always runs the full 100,000.
        count = 20000 if asan else 100000
        env = dict(os.environ)
        if asan:
            # Freed memory must go back to the allocator at once (no 256 MB quarantine), or
            # RSS measures ASan, not the capture store.
            extra = "quarantine_size_mb=1:thread_local_quarantine_size_kb=64:" \
                    "malloc_context_size=2:detect_leaks=0"
            env["ASAN_OPTIONS"] = (env["ASAN_OPTIONS"] + ":" + extra
                                   if env.get("ASAN_OPTIONS") else extra)
        with FakeMx("--memory-limit", MEMORY_LIMIT_MB, "--no-transcripts", env=env) as mx:
            pid = mx.proc.pid
            # Baseline: idle, after one API round trip and one message (code paths touched).
            mx.messages()
            rc, out = run_peer([SMTP_SOURCE, "-m", "1", "-l", str(BODY_BYTES), "-M",
                                "client.test", "127.0.0.1:%d" % mx.port], timeout=30)
            self.assertEqual(rc, 0, out)
            time.sleep(0.3)
            base = proc_status(pid)["VmRSS"]
            mx.get_json("/api/v1/messages", "DELETE")

            start = time.monotonic()
            rc, out = run_peer([SMTP_SOURCE, "-s", "20", "-m", str(count),
                                "-l", str(BODY_BYTES), "-c", "-M", "client.test",
                                "127.0.0.1:%d" % mx.port], timeout=240)
            self.assertEqual(rc, 0, out[-2000:])
            self.assertNotRegex(out, r"(?i)(fatal|error)", out[-2000:])
            total = mx.wait_for(
                lambda: mx.messages("?limit=0")["total"] >= count, 30) and \
                mx.messages("?limit=0")["total"]
            elapsed = time.monotonic() - start
            status = proc_status(pid)
            stats = mx.get_json("/api/v1/stats")
            store = stats.get("store", stats)

            self.assertEqual(mx.messages("?limit=0")["total"], count, store)
            self.assertEqual(store["messages_total"], count + 1, store)  # + the warm-up one
            self.assertGreater(store["raw_dropped"], 0, store)
            self.assertLessEqual(store["raw_memory_bytes"], MEMORY_LIMIT_MB * MIB, store)
            self.assertEqual(store["raw_in_memory"] + store["raw_dropped"]
                             + store.get("raw_in_maildir", 0), count, store)
            # The newest raw copies are readable, the oldest are gone (410).
            newest = mx.messages("?limit=1")["messages"][0]
            oldest = mx.messages("?limit=1&offset=%d" % (count - 1))["messages"][0]
            self.assertEqual(mx.request("/api/v1/messages/%d/raw" % newest["id"])[0], 200)
            self.assertEqual(mx.request("/api/v1/messages/%d/raw" % oldest["id"])[0], 410)

            # ASan adds redzones to every allocation and keeps a 1 MB quarantine: double the
            # per-message and fixed allowances there (the raw bound itself is checked exactly
            # through raw_memory_bytes above).
            factor = 2 if asan else 1
            bound = (MEMORY_LIMIT_MB * MIB + factor * (count * PER_MESSAGE_BYTES + SLACK_BYTES))
            growth = status["VmRSS"] - base
            peak_growth = status["VmHWM"] - base
            report = ("baseline RSS %.1f MB, now %.1f MB (+%.1f MB), peak %.1f MB (+%.1f MB); "
                      "bound +%.1f MB; %d messages in %.1f s; asan=%s"
                      % (base / MIB, status["VmRSS"] / MIB, growth / MIB, status["VmHWM"] / MIB,
                         peak_growth / MIB, bound / MIB, count, elapsed, asan))
            print("\n" + report)
            self.assertLessEqual(growth, bound, report)
            self.assertLessEqual(peak_growth, bound, report)
            self.assertEqual(mx.stop(), 0, mx.stderr_text())


if __name__ == "__main__":
    main()
