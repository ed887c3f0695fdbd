"""GET /api/v1/tracking of the real `relaylab fake-mx` (docs/fake-mx-api.md, "Tracking
coverage"), fed by Python's smtplib the way a sharded load run would be: two hosts, numbers
with gaps, one number sent twice, one id of the run that is not a number, one of another run.
The answer is read through urllib and, for the 400s, Debian's curl.

Standard library only, Debian's /usr/bin/python3; loopback, ephemeral ports, bounded waits. A
missing peer exits 77 (ctest skip) with the reason; under CI=true it fails instead.
"""

import json
import os
import smtplib
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "interop", "fakemx"))
import fakemx_proc  # noqa: E402
from fakemx_proc import FakeMx  # noqa: E402

CURL = "/usr/bin/curl"
SMTP_TIMEOUT = 20
RUN = "r1a2b3c4"


def send(port, tracking_ids):
    """One SMTP session through smtplib, one message per tracking id."""
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=SMTP_TIMEOUT) as s:
        for tid in tracking_ids:
            msg = ("From: <sender@client.test>\r\nTo: <rcpt@mx.test>\r\n"
                   "Subject: load %s\r\nMessage-ID: <%s@relaylab.test>\r\n"
                   "X-Relaylab-Id: %s\r\n\r\nbody\r\n" % (tid, tid, tid))
            s.sendmail("sender@client.test", ["rcpt@mx.test"], msg)


def urllib_get(port, path):
    """(status, parsed JSON body) through urllib, errors included."""
    url = "http://127.0.0.1:%d%s" % (port, path)
    try:
        with urllib.request.urlopen(url, timeout=fakemx_proc.HTTP_TIMEOUT) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def curl_status(port, path):
    done = subprocess.run([CURL, "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                           "%{http_code}", "http://127.0.0.1:%d%s" % (port, path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if done.returncode != 0:
        raise AssertionError("curl %s: exit %d %s" % (path, done.returncode, done.stderr))
    return int(done.stdout)


class TrackingEndpoint(unittest.TestCase):
    def test_coverage_of_a_run_over_two_hosts(self):
        with FakeMx(hosts=["mx1.test", "mx2.test"]) as mx:
            mx1, mx2 = mx.ports["mx1.test"], mx.ports["mx2.test"]
            # 1-5 and 8 at mx1, 10-12 at mx2 (6, 7 and 9 lost); 3 arrives twice, once per host.
            send(mx1, ["%s-%d" % (RUN, n) for n in (1, 2, 3, 4, 5, 8)])
            send(mx2, ["%s-%d" % (RUN, n) for n in (10, 11, 12, 3)])
            send(mx1, ["%s-x7" % RUN, "otherrun-1"])
            self.assertTrue(mx.wait_for(lambda: mx.messages()["total"] == 12, timeout=20))

            status, c = urllib_get(mx.api_port, "/api/v1/tracking?run_id=" + RUN)
            self.assertEqual(status, 200, c)
            self.assertEqual(c, {"run_id": RUN, "messages": 10, "distinct": 9, "duplicates": 1,
                                 "ranges": [[1, 5], [8, 8], [10, 12]], "ranges_truncated": False,
                                 "other": 1, "duplicated": [3]})

            status, c = urllib_get(mx.api_port, "/api/v1/tracking?run_id=%s&host=mx2.test" % RUN)
            self.assertEqual(status, 200, c)
            self.assertEqual((c["messages"], c["duplicates"], c["ranges"], c["other"]),
                             (4, 0, [[3, 3], [10, 12]], 0), c)

            status, c = urllib_get(mx.api_port, "/api/v1/tracking?run_id=otherrun")
            self.assertEqual((status, c["messages"], c["ranges"]), (200, 1, [[1, 1]]), c)

    def test_bad_requests_are_400(self):
        fakemx_proc.skip_without(self, CURL)
        with FakeMx() as mx:
            for path, mentions in (("/api/v1/tracking", "required"),
                                   ("/api/v1/tracking?run_id=", "required"),
                                   ("/api/v1/tracking?run_id=" + "a" * 129, "129 bytes"),
                                   ("/api/v1/tracking?run_id=r%2F1", "A-Z a-z 0-9"),
                                   ("/api/v1/tracking?run_id=r1&offset=3", "offset")):
                status, body = urllib_get(mx.api_port, path)
                self.assertEqual(status, 400, (path, body))
                self.assertIn(mentions, body["error"], path)
                self.assertEqual(curl_status(mx.api_port, path), 400, path)
            self.assertEqual(curl_status(mx.api_port, "/api/v1/tracking?run_id=" + "a" * 128), 200)


if __name__ == "__main__":
    fakemx_proc.main()
