#!/bin/sh
# Renders the HTML verify report in headless Chromium (Debian's `chromium`, no network) and checks
# that the page shows the summary, the sortable claim table and a failing claim's histogram; the
# screenshot is kept under the build folder as an artifact. SKIPs when chromium is missing.
set -eu
V="${VERITOR:?VERITOR must name the CLI}"
SRC="${VT_SOURCE_DIR:?}"
PY="${VT_PYTHON:-/usr/bin/python3}"
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM is missing (Debian package 'chromium'); the HTML report was not rendered"
    exit 0
fi
T="$(mktemp -d "${TMPDIR:-/tmp}/vt-report-XXXXXX")"
trap 'rm -rf "$T"' EXIT
ART="${VT_BUILD_DIR:-$T}/artifacts"
mkdir -p "$ART"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Two claims of the MLP: one honest, one with an output element changed.
$PY - "$T" "$SRC/scripts/demo-data/mlp.mlir" "$V" <<'PYEOF'
import json, os, shutil, subprocess, sys, numpy as np
t, graph, v = sys.argv[1:]
rng = np.random.default_rng(3)
ins = [rng.standard_normal(s).astype(np.float32) for s in [(4, 16), (16, 32), (32,), (32, 8), (8,)]]
for name in ["honest", "bad"]:
    d = f"{t}/{name}"
    os.makedirs(f"{d}/inputs")
    shutil.copy(graph, f"{d}/graph.mlir")
    args = []
    for i, a in enumerate(ins):
        np.save(f"{d}/inputs/{i}.npy", a)
        args += ["--input", f"{i}={d}/inputs/{i}.npy"]
    subprocess.run([v, "run", f"{d}/graph.mlir", *args, "-o", f"{d}/outputs"], check=True, capture_output=True)
    json.dump({"entry": "main", "strategy": "bit_exact", "created_at": "2026-11-27T12:00:0%dZ" % (name == "bad")},
              open(f"{d}/claim.json", "w"))
o = np.load(f"{t}/bad/outputs/0.npy")
o[1, 3] += 0.25
o[3, 7] -= 1e-4
np.save(f"{t}/bad/outputs/0.npy", o)
PYEOF
"$V" db init "$T/w.vdb" >/dev/null
"$V" db import-claim "$T/honest" --db "$T/w.vdb" >/dev/null
"$V" db import-claim "$T/bad" --db "$T/w.vdb" >/dev/null
rc=0
"$V" verify "$T/w.vdb" --no-results --report "$T/report.html" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "verify exited $rc, expected 1"

flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
"$CHROMIUM" $flags --user-data-dir="$(mktemp -d "$T/prof-XXXXXX")" --window-size=1200,1400 \
    --screenshot="$ART/verify-report.png" "file://$T/report.html" >"$T/shot.log" 2>&1 || true
"$CHROMIUM" $flags --user-data-dir="$(mktemp -d "$T/prof-XXXXXX")" --dump-dom "file://$T/report.html" \
    >"$T/dom.html" 2>"$T/dom.log" || fail "chromium --dump-dom failed: $(tail -5 "$T/dom.log")"

$PY - "$T/dom.html" <<'PYEOF' || exit 1
import re, sys
dom = open(sys.argv[1]).read()
need = {
    "summary cards": 'id="summary"',
    "total 2": 'id="n-total">2<',
    "1 passed": 'id="n-passed">1<',
    "1 failed": 'id="n-failed">1<',
    "exit status 1": 'id="exit-code">1<',
    "unpinned warning": 'id="no-pin"',
    "sortable claim table": 'id="claims"',
    "sort handler": 'onclick="vtSort(this)"',
    "failing claim detail": 'class="detail"',
    "histogram": '<svg class="hist"',
    "2 mismatches": "2 of 32",
}
bad = [k for k, s in need.items() if s not in dom]
rows = re.findall(r'<tr class="claim (\w+)"', dom)
if sorted(rows) != ["failed", "passed"]:
    bad.append(f"claim rows {rows}")
bars = re.findall(r'<rect class="bar"[^>]*height="(\d+)"', dom)
if len(bars) != 16 or sum(int(h) > 0 for h in bars) != 2:
    bad.append(f"histogram bars {bars}")
for b in bad:
    print("FAIL: rendered report lacks", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
if [ -s "$ART/verify-report.png" ]; then
    echo "screenshot: $ART/verify-report.png"
else
    fail "chromium wrote no screenshot: $(tail -5 "$T/shot.log")"
fi
echo "ok: report rendered with summary, sortable table, failing claim and histogram"
