"""Interop with numpy through the CLI: numpy writes .npy files of every dtype it has (C and
Fortran order, both byte orders, 0-d and empty arrays, NaN/Inf/-0/denormals), veritor converts
each to safetensors and back, numpy reads identical arrays; the safetensors in between is
checked with an independent parser (struct + json). And the reverse: safetensors files written
by hand are converted to .npy by veritor and compared by numpy. Needs $VERITOR (the CLI)."""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # a python3 earlier on PATH (pyenv, venv) may lack Debian's python3-numpy
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

VERITOR = os.environ.get("VERITOR", "./veritor")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args):
    p = subprocess.run([VERITOR] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def bits(a):
    """The array's bytes in little-endian C order: comparing them compares NaN payloads and -0."""
    a = np.ascontiguousarray(a)
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def parse_safetensors(path):
    """Independent reader: returns ({name: (dtype, shape, raw bytes)}, metadata)."""
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", None) or {}
    data = b[8 + n:]
    out, end = {}, 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        s, e = t["data_offsets"]
        check(s == end, "%s: tensor %s starts at %d, previous ended at %d" % (path, name, s, end))
        end = e
        out[name] = (t["dtype"], t["shape"], data[s:e])
    check(end == len(data), "%s: tensors cover %d of %d data bytes" % (path, end, len(data)))
    check(n % 8 == 0, "%s: header length %d is not a multiple of 8" % (path, n))
    return out, meta


CODES = {"bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8",
         "uint16": "U16", "uint32": "U32", "uint64": "U64", "float16": "F16", "float32": "F32",
         "float64": "F64", "complex64": "C64", "complex128": "F64"}


def sample(dtype, shape, rng):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        if a.size >= 2:
            a.flat[0], a.flat[1] = info.min, info.max
        return a
    real = np.dtype("f%d" % (dt.itemsize // 2)) if dt.kind == "c" else dt
    fi = np.finfo(real)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, fi.tiny / 4, fi.max, -fi.min, 1.0], dtype=real)
    a = rng.standard_normal(size=shape).astype(real)
    k = min(a.size, len(specials))
    a.flat[:k] = specials[:k]
    if dt.kind == "c":
        b = rng.standard_normal(size=shape).astype(real)
        return (a + 1j * b).astype(dt) if a.size else np.zeros(shape, dtype=dt)
    return a


def forward(tmp):
    rng = np.random.default_rng(1)
    for name in CODES:
        variants = [("c", sample(name, (3, 5), rng)), ("scalar", sample(name, (), rng)),
                    ("empty", sample(name, (0, 4), rng)),
                    ("fortran", np.asfortranarray(sample(name, (4, 3, 2), rng)))]
        if np.dtype(name).itemsize > 1:
            variants.append(("big", sample(name, (2, 3, 4), rng).astype(np.dtype(name).newbyteorder(">"))))
            variants.append(("bigfortran", np.asfortranarray(sample(name, (2, 5), rng)).astype(np.dtype(name).newbyteorder(">"), order="F")))
        for tag, a in variants:
            src = os.path.join(tmp, "%s_%s.npy" % (name, tag))
            mid = os.path.join(tmp, "%s_%s.safetensors" % (name, tag))
            back = os.path.join(tmp, "%s_%s_back.npy" % (name, tag))
            np.save(src, a)
            rc, out = run("tensor", "convert", src, "-o", mid)
            check(rc == 0, "convert %s -> safetensors: exit %d: %s" % (src, rc, out))
            if rc:
                continue
            tensors, meta = parse_safetensors(mid)
            check(list(tensors) == ["tensor"], "%s holds one tensor named 'tensor': %s" % (mid, list(tensors)))
            code, shape, raw = tensors.get("tensor", (None, None, b""))
            check(code == CODES[name], "%s: dtype code %s, expected %s" % (mid, code, CODES[name]))
            want_shape = list(a.shape) + ([2] if name == "complex128" else [])
            check(shape == want_shape, "%s: shape %s, expected %s" % (mid, shape, want_shape))
            check(raw == bits(a), "%s: data bytes differ from numpy's" % mid)
            if name == "complex128":
                check(meta.get("veritor.dtype.tensor") == "complex<f64>", "%s: metadata %s" % (mid, meta))
            rc, out = run("tensor", "convert", mid, "-o", back)
            check(rc == 0, "convert %s -> npy: exit %d: %s" % (mid, rc, out))
            if rc:
                continue
            b = np.load(back)
            check(b.dtype == a.dtype.newbyteorder("<") or (b.dtype == a.dtype and a.dtype.itemsize == 1),
                  "%s: dtype %s, expected %s" % (back, b.dtype, a.dtype))
            check(b.shape == a.shape, "%s: shape %s, expected %s" % (back, b.shape, a.shape))
            check(bits(b) == bits(a), "%s: values differ" % back)
            check(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), "%s: numpy says the arrays differ" % back)


def write_safetensors(path, tensors, metadata=None, order=None):
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    offs = {}
    for name, code, arr in tensors:
        raw = bits(arr)
        offs[name] = (code, list(arr.shape), len(data), len(data) + len(raw))
        data += raw
    for name in (order or [t[0] for t in tensors]):
        code, shape, s, e = offs[name]
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [s, e]}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def reverse(tmp):
    rng = np.random.default_rng(2)
    tensors = [(n + "_t", CODES[n], sample(n, (2, 3), rng)) for n in CODES if n != "complex128"]
    tensors.append(("scalar", "F64", np.array(2.5)))
    tensors.append(("empty", "I32", np.zeros((0, 7), dtype=np.int32)))
    multi = os.path.join(tmp, "multi.safetensors")
    # header order differs from data order, as files written by other tools may have it
    write_safetensors(multi, tensors, {"format": "np"}, order=[t[0] for t in reversed(tensors)])
    for name, code, arr in tensors:
        out = os.path.join(tmp, "rev_%s.npy" % name)
        rc, msg = run("tensor", "convert", "%s:%s" % (multi, name), "-o", out)
        check(rc == 0, "convert %s:%s -> npy: exit %d: %s" % (multi, name, rc, msg))
        if rc:
            continue
        b = np.load(out)
        check(b.dtype == arr.dtype and b.shape == arr.shape and bits(b) == bits(arr), "%s: differs from the written array" % out)
    # a single-tensor file needs no name
    single = os.path.join(tmp, "single.safetensors")
    a = sample("float32", (4, 4), rng)
    write_safetensors(single, [("w", "F32", a)])
    out = os.path.join(tmp, "single.npy")
    rc, msg = run("tensor", "convert", single, "-o", out)
    check(rc == 0 and bits(np.load(out)) == bits(a), "single tensor file: exit %d: %s" % (rc, msg))
    # BF16 has no numpy dtype: writing it as .npy is refused (exit 2), as .safetensors it survives
    bf = np.array([0x3F80, 0xC000, 0x7FC0], dtype="<u2")
    bfile = os.path.join(tmp, "bf16.safetensors")
    write_safetensors(bfile, [("x", "BF16", bf)])
    rc, msg = run("tensor", "convert", bfile, "-o", os.path.join(tmp, "bf16.npy"))
    check(rc == 2, "bf16 -> .npy must exit 2, got %d: %s" % (rc, msg))
    rc, msg = run("tensor", "convert", bfile, "-o", os.path.join(tmp, "bf16_copy.safetensors"))
    check(rc == 0, "bf16 -> .safetensors: exit %d: %s" % (rc, msg))
    if rc == 0:
        t, _ = parse_safetensors(os.path.join(tmp, "bf16_copy.safetensors"))
        check(t.get("x", (None,))[0] == "BF16" and t["x"][2] == bits(bf), "bf16 copy differs: %s" % (t,))
    # bad files exit 2 and name the file
    bad = os.path.join(tmp, "truncated.safetensors")
    with open(multi, "rb") as f:
        whole = f.read()
    with open(bad, "wb") as f:
        f.write(whole[:-3])
    rc, msg = run("tensor", "convert", bad + ":float32_t", "-o", os.path.join(tmp, "never.npy"))
    check(rc == 2 and "truncated.safetensors" in msg and "mid-tensor" in msg, "truncated file: exit %d: %s" % (rc, msg))
    badnpy = os.path.join(tmp, "bad.npy")
    np.save(badnpy, np.arange(10, dtype=np.int64))
    with open(badnpy, "r+b") as f:
        f.truncate(128 + 20)  # the header is 128 bytes; the data ends early
    rc, msg = run("tensor", "convert", badnpy, "-o", os.path.join(tmp, "never.safetensors"))
    check(rc == 2 and "bad.npy" in msg and "mid-tensor" in msg, "truncated npy: exit %d: %s" % (rc, msg))
    obj = os.path.join(tmp, "object.npy")
    np.save(obj, np.array([1, "a"], dtype=object), allow_pickle=True)
    rc, msg = run("tensor", "convert", obj, "-o", os.path.join(tmp, "never2.safetensors"))
    check(rc == 2 and "object.npy" in msg and "not supported" in msg, "object npy: exit %d: %s" % (rc, msg))


def main():
    rc, out = run("--help")
    if rc != 0:
        print("cannot run the CLI %s: %s" % (VERITOR, out), file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="vt-interop-") as tmp:
        forward(tmp)
        reverse(tmp)
    print("%d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
