"""Round trips of every dtype and format, batch = step-wise bytes, every refusal with the
coder unchanged afterwards, zero copy from NumPy and torch, the framed container, threads."""
import array
import threading

import numpy as np
import pytest
import torch

import distribution_coder as dcm
from distribution_coder import (DistributionCoder, DistributionCoderError, FramedDecoder,
                                FramedEncoder, crc32)
from helpers import sample, softmax_rows

FORMATS = ["default", "python-0.1"]
P = softmax_rows(40, 300, seed=1)
SYMS = sample(P, seed=2)


def inputs_of_every_dtype():
    yield "np-f64", P
    yield "np-f32", P.astype(np.float32)
    yield "np-f16", P.astype(np.float16)
    t = torch.from_numpy(P)
    for dt in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
        yield f"torch-{dt}", t.to(dt)
    yield "list", P.tolist()


def stepwise(fmt, m, syms, **kw):
    with DistributionCoder(format=fmt) as c:
        for row, s in zip(m, syms):
            c.encode_step(row, s, **kw)
        return c.finish_encoding()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name,m", list(inputs_of_every_dtype()), ids=lambda v: v if isinstance(v, str) else "")
def test_round_trip_and_batch_equal_stepwise(fmt, name, m):
    if fmt == "python-0.1" and name in ("np-f16", "torch-torch.float16"):
        m = m  # the format takes every dtype
    data = stepwise(fmt, m, SYMS)
    with DistributionCoder(format=fmt) as c:
        c.encode_steps(m, SYMS)
        assert c.finish_encoding() == data
        c.start_decoding(data)
        assert [c.decode_step(row) for row in m] == SYMS
        c.start_decoding(data)
        assert c.decode_steps(m) == SYMS
        c.start_decoding(data)
        assert c.decode_steps(m, 10) == SYMS[:10]


def test_dtypes_read_as_themselves():
    """f16 / bf16 are read in their own precision, not widened first: the streams differ."""
    t = torch.from_numpy(P)
    streams = {stepwise("default", t.to(dt), SYMS) for dt in
               (torch.float64, torch.float32, torch.float16, torch.bfloat16)}
    assert len(streams) == 4
    assert stepwise("default", P.astype(np.float16), SYMS) == stepwise("default", t.to(torch.float16), SYMS)
    bits = t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    assert stepwise("default", bits, SYMS, dtype="bf16") == stepwise("default", t.to(torch.bfloat16), SYMS)


def test_lists_are_float64_by_default_and_float32_for_python01():
    row = [0.1, 0.2, 0.7]
    for fmt, np_dtype in (("default", np.float64), ("python-0.1", np.float32)):
        assert stepwise(fmt, [row], [2]) == stepwise(fmt, [np.array(row, dtype=np_dtype)], [2])
    assert stepwise("default", [row], [2], dtype="f32") == stepwise("default", [np.array(row, np.float32)], [2])


def test_other_buffers_and_noncontiguous_inputs():
    row = P[0]
    want = stepwise("default", [row.astype(np.float32)], [SYMS[0]])
    assert stepwise("default", [array.array("f", row.astype(np.float32).tolist())], [SYMS[0]]) == want
    assert stepwise("default", [memoryview(row.astype(np.float32))], [SYMS[0]]) == want
    wide = np.zeros((2 * len(row),), np.float32)
    wide[::2] = row
    with DistributionCoder() as c:
        c.encode_step(wide[::2], SYMS[0])
        assert c._last_input_copied
        assert c.finish_encoding() == want


def test_symbols_of_a_batch_may_be_integer_arrays_and_tensors():
    want = stepwise("default", P, SYMS)
    for syms in (np.array(SYMS, np.int64), np.array(SYMS, np.uint32), torch.tensor(SYMS), tuple(SYMS)):
        with DistributionCoder() as c:
            c.encode_steps(P, syms)
            assert c.finish_encoding() == want
    with pytest.raises(TypeError):
        DistributionCoder().encode_steps(P, np.array(SYMS, np.float64))


def test_symbol_may_be_a_numpy_integer():
    assert stepwise("default", P[:3], [np.int64(s) for s in SYMS[:3]]) == stepwise("default", P[:3], SYMS[:3])


# ---------------------------------------------------------------- refusals ----

GOOD = np.array([0.25, 0.75])


def refusals():
    """(call, exception type, code_name or None); each on an encoding coder."""
    nan, inf = float("nan"), float("inf")
    return [
        (lambda c: c.encode_step(GOOD, 2), ValueError, None),
        (lambda c: c.encode_step(GOOD, -1), ValueError, None),
        (lambda c: c.encode_step(GOOD, 1.0), TypeError, None),
        (lambda c: c.encode_step(GOOD, True), TypeError, None),
        (lambda c: c.encode_step(GOOD, "1"), TypeError, None),
        (lambda c: c.encode_step(np.array([0.5, nan]), 0), DistributionCoderError, "DC_ERR_NAN"),
        (lambda c: c.encode_step(torch.tensor([0.5, nan], dtype=torch.bfloat16), 0), DistributionCoderError, "DC_ERR_NAN"),
        (lambda c: c.encode_step(np.array([inf, 0.5]), 0), DistributionCoderError, "DC_ERR_INFINITE"),
        (lambda c: c.encode_step(np.array([0.5, -0.1], np.float16), 0), DistributionCoderError, "DC_ERR_NEGATIVE"),
        (lambda c: c.encode_step(np.array([1, 3], np.int32), 0), TypeError, None),
        (lambda c: c.encode_step(torch.tensor([1, 3]), 0), TypeError, None),
        (lambda c: c.encode_step(b"\x01\x02", 0), TypeError, None),
        (lambda c: c.encode_step("0.5", 0), TypeError, None),
        (lambda c: c.encode_step(None, 0), TypeError, None),
        (lambda c: c.encode_step([0.5, "x"], 0), TypeError, None),
        (lambda c: c.encode_step([], 0), ValueError, None),
        (lambda c: c.encode_step(np.ones((2, 2)), 0), ValueError, None),
        (lambda c: c.encode_step(np.array([1, 3], np.uint16), 0), TypeError, None),
        (lambda c: c.encode_step(np.array([1, 3], np.uint16), 0, dtype="f8"), ValueError, None),
        (lambda c: c.encode_step(GOOD.astype(np.float32), 0, dtype="f64"), TypeError, None),
        (lambda c: c.encode_step(GOOD, 0, bogus=1), TypeError, None),
        (lambda c: c.decode_step(GOOD), DistributionCoderError, "DC_ERR_NOT_DECODING"),
        (lambda c: c.decode_steps(np.ones((2, 2))), DistributionCoderError, "DC_ERR_NOT_DECODING"),
        (lambda c: c.encode_steps(np.array([[0.5, 0.5], [0.5, nan]]), [0, 1]), DistributionCoderError, "DC_ERR_NAN"),
        (lambda c: c.encode_steps(np.ones((2, 2)), [0, 2]), ValueError, None),
        (lambda c: c.encode_steps(np.ones((2, 2)), [0]), ValueError, None),
        (lambda c: c.encode_steps(np.ones((2, 2)), 5), TypeError, None),
        (lambda c: c.start_decoding("text"), TypeError, None),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("i", range(len(refusals())))
def test_refusal_leaves_the_coder_unchanged(fmt, i):
    call, exc, code_name = refusals()[i]
    c = DistributionCoder(format=fmt)
    c.encode_step(P[0], SYMS[0])
    with pytest.raises(exc) as e:
        call(c)
    if code_name:
        assert e.value.code_name == code_name
        assert e.value.code == [dcm.result_name(k) for k in range(40)].index(code_name)
        assert code_name in str(e.value)
    c.encode_step(P[1], SYMS[1])
    assert c.finish_encoding() == stepwise(fmt, P[:2], SYMS[:2])


def test_no_mass_is_refused_by_the_default_format_only():
    c = DistributionCoder()
    c.encode_step(GOOD, 1)
    with pytest.raises(DistributionCoderError) as e:
        c.encode_step([0.0, 0.0], 0)
    assert e.value.code_name == "DC_ERR_NO_MASS"
    assert c.finish_encoding() == stepwise("default", [GOOD], [1])
    p = DistributionCoder(format="python-0.1")
    p.encode_step([0.0, 0.0], 1)  # the package writes a valid stream: every count is 1


def test_messages_name_the_argument_and_value():
    c = DistributionCoder()
    with pytest.raises(ValueError, match=r"symbol 7 is out of range .* 2 symbols"):
        c.encode_step(GOOD, 7)
    with pytest.raises(DistributionCoderError, match=r"distribution\[1\] is nan"):
        c.encode_step([0.5, float("nan")], 0)
    with pytest.raises(DistributionCoderError, match=r"matrix\[1\]\[0\] is -1|matrix\[1\]\[0\] is -1") as e:
        c.encode_steps([[0.5, 0.5], [-1.0, 0.5]], [0, 0])
    assert e.value.step == 1
    with pytest.raises(TypeError, match=r"int32|'i'"):
        c.encode_step(np.array([1, 2], np.int32), 0)
    with pytest.raises(ValueError, match="format must be 'default' or 'python-0.1'; got 'zip'"):
        DistributionCoder(format="zip")


def test_state_errors_and_close():
    c = DistributionCoder()
    c.encode_step(GOOD, 1)
    data = c.finish_encoding()
    assert c.finish_encoding() == data
    with pytest.raises(DistributionCoderError) as e:
        c.encode_step(GOOD, 1)
    assert e.value.code_name == "DC_ERR_NOT_ENCODING"
    c.reset()
    c.encode_step(GOOD, 1)
    assert c.finish_encoding() == data
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(ValueError, match="closed"):
        c.encode_step(GOOD, 1)
    with DistributionCoder() as d:
        d.start_decoding(data)
        assert d.decode_step(GOOD) == 1
    assert d.closed


def test_decoder_refusal_leaves_it_unchanged():
    data = stepwise("default", P[:3], SYMS[:3])
    c = DistributionCoder()
    c.start_decoding(data)
    assert c.decode_step(P[0]) == SYMS[0]
    with pytest.raises(DistributionCoderError):
        c.decode_step([float("nan"), 1.0])
    with pytest.raises(DistributionCoderError):
        c.decode_steps(np.array([P[1], P[2] * -1]))
    assert c.decode_steps(P[1:3]) == SYMS[1:3]


# ---------------------------------------------------------------- zero copy ----

def test_numpy_array_is_read_in_place():
    a = np.array([0.5, 0.5], np.float32)
    c = DistributionCoder()
    c.encode_step(a, 0)
    assert not c._last_input_copied
    a[:] = [2.0**-20, 1.0]  # the coder sees the caller's memory, not a snapshot
    c.encode_step(a, 0)
    want = stepwise("default", [np.array([0.5, 0.5], np.float32), np.array([2.0**-20, 1.0], np.float32)], [0, 0])
    assert c.finish_encoding() == want


@pytest.mark.parametrize("dt", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_torch_tensor_is_read_in_place_and_a_strided_one_is_copied(dt):
    t = torch.tensor([0.5, 0.5], dtype=dt)
    c = DistributionCoder()
    c.encode_step(t, 1)
    assert not c._last_input_copied
    t[0] = 2.0**-10
    c.encode_step(t, 1)
    strided = torch.zeros(4, dtype=dt)[::2]
    strided[0] = 1.0
    c.encode_step(strided, 0)
    assert c._last_input_copied
    c.encode_step(torch.tensor([0.25, 0.75], dtype=dt, requires_grad=dt != torch.float16), 1)
    assert not c._last_input_copied
    rows = [torch.tensor(r, dtype=dt) for r in ([0.5, 0.5], [2.0**-10, 0.5], [1.0, 0.0], [0.25, 0.75])]
    assert c.finish_encoding() == stepwise("default", rows, [1, 1, 0, 1])


def test_tensor_subclasses_and_parameters_are_read_in_place():
    class Logits(torch.Tensor):
        pass

    want = stepwise("default", [torch.tensor([0.25, 0.75])] * 2, [1, 1])
    with DistributionCoder() as c:
        c.encode_step(torch.tensor([0.25, 0.75]).as_subclass(Logits), 1)
        assert not c._last_input_copied
        c.encode_step(torch.nn.Parameter(torch.tensor([0.25, 0.75])), 1)
        assert not c._last_input_copied
        assert c.finish_encoding() == want


def test_module_import_does_not_import_torch():
    import subprocess
    import sys
    code = ("import sys; import distribution_coder as d; c = d.DistributionCoder(); "
            "c.encode_step([0.5, 0.5], 1); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": dcm.__file__.rsplit("/", 2)[0]})
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- frames ----

def test_framed_round_trip_and_errors():
    enc = FramedEncoder(format="python-0.1", model_id="gpt2", steps_per_chunk=16)
    for row, s in zip(P, SYMS):
        enc.encode_step(row.astype(np.float32), s)
    assert enc.steps == len(SYMS)
    data = enc.finish()
    assert enc.finish() == data
    with pytest.raises(DistributionCoderError, match="DC_ERR_NOT_ENCODING"):
        enc.encode_step(P[0], 0)
    dec = FramedDecoder(data, model_id=b"gpt2")
    assert (dec.format, dec.steps, dec.chunks, dec.steps_per_chunk, dec.model_id) == ("python-0.1", 40, 3, 16, b"gpt2")
    got = [dec.decode_step(row.astype(np.float32)) for row in P]
    assert got == SYMS and dec.position == 40 and dec.verified_steps == 40
    with pytest.raises(DistributionCoderError) as e:
        dec.decode_step(P[0])
    assert e.value.code_name == "DC_ERR_FRAME_END"
    with pytest.raises(DistributionCoderError) as e:
        FramedDecoder(data)
    assert e.value.code_name == "DC_ERR_FRAME_MODEL_ID"
    assert FramedDecoder(data, model_id=None).steps == 40
    with pytest.raises(DistributionCoderError) as e:
        FramedDecoder(data[:-1], model_id=None)
    assert e.value.code_name == "DC_ERR_FRAME_TRUNCATED"
    # Different distributions: the chunk's symbol CRC fails at its last step, named.
    dec = FramedDecoder(data, model_id="gpt2")
    with pytest.raises(DistributionCoderError) as e:
        for row in P[::-1]:
            dec.decode_step(row.astype(np.float32))
    assert e.value.code_name == "DC_ERR_FRAME_CHECKSUM"
    assert (e.value.chunk, e.value.first_step, e.value.end_step) == (0, 0, 16)


def test_crc32_is_zlibs():
    import zlib
    for b in (b"", b"a", bytes(range(256)) * 3):
        assert crc32(b) == zlib.crc32(b)
        assert crc32(b[10:], crc32(b[:10])) == zlib.crc32(b)


# ---------------------------------------------------------------- threads ----

def test_batches_release_the_gil_and_a_busy_coder_refuses_other_threads():
    """While encode_steps runs without the GIL another thread runs Python; its calls on the
    busy coder are refused (RuntimeError) instead of racing with the batch."""
    big = softmax_rows(300, 50_257, seed=3).astype(np.float32)
    syms = sample(big, seed=4)
    c = DistributionCoder()
    seen = []
    done = threading.Event()

    def other():
        while not done.is_set():
            try:
                c.encode_step(GOOD, 0)
                seen.append("ok")
            except RuntimeError as e:
                assert "in use by another thread" in str(e)
                seen.append("busy")

    th = threading.Thread(target=other)
    th.start()
    try:
        for _ in range(5):
            c.encode_steps(big, syms)
            if "busy" in seen:
                break
    finally:
        done.set()
        th.join()
    assert "busy" in seen


# ---- tolerant mode (docs/FORMAT.md section 5)

def moved(m, tau, seed):
    """m with every element moved by at most tau relative (float64, then re-checked)."""
    rng = np.random.default_rng(seed)
    u = rng.choice([-1.0, 1.0, 0.5, -0.5], size=m.shape) * tau
    q = m * (1 + u)
    q[np.abs(q - m) > tau * m] = m[np.abs(q - m) > tau * m]
    return q


def test_tolerance_arguments():
    assert DistributionCoder().tolerance == 0.0
    assert DistributionCoder(tolerance=1e-5).tolerance == 1e-5
    assert DistributionCoder(tolerance=0).tolerance == 0.0
    for bad in (-1e-6, 0.0101, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="tolerance must be 0"):
            DistributionCoder(tolerance=bad)
        with pytest.raises(ValueError, match="tolerance must be 0"):
            FramedEncoder(tolerance=bad)
    for bad in ("1e-5", True, [1e-5]):
        with pytest.raises(TypeError, match="tolerance must be a number"):
            DistributionCoder(tolerance=bad)
    with pytest.raises(ValueError, match="python-0.1"):
        DistributionCoder("python-0.1", tolerance=1e-5)
    with pytest.raises(ValueError, match="python-0.1"):
        FramedEncoder(format="python-0.1", tolerance=1e-5)
    assert DistributionCoder("python-0.1", tolerance=0).format == "python-0.1"


def test_tolerance_zero_is_the_exact_mode():
    a = stepwise("default", P, SYMS)
    with DistributionCoder(tolerance=0.0) as c:
        for row, s in zip(P, SYMS):
            c.encode_step(row, s)
        assert c.finish_encoding() == a


@pytest.mark.parametrize("tau", [1e-5, 1e-4, 1e-3])
def test_tolerant_round_trip_with_moved_distributions(tau):
    m = P.astype(np.float32)
    with DistributionCoder(tolerance=tau) as c:
        for row, s in zip(m, SYMS):
            c.encode_step(row, s)
        data = c.finish_encoding()
    q = moved(m.astype(np.float64), tau, seed=3).astype(np.float32)
    # float32 rounding may move an element a little past tau: keep only the ones within it
    far = np.abs(q.astype(np.float64) - m) > tau * m
    q[far] = m[far]
    assert (q != m).mean() > 0.5
    with DistributionCoder(tolerance=tau) as d:
        d.start_decoding(data)
        assert [d.decode_step(row) for row in q] == SYMS
        d.reset()
        d.start_decoding(data)
        assert d.decode_steps(q) == SYMS


def test_exact_mode_does_not_survive_the_same_moves():
    # what the tolerant mode is for: the exact mode's decoder goes wrong somewhere
    tau = 1e-3
    data = stepwise("default", P, SYMS)
    q = moved(P, tau, seed=3)
    with DistributionCoder() as d:
        d.start_decoding(data)
        try:
            got = [d.decode_step(row) for row in q]
        except DistributionCoderError:
            got = None
    assert got != SYMS


def test_framed_container_carries_tau():
    tau = 1e-4
    enc = FramedEncoder(model_id="m", steps_per_chunk=16, tolerance=tau)
    assert enc.tolerance == tau
    for row, s in zip(P, SYMS):
        enc.encode_step(row, s)
    data = enc.finish()
    assert data[4] == 2  # container version 2: the tolerant mode
    dec = FramedDecoder(data, model_id="m")
    # stored as q = ceil(tau * 2^32): the decoder reports q / 2^32
    assert dec.tolerance == np.ceil(tau * 2**32) / 2**32
    assert [dec.decode_step(row) for row in moved(P, tau, seed=4)] == SYMS
    assert dec.verified_steps == 40
    exact = FramedEncoder(model_id="m")
    exact.encode_step(P[0], SYMS[0])
    plain = exact.finish()
    assert plain[4] == 1 and FramedDecoder(plain, model_id="m").tolerance == 0.0
