"""scenarios/tls-policy.json: TLS "encrypt" for two destinations. secure.test's MX speaks TLS 1.3
and gets all its mail encrypted; plaintext-only.test's MX offers no STARTTLS, so nothing is sent
there (never a plaintext fallback), and its mail expires after the scenario's 6 s queue lifetime
and bounces to the sender.
"""

import unittest

import scenario_run as s

COUNT = 100


class TlsPolicy(unittest.TestCase):
    def test_encrypt_never_falls_back(self):
        result = s.run(self, s.shipped("tls-policy"))
        s.check_reports(self, result, 0, "tls-policy")
        s.check_accounting(self, result, COUNT)
        rcpts = s.domains_recipients(result, ["secure.test", "plaintext-only.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        secure, plain = result.domain("secure.test"), result.domain("plaintext-only.test")
        self.assertEqual(secure["delivered"], rcpts["secure.test"], secure)
        self.assertEqual(plain["delivered"], 0, plain)
        self.assertEqual(plain["bounced"], rcpts["plaintext-only.test"], plain)
        # Not one transaction was started there: the relay stopped at the missing STARTTLS.
        self.assertEqual(plain["attempts"], 0, plain)
        self.assertEqual(result.total("delivered"), rcpts["secure.test"])
        self.assertEqual(result.total("bounced"), rcpts["plaintext-only.test"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.mx("mx1.plaintext-only.test")["accepted"], 0)
        self.assertEqual(result.mx("mx1.secure.test")["accepted"], rcpts["secure.test"])
        versions = result.report["tls"]["versions"]
        self.assertEqual(versions.get("none", 0), 0, versions)
        self.assertGreaterEqual(versions.get("TLSv1.3", 0), rcpts["secure.test"], versions)
        self.assertEqual(sorted(k for k in versions if versions[k]), ["TLSv1.3"], versions)


if __name__ == "__main__":
    s.main()
