/* fuzz_quantize.c - arbitrary float bit patterns in every dtype through dc_frequencies and
 * through the encoder.
 *
 * Input: byte 0 picks the dtype (bits 0-1) and whether NaN/Inf/sign bits are cleared
 * (bit 2); the rest is the distribution (up to 2048 elements).
 * Checks: the default format's frequencies and result equal an independent reference
 * computed from the header's text; freq >= 1, sum == total, total < 2^32 (default) or
 * == 2^32 (python-0.1); symbols encoded with the distribution decode back; every kernel
 * set this build can run (SSE2, AVX2, ...) returns what the scalar kernels return. */
#include "fuzz_common.h"
#include "kernels/kernels.h" /* internal: the kernel sets, compared with the scalar reference */

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
        FUZZ_CHECK(dc_coder_encode_step(c, dist, dtype, n, symbols[i]) == DC_OK);
    const uint8_t *bytes;
    size_t len;
    FUZZ_CHECK(dc_coder_finish_encoding(c, &bytes, &len) == DC_OK);
    uint8_t *copy = (uint8_t *)malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    FUZZ_CHECK(dc_coder_start_decoding(c, copy, len) == DC_OK);
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(dc_coder_decode_step(c, dist, dtype, n, &decoded) == DC_OK);
        FUZZ_CHECK(decoded == symbols[i]);
    }
    free(copy);
    dc_coder_free(c);
}

static void check_kernels(const void *dist, int dtype, size_t n, size_t begin)
{
    const dc_kernels *ref = &dc_kernels_scalar;
    const size_t blocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    uint64_t *want = (uint64_t *)malloc(blocks * sizeof *want);
    uint64_t *got = (uint64_t *)malloc(blocks * sizeof *got);
    uint64_t s_ref = 0, s = 0;
    const int r_ref = ref->sum32[dtype](dist, begin, n, &s_ref);
    const int b_ref = ref->blocks32[dtype](dist, n, want);
    for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
        const int r = (*k)->sum32[dtype](dist, begin, n, &s);
        if (r != r_ref || (r && s != s_ref))
            fprintf(stderr, "kernels %s: sum32 over [%zu, %zu) gives %d/%llu, scalar %d/%llu\n",
                    (*k)->name, begin, n, r, (unsigned long long)s, r_ref,
                    (unsigned long long)s_ref);
        FUZZ_CHECK(r == r_ref);
        FUZZ_CHECK(!r || s == s_ref);
        const int b = (*k)->blocks32[dtype](dist, n, got);
        FUZZ_CHECK(b == b_ref);
        FUZZ_CHECK(!b || memcmp(got, want, blocks * sizeof *got) == 0);
    }
    free(got);
    free(want);
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

    check_kernels(dist, dtype, n, data[size - 1] % n);

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
