"""Case 13, a corrupt spool file at start: mail is queued (the fake MX answers 451 to every
recipient), the relay is stopped, bytes are flipped in the middle of a segment file in
<spool>/segments/, and the relay restarts with the fake MX accepting. The damaged segment is
copied to <spool>/quarantine/, the relay logs the corruption, and the other messages are
delivered.
"""

import os

import relay_world as w

COUNT = 30
DOMAIN = "queued.test"
MX_IP = "127.0.0.16"
TEMPFAIL = {"name": "tempfail", "rules": [
    {"phase": "rcpt", "reply": "451 4.3.0 <{recipient}>: Temporary lookup failure"}]}
FLIPPED_BYTES = 4


class CorruptSpool(w.WorldTest):
    def test_quarantine_and_deliver_the_rest(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        behaviour = self.write("tempfail.json", TEMPFAIL)
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port, "--behaviour", behaviour)
        spool = os.path.join(self.tmp, "spool")
        relay = self.start_relay(dns, port, spool=spool)
        rc, out, events = w.send(relay.port, COUNT, 2, "user{n}@" + DOMAIN, "s@sender.test",
                                 os.path.join(self.tmp, "send.jsonl"))
        self.assertEqual(rc, 0, out)
        sent = {e["tracking_id"] for e in events}
        w.wait_until(lambda: len({e["id"] for e in relay.events("deferred")}) >= COUNT, 30,
                     "every message deferred once", step=0.2)
        self.stop_relay_checked(relay)
        self.assertEqual(mx.total(), 0)
        mx.stop()

        segments = sorted(os.path.join(spool, "segments", f)
                          for f in os.listdir(os.path.join(spool, "segments")))
        self.assertTrue(segments, "no segment files")
        target = max(segments, key=os.path.getsize)
        size = os.path.getsize(target)
        self.assertGreater(size, COUNT * 500, target)
        with open(target, "r+b") as f:
            f.seek(size // 2)
            data = f.read(FLIPPED_BYTES)
            f.seek(size // 2)
            f.write(bytes(b ^ 0xFF for b in data))

        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        relay = self.start_relay(dns, port, spool=spool)
        quarantine = os.path.join(spool, "quarantine")
        self.assertTrue(os.path.isdir(quarantine) and os.listdir(quarantine),
                        "nothing in quarantine/: " + self.dump(relay))
        self.assertIn("spool_corruption", relay.stderr_text())
        self.assertGreaterEqual(relay.recovered, COUNT - 1)

        w.wait_until(lambda: relay.queue_total() == 0, 60, "an empty queue", step=0.5)
        arrived = [m["tracking_id"] for m in mx.messages()]
        print("recovered %d of %d, delivered %d" % (relay.recovered, COUNT, len(set(arrived))),
              flush=True)
        self.assertLessEqual(set(arrived), sent)
        # One record was damaged: at most one message is lost with it.
        self.assertGreaterEqual(len(set(arrived)), COUNT - 1)
        self.stop_relay_checked(relay)


if __name__ == "__main__":
    w.main()
