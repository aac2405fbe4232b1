/* test_classes.c - every input class gives the same bytes through the coder (fast path,
 * general-scale SIMD kernels, guessed scales that are right or wrong) as through the
 * scalar reference: frequencies from dc_frequencies (the scalar path) coded by an
 * independent range encoder written from docs/FORMAT.md 1.4. The coder's decoder (step by
 * step and batched) must give the symbols back. Steps of different classes alternate, so
 * the coder's guessed scale is wrong at class changes and right within runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distribution_coder.h"
#include "test_util.h"

enum {
    FAST, EXP_MAX, SCALED_04, ONE_HOT, NEG_ZERO, ONES, COUNTS, SUBNORMAL, SUM_1EM6, SUM_1E6,
    HUGE_VALUES, MAX_ABOVE_HALF, UNIFORM_SMALL, HALF_SUM, F64_TINY, CLASS_COUNT
};
static const char *const class_names[CLASS_COUNT] = {
    "fast", "exp(logit-max)", "softmax*0.4", "one-hot", "one -0", "all ones", "counts",
    "subnormal-heavy", "sum 1e-6", "sum 1e6", "huge values", "max in [0.5,1), sum < 0.5",
    "uniform*0.3", "sum near 0.5", "f64 subnormal only",
};

/* ---- the reference encoder: a byte array with carries propagated into it ---- */

typedef struct ref_enc {
    uint8_t *out;
    size_t len, cap;
    uint64_t low, range;
} ref_enc;

static void ref_push(ref_enc *e, uint8_t b)
{
    if (e->len == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 256;
        e->out = realloc(e->out, e->cap);
    }
    e->out[e->len++] = b;
}

static void ref_add(ref_enc *e, uint64_t add)
{
    e->low += add;
    if (e->low < add) /* carry into the bytes already written */
        for (size_t i = e->len; i-- > 0 && ++e->out[i] == 0;)
            ;
}

static void ref_encode(ref_enc *e, uint64_t cum, uint64_t freq, uint64_t total)
{
    const uint64_t r = e->range / total;
    ref_add(e, r * cum);
    e->range = r * freq;
    while (e->range < ((uint64_t)1 << 56)) {
        ref_push(e, (uint8_t)(e->low >> 56));
        e->low <<= 8;
        e->range <<= 8;
    }
}

static void ref_finish(ref_enc *e)
{
    const uint64_t last = e->low + (e->range - 1);
    uint64_t v = e->low;
    if (last < e->low) {
        v = 0; /* a multiple of 2^64 */
    } else {
        for (int b = 63; b >= 0; b--) {
            const uint64_t mask = ((uint64_t)1 << b) - 1;
            if (e->low + mask < e->low)
                continue;
            const uint64_t c = (e->low + mask) & ~mask;
            if (c <= last) {
                v = c;
                break;
            }
        }
    }
    ref_add(e, v - e->low);
    for (int i = 0; i < 8; i++) {
        ref_push(e, (uint8_t)(e->low >> 56));
        e->low <<= 8;
    }
    while (e->len > 0 && e->out[e->len - 1] == 0)
        e->len--;
}

/* ---- input classes ---- */

static void put_bits(int dtype, void *row, size_t i, uint64_t bits)
{
    const size_t es = dc_dtype_size(dtype);
    unsigned char *p = (unsigned char *)row + es * i;
    if (es == 8) {
        memcpy(p, &bits, 8);
    } else if (es == 4) {
        const uint32_t b = (uint32_t)bits;
        memcpy(p, &b, 4);
    } else {
        const uint16_t b = (uint16_t)bits;
        memcpy(p, &b, 2);
    }
}

static void make_class(test_rng *r, int cls, int dtype, double *p, size_t n, void *row)
{
    make_softmax(r, p, n, 3.0);
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = p[i] > max ? p[i] : max;
    const size_t j = (size_t)(rng_next(r) % n);
    for (size_t i = 0; i < n; i++) {
        switch (cls) {
        case EXP_MAX: p[i] /= max; break;
        case SCALED_04: p[i] *= 0.4; break;
        case ONE_HOT: p[i] = i == j ? 1.0 : 0.0; break;
        case ONES: p[i] = 1.0; break;
        case COUNTS: p[i] = (double)(rng_next(r) % 50) + (i == j); break;
        case SUBNORMAL: if (i % 2) p[i] = ldexp(p[i], dtype == DC_DTYPE_F64 ? -1030
                                                    : dtype == DC_DTYPE_F16 ? -14 : -128);
            break;
        case SUM_1EM6: p[i] *= 1e-6; break;
        case SUM_1E6: p[i] *= dtype == DC_DTYPE_F16 ? 6e4 : 1e6; break;
        case HUGE_VALUES: p[i] *= dtype == DC_DTYPE_F16 ? 6e4 : dtype == DC_DTYPE_F64 ? 1e300
                                                                                    : 1e37;
            break;
        case MAX_ABOVE_HALF: p[i] = i == j ? 0.6 : p[i] * 1e-3; break;
        case UNIFORM_SMALL: p[i] = 0.3 / (double)n; break;
        case HALF_SUM: p[i] = (i % 2 ? 1.0 : 0.5) / (double)n; break;
        case F64_TINY: p[i] *= dtype == DC_DTYPE_F64 ? 1e-310 : 1e-30; break;
        default: break;
        }
    }
    store_as(dtype, row, p, n);
    if (cls == NEG_ZERO)
        put_bits(dtype, row, j, dc_dtype_size(dtype) == 2 ? 0x8000u
                                : dc_dtype_size(dtype) == 4 ? 0x80000000u
                                                            : (uint64_t)1 << 63);
}

/* One stream of `steps` steps whose class follows `pattern`; returns 0 when skipped. */
static void check_stream(test_rng *r, int dtype, size_t n, const int *classes, size_t steps)
{
    const size_t es = dc_dtype_size(dtype);
    double *p = malloc(n * sizeof *p);
    uint64_t *freq = malloc(n * sizeof *freq);
    unsigned char *matrix = malloc(steps * n * es);
    uint32_t *syms = malloc(steps * sizeof *syms), *got = malloc(steps * sizeof *got);
    ref_enc ref = {NULL, 0, 0, 0, UINT64_MAX};
    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &dec));
    size_t used = 0;
    for (size_t t = 0; t < steps; t++) {
        unsigned char *row = matrix + used * n * es;
        make_class(r, classes[t], dtype, p, n, row);
        uint64_t total;
        const dc_result fr = dc_frequencies(DC_FORMAT_DEFAULT, row, dtype, n, freq, &total);
        const size_t sym = (size_t)(rng_next(r) % n);
        const dc_result er = dc_coder_encode_step(enc, row, dtype, n, sym);
        if (er != fr) {
            fprintf(stderr, "%s n=%zu %s: encode %s, frequencies %s\n", dtype_names[dtype], n,
                    class_names[classes[t]], dc_result_name(er), dc_result_name(fr));
            test_failures++;
        }
        if (fr != DC_OK)
            continue;
        uint64_t cum = 0;
        for (size_t i = 0; i < sym; i++)
            cum += freq[i];
        ref_encode(&ref, cum, freq[sym], total);
        syms[used++] = (uint32_t)sym;
    }
    ref_finish(&ref);
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    if (size != ref.len || (size && memcmp(bytes, ref.out, size) != 0)) {
        fprintf(stderr, "%s n=%zu: stream differs from the reference (%zu vs %zu bytes),"
                " classes", dtype_names[dtype], n, size, ref.len);
        for (size_t t = 0; t < steps; t++)
            fprintf(stderr, " %s,", class_names[classes[t]]);
        fprintf(stderr, "\n");
        test_failures++;
    }
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    for (size_t t = 0; t < used; t++) {
        size_t s = (size_t)-1;
        CHECK_OK(dc_coder_decode_step(dec, matrix + t * n * es, dtype, n, &s));
        CHECK(s == syms[t]);
    }
    size_t failed;
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    CHECK_OK(dc_coder_decode_steps(dec, matrix, dtype, n, used, got, &failed));
    CHECK(used == 0 || memcmp(got, syms, used * sizeof *got) == 0);
    dc_coder_free(enc);
    dc_coder_free(dec);
    free(ref.out);
    free(p);
    free(freq);
    free(matrix);
    free(syms);
    free(got);
}

int main(void)
{
    test_rng r = {2026};
    static const size_t sizes[] = {1, 2, 3, 17, 255, 256, 257, 600, 1000, 4099};
    int classes[64];
    for (int dtype = 0; dtype < 4; dtype++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            /* runs of each class (the guess is right after the first step) */
            for (int c = 0; c < CLASS_COUNT; c++) {
                for (int t = 0; t < 4; t++)
                    classes[t] = c;
                check_stream(&r, dtype, sizes[s], classes, 4);
            }
            /* random class changes (wrong guesses) */
            for (int round = 0; round < 3; round++) {
                for (int t = 0; t < 64; t++)
                    classes[t] = (int)(rng_next(&r) % CLASS_COUNT);
                check_stream(&r, dtype, sizes[s], classes, 64);
            }
        }
    }
    return test_finish("test_classes");
}
