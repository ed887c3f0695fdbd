"""Case 12, full disk: the relay runs with RLIMIT_FSIZE set low (setrlimit in the child, as
`prlimit --fsize` does), so spool writes past it fail with EFBIG. Clients get 452 4.3.1 (RFC 3463:
mail system full, try later) and the relay stays up. Restarted without the limit on the same
spool, it delivers every message that got 250, and none that got 452 ever appears.
"""

import os
import resource
import smtplib
from collections import Counter

import relay_world as w

COUNT = 600
SIZE = 2048
FILE_SIZE_LIMIT = 256 * 1024  # about 100 messages of SIZE fit, the rest get 452
DOMAIN = "full.test"
MX_IP = "127.0.0.15"


def limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


class FullDisk(w.WorldTest):
    def test_452_then_every_250_delivered(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        # Its own directory: the event log and the output files also live under the limit.
        spool = os.path.join(self.tmp, "spool")
        relay = self.start_relay(dns, port, spool=spool, preexec_fn=limit_file_size)
        rc, out, events = w.send(relay.port, COUNT, 4, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"),
                                 extra=["--size", SIZE])
        accepted = {e["tracking_id"] for e in events if e["event"] == "accepted"}
        refused = [e for e in events if e["event"] == "failed"]
        failures = Counter(e["failure"] for e in refused)
        print("250: %d, failures: %s" % (len(accepted), dict(failures)), flush=True)
        self.assertEqual(rc, 1, out)
        self.assertGreater(len(accepted), 0, out)
        self.assertGreater(len(refused), 0, "the limit was never reached: " + out)
        self.assertEqual(set(failures), {"452"}, out)

        # Still up, still talking SMTP.
        self.assertTrue(relay.alive(), self.dump(relay))
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as client:
            self.assertEqual(client.noop()[0], 250)
        self.assertIn("spool_write_failed", relay.stderr_text())

        self.stop_relay_checked(relay)
        relay = self.start_relay(dns, port, spool=spool)

        def arrived():
            return {m["tracking_id"] for m in mx.messages()}

        w.wait_until(lambda: accepted <= arrived() and relay.queue_total() == 0, 60,
                     "every 250'd message delivered", step=0.5)
        got = arrived()
        never = {e["tracking_id"] for e in refused} & got
        self.assertEqual(never, set(), "messages answered 452 were delivered")
        self.assertEqual(got, accepted)
        self.stop_relay_checked(relay)


if __name__ == "__main__":
    w.main()
