# Tests of `veritor tensor show/convert` through the real CLI: good files of several dtypes,
# round trips checked with numpy, --json checked field by field, and bad usage, missing,
# corrupt, hostile and oversized inputs with their exit codes and messages.
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    # A python3 earlier in PATH (pyenv, venv) may lack Debian's python3-numpy: use the system one.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

VERITOR = os.environ.get("VERITOR", "./veritor")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def run(*args):
    p = subprocess.run([VERITOR, *args], capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def expect(args, code, fragment=None, stream="stderr"):
    rc, out, err = run(*args)
    text = err if stream == "stderr" else out
    check(rc == code, f"veritor {' '.join(args)}: exit {rc}, expected {code}; stderr: {err.strip()}")
    if fragment is not None:
        check(fragment in text, f"veritor {' '.join(args)}: {stream} lacks {fragment!r}: {text.strip()}")
    return rc, out, err


def content_id(dtype, dims, data):
    # Independent implementation of docs/formats.md (same as the worked vectors there).
    h = b"veritor.tensor.v1\x00" + bytes([len(dtype)]) + dtype.encode() + struct.pack("<I", len(dims))
    for d in dims:
        h += struct.pack("<Q", d)
    h += struct.pack("<Q", len(data)) + struct.pack("<Q", 4 << 20)
    body = b"".join(hashlib.sha256(data[i:i + (4 << 20)]).digest() for i in range(0, len(data), 4 << 20))
    return hashlib.sha256(h + body).hexdigest()


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype code, shape, bytes)."""
    header, off, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, code, shape, data in tensors:
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [off, off + len(data)]}
        off += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def show_json(path):
    rc, out, err = run("tensor", "show", path, "--json")
    check(rc == 0, f"show --json {path}: exit {rc}: {err.strip()}")
    try:
        # The same check as `python3 -m json.tool`: the whole output is one JSON document.
        subprocess.run([sys.executable, "-m", "json.tool"], input=out, text=True, check=True, capture_output=True)
        return json.loads(out)
    except Exception as e:  # noqa: BLE001 - any parse failure is a test failure
        check(False, f"show --json {path}: not JSON ({e}): {out[:200]}")
        return {"tensors": []}


def main():
    d = tempfile.mkdtemp(prefix="vt-cli-tensor-")
    try:
        body(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print(f"{checks} checks, {failures} failed")
    return 1 if failures else 0


def body(d):
    p = lambda name: os.path.join(d, name)  # noqa: E731

    # ---- help and usage ----
    rc, out, _ = expect(["tensor", "--help"], 0, "usage: veritor tensor show", "stdout")
    rc, out2, _ = expect(["help", "tensor"], 0, "veritor tensor convert IN -o OUT", "stdout")
    check(out == out2, "help tensor == tensor --help")
    expect(["tensor", "show", "--help"], 0, "usage:", "stdout")
    expect(["tensor"], 2, "missing subcommand")
    expect(["tensor", "frobnicate"], 2, "unknown subcommand 'frobnicate'")
    expect(["tensor", "show"], 2, "show needs a file")
    expect(["tensor", "show", "a.npy", "b.npy"], 2, "takes one file")
    expect(["tensor", "show", "a.npy", "--bogus"], 2, "unknown option '--bogus'")
    expect(["tensor", "show", "a.npy", "-o", "x"], 2, "unknown option '-o'")
    expect(["tensor", "convert", "a.npy"], 2, "needs an output file")
    expect(["tensor", "convert", "a.npy", "-o"], 2, "needs a file name")
    expect(["tensor", "show", "a.npy", "--max-bytes", "12x"], 2, "--max-bytes needs a positive integer")
    expect(["tensor", "show", "a.npy", "--max-bytes", "-1"], 2, "--max-bytes needs a positive integer")
    expect(["tensor", "show", ""], 2, "empty file name")

    # ---- good files ----
    iota = np.arange(6, dtype=np.int32).reshape(2, 3)
    np.save(p("iota.npy"), iota)
    rc, out, _ = expect(["tensor", "show", p("iota.npy")], 0, "ac184a7527fb656edce776641005af38012d07963973badb38e04e500f36f1af", "stdout")
    for frag in ["dtype:    i32", "shape:    [2, 3]", "elements: 6", "min:      0", "max:      5", "mean:     2.5",
                 "nan:      0", "inf:      0", "name:     tensor"]:
        check(frag in out, f"show iota.npy lacks {frag!r}: {out}")
    j = show_json(p("iota.npy"))
    check(j.get("format") == "npy", "json format npy")
    t = j["tensors"][0] if j["tensors"] else {}
    check(t.get("dtype") == "i32" and t.get("shape") == [2, 3] and t.get("elements") == 6, f"json fields {t}")
    check(t.get("min") == 0 and t.get("max") == 5 and t.get("mean") == 2.5, f"json stats {t}")
    check(abs(t.get("std", 0) - float(np.std(iota))) < 1e-12, f"json std {t}")
    check(t.get("id") == content_id("i32", [2, 3], iota.tobytes()), f"json id {t}")

    # Floats with NaN and Inf: counted, left out of the moments.
    f = np.array([1.0, -2.0, np.nan, np.inf, -np.inf, 4.0], dtype=np.float32)
    np.save(p("f.npy"), f)
    t = show_json(p("f.npy"))["tensors"][0]
    check(t["nan"] == 1 and t["inf"] == 2 and t["finite"] == 3, f"nan/inf counts {t}")
    check(t["min"] == -2.0 and t["max"] == 4.0 and t["mean"] == 1.0, f"finite stats {t}")
    check(abs(t["std"] - float(np.std([1.0, -2.0, 4.0]))) < 1e-12, f"finite std {t}")

    # Complex: magnitudes.
    c = np.array([3 + 4j, 0 - 1j], dtype=np.complex64)
    np.save(p("c.npy"), c)
    t = show_json(p("c.npy"))["tensors"][0]
    check(t["dtype"] == "complex<f32>" and t["stats_of"] == "magnitude", f"complex {t}")
    check(t["min"] == 1.0 and t["max"] == 5.0 and t["mean"] == 3.0, f"complex stats {t}")
    check(t["id"] == content_id("complex<f32>", [2], c.tobytes()), f"complex id {t}")

    # Empty tensor and uint64 extremes (exact integers, beyond f64's 2^53).
    np.save(p("empty.npy"), np.zeros((0, 5), dtype=np.float16))
    t = show_json(p("empty.npy"))["tensors"][0]
    check(t["elements"] == 0 and t["min"] is None and t["mean"] is None, f"empty {t}")
    check(t["id"] == "49e3278674b03f05c59ec8b862d6901a94e2089f0ebbbcf9085775656b1f5ac4", f"empty id {t}")
    u = np.array([2**64 - 1, 2**53 + 1, 7], dtype=np.uint64)
    np.save(p("u.npy"), u)
    rc, out, _ = expect(["tensor", "show", p("u.npy")], 0, "max:      18446744073709551615", "stdout")
    check("min:      7" in out, f"u64 min: {out}")
    i64 = np.array([-(2**63), 2**53 + 1], dtype=np.int64)
    np.save(p("i64.npy"), i64)
    t = show_json(p("i64.npy"))["tensors"][0]
    check(t["min"] == -(2**63) and t["max"] == 2**53 + 1, f"i64 exact extremes {t}")
    b = np.array([True, False, True, True, False])
    np.save(p("b.npy"), b)
    t = show_json(p("b.npy"))["tensors"][0]
    check(t["dtype"] == "i1" and t["min"] == 0 and t["max"] == 1 and t["mean"] == 0.6, f"bool {t}")
    check(t["id"] == "f287489d0548e895d4eaf3d742a6550c6c1b8f4078047f6fbd6c87fec7891d83", f"bool id {t}")

    # ---- convert: npy -> safetensors -> npy, ids and values identical ----
    x = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7.25) / 3
    np.save(p("x.npy"), x)
    expect(["tensor", "convert", p("x.npy"), "-o", p("x.safetensors")], 0, "wrote", "stdout")
    expect(["tensor", "convert", p("x.safetensors"), "--output", p("x2.npy")], 0)
    check(np.array_equal(np.load(p("x2.npy")), x), "npy -> safetensors -> npy values")
    ids = [show_json(p(n))["tensors"][0]["id"] for n in ("x.npy", "x.safetensors", "x2.npy")]
    check(len(set(ids)) == 1 and ids[0] == content_id("f32", [2, 3, 4], x.tobytes()), f"ids round trip {ids}")
    j = show_json(p("x.safetensors"))
    check(j["format"] == "safetensors" and j["tensors"][0]["name"] == "tensor", f"safetensors name {j}")

    # --dtype: f32 -> f16 .npy equals numpy's own rounding; bf16 cannot go to .npy.
    expect(["tensor", "convert", p("x.npy"), "-o", p("x16.npy"), "--dtype", "f16"], 0)
    check(np.array_equal(np.load(p("x16.npy")), x.astype(np.float16)), "f32 -> f16 matches numpy")
    expect(["tensor", "convert", p("x.npy"), "-o", p("xb.npy"), "--dtype", "bf16"], 2, "numpy has no dtype for bf16")
    check(not os.path.exists(p("xb.npy")), "no .npy written for bf16")
    expect(["tensor", "convert", p("x.npy"), "-o", p("xb.safetensors"), "--dtype=bf16"], 0)
    t = show_json(p("xb.safetensors"))["tensors"][0]
    check(t["dtype"] == "bf16" and t["shape"] == [2, 3, 4], f"bf16 {t}")
    xb = (x.view(np.uint32) + 0x7FFF + ((x.view(np.uint32) >> 16) & 1)) >> 16  # round to nearest even
    check(t["id"] == content_id("bf16", [2, 3, 4], xb.astype("<u2").tobytes()), f"bf16 id {t}")
    expect(["tensor", "convert", p("xb.safetensors"), "-o", p("xb32.npy"), "--dtype", "f32"], 0)
    check(np.array_equal(np.load(p("xb32.npy")).view(np.uint32), xb.astype(np.uint32) << 16), "bf16 -> f32 exact")
    expect(["tensor", "convert", p("x.npy"), "-o", p("q.npy"), "--dtype", "f33"], 2, "unknown dtype 'f33'")

    # Sub-byte and 8-bit float types through convert + show: exact integer stats, and a format
    # without infinities turns +-Inf into NaN.
    expect(["tensor", "convert", p("iota.npy"), "-o", p("iota4.safetensors"), "--dtype", "i4"], 0)
    t = show_json(p("iota4.safetensors"))["tensors"][0]
    check(t["dtype"] == "i4" and t["min"] == 0 and t["max"] == 5 and t["bytes"] == 6, f"i4 {t}")
    check(t["id"] == content_id("i4", [2, 3], bytes(range(6))), f"i4 id {t}")
    expect(["tensor", "convert", p("f.npy"), "-o", p("f8.safetensors"), "--dtype", "f8E4M3FN"], 0)
    t = show_json(p("f8.safetensors"))["tensors"][0]
    check(t["nan"] == 3 and t["inf"] == 0 and t["min"] == -2.0 and t["max"] == 4.0, f"f8E4M3FN {t}")

    # No known extension: the one rule picks .npy or .safetensors.
    expect(["tensor", "convert", p("x.npy"), "-o", p("auto1")], 0, "auto1.npy", "stdout")
    check(np.array_equal(np.load(p("auto1.npy")), x), "auto .npy")
    expect(["tensor", "convert", p("x.npy"), "-o", p("auto2"), "--dtype", "f8E4M3FN"], 0, "auto2.safetensors", "stdout")
    check(show_json(p("auto2.safetensors"))["tensors"][0]["dtype"] == "f8E4M3FN", "auto .safetensors")

    # A set: names, order and metadata kept; one tensor by NAME; several to .npy is refused.
    write_safetensors(p("set.safetensors"), [
        ("b", "I32", [3], np.array([1, 2, 3], dtype="<i4").tobytes()),
        ("a", "F32", [2], np.array([0.5, -0.5], dtype="<f4").tobytes()),
    ], {"format": "pt", "note": "two"})
    j = show_json(p("set.safetensors"))
    check([t["name"] for t in j["tensors"]] == ["b", "a"], f"set order {j}")
    check(j.get("metadata") == {"format": "pt", "note": "two"}, f"metadata {j}")
    rc, out, _ = expect(["tensor", "show", p("set.safetensors")], 0, "(safetensors, 2 tensors)", "stdout")
    check("metadata: note = two" in out, f"human metadata: {out}")
    j = show_json(p("set.safetensors") + ":a")
    check(len(j["tensors"]) == 1 and j["tensors"][0]["name"] == "a" and j["tensors"][0]["max"] == 0.5, f"pick :a {j}")
    expect(["tensor", "show", p("set.safetensors") + ":zz"], 2, "no tensor named 'zz'")
    expect(["tensor", "convert", p("set.safetensors"), "-o", p("set.npy")], 2, "holds 2 tensors")
    expect(["tensor", "convert", p("set.safetensors") + ":b", "-o", p("b.npy")], 0)
    check(np.array_equal(np.load(p("b.npy")), np.array([1, 2, 3], dtype=np.int32)), "pick :b to npy")
    expect(["tensor", "convert", p("set.safetensors"), "-o", p("set64.safetensors"), "--dtype", "f64"], 0, "2 tensors", "stdout")
    j = show_json(p("set64.safetensors"))
    # (The writer may order tensors its own way, as the reference implementation does.)
    by_name = {t["name"]: t for t in j["tensors"]}
    check(sorted((n, t["dtype"]) for n, t in by_name.items()) == [("a", "f64"), ("b", "f64")], f"set convert {j}")
    check(j.get("metadata") == {"format": "pt", "note": "two"}, f"set convert metadata {j}")
    check(by_name.get("b", {}).get("id") == content_id("f64", [3], np.array([1, 2, 3], "<f8").tobytes()), "set convert id")

    # ---- bad files: exit 2 and the message names the file ----
    missing = p("missing.npy")
    expect(["tensor", "show", missing], 2, missing)
    expect(["tensor", "convert", missing, "-o", p("o.npy")], 2, missing)
    expect(["tensor", "show", p("nothing-here")], 2, "nothing-here")
    with open(p("garbage.npy"), "wb") as fh:
        fh.write(b"this is not a numpy file at all")
    expect(["tensor", "show", p("garbage.npy")], 2, "garbage.npy")
    good = open(p("x.npy"), "rb").read()
    with open(p("trunc.npy"), "wb") as fh:
        fh.write(good[:-5])
    expect(["tensor", "show", p("trunc.npy")], 2, "trunc.npy")
    with open(p("trunchdr.npy"), "wb") as fh:
        fh.write(good[:20])
    expect(["tensor", "show", p("trunchdr.npy")], 2, "trunchdr.npy")
    st = open(p("x.safetensors"), "rb").read()
    with open(p("trunc.safetensors"), "wb") as fh:
        fh.write(st[:-1])
    expect(["tensor", "show", p("trunc.safetensors")], 2, "trunc.safetensors")
    with open(p("hdr.safetensors"), "wb") as fh:
        fh.write(struct.pack("<Q", 1 << 60) + b"{}")
    expect(["tensor", "show", p("hdr.safetensors")], 2, "hdr.safetensors")
    # A shape that lies about the data, and a duplicated key.
    write_safetensors(p("lie.safetensors"), [("w", "F32", [1 << 30, 1 << 30], b"\0" * 16)])
    expect(["tensor", "show", p("lie.safetensors")], 2, "lie.safetensors")
    with open(p("dup.safetensors"), "wb") as fh:
        hdr = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
        fh.write(struct.pack("<Q", len(hdr)) + hdr + b"\0" * 4)
    expect(["tensor", "show", p("dup.safetensors")], 2, "dup.safetensors")
    # No extension and not .npy: read as safetensors, which fails naming the file.
    with open(p("noext"), "wb") as fh:
        fh.write(b"\x01\x02")
    expect(["tensor", "show", p("noext")], 2, "noext")
    # A directory is not a tensor file.
    expect(["tensor", "show", d + "/"], 2)
    # Hostile names are escaped in human output and kept valid in JSON.
    write_safetensors(p("esc.safetensors"), [("a\x1b[31mred\nx", "U8", [1], b"\x07")])
    rc, out, _ = expect(["tensor", "show", p("esc.safetensors")], 0, "a\\x1b[31mred\\x0ax", "stdout")
    check("\x1b" not in out, "escape byte not printed raw")
    check(show_json(p("esc.safetensors"))["tensors"][0]["name"] == "a\x1b[31mred\nx", "JSON keeps the name exactly")

    # ---- limits: exit 3 ----
    expect(["tensor", "show", p("x.npy"), "--max-bytes", "64"], 3)
    expect(["tensor", "show", p("x.safetensors"), "--max-bytes", "64"], 3)
    expect(["tensor", "show", p("x.npy"), "--max-bytes", "96"], 0)  # exactly 96 bytes of data
    # The limit also covers the converted tensor (f32 -> f64 doubles it).
    expect(["tensor", "convert", p("x.npy"), "-o", p("big.npy"), "--dtype", "f64", "--max-bytes", "100"], 3, "exceeds the limit")
    check(not os.path.exists(p("big.npy")), "nothing written past the limit")


if __name__ == "__main__":
    sys.exit(main())
