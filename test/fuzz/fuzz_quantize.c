/* fuzz_quantize.c - arbitrary float bit patterns in every dtype through dc_frequencies and
 * through the encoder.
 *
 * Input: byte 0 picks the dtype (bits 0-1) and whether NaN/Inf/sign bits are cleared
 * (bit 2); the rest is the distribution (up to 2048 elements).
 * Checks: the default format's frequencies and result equal an independent reference
 * computed from the header's text; freq >= 1, sum == total, total < 2^32 (default) or
 * == 2^32 (python-0.1); symbols encoded with the distribution decode back. */
#include "fuzz_common.h"

#define MAX_VOCAB 2048

static void check_roundtrip(int format, const void *dist, int dtype, size_t n,
                            const uint8_t *data, size_t size)
{
    size_t symbols[10], decoded;
    size_t count = 0;
    symbols[count++] = 0;
    symbols[count++] = n - 1;
    for (size_t i = 0; i < 8; i++)
        symbols[count++] = ((size > i ? data[i] : 0) * 2654435761u + i * 40503u) % n;
    dc_coder *c = NULL;
    FUZZ_CHECK(dc_coder_create(format, NULL, &c) == DC_OK);
    for (size_t i = 0; i < count; i++)
        FUZZ_CHECK(dc_encode_step(c, dist, dtype, n, symbols[i]) == DC_OK);
    const uint8_t *bytes;
    size_t len;
    FUZZ_CHECK(dc_finish_encoding(c, &bytes, &len) == DC_OK);
    uint8_t *copy = (uint8_t *)malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    FUZZ_CHECK(dc_start_decoding(c, copy, len) == DC_OK);
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(dc_decode_step(c, dist, dtype, n, &decoded) == DC_OK);
        FUZZ_CHECK(decoded == symbols[i]);
    }
    free(copy);
    dc_coder_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int dtype = data[0] & 3;
    const int sanitize = (data[0] >> 2) & 1;
    const size_t esize = dc_dtype_size(dtype);
    size_t n = (size - 1) / esize;
    if (n == 0)
        return 0;
    if (n > MAX_VOCAB)
        n = MAX_VOCAB;
    void *dist = malloc(n * esize);
    memcpy(dist, data + 1, n * esize);
    if (sanitize)
        fuzz_sanitize(dist, dtype, n);

    uint64_t *freq = (uint64_t *)malloc(n * sizeof *freq);
    uint64_t *ref = (uint64_t *)malloc(n * sizeof *ref);
    uint64_t total = 0, ref_total = 0;

    /* default format: exactly the reference */
    const dc_result r = dc_frequencies(DC_FORMAT_DEFAULT, dist, dtype, n, freq, &total);
    const dc_result rr = fuzz_reference_frequencies(dist, dtype, n, ref, &ref_total);
    if (r != rr)
        fprintf(stderr, "dc_frequencies: %s, reference: %s\n", dc_result_name(r),
                dc_result_name(rr));
    FUZZ_CHECK(r == rr);
    if (r == DC_OK) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(freq[i] >= 1);
            FUZZ_CHECK(freq[i] == ref[i]);
            sum += freq[i];
        }
        FUZZ_CHECK(sum == total);
        FUZZ_CHECK(total == ref_total);
        FUZZ_CHECK(total < ((uint64_t)1 << 32));
        check_roundtrip(DC_FORMAT_DEFAULT, dist, dtype, n, data + 1, size - 1);
    }

    /* python-0.1: its invariants (it may accept what the default refuses, e.g. no mass) */
    const dc_result rp = dc_frequencies(DC_FORMAT_PYTHON_0_1, dist, dtype, n, freq, &total);
    if (rp == DC_OK) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(freq[i] >= 1);
            sum += freq[i];
        }
        FUZZ_CHECK(sum == total);
        FUZZ_CHECK(total == ((uint64_t)1 << 32));
        check_roundtrip(DC_FORMAT_PYTHON_0_1, dist, dtype, n, data + 1, size - 1);
    } else {
        FUZZ_CHECK(rp > DC_OK && rp < DC_RESULT_COUNT);
    }

    free(ref);
    free(freq);
    free(dist);
    return 0;
}
