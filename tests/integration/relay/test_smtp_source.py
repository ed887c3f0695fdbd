"""Case 11, Postfix's smtp-source as the upstream client: 5 sessions, 200 messages through the
relay; all 200 arrive at the recipient domain's fake MX.
"""

import relay_world as w

COUNT = 200
DOMAIN = "postfix-dest.test"
MX_IP = "127.0.0.14"
SMTP_SOURCE = "/usr/sbin/smtp-source"


class SmtpSource(w.WorldTest):
    def test_two_hundred_arrive(self):
        w.skip.require_program(SMTP_SOURCE, "postfix")
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        relay = self.start_relay(dns, port)
        rc, out = w.run_peer([SMTP_SOURCE, "-s", "5", "-m", str(COUNT), "-f", "a@x.test",
                              "-t", "b@" + DOMAIN, "127.0.0.1:%d" % relay.port], timeout=60)
        self.assertEqual(rc, 0, out)
        w.wait_until(lambda: mx.total() >= COUNT, 60, "%d arrivals" % COUNT, step=0.2)
        w.wait_until(lambda: relay.queue_total() == 0, 30, "an empty queue")
        self.stop_relay_checked(relay)
        arrived = mx.messages()
        self.assertEqual(len(arrived), COUNT)
        self.assertTrue(all(m["to"] == ["b@" + DOMAIN] and m["from"] == "a@x.test"
                            for m in arrived), arrived[:2])
        self.assertEqual(len(relay.events("accepted")), COUNT)
        self.assertEqual(len(relay.events("delivered")), COUNT)


if __name__ == "__main__":
    w.main()
