"""`veritor verify` from the command line: claims written by numpy as claim directories, the
honest/dishonest matrix with exit codes, selection options, --jobs 2 == --jobs 1, JSON schema,
policies, the results database, usage errors, and that the prover's file never changes."""
import hashlib, json, os, shutil, sqlite3, subprocess, sys, tempfile
import numpy as np

V = os.environ.get("VERITOR", "veritor")
SRC = os.environ.get("VT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SRC, "scripts", "demo-data")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args, want=None):
    p = subprocess.run([V, *args], capture_output=True, text=True)
    if want is not None:
        check(p.returncode == want, f"veritor {' '.join(args)}: exit {p.returncode}, expected {want}\n{p.stdout}{p.stderr}")
    return p


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def claim_dir(d, graph, inputs, meta, when, outputs=None):
    """A claim directory as any framework writes it with numpy; outputs from `veritor run`."""
    os.makedirs(f"{d}/inputs")
    shutil.copy(graph, f"{d}/graph.mlir")
    for i, a in enumerate(inputs):
        np.save(f"{d}/inputs/{i}.npy", a)
    if outputs is None:
        args = []
        for i in range(len(inputs)):
            args += ["--input", f"{i}={d}/inputs/{i}.npy"]
        run("run", f"{d}/graph.mlir", *args, "-o", f"{d}/outputs", want=0)
    else:
        os.makedirs(f"{d}/outputs")
        for i, a in enumerate(outputs):
            np.save(f"{d}/outputs/{i}.npy", a)
    json.dump({"format": "veritor.claim.v1", "entry": "main", "strategy": "bit_exact", "metadata": meta,
               "created_at": when}, open(f"{d}/claim.json", "w"))


def main():
    tmp = tempfile.mkdtemp(prefix="vt-verify-cli-")
    rng = np.random.default_rng(7)
    mlp_in = [rng.standard_normal(s).astype(np.float32) for s in [(4, 16), (16, 32), (32,), (32, 8), (8,)]]
    # honest MLP, written entirely by numpy + the engine's own outputs
    claim_dir(f"{tmp}/honest", f"{DATA}/mlp.mlir", mlp_in, {"kind": "mlp", "request": "r-1"}, "2026-11-27T10:00:00Z")
    p = run("verify", "--dir", f"{tmp}/honest", "--json", want=0)
    rep = json.loads(p.stdout)
    check(rep["format"] == "veritor.verify.v1" and rep["summary"]["passed"] == 1, f"--dir report {rep.get('summary')}")
    c = rep["claims"][0]
    for k in ["id", "graph", "entry", "strategy", "verdict", "exit_class", "status", "reason", "rule", "pin", "outputs",
              "limits", "stats", "timings"]:
        check(k in c, f"claim JSON lacks {k}")
    check(c["outputs"][0]["type"] == "tensor<4x8xf32>" and c["outputs"][0]["first_mismatch"] is None, f"outputs {c['outputs']}")
    check(not rep["policy"]["pinned"] and "warning" in rep["policy"], "unpinned report must warn")

    # dishonest variants
    out = np.load(f"{tmp}/honest/outputs/0.npy")
    bad = out.copy()
    bad[2, 5] += 1.0
    claim_dir(f"{tmp}/bad_out", f"{DATA}/mlp.mlir", mlp_in, {"kind": "mlp"}, "2026-11-27T10:00:01Z", [bad])
    ins2 = [a.copy() for a in mlp_in]
    ins2[0][0, 0] = 3.0
    claim_dir(f"{tmp}/bad_in", f"{DATA}/mlp.mlir", ins2, {"kind": "mlp"}, "2026-11-27T10:00:02Z", [out])
    claim_dir(f"{tmp}/swapped", f"{DATA}/mlp_swapped.mlir", mlp_in, {"kind": "mlp"}, "2026-11-27T10:00:03Z")
    x8 = np.linspace(-1, 1, 8).astype(np.float32)
    claim_dir(f"{tmp}/spin", f"{DATA}/spin.mlir", [x8], {"kind": "spin"}, "2026-11-27T10:00:04Z", [x8])
    claim_dir(f"{tmp}/loop", f"{DATA}/loop.mlir", [x8, np.array(10, dtype=np.int32)], {"kind": "loop"}, "2026-11-27T11:00:00Z")
    claim_dir(f"{tmp}/gs", f"{DATA}/gather_scatter.mlir",
              [rng.standard_normal((10, 4)).astype(np.float32), np.array([7, 1, 7], dtype=np.int32),
               rng.standard_normal((3, 4)).astype(np.float32)], {"kind": "gs"}, "2026-11-27T11:00:01Z")

    db = f"{tmp}/w.vdb"
    run("db", "init", db, want=0)
    ids = {}
    for name in ["honest", "bad_out", "bad_in", "swapped", "spin", "loop", "gs"]:
        p = run("db", "import-claim", f"{tmp}/{name}", "--db", db, want=0)
        ids[name] = p.stdout.strip().split()[-1]
    h0 = sha(db)
    lim = ["--max-iterations", "1000"]

    def verdicts(*extra, want=None):
        p = run("verify", db, "--json", "--no-results", *lim, *extra, want=want)
        return {c["id"]: c for c in json.loads(p.stdout)["claims"]} if p.stdout.startswith("{") else {}

    allv = verdicts(want=3)
    exp = {"honest": ("passed", 0), "bad_out": ("failed", 1), "bad_in": ("failed", 1), "swapped": ("passed", 0),
           "spin": ("error", 3), "loop": ("passed", 0), "gs": ("passed", 0)}
    for name, (v, cls) in exp.items():
        c = allv.get(ids[name], {})
        check(c.get("verdict") == v and c.get("exit_class") == cls, f"{name}: {c.get('verdict')} {c.get('reason')}")
    fm = allv[ids["bad_out"]]["outputs"][0]["first_mismatch"]
    check(fm and fm["index"] == [2, 5] and fm["claimed"] != fm["computed"], f"first mismatch {fm}")
    check("iteration limit" in allv[ids["spin"]]["reason"], allv[ids["spin"]]["reason"])

    # pins: the swapped graph is caught by --expect-graph and by a policy file
    g = allv[ids["honest"]]["graph"]
    v = verdicts("--expect-graph", g, "--where", "kind=mlp", want=1)
    check(v[ids["swapped"]]["verdict"] == "failed" and "pinned" in v[ids["swapped"]]["reason"], "expect-graph")
    check(v[ids["honest"]]["verdict"] == "passed" and len(v) == 4, "where kind=mlp selects 4")
    pol = f"{tmp}/policy.json"
    json.dump({"format": "veritor.policy.v1", "kinds": {"mlp": [g]}}, open(pol, "w"))
    v = verdicts("--policy", pol, "--until", "2026-11-27T10:00:04Z", want=1)
    check(len(v) == 4 and v[ids["swapped"]]["pin"] == "policy kind mlp" and v[ids["swapped"]]["verdict"] == "failed",
          "policy by kind")
    v = verdicts("--since", "2026-11-27T11", want=0)
    check(set(v) == {ids["loop"], ids["gs"]}, "--since")
    v = verdicts("--claim", ids["honest"][:10], "--claim", ids["bad_out"], want=1)
    check(len(v) == 2, "--claim prefix")
    v = verdicts("--claim", ids["bad_out"], "--config", '{"float":"allclose","atol":2}', want=0)
    check(v[ids["bad_out"]]["rule"].startswith("floats allclose"), "--config replaces the claim's")
    v = verdicts("--claim", ids["honest"], "--strategy", "bit_exact", want=0)

    # --jobs 2 gives exactly the results of --jobs 1 (timings aside)
    def strip(p):
        r = json.loads(p.stdout)
        for c in r["claims"]:
            c.pop("timings")
        r["engine"].pop("jobs")
        r["engine"].pop("threads")
        return r
    a = strip(run("verify", db, "--json", "--no-results", *lim, "--jobs", "1", "--threads", "1", want=3))
    b = strip(run("verify", db, "--json", "--no-results", *lim, "--jobs", "2", want=3))
    check(a == b, "--jobs 2 differs from --jobs 1")

    # human output, results database, HTML report
    p = run("verify", db, *lim, "--report", f"{tmp}/r.html", "-o", f"{tmp}/r.json", want=3)
    check(p.stdout.count("\n") >= 9 and "7 claims: 4 passed, 2 failed, 0 not checkable, 1 hit a limit (exit 3)" in p.stdout,
          p.stdout)
    check("no graph was pinned" in p.stdout, "unpinned note")
    check(json.load(open(f"{tmp}/r.json"))["summary"]["total"] == 7, "-o JSON")
    html = open(f"{tmp}/r.html").read()
    check('id="claims"' in html and "<svg" in html and "http" not in html.replace("http-equiv", ""), "HTML report")
    con = sqlite3.connect(f"{db}.results.sqlite")
    n, = con.execute("SELECT COUNT(*) FROM runs").fetchone()
    row = con.execute("SELECT verdict, engine_json FROM runs WHERE claim_id = ?", (ids["bad_out"],)).fetchone()
    con.close()
    check(n == 7 and row[0] == "failed" and "commit" in json.loads(row[1]), f"results db: {n} {row}")
    run("verify", db, *lim, "--results", f"{tmp}/other.sqlite", "--claim", ids["gs"], want=0)
    check(os.path.exists(f"{tmp}/other.sqlite"), "--results FILE")

    # --resume: verdicts recorded under the same settings are reported from their run (the same
    # JSON, timings included), errors and limits are checked again, other settings start afresh
    rdb = f"{tmp}/resume.sqlite"
    first = json.loads(run("verify", db, "--json", *lim, "--results", rdb, want=3).stdout)
    again = json.loads(run("verify", db, "--json", *lim, "--results", rdb, "--resume", want=3).stdout)
    byid = {c["id"]: c for c in first["claims"]}
    resumed_from = {}
    for c in again["claims"]:
        r = c.pop("resumed")
        resumed_from[c["id"]] = r
        f = dict(byid[c["id"]])
        check(f.pop("resumed") is None, "a fresh run is not marked resumed")
        if c["exit_class"] <= 1:
            check(r and r["run"] > 0 and r["verified_at"].endswith("Z") and c == f, f"resumed {c['id'][:8]}: {r}")
        else:
            check(r is None, f"{c['id'][:8]}: a limit is checked again, not resumed")
    check(again["summary"] == first["summary"], f"summary {again['summary']}")
    con = sqlite3.connect(rdb)
    n, = con.execute("SELECT COUNT(*) FROM runs").fetchone()
    con.close()
    check(n == 8, f"--resume records only the claims checked again: {n} rows")
    p = run("verify", db, *lim, "--results", rdb, "--resume", "--report", f"{tmp}/resumed.html", want=3)
    check("[resumed: run " in p.stdout and "6 of them taken from earlier runs" in p.stdout, p.stdout)
    check(open(f"{tmp}/resumed.html").read().count('class="resumed"') == 6, "HTML report marks resumed claims")
    v = json.loads(run("verify", db, "--json", *lim, "--results", rdb, "--resume", "--fuel", "1000000000000", want=3).stdout)
    check(all(c["resumed"] is None for c in v["claims"]), "other limits: nothing resumed")
    v = json.loads(run("verify", db, "--json", *lim, "--results", rdb, "--resume", "--claim", ids["bad_out"],
                       "--config", '{"float":"allclose","atol":2}', want=0).stdout)
    check(v["claims"][0]["resumed"] is None and v["claims"][0]["verdict"] == "passed", "other config: checked again")
    # a tampered row is an error naming it, not a verdict
    con = sqlite3.connect(rdb)
    bad_run = resumed_from[ids["bad_out"]]["run"]
    for tampered, frag in [('{"id": 5}', "'id' is not a string"), ("{", "result JSON"),
                           (json.dumps(dict(byid[ids["honest"]], resumed=None)), "it is the result of claim"),
                           (json.dumps(dict(byid[ids["bad_out"]], verdict="passed")), "disagrees with exit_class"),
                           (json.dumps(dict(byid[ids["bad_out"]], reason="x" * 5000)), "'reason' is too long")]:
        con.execute("UPDATE runs SET result_json = ? WHERE id = ?", (tampered, bad_run))
        con.commit()
        p = run("verify", db, *lim, "--results", rdb, "--resume", want=2)
        check(f"run {bad_run} of claim {ids['bad_out'][:12]}" in p.stderr and frag in p.stderr, f"{frag}: {p.stderr}")
    con.execute("UPDATE runs SET result_json = ?, verified_at = ? WHERE id = ?",
                (json.dumps(dict(byid[ids["bad_out"]], resumed=None)), "2026\x1b[2J", bad_run))
    con.commit()
    p = run("verify", db, *lim, "--results", rdb, "--resume", want=2)
    check("verified_at is not an RFC 3339 time" in p.stderr, f"escape in verified_at: {p.stderr}")
    con.close()
    # a results file from before the settings column: gains it, its runs are never resumed from
    old = f"{tmp}/old-results.sqlite"
    con = sqlite3.connect(old)
    con.executescript("CREATE TABLE results_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO results_meta VALUES('format', 'veritor.results.v1');"
                      "CREATE TABLE runs(id INTEGER PRIMARY KEY, claim_id TEXT NOT NULL, verified_at TEXT NOT NULL,"
                      " verdict TEXT NOT NULL, exit_class INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,"
                      " strategy TEXT NOT NULL, graph_id TEXT NOT NULL, pin TEXT NOT NULL, result_json TEXT NOT NULL,"
                      " engine_json TEXT NOT NULL);"
                      "CREATE INDEX runs_claim ON runs(claim_id, verified_at);")
    con.execute("INSERT INTO runs(claim_id, verified_at, verdict, exit_class, status, reason, strategy, graph_id, pin,"
                " result_json, engine_json) VALUES(?, '2026-01-01T00:00:00Z', 'passed', 0, 'ok', '', 'bit_exact', '',"
                " 'none', ?, '{}')", (ids["gs"], json.dumps(byid[ids["gs"]])))
    con.commit()
    con.close()
    v = json.loads(run("verify", db, "--json", *lim, "--results", old, "--resume", "--claim", ids["gs"], want=0).stdout)
    check(v["claims"][0]["resumed"] is None, "a legacy row is not resumed from")
    con = sqlite3.connect(old)
    rows = con.execute("SELECT settings FROM runs ORDER BY id").fetchall()
    con.close()
    check(len(rows) == 2 and rows[0][0] == "" and len(rows[1][0]) == 64, f"legacy file migrated: {rows}")
    for args, frag in [(["--resume", "--no-results"], "--resume"), (["--resume", "--dir", f"{tmp}/honest"], "--resume")]:
        p = run("verify", *([db] if "--dir" not in args else []), *args, want=2)
        check(frag in p.stderr, f"{args}: {p.stderr}")

    # usage errors and hostile options: exit 2, a message, no change
    for args, frag in [(["--jobs", "0"], "--jobs"), (["--since", "yesterday"], "RFC 3339"),
                       (["--expect-graph", "abc"], "64-hex"), (["--bogus"], "unknown option"),
                       (["--claim", "ZZ"], "hex"), (["--claim", "ffffffff"], "no such claim"),
                       (["--where", "novalue"], "KEY=VALUE"), (["--strategy", "magic"], "unknown strategy"),
                       (["--config", '{"x":1}'], "unknown key 'x'"), (["--config", "{"], "config"),
                       (["--results", db], "workload database itself"), (["--policy", f"{tmp}/nope.json"], "nope.json"),
                       (["--results", "x", "--no-results"], "exclude"), (["--where", "kind=none"], "no claims")]:
        p = run("verify", db, *args, want=2)
        check(frag in p.stderr + p.stdout, f"{args}: output lacks '{frag}': {p.stderr}{p.stdout}")
    open(f"{tmp}/badpol.json", "w").write('{"kinds":{"mlp":["00"]}}')
    p = run("verify", db, "--policy", f"{tmp}/badpol.json", want=2)
    check("not a 64-hex-digit graph id" in p.stderr, p.stderr)
    run("verify", want=2)
    run("verify", db, "--dir", f"{tmp}/honest", want=2)
    p = run("verify", "--help", want=0)
    check("usage: veritor verify" in p.stdout, "help")
    p = run("verify", "--dir", f"{tmp}/nonexistent", want=2)
    os.remove(f"{tmp}/bad_in/inputs/1.npy")  # a hole in the numbering
    p = run("verify", "--dir", f"{tmp}/bad_in", want=2)
    check("bad_in" in p.stderr, p.stderr)
    open(f"{tmp}/notdb.vdb", "wb").write(b"SQLite format 3\x00" + b"\xff" * 200)
    run("verify", f"{tmp}/notdb.vdb", want=2)

    check(sha(db) == h0, "verify modified the prover's file")
    check(not os.path.exists(db + "-wal") and not os.path.exists(db + "-journal"), "verify left a journal beside the file")
    shutil.rmtree(tmp)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
