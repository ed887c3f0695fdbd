"""Hostile and broken clients against `relaylab sink`, over raw loopback sockets.

Every case ends with the sink still serving a well-behaved client (or with its final counts
checked), so "no crash, no hang, no message counted that should not be" is asserted each time.
"""

import random
import select
import smtplib
import socket
import ssl
import time
import unittest

from relaylab_proc import LOOPBACK, RawSmtp, Sink, main

COMMAND_LINE_LIMIT = 512  # RFC 5321 4.5.3.1.4, CRLF included
DEFAULT_ERROR_LIMIT = 10  # the sink's --max-errors default
GARBAGE_SEED = 20240601
GARBAGE_SIZE = 64 * 1024


def good_message(port):
    """A complete transaction by smtplib: proves the sink still serves fresh clients."""
    with smtplib.SMTP(LOOPBACK, port, local_hostname="fresh.test", timeout=10) as smtp:
        return smtp.sendmail("fresh@client.test", ["rcpt@example.test"],
                             b"Subject: fresh\r\n\r\nstill alive\r\n")


def open_transaction(client):
    client.greet()
    assert client.command("MAIL FROM:<s@client.test>")[0] == 250
    assert client.command("RCPT TO:<r@example.test>")[0] == 250
    code, _ = client.command("DATA")
    assert code == 354, code


class CommandLines(unittest.TestCase):
    def test_line_limit_boundary_and_overlong_lines(self):
        with Sink() as sink, RawSmtp(sink.port) as c:
            c.greet()
            # Exactly 512 octets with CRLF is allowed; one more is not.
            at_limit = b"NOOP " + b"x" * (COMMAND_LINE_LIMIT - 2 - 5)
            self.assertEqual(c.command(at_limit)[0], 250)
            code, text = c.command(at_limit + b"x")
            self.assertEqual(code, 500, text)
            self.assertTrue(text[0].startswith("5.5.2"), text)
            self.assertEqual(c.command("NOOP")[0], 250)
            # Far over the limit (100 KB in one line): one 500, then the session goes on.
            code, text = c.command(b"MAIL FROM:<" + b"a" * 100_000 + b"@client.test>")
            self.assertEqual(code, 500, text)
            self.assertTrue(text[0].startswith("5.5.2"), text)
            self.assertEqual(c.command("NOOP")[0], 250)
            # The over-long MAIL did not open a transaction.
            self.assertEqual(c.command("RCPT TO:<r@example.test>")[0], 503)
            self.assertEqual(c.command("QUIT")[0], 221)
        self.assertEqual(sink.counts["messages"], 0)

    def test_nul_bytes(self):
        with Sink() as sink, RawSmtp(sink.port) as c:
            c.greet()
            for line in (b"NO\x00OP", b"MAIL FROM:<a\x00b@client.test>", b"\x00"):
                code, text = c.command(line)
                self.assertEqual(code, 500, (line, text))
                self.assertEqual(c.command("NOOP")[0], 250)
            self.assertEqual(c.command("MAIL FROM:<s@client.test>")[0], 250)
            self.assertEqual(c.command("QUIT")[0], 221)

    def test_out_of_sequence(self):
        with Sink() as sink, RawSmtp(sink.port) as c:
            self.assertEqual(c.reply()[0], 220)
            self.assertEqual(c.command("MAIL FROM:<s@client.test>")[0], 503)  # before EHLO
            self.assertEqual(c.command("EHLO client.test")[0], 250)
            self.assertEqual(c.command("RCPT TO:<r@example.test>")[0], 503)  # before MAIL
            self.assertEqual(c.command("DATA")[0], 503)  # before MAIL
            self.assertEqual(c.command("MAIL FROM:<s@client.test>")[0], 250)
            self.assertEqual(c.command("MAIL FROM:<s@client.test>")[0], 503)  # nested MAIL
            # RFC 5321 3.3: DATA without a valid RCPT gets 503 or 554 ("no valid recipients").
            self.assertIn(c.command("DATA")[0], (503, 554))
            # The refused DATA did not switch to data mode: a command is still a command.
            self.assertEqual(c.command("RCPT TO:<r@example.test>")[0], 250)
            self.assertEqual(c.command("RSET")[0], 250)
            self.assertEqual(c.command("RCPT TO:<r@example.test>")[0], 503)  # RSET ended it
            self.assertEqual(c.command("QUIT")[0], 221)
        self.assertEqual(sink.counts["messages"], 0)

    def test_unknown_command(self):
        with Sink() as sink, RawSmtp(sink.port) as c:
            c.greet()
            code, text = c.command("XYZZY plugh")
            self.assertEqual(code, 500)
            self.assertTrue(text[0].startswith("5.5.2"), text)
            self.assertEqual(c.command("NOOP")[0], 250)

    def test_non_ascii_address_without_smtputf8(self):
        with Sink() as sink, RawSmtp(sink.port) as c:
            c.greet()
            # RFC 6531 3.4: a UTF-8 address needs SMTPUTF8 on MAIL.
            code, _ = c.command("MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή>".encode())
            self.assertGreaterEqual(code, 500)
            self.assertLess(code, 600)
            self.assertEqual(c.command("MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8".encode())[0],
                             250)

    def check_error_limit(self, sink, limit):
        with RawSmtp(sink.port) as c:
            c.greet()
            replies = []
            for i in range(limit):
                c.send(b"BOGUS %d\r\n" % i)
                replies.append(c.reply()[0])
            self.assertEqual(replies, [500] * limit)
            # After the last allowed error the sink says 421 and hangs up.
            code, text = c.reply()
            self.assertEqual(code, 421, text)
            self.assertTrue(text[0].startswith("4.7.0"), text)
            self.assertEqual(c.wait_closed(), b"")

    def test_error_limit_default(self):
        with Sink() as sink:
            self.check_error_limit(sink, DEFAULT_ERROR_LIMIT)
            good_message(sink.port)

    def test_error_limit_option(self):
        with Sink("--max-errors", "3") as sink:
            self.check_error_limit(sink, 3)
            # Errors are counted per session: a new session starts at zero.
            with RawSmtp(sink.port) as c:
                c.greet()
                self.assertEqual(c.command("BOGUS")[0], 500)
                self.assertEqual(c.command("BOGUS")[0], 500)
                self.assertEqual(c.command("NOOP")[0], 250)


class AuthInput(unittest.TestCase):
    def test_malformed_auth(self):
        with Sink("--auth", "user:pass", "--auth-without-tls") as sink, RawSmtp(sink.port) as c:
            c.greet()
            code, text = c.command("AUTH PLAIN !!!not-base64!!!")
            self.assertEqual(code, 501, text)
            self.assertEqual(c.command("AUTH CRAM-MD5")[0], 504)  # not offered
            # RFC 4954 4: "*" cancels the exchange with 501.
            self.assertEqual(c.command("AUTH LOGIN")[0], 334)
            self.assertEqual(c.command("*")[0], 501)
            # A PLAIN response that is valid base64 but not authzid NUL authcid NUL passwd.
            self.assertEqual(c.command("AUTH PLAIN dXNlcnBhc3M=")[0], 501)
            # An AUTH response over the 12288-octet limit of RFC 4954 4.
            self.assertEqual(c.command("AUTH PLAIN")[0], 334)
            code, text = c.command(b"A" * 20000)
            self.assertEqual(code // 100, 5, text)
            self.assertEqual(c.command("NOOP")[0], 250)
            # And after all that, the right credentials still work: AHVzZXIAcGFzcw== is
            # base64("\0user\0pass").
            self.assertEqual(c.command("AUTH PLAIN AHVzZXIAcGFzcw==")[0], 235)
            self.assertEqual(c.command("AUTH PLAIN AHVzZXIAcGFzcw==")[0], 503)  # only once

    def test_auth_refused_before_tls(self):
        with Sink("--starttls", "--auth", "user:pass") as sink, RawSmtp(sink.port) as c:
            c.greet()
            self.assertEqual(c.command("AUTH PLAIN AHVzZXIAcGFzcw==")[0], 503)
            self.assertEqual(c.command("NOOP")[0], 250)


class DataSection(unittest.TestCase):
    def send_data(self, sink, payload):
        """One transaction whose DATA is `payload` + <CRLF>.<CRLF>, then HELP; returns every
        reply up to the HELP reply (214). A DATA that ended early would show up as extra
        replies (250 for the smuggled MAIL, RCPT, 354 for its DATA) before the 214."""
        with RawSmtp(sink.port) as c:
            open_transaction(c)
            c.send(payload + b"\r\n.\r\nHELP\r\n")
            replies = [c.reply()]
            while replies[-1][0] != 214 and len(replies) < 10:
                replies.append(c.reply())
            self.assertEqual(c.command("QUIT")[0], 221)
            return replies

    def test_bare_lf_reject(self):
        for payload in (b"Subject: x\r\n\r\nline one\nline two",
                        b"Subject: x\r\n\r\nline one\rline two"):
            with Sink("--bare-newline", "reject") as sink:
                replies = self.send_data(sink, payload)
                self.assertEqual(len(replies), 2, replies)
                code, text = replies[0]
                self.assertEqual(code, 550, (payload, text))
                self.assertTrue(text[0].startswith("5.5.2"), text)
                self.assertEqual(replies[1][0], 214)  # the HELP: session survived
                good_message(sink.port)
                counts = sink.stop()
                self.assertEqual(counts["messages"], 1, (payload, counts))  # only the good one

    def test_bare_lf_normalize_and_accept(self):
        for policy in ("normalize", "accept"):
            with Sink("--bare-newline", policy) as sink:
                replies = self.send_data(sink, b"Subject: x\r\n\r\nline one\nline two\rthree")
                self.assertEqual([r[0] for r in replies], [250, 214], (policy, replies))
                counts = sink.stop()
                self.assertEqual(counts["messages"], 1, (policy, counts))

    def test_smuggling_sequences_never_end_data(self):
        smuggled = (b"MAIL FROM:<attacker@evil.test>\r\nRCPT TO:<victim@example.test>\r\n"
                    b"DATA\r\n\r\nsmuggled message")
        # Each fake end of data is followed by a whole second transaction. Only the final
        # <CRLF>.<CRLF> may end the DATA, so exactly one end-of-data reply may come back.
        fakes = [b"\r\n.\n", b"\n.\r\n", b"\n.\n", b"\r.\r", b"\r\n.\r", b"\r.\r\n"]
        for policy, expected in (("reject", 550), ("normalize", 250), ("accept", 250)):
            with Sink("--bare-newline", policy) as sink:
                for fake in fakes:
                    replies = self.send_data(sink, b"Subject: s\r\n\r\nbody" + fake + smuggled)
                    codes = [r[0] for r in replies]
                    self.assertEqual(codes, [expected, 214], (policy, fake, replies))
                counts = sink.stop()
                self.assertEqual(counts["messages"], len(fakes) if expected == 250 else 0,
                                 (policy, counts))

    def test_long_text_line(self):
        with Sink("--line-limit", "1000") as sink:
            line = b"y" * 998  # 998 + CRLF = 1000: allowed (RFC 5321 4.5.3.1.6)
            replies = self.send_data(sink, b"Subject: ok\r\n\r\n" + line)
            self.assertEqual([r[0] for r in replies], [250, 214], replies)
            replies = self.send_data(sink, b"Subject: long\r\n\r\n" + line + b"y")
            self.assertEqual(len(replies), 2, replies)
            self.assertEqual(replies[0][0] // 100, 5, replies)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 1, counts)


class Garbage(unittest.TestCase):
    def garbage(self):
        data = random.Random(GARBAGE_SEED).randbytes(GARBAGE_SIZE)
        # A random <CRLF>.<CRLF> would end DATA for real; this seed has none, and we check.
        assert b"\r\n.\r\n" not in data
        return data

    def blast(self, client, data):
        """Sends everything it can; the server may hang up half-way, which is fine."""
        try:
            client.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def test_garbage_commands(self):
        with Sink() as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                self.blast(c, self.garbage())
                # The garbage holds hundreds of "lines": the error limit must end the session.
                received = c.wait_closed()
                self.assertIn(b"421 4.7.0", received, received[-300:])
            self.assertTrue(sink.alive())
            self.assertEqual(good_message(sink.port), {})
            counts = sink.stop()
            self.assertEqual(counts["messages"], 1, counts)

    def test_garbage_before_greeting(self):
        with Sink() as sink:
            # No waiting for the greeting: the garbage is already there when the session starts.
            with socket.create_connection((LOOPBACK, sink.port), timeout=10) as s:
                try:
                    s.sendall(self.garbage())
                except (BrokenPipeError, ConnectionResetError):
                    pass
                c = RawSmtp(sink.port, sock=s)
                received = c.wait_closed()
                self.assertTrue(received.startswith(b"220 "), received[:100])
            self.assertEqual(good_message(sink.port), {})

    def test_garbage_inside_data(self):
        with Sink() as sink:
            with RawSmtp(sink.port) as c:
                open_transaction(c)
                self.blast(c, self.garbage())
                c.send(b"\r\n.\r\nNOOP\r\n")
                # Random bytes hold bare CR/LF and over-long lines: refused at end of data,
                # with one reply, and the session goes on.
                code, text = c.reply()
                self.assertEqual(code // 100, 5, text)
                self.assertEqual(c.reply()[0], 250)
                self.assertEqual(c.command("QUIT")[0], 221)
            counts = sink.stop()
            self.assertEqual(counts["messages"], 0, counts)


class BrokenTls(unittest.TestCase):
    def test_garbage_after_starttls_and_plaintext_on_tls_port(self):
        with Sink("--starttls", tls_listen=True) as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                self.assertEqual(c.command("STARTTLS")[0], 220)
                c.send(b"this is not a ClientHello\r\n" * 10)
                c.wait_closed()
            self.assertTrue(sink.alive())
            with socket.create_connection((LOOPBACK, sink.tls_port), timeout=10) as s:
                s.sendall(b"EHLO plaintext.test\r\n")
                received = RawSmtp(sink.tls_port, sock=s).wait_closed()
                # Whatever came back (a TLS alert at most), it was no SMTP greeting.
                self.assertFalse(received.startswith(b"220"), received)
            self.assertTrue(sink.alive())
            # A proper STARTTLS client is still served.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP(LOOPBACK, sink.port, timeout=10) as smtp:
                smtp.starttls(context=context)
                self.assertEqual(smtp.sendmail("a@client.test", ["b@example.test"],
                                               b"Subject: tls\r\n\r\nok\r\n"), {})
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 2, counts)
            self.assertEqual(counts["messages"], 1, counts)

    def test_starttls_command_injection(self):
        # CVE-2011-0411 (RFC 3207 6 / 4.2): plaintext pipelined after STARTTLS must be thrown
        # away, not executed inside the TLS session as if the client had sent it there.
        with Sink("--starttls") as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                c.send(b"STARTTLS\r\nHELP\r\n")
                self.assertEqual(c.reply()[0], 220)
                self.assertEqual(c.buffer, b"")
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                c.sock = context.wrap_socket(c.sock, server_hostname="relaylab.test")
                code, text = c.command("NOOP")
                # An injected HELP would answer first, with 214.
                self.assertEqual(code, 250, text)
                self.assertEqual(c.command("QUIT")[0], 221)
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 0, counts)

    def test_client_silent_after_starttls(self):
        with Sink("--starttls", "--timeout", "2") as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                self.assertEqual(c.command("STARTTLS")[0], 220)
                started = time.monotonic()
                c.wait_closed(timeout=10)  # the handshake timeout ends it
                self.assertLess(time.monotonic() - started, 8)
            counts = sink.stop()
            self.assertEqual(counts["tls_failures"], 1, counts)


class SlowAndMany(unittest.TestCase):
    def test_slowloris(self):
        with Sink("--timeout", "2") as sink:
            with RawSmtp(sink.port) as c:
                self.assertEqual(c.reply()[0], 220)
                started = time.monotonic()
                closed_after = None
                received = b""
                for byte in b"EHLO slowly.dripping.test\r\n":
                    try:
                        c.send(bytes([byte]))
                    except (BrokenPipeError, ConnectionResetError):
                        closed_after = time.monotonic() - started
                        break
                    ready, _, _ = select.select([c.sock], [], [], 1.0)  # one byte a second
                    if ready:
                        chunk = c.sock.recv(4096)
                        received += chunk
                        if not chunk:
                            closed_after = time.monotonic() - started
                            break
                    if time.monotonic() - started > 10:
                        break
                self.assertIsNotNone(closed_after, "not cut off; got %r" % received)
                self.assertLess(closed_after, 6, received)
                self.assertTrue(received.startswith(b"421 4.4.2"), received)
            counts = sink.stop()
            self.assertGreaterEqual(counts["timeouts"], 1, counts)

    def test_idle_client(self):
        with Sink("--timeout", "1") as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                started = time.monotonic()
                code, text = c.reply()  # nothing sent: the next thing is the timeout
                self.assertEqual(code, 421, text)
                self.assertTrue(text[0].startswith("4.4.2"), text)
                self.assertEqual(c.wait_closed(), b"")
                self.assertLess(time.monotonic() - started, 5)
            counts = sink.stop()
            self.assertEqual(counts["timeouts"], 1, counts)

    def test_connection_limit(self):
        # All three come from 127.0.0.1: without a per-client limit (default: half of 2).
        with Sink("--max-connections", "2", "--max-connections-per-client", "0") as sink:
            first, second = RawSmtp(sink.port), RawSmtp(sink.port)
            try:
                self.assertEqual(first.reply()[0], 220)
                self.assertEqual(second.reply()[0], 220)
                with RawSmtp(sink.port) as third:
                    code, text = third.reply()
                    self.assertEqual(code, 421, text)
                    self.assertEqual(third.wait_closed(), b"")
                # The two admitted sessions are unaffected.
                self.assertEqual(first.command("NOOP")[0], 250)
                self.assertEqual(second.command("NOOP")[0], 250)
                self.assertEqual(first.command("QUIT")[0], 221)
                first.wait_closed()
            finally:
                first.close()
            # A slot is free again once a session has ended.
            deadline = time.monotonic() + 5
            while True:
                with RawSmtp(sink.port) as fourth:
                    code, _ = fourth.reply()
                    if code == 220 or time.monotonic() > deadline:
                        break
                time.sleep(0.05)
            self.assertEqual(code, 220)
            second.close()
            counts = sink.stop()
            self.assertGreaterEqual(counts["refused_connections"], 1, counts)

    def test_duration(self):
        started = time.monotonic()
        with Sink("--duration", "1") as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                counts = sink.wait_exit(timeout=15)
                elapsed = time.monotonic() - started
                # The session still open at the end was told why it ends.
                self.assertEqual(c.reply()[0], 421)
            self.assertEqual(sink.returncode, 0)
            self.assertIsNotNone(counts)
            self.assertEqual(counts["connections"], 1, counts)
            self.assertGreaterEqual(elapsed, 0.9)
            self.assertLess(elapsed, 10)

    def test_sigterm_with_clients_connected(self):
        with Sink() as sink:
            with RawSmtp(sink.port) as c:
                c.greet()
                sink.proc.terminate()
                # RFC 5321 3.8: a server shutting down says 421 to its sessions.
                code, text = c.reply()
                self.assertEqual(code, 421, text)
                c.wait_closed()
            sink.stop()
            self.assertEqual(sink.returncode, 0)


if __name__ == "__main__":
    main()
