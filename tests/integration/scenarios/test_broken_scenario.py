"""Broken scenarios are refused before anything starts: exit code 2, and stderr names the file
and the JSON pointer of the bad value (and the bad key or value itself). No report is written,
since no run took place.
"""

import os
import unittest

import scenario_run as s

CASES = [
    # (file, the pointer stderr must name, a word that must appear)
    ("broken-unknown-key.json", "/traffic/message/size/medain", "unknown key"),
    ("broken-relay-settings.json", "/relay/settings/destinations/ok.test/tls", "sometimes"),
    ("broken-behaviour.json", "/world/mx/0/behaviour/rules/0/match/recipent", "unknown key"),
]


class BrokenScenario(unittest.TestCase):
    def test_exit_2_names_the_pointer(self):
        for name, pointer, word in CASES:
            with self.subTest(scenario=name):
                result = s.run(self, s.data(name), timeout=60)
                self.assertEqual(result.returncode, 2, result.describe())
                self.assertIn(name, result.stderr, result.describe())
                self.assertIn(pointer, result.stderr, result.describe())
                self.assertIn(word, result.stderr, result.describe())
                self.assertFalse(os.path.exists(result.path("report.json")), result.describe())

    def test_missing_file_exits_2(self):
        work = s.temp_dir(self)
        missing = os.path.join(work, "no-such-scenario.json")
        result = s.run(self, missing, timeout=60, cwd=work)
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("no-such-scenario.json", result.stderr, result.describe())


if __name__ == "__main__":
    s.main()
