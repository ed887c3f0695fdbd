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
import socket
import sys
import unittest

import scenario_run as s

sys.path.insert(0, os.path.join(s.REPO, "tests", "interop", "fakemx"))
sys.path.insert(0, os.path.join(s.REPO, "tests", "interop", "smtp"))
import test_postfix_retry  # noqa: E402  PostfixRelay: a private instance, stopped by pid

POSTFIX = test_postfix_retry.POSTFIX
COUNT = 200

# test_postfix_retry's main.cf without its relayhost: mail is routed by transport_maps only
# (texthash: needs no postmap), so a domain the scenario did not route stays queued instead of
# going anywhere.
MAIN_CF = test_postfix_retry.MAIN_CF.replace(
    "relayhost = [127.0.0.1]:{mx_port}\n", "relayhost =\n") + \
    "transport_maps = texthash:{dir}/etc/transport\n"


class ScenarioPostfix(test_postfix_retry.PostfixRelay):
    """PostfixRelay with our main.cf and a transport map (domain -> [address]:port)."""

    def __init__(self, routes):
        super().__init__(0)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir))
        with open(os.path.join(self.conf, "transport"), "w") as f:
            for domain, (address, port) in sorted(routes.items()):
                f.write("%s smtp:[%s]:%d\n" % (domain, address, port))


def free_port_on(addresses):
    """A TCP port free on every one of `addresses` a moment ago (the fake MX hosts share one)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses:
                with socket.socket() as other:
                    other.bind((address, port))
            return port
        except OSError:
            continue
    raise AssertionError("no port free on all of %s" % addresses)


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
