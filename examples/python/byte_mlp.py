#!/usr/bin/python3
"""The byte model of examples/models/onnx-model.mjs run by PyTorch on the CPU (issue #15's
server side): the same weights, read from examples/models/byte-mlp.onnx by a minimal
protobuf reader (no onnx package needed).

    /usr/bin/python3 examples/python/byte_mlp.py --dump build/torch-probs.f32 [--steps 3000] [--offset 0] [--file examples/data/gpl-3.txt]
    /usr/bin/python3 examples/python/byte_mlp.py --out file.dcx [--exact] [--steps ...]

--dump writes the distribution before each byte of the text (steps x 256 float32, little
endian), for `npm run bench:cross-runtime -- --compare build/torch-probs.f32` to compare with
onnxruntime-node and onnxruntime-web. --out compresses with the Python module
(distribution_coder, issue #15) in the tolerant mode (issue #12), for the demo page.
"""
import argparse
import struct
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = 8
FLOAT32_TOLERANCE = 1e-4  # docs/cross-runtime.md
MODEL_ID = "distribution-coder-example/2"  # examples/models/codec.mjs: the ONNX model's id


def _varint(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _fields(buf):
    """Yields (field, wire type, value) of a protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value = buf[pos:pos + n]
            pos += n
        elif wire in (1, 5):
            value, pos = None, pos + (8 if wire == 1 else 4)
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def read_onnx_weights(path):
    """The float32 initializers of an ONNX file written by onnx-writer.mjs: {name: tensor}."""
    data = Path(path).read_bytes()
    weights = {}
    for field, wire, graph in _fields(data):
        if field != 7 or wire != 2:  # ModelProto.graph
            continue
        for gfield, gwire, tensor in _fields(graph):
            if gfield != 5 or gwire != 2:  # GraphProto.initializer
                continue
            dims, dtype, name, raw = [], 0, "", None
            for tfield, twire, value in _fields(tensor):
                if tfield == 1 and twire == 0:
                    dims.append(value)
                elif tfield == 2:
                    dtype = value
                elif tfield == 8:
                    name = value.decode()
                elif tfield == 9:
                    raw = value
            if dtype == 1:  # FLOAT
                count = len(raw) // 4
                weights[name] = torch.tensor(struct.unpack(f"<{count}f", raw), dtype=torch.float32).reshape(dims)
    return weights


class ByteMLP:
    """P(next byte) from the previous CONTEXT bytes, as the ONNX graph computes it."""

    def __init__(self, onnx_path=ROOT / "examples/models/byte-mlp.onnx"):
        w = read_onnx_weights(onnx_path)
        self.emb, self.w1, self.b1, self.w2, self.b2 = (w[k] for k in ("embedding", "w1", "b1", "w2", "b2"))
        self.context = [p * 256 for p in range(CONTEXT)]  # byte 0 before the start

    @torch.no_grad()
    def predict(self):
        x = self.emb[torch.tensor(self.context)].reshape(1, -1)
        h = torch.relu(x @ self.w1 + self.b1)
        return torch.softmax(h @ self.w2 + self.b2, dim=-1)[0]  # float32 [256]

    def update(self, byte):
        self.context = [c - 256 for c in self.context[1:]] + [(CONTEXT - 1) * 256 + byte]


def distributions(text):
    model = ByteMLP()
    out = torch.empty((len(text), 256), dtype=torch.float32)
    for i, b in enumerate(text):
        out[i] = model.predict()
        model.update(b)
    return out


def compress_file(text, tolerance=FLOAT32_TOLERANCE):
    """A framed container the demo page decodes with onnxruntime-web (needs the Python module
    of issue #15 and the tolerant mode of issue #12)."""
    import distribution_coder as dc  # noqa: PLC0415 (optional: issue #15's module)

    model = ByteMLP()
    options = {} if tolerance is None else {"tolerance": tolerance}
    enc = dc.FramedEncoder(model_id=MODEL_ID, **options)
    for b in text:
        enc.encode_step(model.predict(), b)
        model.update(b)
    return enc.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=str(ROOT / "examples/data/gpl-3.txt"))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--dump", help="write the distributions (steps x 256 float32) here")
    ap.add_argument("--out", help="compress the text into this .dcx file (needs issues #12 and #15)")
    ap.add_argument("--exact", action="store_true",
                    help="write the exact mode (only PyTorch can decode it: the page reports DC_ERR_FRAME_CHECKSUM)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    text = Path(args.file).read_bytes()[args.offset:args.offset + args.steps]
    if args.dump:
        probs = distributions(text)
        Path(args.dump).write_bytes(probs.numpy().astype("<f4").tobytes())
        print(f"wrote {args.dump}: {len(text)} x 256 float32 (PyTorch {torch.__version__}, CPU, one thread)")
    if args.out:
        try:
            data = compress_file(text, None if args.exact else FLOAT32_TOLERANCE)
        except (ImportError, TypeError) as e:
            sys.exit(f"cannot write a tolerant file yet: {e} (needs the Python module of issue #15 with the tolerant mode of issue #12)")
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out}: {len(data)} bytes for {len(text)} bytes")


if __name__ == "__main__":
    main()
