"""Read a PyTorch zip checkpoint (torch.save, torch >= 1.6) without running pickled code.

Only plain data, OrderedDict, tensors and parameters are accepted; any other global in the
pickle is refused. Used by the converter when torch's own weights_only loader refuses a file.
"""
import collections
import pickle
import zipfile

import torch

_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "HalfStorage": torch.float16, "BFloat16Storage": torch.bfloat16,
    "DoubleStorage": torch.float64, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool}

class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype

def _rebuild_tensor(storage, offset, size, stride, *rest):
    flat = storage
    if len(size) == 0:
        return flat[offset].clone()
    return torch.as_strided(flat, tuple(size), tuple(stride), offset).clone()

def _rebuild_parameter(data, requires_grad, *rest):
    return data

class _Unpickler(pickle.Unpickler):
    def __init__(self, fobj, zf, prefix):
        super().__init__(fobj)
        self.zf, self.prefix = zf, prefix

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError("refusing to load global %s.%s" % (module, name))

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError("unsupported persistent id %r" % (pid,))
        stype, key = pid[1], pid[2]
        dtype = stype.dtype if isinstance(stype, _StorageType) else None
        if dtype is None:
            raise pickle.UnpicklingError("unsupported storage type %r" % (stype,))
        raw = self.zf.read("%s/data/%s" % (self.prefix, key))
        if not raw:
            return torch.empty(0, dtype=dtype)
        return torch.frombuffer(bytearray(raw), dtype=dtype)

def load_zip_checkpoint(path):
    with zipfile.ZipFile(path) as zf:
        pkls = [n for n in zf.namelist() if n.endswith("/data.pkl")]
        if len(pkls) != 1:
            raise ValueError("not a torch zip checkpoint (no single data.pkl)")
        prefix = pkls[0][: -len("/data.pkl")]
        order = prefix + "/byteorder"
        if order in zf.namelist() and zf.read(order).strip() != b"little":
            raise ValueError("big-endian checkpoints are not supported")
        with zf.open(pkls[0]) as f:
            import io
            return _Unpickler(io.BytesIO(f.read()), zf, prefix).load()

