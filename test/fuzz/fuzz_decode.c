/* fuzz_decode.c - the decoders on arbitrary bytes with arbitrary distributions.
 *
 * Input: byte 0 = format (bit 0), dtype (bits 1-2), clear NaN/Inf/sign bits (bit 3),
 * alternate two distributions (bit 4); u16 v, vocabulary 1 + v % 1100 when v >= 2^15, else
 * 1 + v % 40; u8 steps
 * (1 + s % 64); one or two distributions; the rest is the stream.
 * Checks: no crash or sanitizer report; every symbol is below the vocabulary; a refused
 * step leaves the decoder unchanged (the same call fails the same way again); the batch
 * decoder gives the step-wise symbols, fails at the same step with the same code, and a
 * failed batch leaves the decoder where it was. */
#include "fuzz_common.h"

#define MAX_STEPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size, 0};
    const uint8_t mode = fuzz_u8(&in);
    const int format = mode & 1;
    const int dtype = (mode >> 1) & 3;
    const int sanitize = (mode >> 3) & 1;
    const int two = (mode >> 4) & 1;
    const uint32_t v = fuzz_u16(&in);
    const size_t n = 1 + (v & 0x8000 ? v % 1100 : v % 40); /* half of them small: faster */
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

    dc_coder *a = NULL, *b = NULL;
    FUZZ_CHECK(dc_coder_create(format, NULL, &a) == DC_OK);
    FUZZ_CHECK(dc_coder_create(format, NULL, &b) == DC_OK);
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
    if (rb == DC_OK) {
        for (size_t t = 0; t < steps; t++)
            FUZZ_CHECK(batch[t] == symbols[t]);
    } else {
        FUZZ_CHECK(failed_step == done);
        /* unchanged: decoding again from the start gives the step-wise symbols */
        for (size_t t = 0; t < done; t++) {
            size_t s = 0;
            FUZZ_CHECK(dc_coder_decode_step(b, matrix + t * row, dtype, n, &s) == DC_OK);
            FUZZ_CHECK(s == symbols[t]);
        }
    }

    dc_coder_free(a);
    dc_coder_free(b);
    free(matrix);
    free(dists);
    return 0;
}
