"""CLI tests for `veritor rand`, `veritor lsh` and `veritor sample`, with an independent numpy
implementation of the documented Threefry streams, projection layout and sampler
(docs/randomness.md, docs/fingerprints.md, docs/sampling.md)."""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # a python3 on PATH without numpy (pyenv shim): use the system one
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

CLI = os.environ.get("VERITOR", "veritor")
TMP = tempfile.mkdtemp(prefix="vt_cli_protocol_")
failures = 0
checks = 0


def run(*args):
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def expect(args, code, fragment=None, stream="stderr"):
    rc, out, err = run(*args)
    text = err if stream == "stderr" else out
    check(rc == code, f"{args}: exit {rc}, expected {code} ({err.strip()})")
    if fragment is not None:
        check(fragment in text, f"{args}: {stream} lacks {fragment!r}: {text!r}")
    return out


# ---- an independent Threefry-2x32 and the partitionable streams ----------------------------
M = 0xFFFFFFFF


def threefry(k0, k1, x0, x1):
    rot = [13, 15, 26, 6, 17, 29, 16, 24]
    ks = [k0, k1, (k0 ^ k1 ^ 0x1BD11BDA) & M]
    x0 = (x0 + ks[0]) & M
    x1 = (x1 + ks[1]) & M
    for i in range(20):
        x0 = (x0 + x1) & M
        r = rot[i % 8]
        x1 = ((x1 << r) | (x1 >> (32 - r))) & M
        x1 ^= x0
        if i % 4 == 3:
            s = i // 4 + 1
            x0 = (x0 + ks[s % 3]) & M
            x1 = (x1 + ks[(s + 1) % 3] + s) & M
    return x0, x1


def bits32(key, i):
    a, b = threefry(key[0], key[1], i >> 32, i & M)
    return a ^ b


def uniform53(key):
    a, b = threefry(key[0], key[1], 0, 0)
    return (((a << 32) | b) >> 11) * 2.0**-53


def fold_in(key, d):
    return threefry(key[0], key[1], 0, d)


# ---- rand ---------------------------------------------------------------------------------
out = expect(["rand", "uniform", "--key", "0"], 0, stream="stdout")
check(abs(float(out) - 0.947667) < 5e-7, f"uniform(key(0)) = {out}")
out = expect(["rand", "split", "--key", "0"], 0, stream="stdout").split()
check(out == ["0x6b200159:0x99ba4efe", "0x375f238f:0xcddb151d"], f"split: {out}")
out = expect(["rand", "fold-in", "--key", "0", "--data", "1"], 0, stream="stdout").split()
check(out == ["0x375f238f:0xcddb151d"], f"fold-in: {out}")
out = expect(["rand", "bits", "--key", "1701", "--num", "3"], 0, stream="stdout").split()
check(out == [str(bits32((0, 1701), i)) for i in range(3)], f"bits: {out}")
out = expect(["rand", "bits", "--key", "1701", "--num", "2", "--offset", str(2**32 + 1)], 0, stream="stdout").split()
check(out == [str(bits32((0, 1701), 2**32 + 1 + i)) for i in range(2)], f"bits offset: {out}")
out = expect(["rand", "uniform53", "--key", "0x1:0x2"], 0, stream="stdout")
check(float(out) == uniform53((1, 2)), f"uniform53: {out}")
expect(["rand", "normal", "--key", "42", "--num", "3"], 0, "", stream="stdout")
expect(["rand", "--help"], 0, "usage: veritor rand", stream="stdout")
expect(["rand", "split", "--help"], 0, "usage: veritor rand", stream="stdout")
expect(["rand", "bits", "--key", "0x1:zz"], 2, "key '0x1:zz'")
expect(["rand", "bits", "--key", "-3"], 2, "non-negative")
expect(["rand", "bits"], 2, "--key is required")
expect(["rand", "bits", "--key", "1", "--width", "12"], 2, "--width")
expect(["rand", "bits", "--key", "1", "--num", "1000000000"], 3, "exceeds the limit")
expect(["rand", "dance", "--key", "1"], 2, "unknown subcommand 'dance'")
expect(["rand", "fold-in", "--key", "1", "--data", "lshx"], 2, "purpose 'lshx'")
f = os.path.join(TMP, "r.txt")
expect(["rand", "split", "--key", "0", "--num", "3", "-o", f], 0)
check(open(f).read().split()[1] == "0x375f238f:0xcddb151d", "rand -o")

# ---- lsh project ---------------------------------------------------------------------------
rng = np.random.default_rng(0)
H = rng.standard_normal((5, 100)).astype(np.float32)
hp = os.path.join(TMP, "h.npy")
np.save(hp, H)
fp = os.path.join(TMP, "f.npy")
expect(["lsh", "project", "--key", "0x12:0x34", "--k", "8", hp, "-o", fp], 0)
F = np.load(fp)
k, d = 8, 100
R = np.empty((k, d))
for i in range(d):
    for j in range(k):
        w = bits32((0x12, 0x34), (i // 32) * k + j)
        R[j, i] = -1.0 if (w >> (i % 32)) & 1 else 1.0
ref = (H.astype(np.float64) @ R.T) / np.sqrt(k)
check(F.shape == (5, 8) and F.dtype == np.float32, f"lsh shape {F.shape} {F.dtype}")
check(np.max(np.abs(F - ref)) < 1e-4, f"lsh project differs from the documented layout: {np.max(np.abs(F - ref))}")
np.save(hp, H.astype(np.float16))
expect(["lsh", "project", "--key", "0x12:0x34", "--k", "8", hp, "-o", fp], 0)
check(np.max(np.abs(np.load(fp) - (H.astype(np.float16).astype(np.float64) @ R.T) / np.sqrt(k))) < 1e-3, "f16 input")
np.save(hp, H[0])
out = expect(["lsh", "project", "--key", "0x12:0x34", "--k", "8", hp], 0, stream="stdout")
check(np.max(np.abs(np.array(out.split(), float) - ref[0])) < 1e-4, "lsh project to stdout")
np.save(hp, np.zeros((2, 2, 2), np.float32))
expect(["lsh", "project", "--key", "1", "--k", "8", hp], 2, "rank 3")
np.save(hp, np.zeros((2, 2), np.int32))
expect(["lsh", "project", "--key", "1", "--k", "8", hp], 2, "not supported")
bad = os.path.join(TMP, "bad.npy")
open(bad, "wb").write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
expect(["lsh", "project", "--key", "1", "--k", "8", bad], 2, "bad.npy")
expect(["lsh", "project", "--key", "1", "--k", "8", os.path.join(TMP, "missing.npy")], 2, "missing.npy")
expect(["lsh", "project", "--key", "1", "--k", "5000", hp], 2, "above 4096")
expect(["lsh", "project", "--key", "1", hp], 2, "--k is required")
expect(["lsh", "--help"], 0, "usage: veritor lsh", stream="stdout")

# ---- lsh threshold -------------------------------------------------------------------------
out = expect(["lsh", "threshold", "--d", "64", "--k", "64", "--key", "1", "--fpr", "1e-3", "--sigma", "1",
              "--shift-norm", "20"], 0, stream="stdout")
vals = dict(line.split() for line in out.strip().splitlines())
check(abs(float(vals["fpr_check"]) - 1e-3) < 1e-8, f"fpr_check {vals.get('fpr_check')}")
check(float(vals["chi2_k_real_fpr"]) > 2e-3, f"chi2_k real rate {vals.get('chi2_k_real_fpr')}")
check(abs(float(vals["threshold"]) ** 2 - float(vals["threshold_sq"])) < 1e-6 * float(vals["threshold_sq"]), "sqrt")
check(0 <= float(vals["power"]) <= 1, "power")
expect(["lsh", "threshold", "--d", "64", "--k", "64", "--key", "1", "--fpr", "1e-12", "--sigma", "1"], 2,
       "not supported")
expect(["lsh", "threshold", "--d", "64", "--k", "64", "--key", "1", "--fpr", "1e-3", "--sigma", "0"], 2, "sigma")
expect(["lsh", "threshold", "--k", "64", "--key", "1", "--fpr", "1e-3", "--sigma", "1"], 2, "--d")
expect(["lsh", "threshold", "--d", "64", "--k", "64", "--key", "1", "--sigma", "1"], 2, "--fpr")
expect(["lsh", "threshold", "--d", "99999999999", "--k", "64", "--key", "1", "--fpr", "1e-3", "--sigma", "1"], 3,
       "above 2^27")
expect(["lsh", "threshold", "--d", "64", "--k", "64", "--key", "1", "--fpr", "x", "--sigma", "1"], 2, "--fpr")

# ---- sample --------------------------------------------------------------------------------
V = 50
L = (rng.standard_normal((6, V)) * 2).astype(np.float32)
lp = os.path.join(TMP, "l.npy")
np.save(lp, L)
out = expect(["sample", "--temperature", "0", "--key", "1", lp], 0, stream="stdout").split()
check([int(t) for t in out] == list(np.argmax(L, axis=1)), f"argmax tokens {out}")
out = expect(["sample", "--key", "0x5:0x6", "--position", "10", lp], 0, stream="stdout").split()
want = []
for t in range(6):
    p = 10 + t
    key = fold_in(fold_in(fold_in((5, 6), 0x534D504C), p >> 32), p & M)
    u = uniform53(key)
    x = L[t].astype(np.float64)
    q = np.exp(x - x.max())
    q = q / q.sum()
    c, tok = 0.0, V - 1
    target = u * q.sum()
    for i in range(V):
        c += q[i]
        if target < c:
            tok = i
            break
    want.append(tok)
check([int(t) for t in out] == want, f"keyed tokens {out} vs independent {want}")
tp = os.path.join(TMP, "t.npy")
expect(["sample", "--key", "0x5:0x6", "--position", "10", lp, "-o", tp], 0)
check(list(np.load(tp)) == want, "sample -o")
out = expect(["sample", "--logprob", "3", lp], 0, stream="stdout")
x = L[0].astype(np.float64)
check(abs(float(out) - (x[3] - x.max() - np.log(np.exp(x - x.max()).sum()))) < 1e-9, f"logprob {out}")
pp = os.path.join(TMP, "p.npy")
expect(["sample", "--dist", "--top-k", "5", lp, "-o", pp], 0)
P = np.load(pp)
check(P.shape == (6, V) and np.allclose(P.sum(axis=1), 1) and ((P > 0).sum(axis=1) == 5).all(), "dist top-k")
# sampling test: honest tokens pass, argmax tokens of a long sequence are rejected
L2 = (rng.standard_normal((200, V)) * 2).astype(np.float32)
np.save(lp, L2)
expect(["sample", "--key", "7", lp, "-o", tp], 0)
out = expect(["sample", "--check", tp, "--key", "7", lp], 0, "verdict pass", stream="stdout")
check("match_rate 1" in out, f"match rate: {out}")
np.save(tp, np.argmax(L2, axis=1).astype(np.int64))
expect(["sample", "--check", tp, lp], 1, "verdict reject", stream="stdout")
np.save(tp, np.zeros(3, np.int32))
expect(["sample", "--check", tp, lp], 2, "expected 200 integer tokens")
expect(["sample", "--temperature", "-1", "--key", "1", lp], 2, "temperature")
expect(["sample", "--top-p", "0", "--key", "1", lp], 2, "top_p")
expect(["sample", "--prev", "1,x", "--key", "1", lp], 2, "--prev")
expect(["sample", "--repetition-penalty", "2", "--prev", "60", "--key", "1", lp], 2, "previous token 0 = 60")
expect(["sample", lp], 2, "--key is required")
expect(["sample", "--key", "1"], 2, "LOGITS file is required")
np.save(lp, np.zeros((2, 2, 2), np.float32))
expect(["sample", "--key", "1", lp], 2, "shape [V] or [n, V]")
np.save(lp, np.array([0.0, np.nan], np.float32))
expect(["sample", "--key", "1", lp], 2, "logit 1 is NaN")
expect(["sample", "--help"], 0, "usage: veritor sample", stream="stdout")
expect(["help", "sample"], 0, "usage: veritor sample", stream="stdout")

print("test_cli_protocol:", "FAILED" if failures else "ok", f"({checks} checks, {failures} failures)")
sys.exit(1 if failures else 0)
