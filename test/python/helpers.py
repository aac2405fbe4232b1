import os

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def softmax_rows(steps, vocab, seed, scale=3.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, vocab)) * scale
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sample(p, seed):
    rng = np.random.default_rng(seed)
    return [int(rng.choice(len(r), p=r / r.sum())) for r in p]
