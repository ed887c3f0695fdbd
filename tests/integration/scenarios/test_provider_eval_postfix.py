"""scenarios/provider-eval-postfix.json against a real relay under test: a private Postfix
instance (own config, queue and data directories under a temporary directory; loopback only;
no DNS: transport_maps send each receiving domain to its fake MX host's fixed address and port).
The test picks free ports, writes a copy of the scenario with them filled in (relay.server,
world.mx_port), runs it and asserts every message went through Postfix to the fake MX: delivered
== count, nothing lost or duplicated, SPF passing for Postfix's address at the receiver.

Needs root and Postfix (skipped with exit 77 otherwise, a failure with CI=true). Postfix is
stopped with `postfix -c OUR_DIR stop`, then by the pid in our own pid file only
(tests/interop/fakemx/test_postfix_retry.PostfixRelay); the system's Postfix is never touched.
"""

import json
import os
import sys
import unittest

import scenario_run as s

from scenario_postfix import POSTFIX, ScenarioPostfix, free_port_on  # noqa: E402

COUNT = 200


class ProviderEvalPostfix(unittest.TestCase):
    def test_through_postfix(self):
        s.skip.require_program(POSTFIX, "postfix")
        if os.geteuid() != 0:
            s.skip.missing("running a private Postfix instance needs root")
        with open(s.shipped("provider-eval-postfix")) as f:
            scenario = json.load(f)
        hosts = scenario["world"]["mx"]
        mx_port = free_port_on([h["address"] for h in hosts])
        routes = {d: (h["address"], mx_port) for h in hosts for d in h["domains"]}

        postfix = ScenarioPostfix(routes)
        self.addCleanup(postfix.stop)  # before start: a half-started instance is stopped too
        postfix.start()

        scenario["relay"]["server"] = "127.0.0.1:%d" % postfix.port
        scenario["world"]["mx_port"] = mx_port
        work = s.temp_dir(self)
        path = os.path.join(work, "provider-eval-postfix.json")
        with open(path, "w") as f:
            json.dump(scenario, f, indent=2)

        result = s.run(self, path, cwd=work)
        if result.returncode != 0:
            print("Postfix log:\n" + postfix.log(), flush=True)
        s.check_reports(self, result, 0, "provider-eval-postfix")
        s.check_accounting(self, result, COUNT)
        report = result.report
        self.assertEqual(report["relay"]["kind"], "external")
        self.assertEqual(report["relay"]["address"], "127.0.0.1:%d" % postfix.port)
        self.assertEqual(result.total("delivered"), COUNT, report["totals"])
        self.assertEqual(result.total("lost"), 0)
        self.assertEqual(result.total("duplicates"), 0)
        rcpts = s.domains_recipients(result, ["gmail.test", "outlook.test"])
        self.assertEqual(sum(rcpts.values()), COUNT)
        for host in hosts:
            entry = result.mx(host["name"])
            self.assertEqual(entry["address"], "%s:%d" % (host["address"], mx_port), entry)
            self.assertEqual(entry["accepted"], sum(rcpts[d] for d in host["domains"]), entry)
        self.assertGreaterEqual(result.auth("spf", "pass"), COUNT, report["auth"])
        # Postfix really carried the mail: its log has a "sent" line per message.
        self.assertGreaterEqual(postfix.log().count("status=sent"), 1, postfix.log())


if __name__ == "__main__":
    s.main()
