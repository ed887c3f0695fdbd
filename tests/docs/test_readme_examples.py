#!/usr/bin/python3
"""README's examples, run as written against the built binary (doctest-style), so README stays
the user's manual and not a wish list.

What counts as an example: a fenced block of README.md or docs/*.md with a line that starts with
`$ relaylab`. In such a block every `$ ` line is a command (a trailing `\\` continues it on the
next line) and the lines up to the next command are what it prints. Each command runs with bash
in a scratch directory (with `scenarios/` linked in), `relaylab` replaced by the binary under
test; other programs (swaks, dig, curl) run as they are.

  - A command ending in `&` is a server: it starts in the background, the test waits (bounded)
    for as many `listening` lines as the example shows (at least one), and at the end of the
    block it is stopped by its pid (SIGTERM; it must then exit 0) and whatever it printed by then
    is checked as well.
  - Ports: the documented ports are used when free. A port in use (a developer's own server,
    another test) is replaced, in every command of the block, by a free one: `127.0.0.1:PORT`
    and `-p PORT` both. Printed addresses are compared as shapes, so the change is invisible.
  - Checks, by shape, not values (numbers vary from run to run): relaylab's exit code (0 unless
    the block says otherwise); every printed line shown in README must appear, in order, in the
    command's output (or, for lines a background server prints later, in that server's output):
      * a JSON line must have the same keys at the top level, and at least the shown keys in
        nested objects (a line elided with `...` must have at least the keys it shows);
      * a `listening` line must match whole, with every number read as "a number";
      * any other line must start with the same three words (numbers again as "a number").

Directives, an HTML comment on the line(s) before a fenced block:
  <!-- doc-test: skip REASON -->   the example cannot run here (say why); counted and reported
  <!-- doc-test: file NAME -->     this block's text is the file NAME in the scratch directory
                                   (written before any example runs: e.g. a faults.json shown
                                   further down)
  <!-- doc-test: exit N -->        relaylab's commands in the block exit with N

A peer program that is absent skips the example (exit 77 after the others pass), or fails it with
CI=true (tests/lib/skip.py). Standard library only, Debian's /usr/bin/python3; every wait is
bounded; loopback only.

usage: test_readme_examples.py --relaylab PATH [--root REPO] [FILE.md...]
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import skip  # noqa: E402  tests/lib/skip.py: the one skip rule

COMMAND_TIMEOUT = 180.0  # one foreground command (relaylab run sends 10,000 messages; ASan)
STARTUP_TIMEOUT = 20.0   # a background server's `listening` lines
STOP_TIMEOUT = 15.0      # a background server after SIGTERM
LOOPBACK = "127.0.0.1"
SHAPE_WORDS = 3          # words compared at the start of a plain text line

DIRECTIVE = re.compile(r"^<!--\s*doc-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
# A number as a human-readable line prints it: 869.3, 1,541 (thousands grouped), 10.0.0.1.
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*")


class ExampleFailed(Exception):
    pass


class PeerMissing(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading the Markdown

class Command:
    def __init__(self, text, line):
        self.text = text
        self.line = line
        self.expected = []          # lines README shows after it
        self.background = text.rstrip().endswith("&")
        if self.background:
            self.text = text.rstrip()[:-1].rstrip()

    def program(self):
        return shlex.split(self.text)[0]


class Block:
    def __init__(self, path, line, lines, directives):
        self.path = path
        self.line = line            # line number of the opening fence
        self.lines = lines
        self.directives = directives

    def where(self):
        return "%s:%d" % (os.path.basename(self.path), self.line)

    def is_example(self):
        return any(l.startswith("$ relaylab ") for l in self.lines)

    def commands(self):
        commands = []
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            if line.startswith("$ "):
                text, start = line[2:], self.line + 1 + i
                while text.endswith("\\") and i + 1 < len(self.lines):
                    i += 1
                    text = text[:-1] + " " + self.lines[i].strip()
                commands.append(Command(text, start))
            elif commands and line.strip():
                commands[-1].expected.append(line)
            i += 1
        return commands


def read_blocks(path):
    blocks = []
    directives = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        match = DIRECTIVE.match(line.strip())
        if match:
            directives.append((match.group(1), match.group(2)))
        elif line.startswith("```"):
            start = i + 1
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            blocks.append(Block(path, start, body, dict(directives)))
            directives = []
        elif line.strip():
            directives = []  # a directive belongs to the block right after it
        i += 1
    return blocks


# ---------------------------------------------------------------------------------------------
# Comparing shapes

def json_keys_match(expected, actual, top=True):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        if top and set(expected) != set(actual):
            return False
        if not set(expected) <= set(actual):
            return False
        return all(json_keys_match(v, actual[k], False) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        return not expected or not actual or json_keys_match(expected[0], actual[0], False)
    return True


def all_keys(value):
    keys = set()
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k)
            keys |= all_keys(v)
    elif isinstance(value, list):
        for v in value:
            keys |= all_keys(v)
    return keys


def parse_json(line):
    try:
        return json.loads(line)
    except ValueError:
        return None


def shape(line):
    return NUMBER.sub("N", line.strip())


def line_matches(expected, actual):
    expected_stripped = expected.strip()
    if expected_stripped.startswith(("{", "[")):
        actual_json = parse_json(actual.strip())
        if actual_json is None:
            return False
        expected_json = parse_json(expected_stripped)
        if expected_json is not None:
            return json_keys_match(expected_json, actual_json)
        # Elided with `...`: the keys it shows must be there.
        shown = set(re.findall(r'"([A-Za-z_][\w.-]*)"\s*:', expected_stripped))
        return shown <= all_keys(actual_json)
    if "listening" in expected_stripped:
        return shape(expected) == shape(actual)
    return shape(expected).split()[:SHAPE_WORDS] == shape(actual).split()[:SHAPE_WORDS]


def match_in_order(expected_lines, output):
    """The expected lines not found, in order, among the output's lines."""
    actual = output.splitlines()
    position = 0
    unmatched = []
    for wanted in expected_lines:
        for j in range(position, len(actual)):
            if line_matches(wanted, actual[j]):
                position = j + 1
                break
        else:
            unmatched.append(wanted)
    return unmatched


# ---------------------------------------------------------------------------------------------
# Running a block

def port_free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                return False
    return True


def free_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = s.getsockname()[1]
        if port_free(port):
            return port


def substitute_ports(commands):
    """Documented ports that are taken get a free one, in every command of the block."""
    ports = set()
    for c in commands:
        ports |= {int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", c.text)}
        ports |= {int(p) for p in re.findall(r"(?<!\S)-p (\d+)", c.text)}
    mapping = {p: free_port() for p in sorted(ports) if p != 0 and not port_free(p)}
    for c in commands:
        for old, new in mapping.items():
            c.text = re.sub(r"127\.0\.0\.1:%d\b" % old, "%s:%d" % (LOOPBACK, new), c.text)
            c.text = re.sub(r"(?<!\S)-p %d\b" % old, "-p %d" % new, c.text)
    return mapping


class Server:
    """A background command, stopped by its pid."""

    def __init__(self, command, argv, cwd):
        self.command = command
        self.out = tempfile.TemporaryFile(mode="w+b")
        # exec: the pid we hold is the server's own, not a shell's.
        self.proc = subprocess.Popen(["/bin/bash", "-c", "exec " + argv], cwd=cwd, stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def wait_listening(self, wanted):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            text = self.output()
            if len(re.findall(r"listening.*\n", text)) >= wanted:
                return
            if self.proc.poll() is not None:
                raise ExampleFailed("line %d: exited with %d before listening:\n%s"
                                    % (self.command.line, self.proc.returncode, text[-2000:]))
            time.sleep(0.02)
        raise ExampleFailed("line %d: no %d 'listening' line(s) within %ss:\n%s"
                            % (self.command.line, wanted, STARTUP_TIMEOUT, self.output()[-2000:]))

    def stop(self):
        """SIGTERM by pid; the exit code (a server that ignores it is killed: None)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
                return None
        return self.proc.returncode


def run_block(block, relaylab, workdir):
    commands = block.commands()
    substitute_ports(commands)
    expected_exit = int(block.directives.get("exit", "0") or 0)
    for c in commands:
        program = c.program()
        if program != "relaylab" and shutil.which(program) is None:
            raise PeerMissing("%s is not installed" % program)
    servers = []
    deferred = []  # (command, line, its output): shown after a command, maybe printed by a server
    try:
        for c in commands:
            is_relaylab = c.program() == "relaylab"
            argv = (shlex.quote(relaylab) + c.text[len("relaylab"):]) if is_relaylab else c.text
            if c.background:
                server = Server(c, argv, workdir)
                servers.append(server)
                wanted = max(1, sum("listening" in l for l in c.expected))
                server.wait_listening(wanted)
                continue
            try:
                done = subprocess.run(["/bin/bash", "-c", argv], cwd=workdir, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise ExampleFailed("line %d: `%s` did not finish within %ss"
                                    % (c.line, c.text, COMMAND_TIMEOUT))
            output = done.stdout.decode("utf-8", "replace")
            if is_relaylab and done.returncode != expected_exit:
                raise ExampleFailed("line %d: `%s` exited with %d, README says %d:\n%s"
                                    % (c.line, c.text, done.returncode, expected_exit,
                                       output[-3000:]))
            for wanted in match_in_order(c.expected, output):
                deferred.append((c, wanted, output))
            # Lines not in the command's own output are looked for in the servers' later.
            if deferred and not servers:
                c_, wanted, printed = deferred[0]
                raise ExampleFailed("line %d: `%s` did not print a line shaped like\n  %s\n"
                                    "it printed:\n%s" % (c_.line, c_.text, wanted, printed[-3000:]))
    finally:
        codes = [(s, s.stop()) for s in servers]
    for server, code in codes:
        if server.command.program() == "relaylab" and code != 0:
            raise ExampleFailed("line %d: `%s` exited with %s after SIGTERM, not 0:\n%s"
                                % (server.command.line, server.command.text, code,
                                   server.output()[-3000:]))
        for wanted in match_in_order(server.command.expected, server.output()):
            raise ExampleFailed("line %d: `%s` did not print a line shaped like\n  %s\n"
                                "it printed:\n%s" % (server.command.line, server.command.text,
                                                     wanted, server.output()[-3000:]))
    for c, wanted, printed in deferred:
        if not any(not match_in_order([wanted], s.output()) for s in servers):
            raise ExampleFailed("line %d: `%s` did not print a line shaped like\n  %s\n"
                                "(nor did a server of the block); it printed:\n%s"
                                % (c.line, c.text, wanted, printed[-3000:]))
    for s in servers:
        s.out.close()
    return len(commands)


# ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relaylab", required=True, help="the binary under test")
    parser.add_argument("--root", default=os.path.normpath(os.path.join(HERE, "..", "..")),
                        help="the repository (README.md, docs/, scenarios/)")
    parser.add_argument("files", nargs="*", help="Markdown files (default README.md docs/*.md)")
    args = parser.parse_args()
    relaylab = os.path.abspath(args.relaylab)
    if not os.access(relaylab, os.X_OK):
        sys.exit("relaylab binary not found or not executable: " + relaylab)
    files = args.files or [os.path.join(args.root, "README.md")] + sorted(
        glob.glob(os.path.join(args.root, "docs", "*.md")))

    blocks = [b for f in files for b in read_blocks(f)]
    ran, failed, marked, missing = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="relaylab-doctest-") as workdir:
        os.symlink(os.path.join(args.root, "scenarios"), os.path.join(workdir, "scenarios"))
        for b in blocks:
            if "file" in b.directives:
                with open(os.path.join(workdir, b.directives["file"]), "w") as f:
                    f.write("\n".join(b.lines) + "\n")
        for b in blocks:
            if not b.is_example():
                continue
            if "skip" in b.directives:
                marked.append((b, b.directives["skip"] or "(no reason given)"))
                print("skip  %s: %s" % (b.where(), marked[-1][1]), flush=True)
                continue
            started = time.monotonic()
            try:
                count = run_block(b, relaylab, workdir)
            except PeerMissing as e:
                missing.append((b, str(e)))
                print("peer  %s: %s" % (b.where(), e), flush=True)
                continue
            except ExampleFailed as e:
                failed.append(b)
                print("FAIL  %s: %s" % (b.where(), e), flush=True)
                continue
            ran.append(b)
            print("ok    %s (%d command(s), %.1f s)" % (b.where(), count,
                                                       time.monotonic() - started), flush=True)

    print("%d example(s) ran, %d failed, %d marked skip in the docs, %d need a missing peer"
          % (len(ran) + len(failed), len(failed), len(marked), len(missing)))
    if failed:
        sys.exit(skip.FAILED_EXIT)
    if not ran:
        print("FAILED: no example ran (none found?)")
        sys.exit(skip.FAILED_EXIT)
    if missing:
        skip.exit_missing("; ".join("%s: %s" % (b.where(), why) for b, why in missing))
    sys.exit(0)


if __name__ == "__main__":
    main()
