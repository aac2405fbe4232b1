/* test_compression.c - on LLM-like distributions the stream is at most 0.01% + 8 bytes
 * above the ideal size sum(-log2(p[symbol] / sum(p))) / 8, and decodes back. */
#include "test_util.h"

#ifndef COMPRESSION_STEPS
#define COMPRESSION_STEPS 100000
#endif

enum { VOCAB = 50257, POOL = 32 };

int main(void)
{
    test_rng r = {2024};
    float *pool = malloc((size_t)POOL * VOCAB * sizeof(float));
    double *cdf = malloc((size_t)POOL * VOCAB * sizeof(double));
    double *p = malloc(VOCAB * sizeof *p);
    /* A pool of softmax(scale * gaussian) rows with temperatures from sharp to flat. */
    for (int j = 0; j < POOL; j++) {
        make_softmax(&r, p, VOCAB, 1.5 + 0.25 * j);
        float *row = pool + (size_t)j * VOCAB;
        store_as(DC_DTYPE_F32, row, p, VOCAB);
        double sum = 0;
        for (size_t i = 0; i < VOCAB; i++)
            cdf[(size_t)j * VOCAB + i] = (sum += row[i]);
    }
    uint32_t *rowof = malloc(COMPRESSION_STEPS * sizeof *rowof);
    uint32_t *sym = malloc(COMPRESSION_STEPS * sizeof *sym);
    double ideal_bits = 0;
    for (size_t t = 0; t < COMPRESSION_STEPS; t++) {
        const uint32_t j = (uint32_t)(rng_next(&r) % POOL);
        const double *c = cdf + (size_t)j * VOCAB;
        const double x = rng_uniform(&r) * c[VOCAB - 1];
        size_t lo = 0, hi = VOCAB - 1; /* first i with c[i] > x */
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (c[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        rowof[t] = j;
        sym[t] = (uint32_t)lo;
        ideal_bits -= log2((double)pool[(size_t)j * VOCAB + lo] / c[VOCAB - 1]);
    }

    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &dec));
    for (size_t t = 0; t < COMPRESSION_STEPS; t++)
        CHECK_OK(dc_coder_encode_step(enc, pool + (size_t)rowof[t] * VOCAB, DC_DTYPE_F32, VOCAB,
                                sym[t]));
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    const double ideal = ideal_bits / 8;
    const double overhead = (double)size - ideal;
    printf("steps %d vocab %d: ideal %.1f bytes, stream %zu bytes, overhead %.2f bytes "
           "(%.5f%%)\n",
           COMPRESSION_STEPS, VOCAB, ideal, size, overhead, 100.0 * overhead / ideal);
    CHECK((double)size <= ideal * 1.0001 + 8);

    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    int same = 1;
    for (size_t t = 0; t < COMPRESSION_STEPS; t++) {
        size_t s;
        CHECK_OK(dc_coder_decode_step(dec, pool + (size_t)rowof[t] * VOCAB, DC_DTYPE_F32, VOCAB, &s));
        same &= s == sym[t];
    }
    CHECK(same);
    dc_coder_free(enc);
    dc_coder_free(dec);
    free(pool);
    free(cdf);
    free(p);
    free(rowof);
    free(sym);
    return test_finish("test_compression");
}
