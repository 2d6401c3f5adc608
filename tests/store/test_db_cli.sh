#!/bin/sh
# `veritor db` end to end: fills a database with every kind of entity through the CLI (the
# sequence `make demo` uses), checks listings, show, fsck, gc, export/import round trips, a
# tampered file (fsck exit 1) and the exit codes of bad usage and bad input.
set -u
V="${VERITOR:?VERITOR must point at the CLI}"
PY=python3
python3 -c 'import numpy' 2>/dev/null || PY=/usr/bin/python3
W="$(mktemp -d "${TMPDIR:-/tmp}/vt-db-cli-XXXXXX")"
trap 'rm -rf "$W"' EXIT
export VERITOR_DB="$W/demo.vdb"
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
# expect CODE CMD...: runs CMD, checks the exit code, keeps stdout+stderr in $W/out
expect() {
    want=$1; shift
    "$@" >"$W/out" 2>&1
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got (want $want): $*"; sed 's/^/    /' "$W/out" >&2; }
}
contains() { grep -q -- "$1" "$W/out" || { fail "output lacks '$1'"; sed 's/^/    /' "$W/out" >&2; }; }

# ---- inputs written with numpy alone (the docs/claim-format.md recipe) ----
$PY - "$W" <<'PYEOF' || exit 1
import json, os, sys
import numpy as np
w = sys.argv[1]
d = os.path.join(w, "claim")
os.makedirs(os.path.join(d, "inputs"))
os.makedirs(os.path.join(d, "outputs"))
graph = """module @jit_f {
  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> (tensor<2x3xf32> {jax.result_info = ""}) {
    %0 = stablehlo.add %arg0, %arg1 : tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  }
}
"""
open(os.path.join(d, "graph.mlir"), "w").write(graph)
a = np.arange(6, dtype=np.float32).reshape(2, 3)
b = np.full((2, 3), 0.5, dtype=np.float32)
np.save(os.path.join(d, "inputs", "0.npy"), a)
np.save(os.path.join(d, "inputs", "1.npy"), b)
np.save(os.path.join(d, "outputs", "0.npy"), a + b)
json.dump({"entry": "main", "strategy": "bit_exact", "config": {"tolerance": 0},
           "metadata": {"request": "r-1", "model": "tiny"}, "created_at": "2026-11-27T12:00:00Z"},
          open(os.path.join(d, "claim.json"), "w"))
open(os.path.join(w, "verify.mlir"), "w").write(graph.replace("stablehlo.add", "stablehlo.subtract"))
np.save(os.path.join(w, "ckpt.npy"), np.linspace(0, 1, 1 << 20, dtype=np.float32))
np.save(os.path.join(w, "ckpt2.npy"), np.linspace(1, 2, (5 << 20) // 4, dtype=np.float32))
with open(os.path.join(w, "events.jsonl"), "w") as f:
    for i in range(100):
        f.write(json.dumps({"ts_ns": 1000 + 10 * i, "kind": ["kernel_launch", "collective", "memory_transfer", "sync"][i % 4],
                            "device": "gpu%d" % (i % 2), "op": "@main/%d" % (i % 3), "mem_bytes": 4096,
                            "payload": {"i": i}}) + "\n")
json.dump({"devices": [{"id": "gpu0", "kind": "gpu", "model": "H100", "memory_bytes": 85899345920, "host": "n1"},
                       {"id": "gpu1", "kind": "gpu", "model": "H100", "memory_bytes": 85899345920, "host": "n1"}],
           "links": [{"a": "gpu0", "b": "gpu1", "bandwidth": 4.5e11, "latency_ns": 900}]},
          open(os.path.join(w, "devices.json"), "w"))
open(os.path.join(w, "gres.conf"), "w").write("NodeName=n[2-3] Name=gpu Type=a100 File=/dev/nvidia[0-1] Memory=40G\nSwitchName=leaf Nodes=n[2-3]\n")
PYEOF

# ---- fill a database ----
expect 0 "$V" db --help; contains "usage: veritor db"
expect 0 "$V" help db; contains "import-claim DIR"
expect 0 "$V" db init; contains "schema version"
expect 0 "$V" db devices import "$W/devices.json"; contains "imported 2 devices, 1 links"
expect 0 "$V" db devices import "$W/gres.conf"; contains "imported 7 devices"
expect 0 "$V" db import-claim "$W/claim"
CLAIM=$(cat "$W/out")
expect 0 "$V" db ls graphs --json
G=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$W/out")
expect 0 "$V" db put-graph "$W/verify.mlir" --role verification --meta '{"derived":"by hand"}'
G2=$(cat "$W/out")
expect 0 "$V" db derive "$G" "$G2" --kind ar_to_tf --params '{"steps":1}'; contains "derivation 1"
expect 0 "$V" db import-trace "$W/events.jsonl" --graph "$G" --meta '{"job":"demo"}'; contains "trace 1: 100 events"
expect 0 "$V" db put-bundle --kind checkpoint --graph "$G" --step 100 --seed dropout=42 --meta '{"loss":1.5}' weights/w="$W/ckpt.npy"
BUNDLE=$(cat "$W/out")
expect 0 "$V" db put-tensor "$W/ckpt.npy"; contains "ckpt.npy"
expect 0 "$V" db put-bundle --bulk --kind checkpoint --graph "$G" --step 200 weights/w="$W/ckpt2.npy"
BUNDLE2=$(cat "$W/out")
[ ! -e "$VERITOR_DB-wal" ] && [ ! -e "$VERITOR_DB-journal" ] || fail "--bulk left a -wal or -journal beside the file"
expect 0 "$V" db put-challenge --kind memory_spot_check --device gpu0 --seed 0x0000002a:0x00000007 \
    --params '{"offset":4096,"bytes":64}' --issued 1500 --deadline 2500; contains "challenge 1"
expect 0 "$V" db put-challenge --kind op_recompute --op @main/1 --issued 1600; contains "challenge 2"
printf 'the 64 bytes at 4096' > "$W/response.bin"
expect 0 "$V" db respond-challenge 1 "$W/response.bin" --at 1700; contains "response of 20 bytes"

# ---- read it back, as a verifier (read-only, defensive) ----
expect 0 "$V" db info; contains "claims       1"
expect 0 "$V" db ls claims; contains "$CLAIM"
expect 0 "$V" db ls claims --strategy bit_exact --meta request=r-1 --json; contains "$CLAIM"
expect 0 "$V" db ls claims --strategy stamp --json; contains "^\[\]$"
expect 0 "$V" db ls events --from 1100 --to 1190 --device gpu0 --json
N=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/out")
[ "$N" = 5 ] || fail "window query returned $N events, want 5"
expect 0 "$V" db ls events --graph "$(echo "$G" | cut -c1-8)" --op @main/1 --json
N=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/out")
[ "$N" = 33 ] || fail "graph -> traces -> events returned $N events, want 33"
expect 0 "$V" db ls events --graph "$G2" --json; contains "^\[\]$"
expect 0 "$V" db ls bundles --graph "$G" --kind checkpoint --latest --limit 1; contains "$BUNDLE2"
expect 0 "$V" db ls bundles --graph "$G" --kind checkpoint --step 100 --json
N=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r), r[0]["step"])' "$W/out")
[ "$N" = "1 100" ] || fail "checkpoint of (graph, step 100): got $N"
contains "$BUNDLE"
expect 2 "$V" db ls claims --step 1; contains "does not apply"
expect 0 "$V" db ls challenges --json
$PY - "$W/out" <<'PYEOF' || fail "challenges listed wrongly"
import json, sys
c = json.load(open(sys.argv[1]))
assert len(c) == 2, c
assert c[0]["kind"] == "memory_spot_check" and c[0]["device"] == "gpu0" and c[0]["deadline_ns"] == 2500, c[0]
assert c[0]["responded_at_ns"] == 1700 and len(c[0]["response_obj"]) == 64, c[0]
assert c[1]["op_id"] == "@main/1" and c[1]["response_obj"] is None, c[1]
PYEOF
expect 0 "$V" db ls devices --kind gpu; contains "n3/gpu1"
expect 0 "$V" db show "$(echo "$CLAIM" | cut -c1-10)"; contains '"strategy": "bit_exact"'
expect 0 "$V" db show trace:1; contains '"count": 100'; contains '"start_ns": 1000'; contains '"end_ns": 1990'
expect 0 "$V" db show device:gpu0; contains '"model": "H100"'
expect 0 "$V" db show "$G" --json; contains '"derived":\[{'
expect 0 "$V" db fsck; contains "0 errors, 0 orphans"

# ---- export and re-import: same id ----
expect 0 "$V" db export-claim "$CLAIM" -o "$W/exported"
expect 2 "$V" db import-claim "$W/exported" --db "$W/missing.vdb"; contains "cannot open"
"$V" db init "$W/other.vdb" >/dev/null
expect 0 "$V" db import-claim "$W/exported" --db "$W/other.vdb"
[ "$(cat "$W/out")" = "$CLAIM" ] || fail "re-imported claim has id $(cat "$W/out"), want $CLAIM"
expect 2 "$V" db export-claim "$CLAIM" -o "$W/exported"; contains "not an empty directory"

# ---- gc: an orphan goes, everything referenced stays ----
expect 0 "$V" db gc; contains "removed 0 objects"
expect 0 "$V" db fsck

# ---- a tampered copy: fsck exits 1 naming the object; the original is untouched ----
cp "$VERITOR_DB" "$W/tampered.vdb"
$PY - "$W/tampered.vdb" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE objects SET data = zeroblob(length(data)) WHERE hash = (SELECT chunk FROM tensor_chunks LIMIT 1)")
db.commit()
db.execute("PRAGMA journal_mode = DELETE")
db.close()
PYEOF
expect 1 "$V" db fsck --db "$W/tampered.vdb"; contains "content hash mismatch"
cp "$VERITOR_DB" "$W/planted.vdb"
$PY -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("CREATE VIEW v AS SELECT 1"); db.commit(); db.close()' "$W/planted.vdb"
expect 2 "$V" db info --db "$W/planted.vdb"; contains "view|v"

# ---- usage and input errors ----
expect 2 "$V" db
expect 2 "$V" db frobnicate
expect 2 "$V" db ls
expect 2 "$V" db ls widgets; contains "unknown kind"
expect 2 "$V" db ls claims --op x; contains "does not apply"
expect 2 "$V" db ls events --limit abc; contains "not an integer"
expect 1 "$V" db show ffffffffffff; contains "nothing in the store"
expect 2 "$V" db import-claim "$W/nowhere"
expect 2 "$V" db devices import "$W/claim/graph.mlir"; contains "graph.mlir:1"
expect 2 "$V" db put-graph "$W/devices.json"
printf '{"ts_ns": 1, "kind": "sync"}\n{"ts_ns": "x", "kind": "sync"}\n' > "$W/bad.jsonl"
expect 2 "$V" db import-trace "$W/bad.jsonl"; contains "bad.jsonl:2: an event needs integer ts_ns"
printf '{"ts_ns": 1, "kind": "teleport"}\n' > "$W/bad.jsonl"
expect 2 "$V" db import-trace "$W/bad.jsonl"; contains "known kind"
expect 0 "$V" db ls traces --json; contains '"id":1,'
expect 2 "$V" db put-bundle --kind checkpoint weights/w="$W/nothing.npy"
expect 2 "$V" db put-bundle --kind checkpoint noslash; contains "ROLE/NAME=FILE"
expect 2 "$V" db derive "$G" "$G"; contains "usage"
expect 2 "$V" db put-challenge --kind x; contains "usage: db put-challenge"
expect 2 "$V" db put-challenge --kind x --issued soon; contains "not an integer"
expect 2 "$V" db put-challenge --kind x --issued 1 --params '[1]'; contains "challenge params"
expect 2 "$V" db respond-challenge 1 "$W/response.bin"; contains "usage: db respond-challenge"
expect 2 "$V" db respond-challenge 1 "$W/response.bin" --at 5; contains "already answered"
expect 2 "$V" db respond-challenge 99 "$W/response.bin" --at 5; contains "does not exist"
expect 2 "$V" db respond-challenge 2 "$W/nothing.bin" --at 5; contains "nothing.bin"
truncate -s 2G "$W/huge.bin"   # sparse: nothing is written or read
expect 3 "$V" db respond-challenge 2 "$W/huge.bin" --at 5; contains "exceeds the input limit"
rm -f "$W/huge.bin"
expect 2 "$V" db respond-challenge x "$W/response.bin" --at 5; contains "usage: db respond-challenge"
expect 2 "$V" db info --db "$W/claim/claim.json"; contains "not an SQLite database"
env -u VERITOR_DB "$V" db info >"$W/out" 2>&1; [ $? -eq 2 ] || fail "no database: want exit 2"

[ "$FAILS" -eq 0 ] && echo "db cli: all checks passed" || { echo "db cli: $FAILS failures"; exit 1; }
