"""Case 10, AUTH on the submission listener with swaks as the client: `--user alice:secret`, no
TLS configured (so the relay offers AUTH on plaintext, a loopback test world). The right
password delivers; a wrong one gets 535 5.7.8; after 5 failures from one client in a minute,
further AUTH gets 421 4.7.0 (auth_failures_per_minute), even with the right password. The
client comes from 127.0.0.2, outside --trusted-networks: AUTH alone lets it relay, and without
AUTH the submission listener refuses MAIL with 530 5.7.0 (RFC 4954 6).
"""

import re
import smtplib

import relay_world as w

DOMAIN = "dest.test"
MX_IP = "127.0.0.13"
SWAKS = "/usr/bin/swaks"
AUTH_FAILURE_LIMIT = 5  # the default auth_failures_per_minute
CLIENT_IP = "127.0.0.2"  # not in --trusted-networks below


def swaks(port, password, tracking_id):
    args = [SWAKS, "--server", "127.0.0.1:%d" % port, "--local-interface", CLIENT_IP,
            "--helo", "client.test",
            "--timeout", "20", "--from", "alice@sender.test", "--to", "bob@" + DOMAIN,
            "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", password,
            "--header", "X-Relaylab-Id: " + tracking_id]
    return w.run_peer(args, timeout=60)


def auth_reply(output):
    """The server's reply to AUTH: swaks prints it as '<~  235 ...' or '<~* 535 ...'."""
    for line in output.splitlines():
        m = re.match(r"^<[-~*]+\s+(\d{3})[ -](.*)$", line)
        if m and m.group(1) in ("235", "535", "421", "454", "530", "503", "504"):
            return int(m.group(1)), m.group(2)
    return None, output


class SubmissionAuth(w.WorldTest):
    def test_auth_right_wrong_and_limited(self):
        w.skip.require_program(SWAKS, "swaks")
        port = w.pick_mx_port([MX_IP])
        dns = self.start_dns({DOMAIN: w.mx_zone(DOMAIN, [(10, "mx", MX_IP)])})
        mx = self.start_mx({"mx." + DOMAIN: MX_IP}, port)
        relay = self.start_relay(dns, port, "--user", "alice:secret", "--trusted-networks",
                                 "127.0.0.1/32", submission=True)
        with smtplib.SMTP(timeout=10, source_address=(CLIENT_IP, 0)) as client:
            client.connect("127.0.0.1", relay.submission_port)
            client.ehlo("client.test")
            self.assertIn("PLAIN", client.esmtp_features.get("auth", ""))
            code, text = client.mail("alice@sender.test")
            self.assertEqual((code, text[:5]), (530, b"5.7.0"), text)

        rc, out = swaks(relay.submission_port, "secret", "auth-ok")
        self.assertEqual(rc, 0, out)
        self.assertEqual(auth_reply(out)[0], 235, out)
        w.wait_until(lambda: mx.total("tracking_id=auth-ok") == 1, 30, "the message", step=0.1)

        for n in range(AUTH_FAILURE_LIMIT):
            rc, out = swaks(relay.submission_port, "wrong", "auth-bad-%d" % n)
            self.assertNotEqual(rc, 0, out)
            code, text = auth_reply(out)
            self.assertEqual(code, 535, out)
            self.assertTrue(text.startswith("5.7.8"), text)
        rc, out = swaks(relay.submission_port, "secret", "auth-limited")
        self.assertNotEqual(rc, 0, out)
        code, text = auth_reply(out)
        self.assertEqual(code, 421, out)
        self.assertTrue(text.startswith("4.7.0"), text)

        self.stop_relay_checked(relay)
        self.assertEqual(mx.total(), 1, "only the authenticated message is delivered")
        self.assertEqual([(e["auth"], e["client"]) for e in relay.events("accepted")],
                         [("alice", CLIENT_IP)])


if __name__ == "__main__":
    w.main()
