"""The peer side of interop_relay_dsn: Debian's /usr/bin/python3 reads what the relay wrote.

  python3 python_peer.py MANIFEST.json   ->  JSON on stdout

MANIFEST: {"dsn": [paths of DSN files], "dkim": {"zone": {name: TXT}, "verify": [paths]}}.
Each DSN is parsed with the email package (policy=email.policy.default) and described the way a
mail client or a bounce processor would see it; each signed message is verified with dkimpy
(python3-dkim) against the zone. The caller (the Catch2 test) asserts on the description.
Standard library only, plus dkim when "dkim" is in the manifest.
"""

import email
import email.policy
import json
import sys


def text(value):
    # 8-bit header octets arrive as surrogate escapes: give them back as UTF-8 (or U+FFFD), so
    # the JSON stays valid for the reader.
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fields(message):
    return {name: text(value) for name, value in message.items()}


def all_defects(message):
    found = []
    for part in message.walk():
        found.extend(type(d).__name__ for d in part.defects)
    return found


def describe_dsn(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "is_multipart": msg.is_multipart(),
        "content_type": msg.get_content_type(),
        "report_type": msg.get_param("report-type"),
        "headers": fields(msg),
        "defects": all_defects(msg),
        "part_types": [],
    }
    parts = list(msg.iter_parts()) if msg.is_multipart() else []
    out["part_types"] = [p.get_content_type() for p in parts]
    if len(parts) >= 1:
        out["text"] = text(parts[0].get_content())
    if len(parts) >= 2:
        # Python parses message/delivery-status into one Message per field group: the
        # per-message fields first, then one per recipient (RFC 3464 2.1).
        groups = parts[1].get_payload()
        if isinstance(groups, list):
            out["per_message"] = fields(groups[0]) if groups else {}
            out["recipients"] = [fields(g) for g in groups[1:]]
    if len(parts) >= 3:
        returned = parts[2]
        if returned.get_content_maintype() == "message":
            inner = returned.get_payload(0)
            out["returned_headers"] = fields(inner)
            body = inner.get_payload(decode=True)
            # Line ends as LF: the email package keeps some CRLFs and turns others into LF.
            out["returned_body"] = text((body or b"").decode("utf-8", "replace")).replace("\r\n", "\n")
        else:
            out["returned_text"] = text(returned.get_content())
    return out


def verify_dkim(spec):
    import dkim

    zone = {k.lower(): v for k, v in spec["zone"].items()}

    def dnsfunc(name, timeout=5):
        n = name.decode() if isinstance(name, bytes) else name
        return zone.get(n.rstrip(".").lower(), "").encode()

    results = {}
    for path in spec["verify"]:
        with open(path, "rb") as f:
            results[path] = bool(dkim.verify(f.read(), dnsfunc=dnsfunc))
    return results


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    out = {"dsn": {path: describe_dsn(path) for path in manifest.get("dsn", [])}}
    if "dkim" in manifest:
        out["dkim"] = verify_dkim(manifest["dkim"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
