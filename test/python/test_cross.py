"""Cross-language: for each format and dtype, the stream Python writes is byte-identical to
the C library's (build/test/dc_encode_file) and to the JS package's (Node over the wasm
module), each decodes the other's stream, and the framed containers agree byte for byte."""
import base64
import json
import os
import shutil
import struct
import subprocess

import numpy as np
import pytest
import torch

from distribution_coder import DistributionCoder, FramedDecoder, FramedEncoder
from helpers import ROOT, sample, softmax_rows

TOOL = os.environ.get("DC_ENCODE_FILE", os.path.join(ROOT, "build", "test", "dc_encode_file"))
TMP = os.path.join(ROOT, "build", "python-tmp")
DTYPE_CODE = {"f32": 0, "f64": 1, "f16": 2, "bf16": 3}


def cases():
    out = []
    for fmt in ("default", "python-0.1"):
        for i, dtype in enumerate(("f32", "f64", "f16", "bf16")):
            vocab = (3, 257, 1000, 50_257)[i]
            steps = 60 if vocab < 50_000 else 6
            p = softmax_rows(steps, vocab, seed=10 + i, scale=4.0)
            syms = sample(p, seed=20 + i)
            if dtype == "bf16":  # a torch tensor in Python; its bits for C and JS
                t = torch.from_numpy(p).to(torch.bfloat16)
                bits = t.view(torch.int16).numpy().view(np.uint16)
                py_in, raw = t, bits.tobytes()
            else:
                a = p.astype({"f32": np.float32, "f64": np.float64, "f16": np.float16}[dtype])
                py_in, raw = a, a.tobytes()
            out.append(dict(format=fmt, dtype=dtype, vocab=vocab, symbols=syms, py_in=py_in, raw=raw,
                            model_id=f"model-{i}", steps_per_chunk=7 + i))
    return out


CASES = cases()


def python_stream(c):
    with DistributionCoder(format=c["format"]) as enc:
        for row, s in zip(c["py_in"], c["symbols"]):
            enc.encode_step(row, s)
        return enc.finish_encoding()


def python_frame(c):
    with FramedEncoder(format=c["format"], model_id=c["model_id"], steps_per_chunk=c["steps_per_chunk"]) as enc:
        for row, s in zip(c["py_in"], c["symbols"]):
            enc.encode_step(row, s)
        return enc.finish()


@pytest.mark.skipif(not os.path.exists(TOOL), reason=f"{TOOL} not built (cmake --build build)")
@pytest.mark.parametrize("c", CASES, ids=[f"{c['format']}-{c['dtype']}" for c in CASES])
def test_python_stream_equals_the_c_librarys(c):
    os.makedirs(TMP, exist_ok=True)
    path = os.path.join(TMP, f"session-{os.getpid()}.bin")
    size = {"f32": 4, "f64": 8, "f16": 2, "bf16": 2}[c["dtype"]] * c["vocab"]
    with open(path, "wb") as f:
        f.write(struct.pack("<II", {"default": 0, "python-0.1": 1}[c["format"]], len(c["symbols"])))
        for t, s in enumerate(c["symbols"]):
            f.write(struct.pack("<III", DTYPE_CODE[c["dtype"]], c["vocab"], s))
            f.write(c["raw"][t * size:(t + 1) * size])
    try:
        hex_c = subprocess.run([TOOL, path], capture_output=True, text=True, check=True).stdout.strip()
    finally:
        os.remove(path)
    assert python_stream(c).hex() == hex_c


NODE = shutil.which("node")
WASM = os.path.join(ROOT, "dist", "distribution_coder.wasm")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT = os.path.join(ROOT, "node_modules", "playwright-core")


def payload():
    out = []
    for c in CASES:
        out.append(dict(format=c["format"], dtype=c["dtype"], vocab=c["vocab"], symbols=c["symbols"],
                        b64=base64.b64encode(c["raw"]).decode(), model_id=c["model_id"],
                        steps_per_chunk=c["steps_per_chunk"], python_hex=python_stream(c).hex(),
                        python_frame_hex=python_frame(c).hex()))
    return out


def check_js_results(sent, results, where):
    assert len(results) == len(CASES)
    for c, p, r in zip(CASES, sent, results):
        what = f"{where}: {c['format']} {c['dtype']}"
        assert r["hex"] == p["python_hex"], what
        assert r["decoded"] == c["symbols"], what
        assert r["frameHex"] == p["python_frame_hex"], what
        assert r["frameDecoded"] == c["symbols"], what
        # and Python reads the JS side's bytes
        with DistributionCoder(format=c["format"]) as dec:
            dec.start_decoding(bytes.fromhex(r["hex"]))
            assert [dec.decode_step(row) for row in c["py_in"]] == c["symbols"], what
        with FramedDecoder(bytes.fromhex(r["frameHex"]), model_id=c["model_id"]) as fd:
            assert [fd.decode_step(row) for row in c["py_in"]] == c["symbols"], what


def run_js(script, sent):
    run = subprocess.run([NODE, os.path.join(os.path.dirname(__file__), script)],
                         input=json.dumps(sent), capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.skipif(NODE is None or not os.path.exists(WASM), reason="node or dist/ (npm run build) missing")
def test_python_and_node_write_the_same_bytes_and_read_each_other():
    sent = payload()
    check_js_results(sent, run_js("node_codec.mjs", sent), "node")


@pytest.mark.skipif(NODE is None or not os.path.exists(WASM) or not os.path.exists(CHROMIUM)
                    or not os.path.isdir(PLAYWRIGHT), reason="node, dist/, chromium or playwright-core missing")
def test_python_and_headless_chromium_write_the_same_bytes_and_read_each_other():
    sent = payload()
    out = run_js("browser_codec.mjs", sent)
    assert "HeadlessChrome" in out["ua"]
    check_js_results(sent, out["results"], "chromium")
