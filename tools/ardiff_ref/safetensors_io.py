"""Minimal safetensors reader/writer (numpy). Format: u64 LE header length, JSON header
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, raw LE data."""
import json
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I32": np.int32,
          "I64": np.int64, "U8": np.uint8, "I8": np.int8}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def save(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in NAMES:
            raise ValueError("unsupported dtype %s for %s" % (a.dtype, name))
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)             # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def load(path):
    """-> (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        return loads(f.read(), path)


def loads(data, path="<bytes>"):
    """The bytes of a safetensors file -> (dict name -> numpy array, metadata dict); path only
    names it in errors."""
    if len(data) < 8:
        raise ValueError("%s: truncated" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("%s: bad header length" % path)
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        dt = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        b, e = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        if e - b != count * dt.itemsize or base + e > len(data):
            raise ValueError("%s: bad offsets for %s" % (path, name))
        out[name] = np.frombuffer(data, dtype=dt, count=count, offset=base + b).reshape(
            info["shape"]).astype(dt.newbyteorder("="))
    return out, meta
