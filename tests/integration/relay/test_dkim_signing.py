"""DKIM signing by the relay, verified by a receiver: relay.json gives example.test's key
(scenarios/keys, selector quickstart, published in scenarios/zones/example.test.zone); the fake
MX judges every message against the same zone (`fake-mx --dns`). Mail whose From: is in
example.test arrives with dkim=pass for d=example.test; mail from a domain without a key
arrives unsigned (dkim none), not refused.
"""

import os

import relay_world as w

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
ZONE = os.path.join(ROOT, "scenarios", "zones", "example.test.zone")
KEY = os.path.join(ROOT, "scenarios", "keys", "quickstart.example.test.pem")
RECIPIENT_DOMAIN = "rcpt.test"
MX_IP = "127.0.0.10"


class DkimSigning(w.WorldTest):
    def test_signed_mail_passes_at_the_receiver(self):
        with open(ZONE) as f:
            example_zone = f.read()
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({
            "example.test": example_zone,
            RECIPIENT_DOMAIN: w.mx_zone(RECIPIENT_DOMAIN, [(10, "mx", MX_IP)]),
        })
        mx = self.start_mx({"mx." + RECIPIENT_DOMAIN: MX_IP}, port, "--dns", dns.address)
        config = self.write("relay.json", {"dkim": [
            {"domain": "example.test", "selector": "quickstart", "private_key": KEY}]})
        relay = self.start_relay(dns, port, config=config)
        rc, out, _ = w.send(relay.port, 5, 2, "to{n}@" + RECIPIENT_DOMAIN, "a{n}@example.test",
                            os.path.join(self.tmp, "signed.jsonl"))
        self.assertEqual(rc, 0, out)
        rc, out, _ = w.send(relay.port, 2, 1, "to{n}@" + RECIPIENT_DOMAIN, "b{n}@nokey.test",
                            os.path.join(self.tmp, "unsigned.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= 7, 30, "seven messages", step=0.1)
        self.stop_relay_checked(relay)
        signed = unsigned = 0
        for entry in mx.messages():
            dkim = entry["auth"]["dkim"]
            if entry["from"].endswith("@example.test"):
                self.assertEqual([(d["domain"], d["selector"], d["result"]) for d in dkim],
                                 [("example.test", "quickstart", "pass")], entry)
                signed += 1
            else:
                self.assertEqual(dkim, [], entry)
                unsigned += 1
        self.assertEqual((signed, unsigned), (5, 2))


if __name__ == "__main__":
    w.main()
