/* fuzz_tolerant.c - the tolerant mode's decoder on arbitrary bytes and distributions.
 *
 * Input: byte 0 = dtype (bits 0-1), clear NaN/Inf/sign bits (bit 2), alternate two
 * distributions (bit 3); u16 t, tolerance (1 + t) * 1e-2 / 65536; then the steps as
 * fuzz_read_steps reads them; the rest is the stream.
 * Checks: those of fuzz_decode_both (no crash or sanitizer report, symbols in range, a
 * refused step changes nothing, the batch equals the steps), and the decoded symbols,
 * encoded again with the same distributions, decode back to themselves. */
#include "fuzz_common.h"

static dc_coder *make(double tau)
{
    dc_coder_options o;
    memset(&o, 0, sizeof o);
    o.format = DC_FORMAT_DEFAULT;
    o.tolerance = tau;
    dc_coder *c = NULL;
    FUZZ_CHECK(dc_coder_create_with_options(&o, NULL, &c) == DC_OK);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size, 0};
    const uint8_t mode = fuzz_u8(&in);
    const double tau = (1 + fuzz_u16(&in)) * (1e-2 / 65536);
    fuzz_steps s;
    fuzz_read_steps(&in, mode & 3, (mode >> 2) & 1, (mode >> 3) & 1, &s);
    const uint8_t *stream = data + in.pos;
    const size_t stream_len = fuzz_remaining(&in);

    dc_coder *a = make(tau), *b = make(tau), *e = make(tau);
    FUZZ_CHECK(dc_coder_start_decoding(a, stream, stream_len) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, stream, stream_len) == DC_OK);

    size_t symbols[FUZZ_MAX_STEPS];
    dc_result fail;
    const size_t done = fuzz_decode_both(a, b, &s, symbols, &fail);

    /* round trip of what was decoded */
    for (size_t t = 0; t < done; t++)
        FUZZ_CHECK(dc_coder_encode_step(e, s.matrix + t * s.row, s.dtype, s.n, symbols[t]) ==
                   DC_OK);
    const uint8_t *bytes;
    size_t len;
    FUZZ_CHECK(dc_coder_finish_encoding(e, &bytes, &len) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, bytes, len) == DC_OK);
    for (size_t t = 0; t < done; t++) {
        size_t sym = 0;
        FUZZ_CHECK(dc_coder_decode_step(b, s.matrix + t * s.row, s.dtype, s.n, &sym) == DC_OK);
        FUZZ_CHECK(sym == symbols[t]);
    }

    dc_coder_free(a);
    dc_coder_free(b);
    dc_coder_free(e);
    fuzz_free_steps(&s);
    return 0;
}
