/* fuzz_tolerant.c - the tolerant mode's decoder on arbitrary bytes and distributions.
 *
 * Input: byte 0 = dtype (bits 0-1), clear NaN/Inf/sign bits (bit 2), alternate two
 * distributions (bit 3); u16 t, tolerance (1 + t) * 1e-2 / 65536; u16 v, vocabulary
 * 1 + v % 1100 when v >= 2^15, else 1 + v % 40; u8 steps (1 + s % 64); one or two
 * distributions; the rest is the stream.
 * Checks: no crash or sanitizer report; every symbol is below the vocabulary; a refused step
 * leaves the decoder unchanged (the same call fails the same way again); the batch decoder
 * gives the step-wise symbols or fails at the same step; and the decoded symbols, encoded
 * again with the same distributions, decode back to themselves. */
#include "fuzz_common.h"

#define MAX_STEPS 64

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
    const int dtype = mode & 3;
    const int sanitize = (mode >> 2) & 1;
    const int two = (mode >> 3) & 1;
    const double tau = (1 + fuzz_u16(&in)) * (1e-2 / 65536);
    const uint32_t v = fuzz_u16(&in);
    const size_t n = 1 + (v & 0x8000 ? v % 1100 : v % 40);
    const size_t steps = 1 + fuzz_u8(&in) % MAX_STEPS;
    const size_t row = n * dc_dtype_size(dtype);

    unsigned char *dists = (unsigned char *)malloc(2 * row);
    fuzz_bytes(&in, dists, row);
    if (two)
        fuzz_bytes(&in, dists + row, row);
    else
        memcpy(dists + row, dists, row);
    if (sanitize)
        fuzz_sanitize(dists, dtype, 2 * n);
    unsigned char *matrix = (unsigned char *)malloc(steps * row);
    for (size_t t = 0; t < steps; t++)
        memcpy(matrix + t * row, dists + (t & 1) * row, row);
    const uint8_t *stream = data + in.pos;
    const size_t stream_len = fuzz_remaining(&in);

    dc_coder *a = make(tau), *b = make(tau), *e = make(tau);
    FUZZ_CHECK(dc_coder_start_decoding(a, stream, stream_len) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, stream, stream_len) == DC_OK);

    size_t symbols[MAX_STEPS];
    size_t done = 0;
    dc_result fail = DC_OK;
    for (; done < steps; done++) {
        const void *dist = matrix + done * row;
        fail = dc_coder_decode_step(a, dist, dtype, n, &symbols[done]);
        if (fail != DC_OK) {
            size_t again = 0;
            FUZZ_CHECK(dc_coder_decode_step(a, dist, dtype, n, &again) == fail);
            break;
        }
        FUZZ_CHECK(symbols[done] < n);
    }

    uint32_t batch[MAX_STEPS];
    size_t failed_step = (size_t)-1;
    const dc_result rb = dc_coder_decode_steps(b, matrix, dtype, n, steps, batch, &failed_step);
    FUZZ_CHECK(rb == fail);
    if (rb == DC_OK)
        for (size_t t = 0; t < steps; t++)
            FUZZ_CHECK(batch[t] == symbols[t]);
    else
        FUZZ_CHECK(failed_step == done);

    /* round trip of what was decoded */
    for (size_t t = 0; t < done; t++)
        FUZZ_CHECK(dc_coder_encode_step(e, matrix + t * row, dtype, n, symbols[t]) == DC_OK);
    const uint8_t *bytes;
    size_t len;
    FUZZ_CHECK(dc_coder_finish_encoding(e, &bytes, &len) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, bytes, len) == DC_OK);
    for (size_t t = 0; t < done; t++) {
        size_t s = 0;
        FUZZ_CHECK(dc_coder_decode_step(b, matrix + t * row, dtype, n, &s) == DC_OK);
        FUZZ_CHECK(s == symbols[t]);
    }

    dc_coder_free(a);
    dc_coder_free(b);
    dc_coder_free(e);
    free(matrix);
    free(dists);
    return 0;
}
