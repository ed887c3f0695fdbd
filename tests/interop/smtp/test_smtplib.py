"""Python's smtplib (the standard library's SMTP client) against `relaylab sink`."""

import smtplib
import ssl
import unittest
from email.message import EmailMessage

from relaylab_proc import SOCKET_TIMEOUT, Sink, main

USER = "bob"
PASSWORD = "pa55:word"  # a colon in the password: only the first one separates USER:PASS


def unverified_context():
    # The sink's certificate is self-signed and generated at start-up: nothing to verify against.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def message(sender="sender@client.test", rcpt="rcpt@example.test", subject="smtplib test"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = rcpt
    msg["Subject"] = subject
    msg.set_content("Hello from smtplib.\n.leading dot line\n")
    return msg


class SmtplibToSink(unittest.TestCase):
    def connect(self, sink):
        return smtplib.SMTP("127.0.0.1", sink.port, local_hostname="client.test",
                            timeout=SOCKET_TIMEOUT)

    def test_send_message_and_sendmail(self):
        with Sink() as sink:
            with self.connect(sink) as smtp:
                self.assertEqual(smtp.ehlo()[0], 250)
                self.assertTrue(smtp.has_extn("pipelining"))
                self.assertEqual(smtp.send_message(message()), {})
                refused = smtp.sendmail("other@client.test", ["a@example.test", "b@example.test"],
                                        b"Subject: two\r\n\r\nbody\r\n")
                self.assertEqual(refused, {})
                self.assertEqual(smtp.noop()[0], 250)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 2, counts)
            self.assertEqual(counts["connections"], 1, counts)

    def test_starttls(self):
        with Sink("--starttls") as sink:
            with self.connect(sink) as smtp:
                smtp.ehlo()
                self.assertTrue(smtp.has_extn("starttls"))
                code, _ = smtp.starttls(context=unverified_context())
                self.assertEqual(code, 220)
                self.assertIn(smtp.sock.version(), ("TLSv1.2", "TLSv1.3"))
                smtp.ehlo()
                # RFC 3207 4.2: no STARTTLS in the EHLO reply once TLS is on.
                self.assertFalse(smtp.has_extn("starttls"))
                self.assertEqual(smtp.send_message(message()), {})
            counts = sink.stop()
            self.assertEqual(counts["messages"], 1, counts)
            self.assertEqual(counts["tls_failures"], 0, counts)

    def test_smtputf8_addresses(self):
        sender = "δοκιμή@παράδειγμα.δοκιμή"
        rcpt = "测试@例子.测试"
        with Sink() as sink:
            with self.connect(sink) as smtp:
                smtp.ehlo()
                self.assertTrue(smtp.has_extn("smtputf8"))
                # sendmail() switches the command encoding to UTF-8 only with SMTPUTF8 in
                # mail_options (and only if the server advertised it).
                body = ("From: %s\r\nTo: %s\r\nSubject: δοκιμή\r\n\r\nκείμενο\r\n"
                        % (sender, rcpt)).encode("utf-8")
                self.assertEqual(smtp.sendmail(sender, [rcpt], body,
                                               mail_options=["SMTPUTF8", "BODY=8BITMIME"]), {})
                # send_message() adds SMTPUTF8 by itself when an address needs it.
                self.assertEqual(smtp.send_message(message(sender, rcpt, "second")), {})
            counts = sink.stop()
            self.assertEqual(counts["messages"], 2, counts)

    def test_auth_after_starttls(self):
        with Sink("--starttls", "--auth", USER + ":" + PASSWORD) as sink:
            with self.connect(sink) as smtp:
                smtp.ehlo()
                self.assertFalse(smtp.has_extn("auth"), "AUTH offered before TLS")
                smtp.starttls(context=unverified_context())
                smtp.ehlo()
                self.assertEqual(set(smtp.esmtp_features["auth"].upper().split()),
                                 {"PLAIN", "LOGIN"})
                code, _ = smtp.login(USER, PASSWORD)
                self.assertEqual(code, 235)
                self.assertEqual(smtp.send_message(message()), {})
            with self.connect(sink) as smtp:
                smtp.starttls(context=unverified_context())
                smtp.ehlo()
                # Force AUTH LOGIN (smtplib prefers PLAIN).
                smtp.esmtp_features["auth"] = "LOGIN"
                self.assertEqual(smtp.login(USER, PASSWORD)[0], 235)
                self.assertEqual(smtp.send_message(message()), {})
            with self.connect(sink) as smtp:
                smtp.starttls(context=unverified_context())
                smtp.ehlo()
                with self.assertRaises(smtplib.SMTPAuthenticationError) as caught:
                    smtp.login(USER, PASSWORD + "x")
                self.assertEqual(caught.exception.smtp_code, 535)
                # The session survives a failed AUTH, and a retry with the right password works.
                self.assertEqual(smtp.noop()[0], 250)
                self.assertEqual(smtp.login(USER, PASSWORD)[0], 235)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 2, counts)
            self.assertEqual(counts["connections"], 3, counts)


if __name__ == "__main__":
    main()
