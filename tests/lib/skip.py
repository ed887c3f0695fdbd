"""The one skip rule of every Python test (the same as tests/catch_main.hpp for Catch2 binaries
and tests/lib/skip.sh for shell tests). A peer program, module or suite that is absent is never
a pass:
  - outside CI the script exits 77 (ctest SKIP_RETURN_CODE) and prints the reason;
  - with CI=true it fails, so CI cannot go green on a missing install step.

A test method calls require_program() / require_module() / missing(); run_tests() runs
unittest and turns any skipped test into exit 77 after the others pass (unittest alone exits 0,
which ctest would count as passed).

Standard library only (Debian's /usr/bin/python3 on a fresh machine).
"""

import importlib
import os
import shutil
import sys
import unittest

SKIPPED_EXIT = 77
FAILED_EXIT = 1


def in_ci():
    return os.environ.get("CI") == "true"


def missing(reason):
    """Ends the calling test: skipped outside CI, failed with CI=true."""
    if in_ci():
        raise AssertionError("CI=true, a suite or peer is missing: " + reason)
    raise unittest.SkipTest(reason)


def require_program(path, package=None):
    """The absolute path of a peer program (a name is looked up on PATH)."""
    found = shutil.which(path)
    if found is None:
        missing("%s is not installed%s" % (path, " (Debian package %s)" % package if package else ""))
    return found


def require_module(name, package=None):
    """Imports a Python module a test needs (python3-dkim's dkim, ...)."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing("/usr/bin/python3 cannot import %s (%s)%s"
                % (name, e, " (Debian package %s)" % package if package else ""))


def require_path(path, what):
    """A suite or data file that must exist (RELAYLAB_TESTDATA overrides ../shared/testdata)."""
    if not os.path.exists(path):
        missing("%s is absent: %s" % (what, path))
    return path


def exit_missing(reason):
    """Before any test runs (a whole script that cannot run here): 77, or 1 with CI=true."""
    if in_ci():
        print("FAILED (CI=true, a suite or peer is missing): " + reason, flush=True)
        sys.exit(FAILED_EXIT)
    print("SKIPPED: " + reason, flush=True)
    sys.exit(SKIPPED_EXIT)


def run_tests(argv, verbosity=2):
    """unittest.main() with the skip rule applied to its result; never returns."""
    program = unittest.main(argv=argv, verbosity=verbosity, exit=False)
    result = program.result
    if not result.wasSuccessful():
        sys.exit(FAILED_EXIT)
    if result.testsRun == 0:
        print("FAILED: no test ran", flush=True)
        sys.exit(FAILED_EXIT)
    if result.skipped:
        for test, reason in result.skipped:
            print("SKIPPED: %s: %s" % (test.id(), reason), flush=True)
        sys.exit(SKIPPED_EXIT)
    sys.exit(0)
