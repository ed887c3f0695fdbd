"""report.html in a real browser: run the quickstart, open its report.html in Debian's headless
Chromium, and check the rendered DOM (at least 4 SVG charts with class "chart", the
expectations table with every expectation of report.json) and a screenshot. The page must make
no request at all: Chromium runs behind a recording HTTP proxy of this test with loopback not
exempted ("<-loopback>"), so any http(s) or websocket fetch, even to 127.0.0.1, would show up
there. A control page that does load an external image proves the proxy sees requests.
Chromium's own service traffic (the component updater's on-demand installs and the account
check, which --disable-background-networking does not stop) is pointed at two .invalid hosts
named here and only those are set aside; anything else the proxy sees fails the test.

Chromium runs with its own profile directory under a temporary directory, is bounded in time,
and is killed by its process group (only the one this test started) if it hangs. Skipped (77)
without /usr/bin/chromium; a failure with CI=true.
"""

import html.parser
import json
import os
import signal
import socketserver
import subprocess
import threading
import unittest

import scenario_run as s

CHROMIUM = "/usr/bin/chromium"
BROWSER_TIMEOUT = 60.0
MIN_CHARTS = 4
# Where Chromium's own services are sent (RFC 6761 .invalid: they can never resolve), so their
# requests are told apart from the page's by a host this test chose, not by a guess.
UPDATER_HOST = "updater.invalid"
GAIA_HOST = "gaia.invalid"
BROWSER_SERVICE_HOSTS = {UPDATER_HOST, GAIA_HOST}
QUIET_FLAGS = [
    "--disable-background-networking", "--disable-component-update",
    "--component-updater=url-source=http://%s/" % UPDATER_HOST,
    "--gaia-url=http://%s/" % GAIA_HOST,
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,"
    "OptimizationGuideModelDownloading,OptimizationHintsFetching,OptimizationTargetPrediction,"
    "Translate,MediaRouter,AutofillServerCommunication,SafeBrowsing,"
    "CertificateTransparencyComponentUpdater",
    "--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update",
    "--disable-domain-reliability", "--no-pings", "--metrics-recording-only",
    "--disable-field-trial-config", "--disable-sync", "--disable-extensions",
    "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
]


def request_host(line):
    """The host of a proxy request line: "CONNECT host:443 HTTP/1.1" or
    "GET http://host:port/path HTTP/1.1"."""
    parts = line.split()
    if len(parts) < 2:
        return line
    target = parts[1]
    if "://" in target:
        target = target.split("://", 1)[1].split("/", 1)[0]
    return target.rsplit(":", 1)[0] if ":" in target else target


class RecordingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy that forwards nothing: it records each request line (GET http://...,
    CONNECT host:443) and answers 502, so a page's external fetch is seen and goes nowhere."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), RecordingProxy.Handler)

    class Handler(socketserver.StreamRequestHandler):
        timeout = 10

        def handle(self):
            try:
                line = self.rfile.readline(8192).decode("latin-1").strip()
            except OSError:
                return
            if line:
                with self.server.lock:
                    self.server.requests.append(line)
            try:
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
            except OSError:
                pass

    def seen(self):
        """Every request but those of Chromium's own services (BROWSER_SERVICE_HOSTS)."""
        with self.lock:
            return [r for r in self.requests if request_host(r) not in BROWSER_SERVICE_HOSTS]


class DomSummary(html.parser.HTMLParser):
    """What the test looks for in the rendered DOM: SVG charts, tables and their text."""

    def __init__(self):
        super().__init__()
        self.charts = 0
        self.tables = []  # the text of each <table>
        self._table_depth = 0
        self._text = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "svg" and "chart" in classes:
            self.charts += 1
        if tag == "table":
            if self._table_depth == 0:
                self._text = []
            self._table_depth += 1

    def handle_endtag(self, tag):
        if tag == "table" and self._table_depth:
            self._table_depth -= 1
            if self._table_depth == 0:
                self.tables.append(" ".join(self._text))

    def handle_data(self, data):
        if self._table_depth:
            self._text.append(data.strip())


class ReportInChromium(unittest.TestCase):
    def setUp(self):
        s.skip.require_program(CHROMIUM, "chromium")
        self.work = s.temp_dir(self, "relaylab-chromium-")
        self.proxy = RecordingProxy()
        thread = threading.Thread(target=self.proxy.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(self.proxy.server_close)
        self.addCleanup(self.proxy.shutdown)

    def chromium(self, url, *mode):
        """One headless Chromium run (--dump-dom or --screenshot=...) behind our proxy."""
        profile = os.path.join(self.work, "profile")
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *QUIET_FLAGS,
                "--user-data-dir=" + profile,
                "--proxy-server=http://127.0.0.1:%d" % self.proxy.server_address[1],
                "--proxy-bypass-list=<-loopback>",
                "--window-size=1280,4000", "--virtual-time-budget=3000",
                *mode, url]
        proc = subprocess.Popen(args, cwd=self.work, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: chromium and its children
            proc.communicate()
            self.fail("chromium did not finish within %ss" % BROWSER_TIMEOUT)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        self.assertEqual(proc.returncode, 0, err.decode(errors="replace")[-4000:])
        return out.decode("utf-8", errors="replace")

    def test_report_renders_offline(self):
        result = s.run(self, None, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.describe())
        page = result.path("report.html")
        url = "file://" + page

        dom = self.chromium(url, "--dump-dom")
        summary = DomSummary()
        summary.feed(dom)
        self.assertGreaterEqual(summary.charts, MIN_CHARTS,
                                "rendered DOM has %d svg.chart" % summary.charts)
        with open(result.path("report.json")) as f:
            report = json.load(f)
        expected = [e["expected"] for e in report["expectations"]]
        self.assertTrue(expected)
        tables = [t for t in summary.tables if all(x in t for x in expected)]
        self.assertTrue(tables, "no table lists every expectation %r; tables: %r"
                        % (expected, [t[:200] for t in summary.tables]))

        shot = os.path.join(self.work, "report.png")
        self.chromium(url, "--screenshot=" + shot)
        with open(shot, "rb") as f:
            png = f.read()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        # A blank 1280x4000 page compresses to a few KB; charts and tables do not.
        self.assertGreater(len(png), 20000, "the screenshot looks empty")

        self.assertEqual(self.proxy.seen(), [], "report.html made requests")

        # Control: a page that does fetch something goes through the proxy, so the empty
        # list above means "no request", not "the proxy was bypassed".
        control = os.path.join(self.work, "control.html")
        with open(control, "w") as f:
            # (not port 9 or another of Chromium's blocked ports: those never leave the browser)
            f.write('<!doctype html><img src="http://cdn.example.test/logo.png">'
                    '<img src="http://127.0.0.1:8123/x.png">')
        self.chromium("file://" + control, "--dump-dom")
        seen = " ".join(self.proxy.seen())
        self.assertIn("cdn.example.test", seen, self.proxy.seen())
        self.assertIn("127.0.0.1:8123", seen, self.proxy.seen())


if __name__ == "__main__":
    s.main()
