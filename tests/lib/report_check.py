"""The checks every scenario test makes on a run's reports, in one place:

  validate(report_path)  -> the report.json document, after checking it against the shipped
                            JSON Schema (reports/report.schema.json); AssertionError naming the
                            file, the JSON pointer and the reason otherwise.
  schema_errors(document) -> ["/totals/lost: 'x' is not of type 'integer'", ...], [] if valid.
  parse_junit(path)      -> [(name, passed, message), ...] one per <testcase>, in file order;
                            message is the <failure>/<error> message attribute (None when the
                            case passed). Also checks that the suite's tests/failures/errors
                            counts agree with its testcases (a CI server trusts them).

Needs python3-jsonschema for the schema checks: without it they end the test through
tests/lib/skip.py (skipped, 77; a failure with CI=true). parse_junit is standard library only.

    sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
    import report_check
    report = report_check.validate(os.path.join(report_dir, "report.json"))
    cases = report_check.parse_junit(os.path.join(report_dir, "junit.xml"))
"""

import json
import os
import sys
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import skip  # noqa: E402  tests/lib/skip.py

SCHEMA_PATH = os.path.normpath(os.path.join(HERE, "..", "..", "reports", "report.schema.json"))

_validator = None


def _schema_validator():
    global _validator
    if _validator is None:
        jsonschema = skip.require_module("jsonschema", "python3-jsonschema")
        with open(SCHEMA_PATH, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def _pointer(path):
    """A jsonschema error path as a JSON pointer (RFC 6901), "" for the document itself."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def schema_errors(document):
    """Every way `document` breaks the schema, as 'POINTER: reason' lines, sorted."""
    errors = _schema_validator().iter_errors(document)
    return sorted("%s: %s" % (_pointer(e.absolute_path) or "/", e.message) for e in errors)


def validate(report_path):
    """Reads report.json, checks it against the schema, returns the document."""
    with open(report_path, encoding="utf-8") as f:
        document = json.load(f)
    errors = schema_errors(document)
    if errors:
        raise AssertionError("%s does not match %s:\n  %s"
                             % (report_path, SCHEMA_PATH, "\n  ".join(errors)))
    return document


def parse_junit(path):
    """[(name, passed, message)] for each <testcase> of junit.xml (any <testsuite> in it)."""
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if root.tag not in ("testsuites", "testsuite"):
        raise AssertionError("%s: root element <%s>, want <testsuites>" % (path, root.tag))
    cases = []
    for suite in suites:
        failures = errors = 0
        testcases = suite.findall("testcase")
        for case in testcases:
            failure = case.find("failure")
            error = case.find("error")
            bad = failure if failure is not None else error
            failures += failure is not None
            errors += failure is None and error is not None
            cases.append((case.get("name"), bad is None, None if bad is None else bad.get("message")))
        for attribute, count in (("tests", len(testcases)), ("failures", failures),
                                 ("errors", errors)):
            if suite.get(attribute) is not None and int(suite.get(attribute)) != count:
                raise AssertionError("%s: testsuite %r says %s=%s, its testcases make %d"
                                     % (path, suite.get("name"), attribute,
                                        suite.get(attribute), count))
    return cases
