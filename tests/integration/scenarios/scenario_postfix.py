"""A private Postfix as the external relay of a scenario (shared by
test_provider_eval_postfix.py and bench/scenario/run.py): test_postfix_retry's instance with no
relayhost, mail routed by a transport map (domain -> [address]:port of its fake MX host;
texthash: needs no postmap, so nothing goes to system DNS), and a port free on all the fake MX
hosts' addresses. Stopped as test_postfix_retry.PostfixRelay stops: by its own config
directory and pid file, never the system's Postfix.
"""

import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "fakemx"))
sys.path.insert(0, os.path.join(REPO, "tests", "interop", "smtp"))
import test_postfix_retry  # noqa: E402  PostfixRelay: a private instance, stopped by pid

POSTFIX = test_postfix_retry.POSTFIX

# test_postfix_retry's main.cf without its relayhost: a domain the scenario did not route stays
# queued instead of going anywhere.
MAIN_CF = test_postfix_retry.MAIN_CF.replace(
    "relayhost = [127.0.0.1]:{mx_port}\n", "relayhost =\n") + \
    "transport_maps = texthash:{dir}/etc/transport\n"


class ScenarioPostfix(test_postfix_retry.PostfixRelay):
    """PostfixRelay with `main_cf` (a format string with {dir}) and a transport map."""

    def __init__(self, routes, main_cf=MAIN_CF):
        super().__init__(0)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(main_cf.format(dir=self.dir))
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
    raise RuntimeError("no port free on all of %s" % addresses)
