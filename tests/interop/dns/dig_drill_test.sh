#!/usr/bin/env bash
# dig (BIND 9) and drill (ldns) against `relaylab dns`: every record type, NXDOMAIN vs NODATA,
# TCP, truncation then the TCP retry, each fault action, malformed packets, the query log and a
# broken zone file. Everything on 127.0.0.1 and an ephemeral port; the server is ours to stop.
#   usage: dig_drill_test.sh RELAYLAB_BINARY TEST_DIR
set -uo pipefail

relaylab=$1
here=$2
py=/usr/bin/python3  # Debian's interpreter (a pyenv python3 may be first on PATH)
# shellcheck source=../../lib/skip.sh
. "$here/../../lib/skip.sh"
relaylab_require_program dig bind9-dnsutils
relaylab_require_program drill ldnsutils
relaylab_require_program "$py" python3

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "ok    $1"; }
fail() { echo "FAIL  $1"; echo "      $2" | head -c 2000; echo; failures=$((failures + 1)); }
# expect LABEL REGEX OUTPUT
expect() { if grep -Eq -- "$2" <<<"$3"; then pass "$1"; else fail "$1" "want /$2/ in: $3"; fi; }
reject() { if grep -Eq -- "$2" <<<"$3"; then fail "$1" "did not want /$2/ in: $3"; else pass "$1"; fi; }

"$relaylab" dns --zone "$here/zones/interop.test.zone" --zone "$here/zones/reverse.zone" \
    --listen 127.0.0.1:0 --faults "$here/faults.json" --query-log "$work/query.log" \
    --duration 300 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/stdout")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "server did not start"; cat "$work/stderr"; exit 1; }
echo "relaylab dns on 127.0.0.1:$port"

d() { dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 "$@" 2>&1; }
dr() { drill -p "$port" "$@" @127.0.0.1 2>&1; }

# --- every record type, both clients -------------------------------------------------------
declare -A want=(
    [interop.test/MX]='10 mx1\.interop\.test\.'
    [www.interop.test/A]='192\.0\.2\.80'
    [www.interop.test/AAAA]='2001:db8::80'
    [interop.test/TXT]='v=spf1 ip4:192\.0\.2\.0/24 -all'
    [alias.interop.test/CNAME]='alias2\.interop\.test\.'
    [80.2.0.192.in-addr.arpa/PTR]='www\.interop\.test\.'
    [interop.test/NS]='ns1\.interop\.test\.'
    [interop.test/SOA]='ns1\.interop\.test\. hostmaster\.interop\.test\. 2026112601'
    [_submission._tcp.interop.test/SRV]='0 1 587 mx1\.interop\.test\.'
    [interop.test/CAA]='0 issue "ca\.interop\.test"'
    [_25._tcp.mx1.interop.test/TLSA]='3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5|3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5'
)
for key in "${!want[@]}"; do
    name=${key%/*} type=${key#*/}
    out=$(d "$name" "$type")
    expect "dig $type $name" "${want[$key]}" "$out"
    expect "dig $type $name is authoritative" 'flags: qr aa' "$out"
    expect "drill $type $name" "${want[$key]}" "$(dr "$name" "$type")"
done
expect "dig -x 192.0.2.80" 'www\.interop\.test\.' "$(d -x 192.0.2.80 +short)"
expect "TXT over 255 octets: two strings" "\"a{255}\" \"b{100}\"" "$(d long.interop.test TXT +short)"
expect "drill TXT over 255 octets" "\"a{255}\" \"b{100}\"" "$(dr long.interop.test TXT)"
expect "\$INCLUDE record served" '192\.0\.2\.80' "$(d www.interop.test A +short)"
expect "CNAME chain followed" 'alias2\.interop\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+www' "$(d alias.interop.test A)"
expect "CNAME chain ends in the A" 'www\.interop\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80' "$(d alias.interop.test A)"
expect "wildcard synthesised (RFC 4592)" 'anything\.wild\.interop\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' "$(d anything.wild.interop.test A)"

# --- NXDOMAIN vs NODATA, REFUSED ---------------------------------------------------------------
out=$(d missing.interop.test A)
expect "NXDOMAIN status" 'status: NXDOMAIN' "$out"
expect "NXDOMAIN carries the SOA, TTL min(SOA TTL, MINIMUM)" 'interop\.test\.[[:space:]]+45[[:space:]]+IN[[:space:]]+SOA' "$out"
out=$(d www.interop.test MX)
expect "NODATA is NOERROR" 'status: NOERROR' "$out"
expect "NODATA has no answer and the SOA" 'ANSWER: 0, AUTHORITY: 1' "$out"
expect "drill NXDOMAIN" 'rcode: NXDOMAIN' "$(dr missing.interop.test A)"
out=$(dr www.interop.test MX)
expect "drill NODATA: NOERROR" 'rcode: NOERROR' "$out"
expect "drill NODATA: no answer, the SOA" 'ANSWER: 0, AUTHORITY: 1' "$out"
expect "outside the zones: REFUSED" 'status: REFUSED' "$(d example.com A)"
expect "drill outside the zones: REFUSED" 'rcode: REFUSED' "$(dr example.com A)"

# --- TCP, truncation and the retry ---------------------------------------------------------------
out=$(d +tcp interop.test MX)
expect "dig over TCP" '10 mx1\.interop\.test\.' "$out"
expect "dig over TCP used TCP" '\(TCP\)' "$out"
expect "drill over TCP" '10 mx1\.interop\.test\.' "$(dr -t interop.test MX)"
out=$(d +noedns +ignore big.interop.test A)
expect "no EDNS, 40 addresses: TC set" 'flags: qr aa tc' "$out"
out=$(d +noedns big.interop.test A)
expect "dig retries truncated answer over TCP" 'Truncated, retrying in TCP mode' "$out"
expect "the TCP retry has all 40 addresses" 'ANSWER: 40' "$out"
expect "EDNS 1232 fits the 40 addresses over UDP" 'ANSWER: 40' "$(d +bufsize=1232 +ignore big.interop.test A)"
expect "drill -a falls back to TCP" 'ANSWER: 40' "$(dr -a big.interop.test A)"

# --- each fault action ---------------------------------------------------------------------------
expect "fault servfail (dig)" 'status: SERVFAIL' "$(d sf.interop.test A)"
expect "fault servfail (drill)" 'rcode: SERVFAIL' "$(dr sf.interop.test A)"
expect "fault refused (dig)" 'status: REFUSED' "$(d rf.interop.test A)"
expect "fault refused (drill)" 'rcode: REFUSED' "$(dr rf.interop.test A)"
expect "fault nxdomain for an existing name" 'status: NXDOMAIN' "$(d nx.interop.test A)"
expect "fault nxdomain only for its type" 'status: NOERROR' "$(d nx.interop.test AAAA)"
expect "fault drop: dig times out" 'timed out|no servers could be reached' "$(d +time=1 gone.interop.test A)"
# drill has no timeout option: still waiting after 2 s (timeout's exit code 124) is the proof.
timeout 2 drill -p "$port" gone.interop.test A @127.0.0.1 >/dev/null 2>&1
code=$?
if [ "$code" -eq 124 ]; then pass "fault drop: drill gets no answer"; else fail "fault drop: drill" "exit code $code, want 124 (no answer)"; fi
out=$(d slow.interop.test A)
ms=$(sed -n 's/;; Query time: \([0-9]*\) msec/\1/p' <<<"$out")
# dig rounds its clock down to whole milliseconds: allow 10 ms of measurement slack.
if [ -n "$ms" ] && [ "$ms" -ge 390 ]; then pass "fault delay_ms 400: answered after ${ms} ms"; else fail "fault delay_ms" "query time '$ms' ms: $out"; fi
expect "fault delay_ms: then the right answer" '192\.0\.2\.5' "$out"
out=$(d tc.interop.test A)
expect "fault truncate: dig sees TC and retries over TCP" 'Truncated, retrying in TCP mode' "$out"
expect "fault truncate: the TCP answer is whole" '192\.0\.2\.6' "$out"
expect "fault truncate: drill -a retries too" '192\.0\.2\.6' "$(dr -a tc.interop.test A)"
expect "fault first 1: first query fails" 'status: SERVFAIL' "$(d once.interop.test A)"
expect "fault first 1: second query passes" 'status: NXDOMAIN' "$(d once.interop.test A)"
hits=0
for i in $(seq 1 40); do
    grep -q 'status: SERVFAIL' <<<"$(d "flaky$i.interop.test" A)" && hits=$((hits + 1))
done
if [ "$hits" -ge 8 ] && [ "$hits" -le 32 ]; then pass "fault probability 0.5: $hits/40 hit"; else fail "fault probability 0.5" "$hits/40 hit"; fi

# --- malformed packets: FORMERR or silence, and the server lives on --------------------------------
out=$("$py" - "$port" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def ask(data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.sendto(data, ("127.0.0.1", port))
    try:
        reply = s.recv(65535)
        return "rcode=%d id=%04x" % (reply[3] & 15, struct.unpack("!H", reply[:2])[0])
    except socket.timeout:
        return "silence"
header = struct.pack("!HHHHHH", 0xabcd, 0, 1, 0, 0, 0)
print("short", ask(b"\x01\x02\x03"))
print("truncated", ask(header + b"\x03www\x07inter"))
print("loop", ask(header + b"\xc0\x0c\x00\x01\x00\x01"))
print("label64", ask(header + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01"))
name = b"".join(b"\x3c" + b"b" * 60 for _ in range(5)) + b"\x00"
print("name300", ask(header + name + b"\x00\x01\x00\x01"))
print("counts", ask(struct.pack("!HHHHHH", 0xabcd, 0, 1, 3, 0, 0) + b"\x03www\x00\x00\x01\x00\x01"))
print("response", ask(struct.pack("!HHHHHH", 0xabcd, 0x8000, 1, 0, 0, 0) + b"\x00\x00\x01\x00\x01"))
PY
)
expect "3-octet packet: silence" 'short silence' "$out"
expect "truncated question: FORMERR, ID echoed" 'truncated rcode=1 id=abcd' "$out"
expect "compression loop: FORMERR" 'loop rcode=1' "$out"
expect "label of 64 octets: FORMERR" 'label64 rcode=1' "$out"
expect "name over 255 octets: FORMERR" 'name300 rcode=1' "$out"
expect "wrong counts: FORMERR" 'counts rcode=1' "$out"
expect "a response is never answered" 'response silence' "$out"
expect "server still answers after the garbage" '192\.0\.2\.80' "$(d www.interop.test A +short)"

# --- the query log -------------------------------------------------------------------------------
log_check=$("$py" - "$work/query.log" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
keys = {"time", "client", "transport", "id", "name", "type", "rcode", "answers", "truncated", "fault"}
assert all(keys <= set(l) for l in lines), "missing keys"
faults = {l["fault"] for l in lines if l["fault"]}
print("lines=%d" % len(lines))
print("faults=" + ",".join(sorted(faults)))
print("tcp=%d" % sum(l["transport"] == "tcp" for l in lines))
sf = [l for l in lines if l["name"] == "sf.interop.test"][0]
print("sf rcode=%s fault=%s client=%s" % (sf["rcode"], sf["fault"], sf["client"].split(":")[0]))
PY
)
expect "query log: JSON lines with every field" 'lines=[0-9]+' "$log_check"
expect "query log: every fault action recorded" 'faults=delay_ms,drop,nxdomain,refused,servfail,truncate' "$log_check"
expect "query log: TCP queries recorded" 'tcp=[1-9]' "$log_check"
expect "query log: one entry in detail" 'sf rcode=SERVFAIL fault=servfail client=127.0.0.1' "$log_check"

# --- a broken zone stops start-up with exit 2 and names file and line ---------------------------
err=$("$relaylab" dns --zone "$here/zones/broken.zone" --listen 127.0.0.1:0 2>&1)
code=$?
if [ "$code" -eq 2 ]; then pass "broken zone: exit code 2"; else fail "broken zone: exit code" "got $code: $err"; fi
expect "broken zone: message names file and line" 'broken\.zone:5:' "$err"
err=$("$relaylab" dns --zone "$here/zones/interop.test.zone" --faults "$here/zones/broken.zone" --listen 127.0.0.1:0 2>&1)
code=$?
if [ "$code" -eq 2 ]; then pass "bad fault file: exit code 2"; else fail "bad fault file: exit code" "got $code: $err"; fi
# A host name is never looked up (exit 2); `localhost` is 127.0.0.1, as README says.
err=$(timeout 20 "$relaylab" dns --zone "$here/zones/interop.test.zone" --listen mx.interop.test:0 2>&1)
code=$?
if [ "$code" -eq 2 ]; then pass "host name as listen address: exit code 2"; else fail "host name as listen address: exit code" "got $code: $err"; fi
out=$(timeout 20 "$relaylab" dns --zone "$here/zones/interop.test.zone" --listen localhost:0 --duration 1 2>&1)
code=$?
expect "localhost as listen address: 127.0.0.1" "listening on 127\.0\.0\.1:[0-9]+ " "$out"
if [ "$code" -eq 0 ]; then pass "localhost as listen address: exit code 0"; else fail "localhost as listen address: exit code" "got $code: $out"; fi

kill "$server_pid" && wait "$server_pid"
code=$?
server_pid=
if [ "$code" -eq 0 ]; then pass "SIGTERM: clean exit"; else fail "SIGTERM exit code" "$code"; fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
