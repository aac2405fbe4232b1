/* fuzz_roundtrip.c - whatever is encoded decodes back, in both formats.
 *
 * Input: byte 0 = format (bit 0), dtype (bits 1-2), keep raw bits (bit 3, else NaN/Inf/
 * sign bits are cleared), inject refused calls (bit 4); u16 v, vocabulary 1 + v % 600 when
 * v >= 2^15, else 1 + v % 40;
 * u8 steps (1 + s % 32); then per step a u16 symbol seed and a distribution.
 * Checks: steps the library accepts decode back to their symbols step-wise and in a
 * batch; the batch encoder writes the step-wise bytes; refused calls (bad symbol, bad
 * dtype, a distribution with a NaN, a whole batch holding a refused row) change nothing:
 * the bytes equal those of a coder that never saw them. */
#include "fuzz_common.h"

#define MAX_STEPS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size, 0};
    const uint8_t mode = fuzz_u8(&in);
    const int format = mode & 1;
    const int dtype = (mode >> 1) & 3;
    const int raw = (mode >> 3) & 1;
    const int inject = (mode >> 4) & 1;
    const uint32_t v = fuzz_u16(&in);
    const size_t n = 1 + (v & 0x8000 ? v % 600 : v % 40); /* half of them small: faster */
    const size_t steps = 1 + fuzz_u8(&in) % MAX_STEPS;
    const size_t row = n * dc_dtype_size(dtype);

    unsigned char *all = (unsigned char *)malloc(steps * row);   /* every row */
    unsigned char *good = (unsigned char *)malloc(steps * row);  /* the accepted rows */
    uint64_t *scratch = (uint64_t *)malloc(n * sizeof *scratch);
    uint32_t all_symbols[MAX_STEPS], symbols[MAX_STEPS], decoded[MAX_STEPS];
    size_t first_bad = steps, kept = 0;
    for (size_t t = 0; t < steps; t++) {
        all_symbols[t] = (uint32_t)(fuzz_u16(&in) % n);
        unsigned char *r = all + t * row;
        fuzz_bytes(&in, r, row);
        if (!raw)
            fuzz_sanitize(r, dtype, n);
        if (fuzz_codable(format, r, dtype, n, scratch)) {
            memcpy(good + kept * row, r, row);
            symbols[kept++] = all_symbols[t];
        } else if (first_bad == steps) {
            first_bad = t;
        }
    }
    /* a NaN row for injected refusals */
    unsigned char *nan_row = (unsigned char *)calloc(1, row);
    memset(nan_row, 0xff, dc_dtype_size(dtype)); /* all-ones bits: a NaN in every dtype */

    dc_coder *a = NULL, *b = NULL;
    FUZZ_CHECK(dc_coder_create(format, NULL, &a) == DC_OK);
    FUZZ_CHECK(dc_coder_create(format, NULL, &b) == DC_OK);

    /* step-wise, with refused calls in between */
    for (size_t t = 0; t < kept; t++) {
        const void *dist = good + t * row;
        if (inject) {
            FUZZ_CHECK(dc_coder_encode_step(a, dist, dtype, n, n) == DC_ERR_BAD_SYMBOL);
            FUZZ_CHECK(dc_coder_encode_step(a, dist, 7, n, 0) == DC_ERR_BAD_DTYPE);
            FUZZ_CHECK(dc_coder_encode_step(a, nan_row, dtype, n, 0) != DC_OK);
        }
        FUZZ_CHECK(dc_coder_encode_step(a, dist, dtype, n, symbols[t]) == DC_OK);
    }
    /* batch: a batch holding a refused row fails at that row and keeps nothing */
    if (first_bad < steps) {
        size_t failed = (size_t)-1;
        FUZZ_CHECK(dc_coder_encode_steps(b, all, dtype, n, steps, all_symbols, &failed) != DC_OK);
        FUZZ_CHECK(failed == first_bad);
    }
    size_t failed = (size_t)-1;
    FUZZ_CHECK(dc_coder_encode_steps(b, good, dtype, n, kept, symbols, &failed) == DC_OK);

    const uint8_t *bytes_a, *bytes_b;
    size_t len_a, len_b;
    FUZZ_CHECK(dc_coder_finish_encoding(a, &bytes_a, &len_a) == DC_OK);
    FUZZ_CHECK(dc_coder_finish_encoding(b, &bytes_b, &len_b) == DC_OK);
    FUZZ_CHECK(len_a == len_b);
    FUZZ_CHECK(len_a == 0 || memcmp(bytes_a, bytes_b, len_a) == 0);
    /* finishing again gives the same bytes; encoding after finish is refused */
    const uint8_t *again;
    size_t len_again;
    FUZZ_CHECK(dc_coder_finish_encoding(a, &again, &len_again) == DC_OK);
    FUZZ_CHECK(again == bytes_a && len_again == len_a);
    if (kept > 0)
        FUZZ_CHECK(dc_coder_encode_step(a, good, dtype, n, symbols[0]) == DC_ERR_NOT_ENCODING);

    uint8_t *copy = (uint8_t *)malloc(len_a ? len_a : 1);
    if (len_a)
        memcpy(copy, bytes_a, len_a);
    FUZZ_CHECK(dc_coder_start_decoding(a, copy, len_a) == DC_OK);
    FUZZ_CHECK(dc_coder_start_decoding(b, copy, len_a) == DC_OK);
    for (size_t t = 0; t < kept; t++) {
        size_t s = (size_t)-1;
        if (inject) {
            FUZZ_CHECK(dc_coder_decode_step(a, nan_row, dtype, n, &s) != DC_OK);
            FUZZ_CHECK(dc_coder_decode_step(a, good + t * row, 9, n, &s) == DC_ERR_BAD_DTYPE);
        }
        FUZZ_CHECK(dc_coder_decode_step(a, good + t * row, dtype, n, &s) == DC_OK);
        FUZZ_CHECK(s == symbols[t]);
    }
    FUZZ_CHECK(dc_coder_decode_steps(b, good, dtype, n, kept, decoded, &failed) == DC_OK);
    for (size_t t = 0; t < kept; t++)
        FUZZ_CHECK(decoded[t] == symbols[t]);

    free(copy);
    dc_coder_free(a);
    dc_coder_free(b);
    free(nan_row);
    free(scratch);
    free(good);
    free(all);
    return 0;
}
