#!/usr/bin/env python3
"""A sender's endpoints as the simulated recipients meet them, written with Python's own
http.server and ssl (no relaylab code): plain HTTP for the tracking pixel and the click
redirects, HTTPS for the RFC 8058 one-click POST. Every request is appended to a JSON-lines log
before it is answered, so the test can compare what arrived with the simulator's truth.

Paths:  GET /o/...       200, a 43-byte GIF (the pixel)
        GET /img/...     200, a small PNG-ish body (another image)
        GET /c/...       302 to https://shop.example/ (the click tracker; never followed)
        POST /u/...      200 when the body is exactly "List-Unsubscribe=One-Click" and the
                         content type application/x-www-form-urlencoded, else 400
        GET /stall/...   never answers (until the server's lifetime ends)
        anything else    404
The ports are written to --ready as {"http": P, "https": Q} (renamed into place when both
listen). The server exits after --lifetime seconds whatever happens, so it never outlives a test.
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import time

PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
         b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
ONE_CLICK = b"List-Unsubscribe=One-Click"
MAX_BODY = 64 * 1024

log_lock = threading.Lock()


def make_handler(scheme, log_path, stall_seconds):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30  # a client that stalls is dropped

        def log_message(self, fmt, *args):  # quiet: the JSON log is the record
            pass

        def record(self, body=b""):
            entry = {
                "scheme": scheme,
                "method": self.command,
                "path": self.path,
                "host": self.headers.get("Host", ""),
                "content_type": self.headers.get("Content-Type", ""),
                "body": body.decode("latin-1"),
            }
            with log_lock, open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")

        def answer(self, status, body=b"", content_type="text/plain", extra=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_GET(self):
            self.record()
            if self.path.startswith("/o/"):
                self.answer(200, PIXEL, "image/gif")
            elif self.path.startswith("/img/"):
                self.answer(200, b"\x89PNG not really", "image/png")
            elif self.path.startswith("/c/"):
                self.answer(302, extra=[("Location", "https://shop.example/")])
            elif self.path.startswith("/stall/"):
                time.sleep(stall_seconds)
                self.close_connection = True
            else:
                self.answer(404, b"not found")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0") or "0")
            body = self.rfile.read(min(length, MAX_BODY))
            self.record(body)
            ok = (self.path.startswith("/u/") and body == ONE_CLICK and
                  self.headers.get("Content-Type", "") == "application/x-www-form-urlencoded")
            self.answer(200 if ok else 400, b"unsubscribed" if ok else b"bad one-click request")

    return Handler


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gives up (a refused certificate, a deadline) is an expected event
        # here: one line, not socketserver's traceback.
        error = sys.exc_info()[1]
        print("recording_server: %s from %s: %s" % (type(error).__name__, client_address[0],
                                                    error), file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--lifetime", type=float, default=120)
    args = parser.parse_args()

    stall = args.lifetime
    plain = QuietServer(("127.0.0.1", 0), make_handler("http", args.log, stall))
    secure = QuietServer(("127.0.0.1", 0), make_handler("https", args.log, stall))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    # The handshake happens in the handler's thread on first read, not in the accept loop.
    secure.socket = context.wrap_socket(secure.socket, server_side=True,
                                        do_handshake_on_connect=False)
    for server in (plain, secure):
        threading.Thread(target=server.serve_forever, daemon=True).start()

    ready = {"http": plain.server_address[1], "https": secure.server_address[1]}
    with open(args.ready + ".tmp", "w") as f:
        json.dump(ready, f)
    os.rename(args.ready + ".tmp", args.ready)
    time.sleep(args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
