/* test_util.h - assertions, a seeded generator and distribution makers for the C tests. */
#ifndef DC_TEST_UTIL_H
#define DC_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distribution_coder.h"

static int test_failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                         \
        }                                                                            \
    } while (0)

#define CHECK_RESULT(expr, expected)                                                    \
    do {                                                                                \
        const int got_ = (int)(expr);                                                   \
        if (got_ != (int)(expected)) {                                                  \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, \
                    #expr, dc_result_name(got_), dc_result_name((int)(expected)));     \
            test_failures++;                                                            \
        }                                                                               \
    } while (0)

#define CHECK_OK(expr) CHECK_RESULT(expr, DC_OK)

static inline int test_finish(const char *name)
{
    if (test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* splitmix64: the same sequence on every platform. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

static inline uint64_t rng_next(test_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_uniform(test_rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double rng_gauss(test_rng *r)
{
    double u = rng_uniform(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * rng_uniform(r));
}

/* float -> binary16 bits, round to nearest even (test-side helper). */
static inline uint16_t f32_to_f16(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    const uint32_t sign = (b >> 16) & 0x8000u;
    const int exp = (int)((b >> 23) & 0xff) - 127 + 15;
    uint32_t mant = b & 0x7fffffu;
    if (((b >> 23) & 0xff) == 0xff)
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
    if (exp >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (exp <= 0) {
        if (exp < -10)
            return (uint16_t)sign;
        mant |= 0x800000u;
        const int shift = 14 - exp;
        uint32_t h = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1)))
            h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)exp << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
        h++;
    return (uint16_t)(sign | h);
}

/* float -> bfloat16 bits, round to nearest even. */
static inline uint16_t f32_to_bf16(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((b >> 16) | 0x40);
    b += 0x7fffu + ((b >> 16) & 1);
    return (uint16_t)(b >> 16);
}

/* Store double values as dtype into dst (n elements). */
static inline void store_as(int dtype, void *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case DC_DTYPE_F32: ((float *)dst)[i] = (float)src[i]; break;
        case DC_DTYPE_F64: ((double *)dst)[i] = src[i]; break;
        case DC_DTYPE_F16: ((uint16_t *)dst)[i] = f32_to_f16((float)src[i]); break;
        default: ((uint16_t *)dst)[i] = f32_to_bf16((float)src[i]); break;
        }
    }
}

/* Softmax of scale * Gaussian logits, in double. */
static inline void make_softmax(test_rng *r, double *p, size_t n, double scale)
{
    double max = -1e300, sum = 0;
    for (size_t i = 0; i < n; i++) {
        p[i] = scale * rng_gauss(r);
        if (p[i] > max)
            max = p[i];
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = exp(p[i] - max);
        sum += p[i];
    }
    for (size_t i = 0; i < n; i++)
        p[i] /= sum;
}

/* Draw an index with probability proportional to p. */
static inline size_t draw(test_rng *r, const double *p, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += p[i];
    double x = rng_uniform(r) * total;
    for (size_t i = 0; i < n; i++) {
        x -= p[i];
        if (x < 0)
            return i;
    }
    return n - 1;
}

static const char *const dtype_names[4] = {"f32", "f64", "f16", "bf16"};

#endif
