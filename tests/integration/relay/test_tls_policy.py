"""TLS per destination: opportunistic by default, required where the config says so, and a
downgrade is never silent. One MX host breaks STARTTLS (advertised, answered 220, then a
handshake_failure alert). For may.test (the default level "may") the relay retries in plaintext
and every delivery event says so; for enc.test (destinations.enc.test.tls = "encrypt") nothing
is sent in plaintext: the mail is deferred with the TLS failure and never reaches the host.
"""

import os

import relay_world as w

MX_IP = "127.0.0.11"


class TlsPolicy(w.WorldTest):
    def test_may_falls_back_visibly_and_encrypt_never_does(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({
            "may.test": w.mx_zone("may.test", [(10, "mx", MX_IP)]),
            "enc.test": w.mx_zone("enc.test", [(10, "mx", MX_IP)]),
        })
        behaviour = self.write("broken.json", {"tls": {"broken_starttls": True}})
        mx = self.start_mx({"mx.may.test": MX_IP}, port, "--behaviour", behaviour)
        config = self.write("relay.json", {"destinations": {"enc.test": {"tls": "encrypt"}}})
        relay = self.start_relay(dns, port, config=config)
        rc, out, _ = w.send(relay.port, 3, 1, "to{n}@may.test", "a@sender.test",
                            os.path.join(self.tmp, "may.jsonl"))
        self.assertEqual(rc, 0, out)
        rc, out, _ = w.send(relay.port, 2, 1, "to{n}@enc.test", "a@sender.test",
                            os.path.join(self.tmp, "enc.jsonl"))
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: len(relay.events("delivered")) >= 3, 20, "3 deliveries to may.test")
        w.wait_until(lambda: len([e for e in relay.events("deferred")
                                  if "enc.test" in e["recipient"]]) >= 2, 20,
                     "2 deferrals for enc.test")
        self.stop_relay_checked(relay)

        delivered = relay.events("delivered")
        self.assertEqual(sorted(e["recipient"] for e in delivered),
                         ["to1@may.test", "to2@may.test", "to3@may.test"])
        for event in delivered:
            self.assertTrue(event["tls"].startswith("none (plaintext after a failed STARTTLS"),
                            event)
        for event in relay.events("deferred"):
            self.assertIn("enc.test", event["recipient"])
            self.assertIn("TLS", event["reply"], event)
        # Only may.test's three messages reached the host.
        self.assertEqual(sorted(m["to"][0] for m in mx.messages()),
                         ["to1@may.test", "to2@may.test", "to3@may.test"])


if __name__ == "__main__":
    w.main()
