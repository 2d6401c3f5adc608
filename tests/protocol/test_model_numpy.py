"""Independent numpy implementation of the reference transformer (docs/model.md), written from
the model definition, against the interpreter running the generated graphs: prefill logits
(f64 graphs within 1e-5, f32 within 1e-4 relative) for RMSNorm / LayerNorm x learned / rotary
positions, decode's argmax tokens and logits, and the CLI's rejection of bad input."""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

VERITOR = os.environ.get("VERITOR", "veritor")
failures = 0
checks = 0


def check(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(*args, expect=0):
    p = subprocess.run([VERITOR, *args], capture_output=True, text=True)
    check(p.returncode == expect, f"{' '.join(args)}: exit {p.returncode} != {expect}: {p.stderr.strip()}")
    return p


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = body[a:b]
        if info["dtype"] == "F32":
            arr = np.frombuffer(raw, "<f4")
        elif info["dtype"] == "F64":
            arr = np.frombuffer(raw, "<f8")
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(info["dtype"])
        out[name] = arr.reshape(info["shape"]).astype(np.float64)
    return out


def write_safetensors(path, tensors, dtype):
    """tensors: name -> array, written as dtype ('F64' or 'F32') in the given order."""
    np_dt = {"F64": "<f8", "F32": "<f4"}[dtype]
    header, body, off = {}, b"", 0
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, dtype=np_dt).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        body += raw
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + body)


def param_names(cfg):
    ln = cfg["norm"] == "layernorm"
    names = ["wte"] + (["wpe"] if cfg["positions"] == "learned" else [])
    per = ("attn_norm", "attn_norm_bias", "wq", "wk", "wv", "wo", "mlp_norm", "mlp_norm_bias", "w1", "w2")
    for l in range(cfg["layers"]):
        names += [f"layers.{l}.{n}" for n in per if ln or not n.endswith("_bias")]
    return names + ["final_norm"] + (["final_norm_bias"] if ln else [])


def rms_norm(x, g, eps=1e-5):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * g


def layer_norm(x, g, b, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def rope(x, T):
    """x [T, H, dh]: rotate pairs (i, i + dh/2) by angle t / 10000^(2i/dh) (GPT-NeoX half split)."""
    dh = x.shape[-1]
    half = dh // 2
    ang = np.arange(T)[:, None] / (10000.0 ** (np.arange(half) * 2.0 / dh))[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], axis=-1)


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(cfg, w, tokens):
    """tokens [T] -> logits [T, V], in f64."""
    T = len(tokens)
    H = cfg["heads"]
    d = cfg["d_model"]
    dh = d // H
    ln = cfg.get("norm") == "layernorm"
    use_rope = cfg.get("positions") == "rope"
    norm = (lambda x, pre: layer_norm(x, w[pre], w[pre + "_bias"])) if ln else (lambda x, pre: rms_norm(x, w[pre]))
    x = w["wte"][tokens] + (0 if use_rope else w["wpe"][:T])
    causal = np.tril(np.ones((T, T), dtype=bool))
    for l in range(cfg["layers"]):
        p = lambda n: w[f"layers.{l}.{n}"]
        h = norm(x, f"layers.{l}.attn_norm")
        q = (h @ p("wq")).reshape(T, H, dh)
        k = (h @ p("wk")).reshape(T, H, dh)
        v = (h @ p("wv")).reshape(T, H, dh)
        if use_rope:
            q, k = rope(q, T), rope(k, T)
        s = np.einsum("ihd,jhd->hij", q, k) / np.sqrt(dh)
        s = np.where(causal[None], s, -np.inf)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = s / s.sum(axis=-1, keepdims=True)
        o = np.einsum("hij,jhd->ihd", a, v).reshape(T, d)
        x = x + o @ p("wo")
        x = x + gelu(norm(x, f"layers.{l}.mlp_norm") @ p("w1")) @ p("w2")
    return norm(x, "final_norm") @ w["wte"].T


def prefill_case(tmp, compute, tol, rel, norm="rms", positions="learned"):
    d = os.path.join(tmp, f"m_{compute}_{norm}_{positions}")
    T = 16
    run("model", "init", "tiny", "-o", d, "--seed", "5", "--seq", str(T), "--compute", compute, "--norm", norm,
        "--positions", positions)
    cfg = json.load(open(os.path.join(d, "config.json")))
    check(cfg["vocab"] == 256 and cfg["d_model"] == 64 and cfg["layers"] == 2, f"config {cfg}")
    check(cfg["norm"] == ("layernorm" if norm == "layernorm" else "rmsnorm") and cfg["positions"] == positions,
          f"config norm/positions {cfg}")
    w = read_safetensors(os.path.join(d, "weights.safetensors"))
    names = param_names(cfg)
    check(sorted(names) == sorted(w), "parameter names")
    if norm != "rms" or positions != "learned":
        # Gains and biases away from ones / zeros so that both are exercised; rewritten in order.
        rng0 = np.random.default_rng(2)
        for n in names:
            if w[n].ndim == 1:
                w[n] = w[n] + rng0.normal(0, 0.3, w[n].shape)
        write_safetensors(os.path.join(d, "weights.safetensors"), {n: w[n] for n in names},
                          "F64" if compute == "f64" else "F32")
        if compute == "f32":
            w = {n: w[n].astype(np.float32).astype(np.float64) for n in names}
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, cfg["vocab"], size=(1, T)).astype(np.int32)
    np.save(os.path.join(tmp, "tokens.npy"), tokens)
    wpath = os.path.join(d, "weights.safetensors")
    args = ["run", os.path.join(d, "prefill.mlir"), "-o", os.path.join(d, "out")]
    for i, n in enumerate(names):
        args += ["--input", f"{i}={wpath}:{n}"]
    args += ["--input", f"{len(names)}={os.path.join(tmp, 'tokens.npy')}"]
    run(*args)
    got = np.load(os.path.join(d, "out", "0.npy")).astype(np.float64)
    want = forward(cfg, w, tokens[0])
    check(got.shape == (1, T, cfg["vocab"]), f"logits shape {got.shape}")
    err = np.max(np.abs(got[0] - want) / (rel * np.maximum(1.0, np.abs(want)) + (1 - rel)))
    check(err <= tol, f"{compute}: prefill logits differ from numpy by {err} > {tol}")
    check(np.std(want) > 0.1, "logits are not degenerate")
    return d, cfg, w


def decode_case(d, cfg, w):
    prompt = [1, 2, 3, 250]
    lg = os.path.join(d, "decode_logits.npy")
    p = run("model", "decode", d, "--prompt", ",".join(map(str, prompt)), "--max-new", "10", "--logits", lg,
            "--fingerprints", os.path.join(d, "fp.npy"))
    gen = [int(t) for t in p.stdout.strip().split(",")]
    check(len(gen) == 10, f"decode printed {p.stdout!r}")
    seq = prompt + gen
    want = forward(cfg, w, np.array(seq[:-1]))
    got = np.load(lg).astype(np.float64)
    check(got.shape == want.shape, f"decode logits shape {got.shape} != {want.shape}")
    check(np.max(np.abs(got - want)) <= 1e-5, f"decode logits differ by {np.max(np.abs(got - want))}")
    check(list(np.argmax(want[len(prompt) - 1:], axis=-1)) == gen, f"decode tokens {gen} are not numpy's argmax")
    fp = np.load(os.path.join(d, "fp.npy"))
    check(fp.shape == (len(seq) - 1, cfg["fp_k"]) and np.all(np.isfinite(fp)), f"fingerprints shape {fp.shape}")


def bad_input_cases(tmp, d):
    check("usage: veritor model" in run("model", "--help").stdout, "help")
    check("unknown" in run("model", "init", "huge", "-o", os.path.join(tmp, "x"), expect=2).stderr, "bad preset")
    check("-o DIR" in run("model", "init", "tiny", expect=2).stderr, "missing -o")
    check("bad value" in run("model", "init", "tiny", "-o", tmp, "--seed", "x", expect=2).stderr, "bad seed")
    check("must be f32 or f64" in run("model", "init", "tiny", "-o", tmp, "--compute", "i32", expect=2).stderr,
          "bad compute dtype")
    check("bad token list" in run("model", "decode", d, "--prompt", "1,,2", expect=2).stderr, "bad prompt")
    check("bad token list" in run("model", "decode", d, "--prompt", "1,2,", expect=2).stderr, "trailing comma")
    check("outside the vocabulary" in run("model", "decode", d, "--prompt", "1,9999", expect=2).stderr, "oov token")
    check("sum <= max_seq" in run("model", "decode", d, "--prompt", "1", "--max-new", "500", expect=2).stderr,
          "too long")
    check("needs --key" in run("model", "decode", d, "--prompt", "1", "--temperature", "0.8", expect=2).stderr,
          "sampling without key")
    check("bad value" in run("model", "decode", d, "--prompt", "1", "--top-p", "1.5", expect=2).stderr, "bad top-p")
    a = run("model", "decode", d, "--prompt", "1,2", "--max-new", "12", "--temperature", "0.8", "--top-p", "0.9",
            "--key", "7").stdout
    b = run("model", "decode", d, "--prompt", "1,2", "--max-new", "12", "--temperature", "0.8", "--top-p", "0.9",
            "--key", "8").stdout
    check(len(a.split(",")) == 12 and a != b, f"sampled decode with keys 7/8: {a!r} {b!r}")
    check(a == run("model", "decode", d, "--prompt", "1,2", "--max-new", "12", "--temperature", "0.8", "--top-p",
                   "0.9", "--key", "7").stdout, "sampled decode is deterministic")
    # Hostile folders: missing, corrupt config, truncated weights.
    check("config.json" in run("model", "decode", os.path.join(tmp, "nope"), "--prompt", "1", expect=2).stderr,
          "missing dir")
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "config.json"), "w") as f:
        f.write('{"vocab": 256')
    check("config.json" in run("model", "decode", bad, "--prompt", "1", expect=2).stderr, "corrupt config")
    cfg = open(os.path.join(d, "config.json")).read()
    with open(os.path.join(bad, "config.json"), "w") as f:
        f.write(cfg)
    with open(os.path.join(d, "weights.safetensors"), "rb") as f:
        data = f.read()
    with open(os.path.join(bad, "weights.safetensors"), "wb") as f:
        f.write(data[:len(data) // 2])
    p = run("model", "decode", bad, "--prompt", "1", expect=2)
    check("weights.safetensors" in p.stderr, f"truncated weights: {p.stderr}")
    with open(os.path.join(bad, "config.json"), "w") as f:
        f.write(cfg.replace('"d_model": 64', '"d_model": 32'))
    with open(os.path.join(bad, "weights.safetensors"), "wb") as f:
        f.write(data)
    check("shape does not match" in run("model", "decode", bad, "--prompt", "1", expect=2).stderr, "wrong config")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        prefill_case(tmp, "f64", 1e-5, 0)
        d, cfg, w = prefill_case(tmp, "f32", 1e-4, 1)
        decode_case(d, cfg, w)
        prefill_case(tmp, "f64", 1e-5, 0, "layernorm", "learned")
        prefill_case(tmp, "f64", 1e-5, 0, "rms", "rope")
        prefill_case(tmp, "f64", 1e-5, 0, "layernorm", "rope")
        dl, cfgl, wl = prefill_case(tmp, "f32", 1e-4, 1, "layernorm", "rope")
        decode_case(dl, cfgl, wl)
        check("bad value" in run("model", "init", "tiny", "-o", tmp, "--norm", "batch", expect=2).stderr, "bad norm")
        check("bad value" in run("model", "init", "tiny", "-o", tmp, "--positions", "alibi", expect=2).stderr,
              "bad positions")
        bad_input_cases(tmp, d)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
