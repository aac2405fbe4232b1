"""Per-step cost of the Python binding over the C step (issue #15: <= 1 us).

For each vocabulary (256, 50,257) and input (float32 NumPy array, bfloat16 torch tensor)
it times N encode_step calls from a Python loop against the same N dc_encode_step calls
made by the extension's C loop (_c_loop) on the same buffer, and the same for decoding;
best of R rounds each. The difference per step is the binding's overhead (argument
parsing, buffer / data_ptr lookup, result conversion, the Python loop itself).

  npm run bench:python     (builds the module into build/python first)
  /usr/bin/python3 bench/python_overhead.py [--rounds R] [--json out.json]
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "build", "python"))

import numpy as np  # noqa: E402

from distribution_coder import DistributionCoder  # noqa: E402


def softmax_row(vocab, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(vocab) * 3.0
    e = np.exp(x - x.max())
    return e / e.sum()


def inputs(vocab):
    p = softmax_row(vocab, vocab)
    sym = int(np.argsort(p)[-3])  # a likely but not the likeliest symbol
    out = [("f32 numpy", p.astype(np.float32))]
    try:
        import torch
        out.append(("bf16 torch", torch.from_numpy(p.astype(np.float32)).to(torch.bfloat16)))
    except ImportError:
        print("torch not importable: bf16 torch skipped", file=sys.stderr)
    return sym, out


def measure(dist, sym, n, rounds):
    """Best time per step of `rounds` short runs of n steps, C and Python interleaved run by
    run (so both see the same machine load; the minimum drops the runs another process
    interrupted). Encoders are reset between runs so no run grows a buffer."""
    ce, pe = DistributionCoder(), DistributionCoder()
    src = DistributionCoder()
    src._c_loop(dist, sym, n)
    stream = src.finish_encoding()
    cd, pd = DistributionCoder(), DistributionCoder()
    enc, dec = pe.encode_step, pd.decode_step
    best = {k: float("inf") for k in ("ce", "pe", "cd", "pd")}
    clock = time.perf_counter
    for _ in range(rounds):
        ce.reset()
        best["ce"] = min(best["ce"], ce._c_loop(dist, sym, n))
        pe.reset()
        t0 = clock()
        for _ in range(n):
            enc(dist, sym)
        best["pe"] = min(best["pe"], clock() - t0)
        cd.start_decoding(stream)
        best["cd"] = min(best["cd"], cd._c_loop(dist, -1, n))
        pd.start_decoding(stream)
        t0 = clock()
        for _ in range(n):
            dec(dist)
        best["pd"] = min(best["pd"], clock() - t0)
    res = {}
    for op, c, p in (("encode", "ce", "pe"), ("decode", "cd", "pd")):
        c_us, py_us = best[c] / n * 1e6, best[p] / n * 1e6
        res[op] = {"c_us": c_us, "python_us": py_us, "overhead_us": py_us - c_us, "ratio": py_us / c_us}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = []
    print(f"{'vocab':>6} {'input':<11} {'op':<6} {'C us/step':>10} {'Python us/step':>15} "
          f"{'overhead us':>12} {'ratio':>6}")
    for vocab, n in ((256, 1_000), (50_257, 20)):
        sym, ins = inputs(vocab)
        for name, dist in ins:
            r = measure(dist, sym, n, args.rounds)
            for op, m in r.items():
                print(f"{vocab:>6} {name:<11} {op:<6} {m['c_us']:>10.3f} {m['python_us']:>15.3f} "
                      f"{m['overhead_us']:>12.3f} {m['ratio']:>6.2f}")
                rows.append({"vocab": vocab, "input": name, "op": op, "steps": n, **m})
    # How fast this machine runs Python right now: the loop with a trivial 2-argument builtin
    # call, the floor under any binding's per-step overhead.
    x, base = 1, float("inf")
    for _ in range(300):
        t0 = time.perf_counter()
        for _ in range(1000):
            max(x, x)
        base = min(base, time.perf_counter() - t0)
    print(f"reference: Python loop + max(a, b) = {base / 1000 * 1e6:.3f} us per iteration")
    worst = max(r["overhead_us"] for r in rows)
    print(f"largest overhead: {worst:.3f} us per step (target <= 1 us)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": args.rounds, "python": sys.version.split()[0],
                       "loop_reference_us": base / 1000 * 1e6, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
