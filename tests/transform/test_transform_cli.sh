#!/bin/sh
# `veritor transform` and `veritor db derive --transform` end to end: inline and dce on the
# reference model's graphs (output re-parses, is a fmt fixed point, runs bit for bit like the
# source, `veritor ops` reads it, the id map is JSON), refusals with their messages and exit
# codes, and a derivation stored in a workload database and visible in its listings.
set -u
V="${VERITOR:?VERITOR must point at the CLI}"
W="$(mktemp -d "${TMPDIR:-/tmp}/vt-xf-cli-XXXXXX")"
trap 'rm -rf "$W"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
expect() {
    want=$1; shift
    "$@" >"$W/out" 2>&1
    got=$?
    [ "$got" -eq "$want" ] || { fail "exit $got (want $want): $*"; sed 's/^/    /' "$W/out" >&2; }
}
contains() { grep -q -- "$1" "$W/out" || { fail "output lacks '$1'"; sed 's/^/    /' "$W/out" >&2; }; }
lacks() { ! grep -q -- "$1" "$2" || fail "$2 contains '$1'"; }

# ---- help ----
expect 0 "$V" transform --help
contains "inline"
contains "dce"
expect 0 "$V" transform inline --help
contains "usage: veritor transform inline FILE"
expect 0 "$V" transform dce -h
contains "usage: veritor transform dce FILE"
expect 0 "$V" help transform
contains "Subcommands:"
expect 2 "$V" transform
contains "missing subcommand"
expect 2 "$V" transform nosuch x.mlir
contains "unknown subcommand 'nosuch'"

# ---- the reference model's graphs ----
expect 0 "$V" model init tiny -o "$W/tiny" --seq 4 --prompt-len 3 --max-new 3
for g in decode prefill teacher_forcing; do
    expect 0 "$V" transform inline "$W/tiny/$g.mlir" -o "$W/$g.inl.mlir" --id-map "$W/$g.map.json"
    grep -q "veritor.origin" "$W/$g.inl.mlir" || fail "$g: no veritor.origin in the inlined graph"
    lacks "call @" "$W/$g.inl.mlir"
    # canonical text: fmt is a fixed point, and ops/parse read it
    expect 0 "$V" fmt "$W/$g.inl.mlir" -o "$W/$g.fmt.mlir"
    cmp -s "$W/$g.inl.mlir" "$W/$g.fmt.mlir" || fail "$g: fmt of the inlined graph changes it"
    expect 0 "$V" ops "$W/$g.inl.mlir"
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert len(m) > 10, len(m); assert any("callsite" in v for v in m.values())' \
        "$W/$g.map.json" || fail "$g: id map is not the expected JSON"
    # same results, bit for bit, on the same random inputs
    expect 0 "$V" run "$W/tiny/$g.mlir" --random-inputs 7 -o "$W/$g.r0"
    expect 0 "$V" run "$W/$g.inl.mlir" --random-inputs 7 -o "$W/$g.r1"
    for f in "$W/$g.r0"/*; do
        cmp -s "$f" "$W/$g.r1/$(basename "$f")" || fail "$g: result $(basename "$f") differs after inlining"
    done
    expect 0 "$V" transform dce "$W/$g.inl.mlir" -o "$W/$g.dce.mlir"
    expect 0 "$V" run "$W/$g.dce.mlir" --random-inputs 7 -o "$W/$g.r2"
    for f in "$W/$g.r0"/*; do
        cmp -s "$f" "$W/$g.r2/$(basename "$f")" || fail "$g: result $(basename "$f") differs after dce"
    done
done
# stdout when no -o; --entry with '@'
expect 0 "$V" transform inline "$W/tiny/prefill.mlir" --entry @main
contains "func.func public @main"
contains "veritor.origin"

# provenance of the input is kept (first source wins), or dropped with --fresh-origins
expect 0 "$V" transform dce "$W/decode.inl.mlir" -o "$W/again.mlir"
grep -q 'veritor.callsite' "$W/again.mlir" || fail "dce lost the call sites of its inlined input"
expect 0 "$V" transform inline "$W/decode.inl.mlir" --fresh-origins -o "$W/fresh.mlir" --id-map "$W/fresh.json"
lacks 'veritor.callsite' "$W/fresh.mlir"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); bad=[k for k,v in m.items() if v.get("origin") != k]; assert not bad, bad[:3]' \
    "$W/fresh.json" || fail "--fresh-origins: origins are not the input's own ids"
expect 2 "$V" transform inline "$W/decode.inl.mlir" --fresh-origins=1
contains "unknown option"

# ---- JAX's own output: a sample of the StableHLO testdata (outlined functions reached through
# calls, check custom_calls) gives the same check outcomes after inline and after inline + dce ----
TD="${VT_SHARED_DIR:-/work/shared}/conformance/stablehlo/testdata"
if [ -d "$TD" ]; then
    mkdir -p "$W/td/orig" "$W/td/inl" "$W/td/dce"
    n=0
    for f in $(grep -l "call @" "$TD"/*.mlir | awk 'NR % 40 == 1'); do
        b=$(basename "$f")
        cp "$f" "$W/td/orig/$b"
        "$V" transform inline "$f" -o "$W/td/inl/$b" 2>"$W/out" || { fail "inline $b"; cat "$W/out" >&2; }
        "$V" transform dce "$W/td/inl/$b" -o "$W/td/dce/$b" 2>"$W/out" || { fail "dce $b"; cat "$W/out" >&2; }
        n=$((n + 1))
    done
    [ "$n" -ge 15 ] || fail "only $n testdata files sampled"
    for d in orig inl dce; do "$V" conform "$W/td/$d" --json --jobs 1 >"$W/td/$d.json" 2>/dev/null; done
    python3 - "$W/td" <<'PYEOF' || fail "testdata outcomes differ after transforms"
import json, sys
d = sys.argv[1]
res = {k: json.load(open(f"{d}/{k}.json")) for k in ("orig", "inl", "dce")}
fails = {k: sorted(f["path"] for f in v["failures"]) for k, v in res.items()}
passed = {k: v["files_passed"] for k, v in res.items()}
assert fails["orig"] == fails["inl"] == fails["dce"], fails
assert passed["orig"] == passed["inl"] == passed["dce"] and passed["orig"] >= 15, passed
PYEOF
fi

# ---- refusals ----
cat >"$W/rec.mlir" <<'EOF'
module {
  func.func @main(%x: tensor<f32>) -> tensor<f32> {
    %0 = call @a(%x) : (tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>
  }
  func.func private @a(%x: tensor<f32>) -> tensor<f32> {
    %0 = call @b(%x) : (tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>
  }
  func.func private @b(%x: tensor<f32>) -> tensor<f32> {
    %0 = call @a(%x) : (tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}
EOF
expect 2 "$V" transform inline "$W/rec.mlir" -o "$W/rec.out.mlir"
contains "recursion cannot be inlined: @a -> @b -> @a"
[ ! -e "$W/rec.out.mlir" ] || fail "a refused transform wrote its output"
expect 0 "$V" transform dce "$W/rec.mlir" -o "$W/rec.dce.mlir"
cat >"$W/ext.mlir" <<'EOF'
func.func @main(%x: tensor<f32>) -> tensor<f32> {
  %0 = call @ext(%x) : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func private @ext(tensor<f32>) -> tensor<f32>
EOF
expect 2 "$V" transform inline "$W/ext.mlir"
contains "calls @ext, an external declaration without a body"
expect 2 "$V" transform inline "$W/rec.mlir" --entry nope
contains "no function @nope (the entry)"
printf 'func.func @main(%%x: tensor<f32>) -> tensor<f32> {\n  return %%x tensor<f32>\n}\n' >"$W/bad.mlir"
expect 2 "$V" transform inline "$W/bad.mlir"
contains "bad.mlir:2:"
printf 'func.func @main(%%x: tensor<f32>) -> tensor<f32> {\n  return %%x : tensor<f32>\n}\n// -----\nfunc.func @g() {\n  return\n}\n' >"$W/parts.mlir"
expect 2 "$V" transform dce "$W/parts.mlir"
contains "not supported: "
: >"$W/empty.mlir"
expect 0 "$V" transform dce "$W/empty.mlir"
head -c 3000 "$W/tiny/decode.mlir" >"$W/trunc.mlir"
expect 2 "$V" transform inline "$W/trunc.mlir"
contains "trunc.mlir:"
expect 2 "$V" transform inline "$W/missing.mlir"
contains "cannot open"
expect 2 "$V" transform inline "$W"
contains "is a directory"
# oversized: a sparse file past the 1 GiB input limit is refused before it is read (exit 3)
if truncate -s 1025M "$W/huge.mlir" 2>/dev/null; then
    expect 3 "$V" transform inline "$W/huge.mlir"
    contains "exceeds the input limit"
    rm -f "$W/huge.mlir"
fi
expect 2 "$V" transform inline "$W/rec.mlir" --bogus
contains "unknown option '--bogus'"
expect 2 "$V" transform inline "$W/rec.mlir" -o
contains "needs a value"
expect 2 "$V" transform inline "$W/rec.mlir" "$W/ext.mlir"
contains "one input FILE only"
expect 2 "$V" transform inline
contains "no input FILE"

# ---- db derive ----
DB="$W/w.vdb"
expect 0 "$V" db init "$DB"
"$V" db put-graph "$W/tiny/decode.mlir" --db "$DB" >"$W/gid" 2>&1 || fail "put-graph"
GID=$(cat "$W/gid")
"$V" db derive "$GID" --transform inline --db "$DB" >"$W/did" 2>"$W/derr" || { fail "derive inline"; cat "$W/derr" >&2; }
DID=$(cat "$W/did")
[ ${#DID} -eq 64 ] || fail "derive printed '$DID', not a graph id"
expect 0 "$V" db ls derivations --db "$DB"
contains "inline"
expect 0 "$V" db ls graphs --db "$DB"
contains "verification"
expect 0 "$V" db show "$DID" --db "$DB"
contains "$GID"
# dce of the source by id prefix, with its options recorded
"$V" db derive "$(echo "$GID" | cut -c1-12)" --transform dce --entry main --db "$DB" --role logical >"$W/did2" 2>"$W/derr" ||
    { fail "derive dce"; cat "$W/derr" >&2; }
expect 0 "$V" db ls derivations --db "$DB" --json
contains '"dce"'
contains '"--entry","main"'
# a transform that changes nothing (dce of the inlined graph) records nothing
expect 0 "$V" db derive "$DID" --transform dce --db "$DB"
contains "left the graph unchanged; no derivation recorded"
contains "$DID"
expect 0 "$V" db ls derivations --db "$DB"
[ "$(grep -c -- "$DID" "$W/out")" -eq 1 ] || fail "an unchanged graph got a derivation"
# a verifier re-basing provenance on a stored graph
expect 0 "$V" db derive "$DID" --transform inline --fresh-origins --db "$DB"
expect 0 "$V" db ls derivations --db "$DB" --json
contains '"--fresh-origins"'
expect 0 "$V" db fsck --db "$DB"
# the plain form still works
expect 2 "$V" db derive "$GID" --db "$DB"
contains "usage: db derive SRC DST --kind K"
expect 2 "$V" db derive "$GID" --transform nope --db "$DB"
contains "unknown transform 'nope'"
expect 2 "$V" db derive "$GID" --transform inline -o x.mlir --db "$DB"
contains "not an option here"
expect 2 "$V" db derive --transform inline --db "$DB"
contains "the GRAPH id comes first"
expect 2 "$V" db derive "$GID" --transform inline
contains "no database"
expect 1 "$V" db derive ffff --transform inline --db "$DB"
contains "nothing in the store has an id starting with 'ffff'"
"$V" db put-graph "$W/rec.mlir" --db "$DB" >"$W/rid" 2>&1 || fail "put-graph rec"
expect 2 "$V" db derive "$(cat "$W/rid")" --transform inline --db "$DB"
contains "@a -> @b -> @a"

[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)" >&2; exit 1; }
echo "transform cli: ok"
