"""A relay that cannot start says why and exits 3 at once (never hangs): a second relay on a
spool directory another relay holds (its lock file), and an event log that cannot be opened.
The relay that holds the spool keeps serving. (Both failures come before the delivery thread
starts; stop() used to wait forever for it.)
"""

import os
import smtplib
import subprocess

import relay_world as w

EXIT_RUN_ERROR = 3
EXIT_TIMEOUT = 15.0


def run_relay(*args):
    try:
        done = subprocess.run([w.relaylab(), "relay", "--listen", "127.0.0.1:0"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=EXIT_TIMEOUT,
                              preexec_fn=w.die_with_the_test())
    except subprocess.TimeoutExpired:
        raise AssertionError("relaylab relay %s neither started nor exited within %ss"
                             % (" ".join(args), EXIT_TIMEOUT))
    return done.returncode, done.stderr.decode("utf-8", "replace")


class StartFailures(w.WorldTest):
    def test_second_relay_on_a_held_spool(self):
        spool = os.path.join(self.tmp, "spool")
        first = self.start_relay(None, 0, spool=spool)
        rc, err = run_relay("--spool", spool)
        self.assertEqual(rc, EXIT_RUN_ERROR, err)
        self.assertIn("in use by another relay", err)
        self.assertTrue(first.alive())
        with smtplib.SMTP("127.0.0.1", first.port, timeout=10) as client:
            self.assertEqual(client.noop()[0], 250)
        self.stop_relay_checked(first)

    def test_event_log_that_cannot_be_opened(self):
        path = os.path.join(self.tmp, "no-such-directory", "events.jsonl")
        rc, err = run_relay("--spool", os.path.join(self.tmp, "spool"), "--event-log", path)
        self.assertEqual(rc, EXIT_RUN_ERROR, err)
        self.assertIn(path, err)


if __name__ == "__main__":
    w.main()
