"""The 44 public python-0.1 vectors (test/data/python-0.1/public.json, the original package's
exact output) through the Python API: NumPy arrays of the vector's dtype (uint16 bit patterns
with dtype= for bfloat16), torch tensors of the dtype, and lists where the values are
exactly float32 (lists are copied as float32 in this format, as the package did); step by
step and in batches, encoding and decoding."""
import base64
import json
import os

import numpy as np
import pytest
import torch

from distribution_coder import DistributionCoder, DistributionCoderError
from helpers import ROOT

with open(os.path.join(ROOT, "test", "data", "python-0.1", "public.json")) as f:
    VECTORS = json.load(f)
CASES = VECTORS["cases"]
NP = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "bf16": np.uint16}
TORCH = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16}


def matrix(c):
    raw = base64.b64decode(c["distributions_b64"])
    return np.frombuffer(raw, dtype=NP[c["dtype"]]).reshape(c["steps"], c["vocab"]).copy()


def as_torch(c, m):
    if c["dtype"] == "bf16":
        return torch.from_numpy(m.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(m)


def float_values(c, m):
    """The values as Python floats (f64), or None when the dtype has no float reading here."""
    if c["dtype"] == "bf16":
        return (m.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return m.astype(np.float64)


def test_the_file_holds_44_cases_in_four_dtypes():
    assert len(CASES) == 44
    assert sorted({c["dtype"] for c in CASES}) == ["bf16", "f16", "f32", "f64"]


def kinds(c, m):
    dt = "bf16" if c["dtype"] == "bf16" else None
    out = [("numpy", m, dt), ("torch", as_torch(c, m), None)]
    v = float_values(c, m)
    if np.array_equal(v.astype(np.float32).astype(np.float64), v, equal_nan=True):
        out.append(("list", v.tolist(), None))  # exactly float32: lists give the same stream
    return out


@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_vector(c):
    m = matrix(c)
    syms = c["symbols"]
    want = bytes.fromhex(c["expected_hex"])
    used = []
    for kind, mat, dt in kinds(c, m):
        used.append(kind)
        kw = {"dtype": dt} if dt else {}
        with DistributionCoder(format="python-0.1") as enc:
            for t in range(c["steps"]):
                enc.encode_step(mat[t], syms[t], **kw)
            assert enc.finish_encoding() == want, kind
            enc.reset()
            enc.encode_steps(mat, syms, **kw)
            assert enc.finish_encoding() == want, kind + " batch"
        with DistributionCoder(format="python-0.1") as dec:
            dec.start_decoding(want)
            assert [dec.decode_step(mat[t], **kw) for t in range(c["steps"])] == syms, kind
            dec.start_decoding(want)
            assert dec.decode_steps(mat, **kw) == syms, kind + " batch"
    if c["dtype"] == "f32":
        assert "list" in used


def test_boundary_defect_example_from_the_format_notes():
    rows = [[0.5, 0.5], [2.0**-31, 1.0], [2.0**-31, 1.0]]
    enc = DistributionCoder(format="python-0.1")
    enc.encode_step(rows[0], 1)
    enc.encode_step(rows[1], 0)
    enc.encode_step(rows[2], 0)
    b = enc.finish_encoding()
    assert b.hex() == "800000000000000080"
    dec = DistributionCoder(format="python-0.1")
    dec.start_decoding(b)
    assert [dec.decode_step(r) for r in rows] == [1, 0, 0]


def test_steps_the_package_would_corrupt_are_refused_and_the_coder_is_unchanged():
    enc = DistributionCoder(format="python-0.1")
    enc.encode_step([0.25, 0.75], 1)
    with pytest.raises(DistributionCoderError) as e:
        enc.encode_step([0.5, 0.5, 0.5], 0)
    assert e.value.code_name == "DC_ERR_COUNT_OVERFLOW"
    enc.encode_step([0, 0, 0], 2)
    ref = DistributionCoder(format="python-0.1")
    ref.encode_step([0.25, 0.75], 1)
    ref.encode_step([0, 0, 0], 2)
    assert enc.finish_encoding() == ref.finish_encoding()
