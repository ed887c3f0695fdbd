#!/bin/sh
# Captured messages per second with spam scoring on (issue 13), as a ratio against spamc, the
# peer that scores the same kind of mail against the same kind of private spamd in the same run.
#   1. bench/spam_scoring.sh: relaylab's spamd client vs Debian's spamc (spamd's own capacity);
#   2. `relaylab run` of a campaign (builtin relay -> one accept-all fake MX, COUNT messages of
#      3 KB with an HTML part, closed loop) with "spam": {"start": true, "children": CHILDREN};
#   3. the same run without scoring.
# Prints delivered (captured) msgs/s of 2 and 3 and the ratio of 2 to spamc's rate. Loopback
# only; each relaylab run starts and stops its own world and spamd. Not a test.
#
# usage: bench/deliverability/scoring_capture.sh [BUILD_DIR]   (COUNT=300 CHILDREN=2)
# needs: ninja -C BUILD_DIR relaylab relaylab_placement; apt-get install spamassassin spamd spamc
set -eu
build=${1:-build}
count=${COUNT:-300}
children=${CHILDREN:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

echo "== 1. spamd client vs spamc =="
COUNT=$count CHILDREN=$children ROUNDS=1 sh "$root/bench/spam_scoring.sh" "$build" | tee "$out/peer.txt"

scenario() {  # spam: true|false
    spam=""
    [ "$1" = true ] && spam=", \"spam\": {\"start\": true, \"children\": $children}"
    cat <<JSON
{"name": "scoring-capture-$1", "seed": 5,
 "world": {"mx": [{"name": "mx.gmail.test", "domains": ["gmail.test"], "behaviour": "accept-all"}]$spam},
 "traffic": {"from": "news@shop.test", "to": "reader{n}@gmail.test",
             "message": {"subject": "Winter collection {n}", "size": 3000,
                         "body": "Our winter collection is here: coats, scarves and boots.",
                         "html": "<p>Our winter collection is here: <a href=\"https://shop.test/new\">coats, scarves and boots</a>.</p>"},
             "count": $count, "concurrency": 8},
 "drain": {"timeout": "600s"}}
JSON
}

rate() {  # spam: true|false -> delivered msgs/s of the run
    scenario "$1" > "$out/s-$1.json"
    "$build/relaylab" run "$out/s-$1.json" --report-dir "$out/r-$1" --quiet >/dev/null || true
    /usr/bin/python3 - "$out/r-$1/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = r["totals"]["delivered"]
print("%.1f %d %.1f" % (r["throughput"]["delivered_per_s"], d, r["duration_s"]))
PY
}

echo "== 2. relaylab run, scoring on =="
set -- $(rate true)
on=$1; echo "delivered $2 in $3 s: $on msgs/s captured with scoring"
echo "== 3. relaylab run, scoring off =="
set -- $(rate false)
off=$1; echo "delivered $2 in $3 s: $off msgs/s captured without scoring"
spamc_rate=$(sed -n 's/^spamc (xargs.*= \([0-9.]*\) msg\/s.*/\1/p' "$out/peer.txt" | tail -1)
/usr/bin/python3 -c "
on, off, peer = float('$on'), float('$off'), float('${spamc_rate:-0}' or 0)
print('captured with scoring / spamc alone: %s' % ('%.2f' % (on / peer) if peer else 'n/a'))
print('captured with scoring / without: %.3f' % (on / off if off else 0))"
