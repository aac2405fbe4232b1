"""Streaming frames from Python (thin wrappers over the C reader and writer): a streaming
FramedEncoder gives each chunk as soon as it is full (take()), and a FramedDecoder without
data decodes the steps whose chunk has arrived (push/end), with the whole-buffer decoder's
results for every split."""
import numpy as np
import pytest

from distribution_coder import DistributionCoderError, FramedDecoder, FramedEncoder

RNG = np.random.default_rng(5)
P = RNG.dirichlet(np.ones(24) * 0.3, size=30)
SYMS = [int(RNG.choice(24, p=row)) for row in P]


def encode(streaming, per=7):
    enc = FramedEncoder(model_id="m", steps_per_chunk=per, streaming=streaming)
    assert enc.streaming == streaming
    pieces = [enc.take()]
    for t, (row, s) in enumerate(zip(P, SYMS)):
        enc.encode_step(row, s)
        pieces.append(enc.take())
        assert (len(pieces[-1]) > 0) == (streaming and (t + 1) % per == 0)
    pieces.append(enc.finish())
    return pieces


def read_in_pieces(data, cuts):
    dec = FramedDecoder(model_id="m")
    got = []
    start = 0
    for stop in list(cuts) + [len(data)]:
        dec.push(data[start:stop])
        start = stop
        while dec.position < dec.available_steps:
            got.append(dec.decode_step(P[dec.position]))
    dec.end()
    assert dec.ended
    return got


@pytest.mark.parametrize("streaming", [False, True])
def test_every_split_decodes_the_same(streaming):
    pieces = encode(streaming)
    data = b"".join(pieces)
    assert len(pieces[0]) == (25 if streaming else 0)  # the header, at once when streaming
    whole = FramedDecoder(data, model_id="m")
    assert whole.steps == 30 and whole.available_steps == 30
    assert [whole.decode_step(row) for row in P] == SYMS
    for cut in range(len(data) + 1):
        assert read_in_pieces(data, [cut]) == SYMS
    assert read_in_pieces(data, range(1, len(data))) == SYMS


def test_incremental_decoder_states_and_errors():
    data = b"".join(encode(True))
    plain = b"".join(encode(False))
    assert len(data) == len(plain) + 16  # the end record
    dec = FramedDecoder(model_id="m")
    assert (dec.steps, dec.format, dec.model_id, dec.available_steps, dec.ended) == (None, None, None, 0, False)
    with pytest.raises(DistributionCoderError) as e:
        dec.decode_step(P[0])
    assert e.value.code_name == "DC_ERR_FRAME_NEED_INPUT"
    with pytest.raises(DistributionCoderError) as e:
        dec.push(b"\x89X")
    assert e.value.code_name == "DC_ERR_FRAME_MAGIC"
    dec.push(data[:30])  # refused bytes were not kept
    assert (dec.format, dec.steps_per_chunk, dec.model_id, dec.steps) == ("default", 7, b"m", None)
    with pytest.raises(DistributionCoderError) as e:
        dec.decode_step(P[0])
    assert e.value.code_name == "DC_ERR_FRAME_NEED_INPUT" and e.value.chunk == 0
    with pytest.raises(DistributionCoderError) as e:
        dec.end()
    assert e.value.code_name == "DC_ERR_FRAME_TRUNCATED" and e.value.chunk == 0
    dec.push(data[30:])
    assert dec.steps == 30 and dec.chunks == 5 and dec.available_steps == 30
    with pytest.raises(DistributionCoderError) as e:
        dec.push(b"\0")
    assert e.value.code_name == "DC_ERR_FRAME_CORRUPT"
    dec.end()
    assert [dec.decode_step(row) for row in P] == SYMS
    with pytest.raises(TypeError):
        dec.push("text")
    other = FramedDecoder(model_id="x")
    with pytest.raises(DistributionCoderError) as e:
        other.push(data)
    assert e.value.code_name == "DC_ERR_FRAME_MODEL_ID"
