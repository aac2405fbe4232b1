"""Logits in (docs/FORMAT.md section 6): the options, round trips, errors naming the
element, and the framed container version 3 (the softmax itself is C's, tested in
test/test_logits.c and by the golden streams)."""
import array
import random
import struct

import pytest

from distribution_coder import (DistributionCoder, DistributionCoderError, FramedDecoder,
                                FramedEncoder)


def rows(seed, steps, n, scale=4.0):
    r = random.Random(seed)
    return [array.array("f", [r.gauss(0, scale) for _ in range(n)]) for _ in range(steps)]


def test_options():
    c = DistributionCoder(input="logits", temperature=0.7)
    assert c.input == "logits" and c.temperature == 0.7
    p = DistributionCoder()
    assert p.input == "probabilities" and p.temperature == 1.0
    assert DistributionCoder(input="logits").temperature == 1.0
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
            DistributionCoder(input="logits", temperature=bad)
    with pytest.raises(TypeError, match="temperature must be a number"):
        DistributionCoder(input="logits", temperature="1")
    with pytest.raises(ValueError, match="input must be 'probabilities' or 'logits'"):
        DistributionCoder(input="logit")
    with pytest.raises(ValueError, match="applies to input='logits' only"):
        DistributionCoder(temperature=2.0)
    with pytest.raises(ValueError, match="not available with format 'python-0.1'"):
        DistributionCoder("python-0.1", input="logits")
    with pytest.raises(ValueError, match="not available with a tolerance"):
        DistributionCoder(input="logits", tolerance=1e-5)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.5, 1e-3])
def test_round_trip_steps_and_batches(temperature):
    n = 1000
    data = rows(1, 8, n, 8.0)
    r = random.Random(2)
    symbols = [r.randrange(n) for _ in data]
    enc = DistributionCoder(input="logits", temperature=temperature)
    for row, s in zip(data, symbols):
        enc.encode_step(row, s)
    stream = enc.finish_encoding()
    dec = DistributionCoder(input="logits", temperature=temperature)
    dec.start_decoding(stream)
    assert [dec.decode_step(row) for row in data] == symbols
    # a batch (2-D buffer) gives the same bytes and symbols
    flat = array.array("f", [v for row in data for v in row])
    matrix = memoryview(flat).cast("B").cast("f", [len(data), n])
    enc.reset()
    enc.encode_steps(matrix, symbols)
    assert enc.finish_encoding() == stream
    dec.start_decoding(stream)
    assert dec.decode_steps(matrix) == symbols
    # lists of Python floats are read as f64: other bits, still a round trip
    enc.reset()
    for row, s in zip(data, symbols):
        enc.encode_step(list(row), s)
    dec.start_decoding(enc.finish_encoding())
    assert [dec.decode_step(list(row)) for row in data] == symbols


def test_same_stream_as_integer_weights():
    # equal logits: every weight is exactly 1.0 (f32), as a flat row of probabilities 1.0
    n = 300
    logits = [-3.25] * n
    ones = [1.0] * n
    a = DistributionCoder(input="logits")
    b = DistributionCoder()
    for s in (5, 299, 0, 17):
        a.encode_step(logits, s)
        b.encode_step(ones, s)
    assert a.finish_encoding() == b.finish_encoding()


def test_errors_name_the_element():
    c = DistributionCoder(input="logits")
    good = [-1.0, -2.0, 3.0, -4.0]
    c.encode_step(good, 1)
    with pytest.raises(DistributionCoderError, match=r"distribution\[2\] is nan") as e:
        c.encode_step([-1.0, -2.0, float("nan"), -4.0], 1)
    assert e.value.code_name == "DC_ERR_NAN"
    with pytest.raises(DistributionCoderError, match=r"distribution\[3\] is -inf") as e:
        c.encode_step([-1.0, -2.0, 3.0, float("-inf")], 1)
    assert e.value.code_name == "DC_ERR_INFINITE"
    ref = DistributionCoder(input="logits")
    ref.encode_step(good, 1)
    assert c.finish_encoding() == ref.finish_encoding()


def test_framed_version_3():
    n = 400
    data = rows(3, 9, n)
    r = random.Random(4)
    symbols = [r.randrange(n) for _ in data]
    enc = FramedEncoder(input="logits", temperature=1.5, steps_per_chunk=4, model_id="m")
    assert enc.input == "logits" and enc.temperature == 1.5
    for row, s in zip(data, symbols):
        enc.encode_step(row, s)
    blob = enc.finish()
    assert blob[4] == 3 and struct.unpack_from("<d", blob, 28)[0] == 1.5
    dec = FramedDecoder(blob, model_id="m")
    assert dec.input == "logits" and dec.temperature == 1.5
    assert [dec.decode_step(row) for row in data] == symbols
    plain = FramedEncoder()
    plain.encode_step([0.5, 0.5], 1)
    d = FramedDecoder(plain.finish())
    assert d.input == "probabilities" and d.temperature == 1.0
