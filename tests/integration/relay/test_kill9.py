"""Case 8, kill -9 (the durability headline): `relaylab send --count 20000 --concurrency 20` at
the relay, SIGKILL the relay 1-2 s later, restart it on the same spool; three times. At the end
every message the sender saw accepted (250 after DATA) arrives at the fake MX. Duplicates (a
delivery in flight at the crash is repeated: at-least-once) are counted, printed, and bounded.

Each round's sender has its own envelope sender (round<k>@sender.test): `relaylab send` numbers
its tracking ids from the start every run, so a message is (MAIL FROM, X-Relaylab-Id).
"""

import os
import subprocess
import time
from collections import Counter

import relay_world as w

ROUNDS = 3
SEND_COUNT = 20000
CONCURRENCY = 20
DOMAIN = "durable.test"
MX_IP = "127.0.0.11"
# Deliveries in flight at a crash may be repeated: at most a pipeline's worth per delivery
# connection; generously 500 over the whole test.
MAX_DUPLICATES = 500
KILL_AFTER = [1.0, 1.5, 2.0]  # seconds after the sender starts, per round
SEND_EXIT_TIMEOUT = 60.0
DRAIN_TIMEOUT = 90.0


class Kill9(w.WorldTest):
    def test_every_accepted_message_survives(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port, "--memory-limit", "64")
        spool = os.path.join(self.tmp, "spool")
        relay = self.start_relay(dns, port, spool=spool)
        accepted = set()
        maybe = set()  # failed after the content was sent: the relay may have it
        for k in range(ROUNDS):
            sender = "round%d@sender.test" % k
            events_path = os.path.join(self.tmp, "send%d.jsonl" % k)
            args = [w.relaylab(), "send", "--server", "127.0.0.1:%d" % relay.port,
                    "--count", str(SEND_COUNT), "--concurrency", str(CONCURRENCY),
                    "--to", "user{n}@" + DOMAIN, "--from", sender, "--events", events_path,
                    "--timeout", "10"]
            with open(os.path.join(self.tmp, "send%d.out" % k), "wb") as out:
                proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL,
                                        preexec_fn=w.die_with_the_test())
                try:
                    time.sleep(KILL_AFTER[k])
                    relay.kill()  # SIGKILL: no chance to finish anything
                    proc.wait(timeout=SEND_EXIT_TIMEOUT)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait(timeout=10)
            lines = w.read_json_lines(events_path)
            got = {(sender, e["tracking_id"]) for e in lines if e["event"] == "accepted"}
            self.assertGreater(len(got), 0, "round %d: nothing accepted before the kill" % k)
            accepted |= got
            maybe |= {(sender, e["tracking_id"]) for e in lines
                      if e["event"] == "failed" and e.get("content_sent")}
            print("round %d: %d accepted before SIGKILL" % (k, len(got)), flush=True)
            relay = self.start_relay(dns, port, spool=spool)
            print("round %d: restart recovered %d messages" % (k, relay.recovered), flush=True)

        def arrived():
            return Counter((m["from"], m["tracking_id"]) for m in mx.messages())

        def all_there():
            return accepted <= set(arrived()) and relay.queue_total() == 0

        try:
            w.wait_until(all_there, DRAIN_TIMEOUT, "every accepted message", step=1.0)
        except AssertionError:
            missing = accepted - set(arrived())
            raise AssertionError("%d of %d accepted messages never arrived, e.g. %s\n%s"
                                 % (len(missing), len(accepted), sorted(missing)[:5],
                                    self.dump(relay)))
        counts = arrived()
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        print("accepted %d, arrived %d distinct, duplicates %d (bound %d)"
              % (len(accepted), len(counts), duplicates, MAX_DUPLICATES), flush=True)
        self.assertLessEqual(duplicates, MAX_DUPLICATES)
        phantoms = set(counts) - accepted - maybe
        self.assertEqual(phantoms, set(), "arrived without having been sent to the relay")
        self.stop_relay_checked(relay)


if __name__ == "__main__":
    w.main()
