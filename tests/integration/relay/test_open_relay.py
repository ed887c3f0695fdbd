"""Case 9, no open relay: with --trusted-networks 127.0.0.1/32, a client from 127.0.0.2 (Python
smtplib bound there) gets 554 5.7.1 at RCPT for a domain the relay does not serve, and the
message is never queued; for a --relay-domains domain (the relay is its MX) it is accepted and
delivered.
"""

import smtplib

import relay_world as w

RELAY_DOMAIN = "ours.test"
OTHER_DOMAIN = "elsewhere.test"
MX_IP = "127.0.0.12"
UNTRUSTED_CLIENT = "127.0.0.2"


class OpenRelay(w.WorldTest):
    def test_untrusted_client_relays_only_to_relay_domains(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({RELAY_DOMAIN: w.mx_zone(RELAY_DOMAIN, [(10, "mx", MX_IP)]),
                              OTHER_DOMAIN: w.mx_zone(OTHER_DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx.internal.test": MX_IP}, port)
        relay = self.start_relay(dns, port, "--trusted-networks", "127.0.0.1/32",
                                 "--relay-domains", RELAY_DOMAIN)
        with smtplib.SMTP(timeout=10, source_address=(UNTRUSTED_CLIENT, 0)) as client:
            client.connect("127.0.0.1", relay.port)
            client.ehlo("outsider.test")
            code, _ = client.mail("spammer@outsider.test")
            self.assertEqual(code, 250)
            code, text = client.rcpt("victim@" + OTHER_DOMAIN)
            self.assertEqual(code, 554, text)
            self.assertTrue(text.startswith(b"5.7.1"), text)
            code, text = client.rcpt("user@" + RELAY_DOMAIN)
            self.assertEqual(code, 250, text)
            code, text = client.data(b"From: spammer@outsider.test\r\nTo: user@ours.test\r\n"
                                     b"X-Relaylab-Id: open-relay-1\r\nSubject: hi\r\n\r\nhi\r\n")
            self.assertEqual(code, 250, text)
        w.wait_until(lambda: mx.total() >= 1, 30, "the relay-domain message", step=0.1)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)
        [arrived] = mx.messages()
        self.assertEqual(arrived["to"], ["user@" + RELAY_DOMAIN], "only the accepted recipient")
        self.assertEqual(arrived["tracking_id"], "open-relay-1")
        rejected = relay.events("rejected")
        self.assertEqual([e["recipient"] for e in rejected], ["victim@" + OTHER_DOMAIN])

    def test_untrusted_client_alone_gets_nothing_queued(self):
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({OTHER_DOMAIN: w.mx_zone(OTHER_DOMAIN, [(10, "mx", MX_IP)])})
        relay = self.start_relay(dns, port, "--trusted-networks", "127.0.0.1/32",
                                 "--relay-domains", RELAY_DOMAIN)
        with smtplib.SMTP(timeout=10, source_address=(UNTRUSTED_CLIENT, 0)) as client:
            client.connect("127.0.0.1", relay.port)
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as caught:
                client.sendmail("spammer@outsider.test", ["victim@" + OTHER_DOMAIN],
                                b"Subject: hi\r\n\r\nhi\r\n")
            code, text = caught.exception.recipients["victim@" + OTHER_DOMAIN]
            self.assertEqual(code, 554)
            self.assertTrue(text.startswith(b"5.7.1"), text)
        # A trusted client (127.0.0.1) may still relay anywhere.
        with smtplib.SMTP("127.0.0.1", relay.port, timeout=10) as client:
            self.assertEqual(client.sendmail("inside@ours.test", ["friend@" + OTHER_DOMAIN],
                                             b"Subject: hi\r\n\r\nhi\r\n"), {})
        self.stop_relay_checked(relay)
        [accepted] = relay.events("accepted")
        self.assertTrue(accepted["client"].startswith("127.0.0.1"), accepted)


if __name__ == "__main__":
    w.main()
