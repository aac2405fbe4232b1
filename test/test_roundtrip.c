/* test_roundtrip.c - every dtype, vocabulary and shape decodes back to its symbols;
 * batches give the bytes of single steps; frequencies keep their invariants. */
#include "test_util.h"

enum shape { PEAKED, FLAT, SPARSE, TINY_SUM, HUGE_SUM, COUNTS, SUBNORMAL, SHAPE_COUNT };
static const char *const shape_names[] = {"peaked", "flat", "sparse", "tiny_sum",
                                          "huge_sum", "counts", "subnormal"};

static void make_shape(test_rng *r, int shape, double *p, size_t n, int dtype)
{
    switch (shape) {
    case PEAKED: make_softmax(r, p, n, 8.0); break;
    case FLAT:
        for (size_t i = 0; i < n; i++)
            p[i] = 1.0 / (double)n;
        break;
    case SPARSE: /* mostly exact zeros */
        make_softmax(r, p, n, 2.0);
        for (size_t i = 0; i < n; i++)
            if (rng_next(r) % 8 != 0)
                p[i] = 0;
        p[rng_next(r) % n] = 0.5;
        break;
    case TINY_SUM:
        make_softmax(r, p, n, 1.0);
        for (size_t i = 0; i < n; i++)
            p[i] *= 1e-6;
        break;
    case HUGE_SUM:
        make_softmax(r, p, n, 1.0);
        for (size_t i = 0; i < n; i++)
            p[i] *= dtype == DC_DTYPE_F16 ? 6e4 : 1e6; /* f16 tops out at 65504 */
        break;
    case COUNTS:
        for (size_t i = 0; i < n; i++)
            p[i] = (double)(rng_next(r) % 1000);
        p[0] += 1;
        break;
    default: /* subnormal-heavy: a very peaked softmax, most values underflow in f32 */
        make_softmax(r, p, n, 60.0);
        break;
    }
}

/* Checks the frequency invariants of the default format on one distribution. */
static void check_frequencies(const void *dist, int dtype, size_t n)
{
    uint64_t *freq = malloc(n * sizeof *freq), total = 0, sum = 0;
    CHECK_OK(dc_frequencies(DC_FORMAT_DEFAULT, dist, dtype, n, freq, &total));
    int all_positive = 1;
    for (size_t i = 0; i < n; i++) {
        sum += freq[i];
        all_positive &= freq[i] >= 1;
    }
    CHECK(all_positive);
    CHECK(sum == total);
    CHECK(total < ((uint64_t)1 << 32));
    free(freq);
}

static void roundtrip(test_rng *r, int dtype, size_t n, int shape, size_t steps)
{
    const size_t esize = dc_dtype_size(dtype);
    double *p = malloc(n * sizeof *p);
    unsigned char *matrix = malloc(steps * n * esize);
    uint32_t *symbols = malloc(steps * sizeof *symbols);
    uint32_t *decoded = malloc(steps * sizeof *decoded);
    size_t used = 0;
    for (size_t t = 0; t < steps; t++) {
        make_shape(r, shape, p, n, dtype);
        void *row = matrix + used * n * esize;
        store_as(dtype, row, p, n);
        uint64_t total;
        uint64_t f1;
        if (n == 1 && dc_frequencies(DC_FORMAT_DEFAULT, row, dtype, n, &f1, &total) != DC_OK)
            continue;
        if (n > 1) {
            uint64_t *freq = malloc(n * sizeof *freq);
            const dc_result fr = dc_frequencies(DC_FORMAT_DEFAULT, row, dtype, n, freq, &total);
            free(freq);
            if (fr == DC_ERR_NO_MASS) /* e.g. tiny sums underflowing to 0 in f16 */
                continue;
        }
        if (t < 2)
            check_frequencies(row, dtype, n);
        /* Mostly likely symbols, sometimes any symbol (zero probability included). */
        symbols[used] = (uint32_t)(rng_next(r) % 4 == 0 ? rng_next(r) % n : draw(r, p, n));
        used++;
    }

    dc_coder *enc, *batch, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &batch));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &dec));
    for (size_t t = 0; t < used; t++)
        CHECK_OK(dc_coder_encode_step(enc, matrix + t * n * esize, dtype, n, symbols[t]));
    const uint8_t *bytes, *batch_bytes;
    size_t size, batch_size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));

    size_t failed = 99;
    CHECK_OK(dc_coder_encode_steps(batch, matrix, dtype, n, used, symbols, &failed));
    CHECK_OK(dc_coder_finish_encoding(batch, &batch_bytes, &batch_size));
    CHECK(size == batch_size && memcmp(bytes, batch_bytes, size) == 0);

    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    int same = 1;
    for (size_t t = 0; t < used; t++) {
        size_t s = (size_t)-1;
        CHECK_OK(dc_coder_decode_step(dec, matrix + t * n * esize, dtype, n, &s));
        same &= s == symbols[t];
    }
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    CHECK_OK(dc_coder_decode_steps(dec, matrix, dtype, n, used, decoded, &failed));
    same &= used == 0 || memcmp(decoded, symbols, used * sizeof *symbols) == 0;
    if (!same)
        fprintf(stderr, "mismatch: dtype %s vocab %zu shape %s\n", dtype_names[dtype], n,
                shape_names[shape]);
    CHECK(same);
    dc_coder_free(enc);
    dc_coder_free(batch);
    dc_coder_free(dec);
    free(p);
    free(matrix);
    free(symbols);
    free(decoded);
}

/* One stream whose vocabulary changes at every step. */
static void changing_vocabulary(test_rng *r)
{
    enum { STEPS = 300 };
    static const size_t sizes[] = {1, 2, 3, 7, 256, 1000, 5000};
    size_t vocab[STEPS], sym[STEPS];
    float *rows[STEPS];
    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &dec));
    for (int t = 0; t < STEPS; t++) {
        vocab[t] = sizes[rng_next(r) % 7];
        double *p = malloc(vocab[t] * sizeof *p);
        make_softmax(r, p, vocab[t], 3.0);
        rows[t] = malloc(vocab[t] * sizeof(float));
        store_as(DC_DTYPE_F32, rows[t], p, vocab[t]);
        sym[t] = draw(r, p, vocab[t]);
        free(p);
        CHECK_OK(dc_coder_encode_step(enc, rows[t], DC_DTYPE_F32, vocab[t], sym[t]));
    }
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    int same = 1;
    for (int t = 0; t < STEPS; t++) {
        size_t s;
        CHECK_OK(dc_coder_decode_step(dec, rows[t], DC_DTYPE_F32, vocab[t], &s));
        same &= s == sym[t];
        free(rows[t]);
    }
    CHECK(same);
    dc_coder_free(enc);
    dc_coder_free(dec);
}

/* Edge values: exactly 1.0, values around 2^-32, a single nonzero element. */
static void edge_values(void)
{
    const float one[3] = {0.0f, 1.0f, 0.0f};
    const float tiny[4] = {0x1p-33f, 0x1p-32f, 0x1p-31f, 0x1p-149f};
    const double big[3] = {1e300, 1e-300, 4.9e-324};
    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &dec));
    const size_t syms[] = {0, 1, 2, 3, 0, 1, 2};
    CHECK_OK(dc_coder_encode_step(enc, one, DC_DTYPE_F32, 3, 0));
    CHECK_OK(dc_coder_encode_step(enc, one, DC_DTYPE_F32, 3, 1));
    CHECK_OK(dc_coder_encode_step(enc, one, DC_DTYPE_F32, 3, 2));
    CHECK_OK(dc_coder_encode_step(enc, tiny, DC_DTYPE_F32, 4, 3));
    CHECK_OK(dc_coder_encode_step(enc, big, DC_DTYPE_F64, 3, 0));
    CHECK_OK(dc_coder_encode_step(enc, big, DC_DTYPE_F64, 3, 1));
    CHECK_OK(dc_coder_encode_step(enc, big, DC_DTYPE_F64, 3, 2));
    const uint8_t *bytes;
    size_t size, s;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    CHECK_OK(dc_coder_decode_step(dec, one, DC_DTYPE_F32, 3, &s)); CHECK(s == syms[0]);
    CHECK_OK(dc_coder_decode_step(dec, one, DC_DTYPE_F32, 3, &s)); CHECK(s == syms[1]);
    CHECK_OK(dc_coder_decode_step(dec, one, DC_DTYPE_F32, 3, &s)); CHECK(s == syms[2]);
    CHECK_OK(dc_coder_decode_step(dec, tiny, DC_DTYPE_F32, 4, &s)); CHECK(s == syms[3]);
    CHECK_OK(dc_coder_decode_step(dec, big, DC_DTYPE_F64, 3, &s)); CHECK(s == syms[4]);
    CHECK_OK(dc_coder_decode_step(dec, big, DC_DTYPE_F64, 3, &s)); CHECK(s == syms[5]);
    CHECK_OK(dc_coder_decode_step(dec, big, DC_DTYPE_F64, 3, &s)); CHECK(s == syms[6]);

    /* Frequencies of a known case: [0.25, 0.75] at scale 2^32, shift 0. */
    const float quarter[2] = {0.25f, 0.75f};
    uint64_t f[2], total;
    CHECK_OK(dc_frequencies(DC_FORMAT_DEFAULT, quarter, DC_DTYPE_F32, 2, f, &total));
    CHECK(f[0] == (((uint64_t)1 << 29) + 1) && f[1] == (((uint64_t)3 << 29) + 1));
    CHECK(total == ((uint64_t)1 << 31) + 2);
    dc_coder_free(enc);
    dc_coder_free(dec);
}

/* An empty message is an empty stream and decodes nothing. */
static void empty_message(void)
{
    dc_coder *enc;
    const uint8_t *bytes;
    size_t size = 99;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    CHECK(size == 0);
    dc_coder_free(enc);
}

int main(void)
{
    test_rng r = {42};
    static const size_t vocabs[] = {1, 2, 3, 256, 50257, 262144};
    for (int dtype = 0; dtype < 4; dtype++)
        for (size_t v = 0; v < sizeof vocabs / sizeof *vocabs; v++)
            for (int shape = 0; shape < SHAPE_COUNT; shape++) {
                const size_t n = vocabs[v];
                const size_t steps = n >= 100000 ? 3 : n >= 10000 ? 6 : 120;
                roundtrip(&r, dtype, n, shape, steps);
            }
    changing_vocabulary(&r);
    edge_values();
    empty_message();
    return test_finish("test_roundtrip");
}
