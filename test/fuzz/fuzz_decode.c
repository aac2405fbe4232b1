/* fuzz_decode.c - the decoders on arbitrary bytes with arbitrary distributions.
 *
 * Input: byte 0 = format (bit 0), dtype (bits 1-2), clear NaN/Inf/sign bits (bit 3),
 * alternate two distributions (bit 4); then the steps as fuzz_read_steps reads them; the
 * rest is the stream.
 * Checks: those of fuzz_decode_both (no crash or sanitizer report, symbols in range, a
 * refused step changes nothing, the batch equals the steps), and a failed batch leaves the
 * decoder where it was. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size, 0};
    const uint8_t mode = fuzz_u8(&in);
    const int format = mode & 1;
    fuzz_steps s;
    fuzz_read_steps(&in, (mode >> 1) & 3, (mode >> 3) & 1, (mode >> 4) & 1, &s);
    const uint8_t *stream = data + in.pos;
    const size_t stream_len = fuzz_remaining(&in);

    dc_coder *a = NULL, *b = NULL;
    FUZZ_CHECK(dc_coder_create(format, NULL, &a) == DC_OK);
    FUZZ_CHECK(dc_coder_create(format, NULL, &b) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(a, stream, stream_len) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, stream, stream_len) == DC_OK);

    size_t symbols[FUZZ_MAX_STEPS];
    dc_result fail;
    const size_t done = fuzz_decode_both(a, b, &s, symbols, &fail);
    if (fail != DC_OK)
        /* unchanged: decoding again from the start gives the step-wise symbols */
        for (size_t t = 0; t < done; t++) {
            size_t sym = 0;
            FUZZ_CHECK(dc_coder_decode_step(b, s.matrix + t * s.row, s.dtype, s.n, &sym) ==
                       DC_OK);
            FUZZ_CHECK(sym == symbols[t]);
        }

    dc_coder_free(a);
    dc_coder_free(b);
    fuzz_free_steps(&s);
    return 0;
}
