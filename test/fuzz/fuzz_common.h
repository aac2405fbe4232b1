/* fuzz_common.h - input reader, an independent reference quantiser and a failure macro for
 * the libFuzzer targets (test/fuzz/README.md). Not part of the library. */
#ifndef DC_FUZZ_COMMON_H
#define DC_FUZZ_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distribution_coder.h"

/* A finding: print where and why, then abort so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* Consumes the fuzz input from the front; past the end every read gives zeros. */
typedef struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
} fuzz_input;

static inline uint8_t fuzz_u8(fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint32_t fuzz_u16(fuzz_input *in)
{
    const uint32_t lo = fuzz_u8(in);
    return lo | ((uint32_t)fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(fuzz_input *in)
{
    const uint32_t lo = fuzz_u16(in);
    return lo | (fuzz_u16(in) << 16);
}

/* Copy up to n bytes (zero-filled past the end) into dst. */
static inline void fuzz_bytes(fuzz_input *in, void *dst, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    for (size_t i = 0; i < n; i++)
        d[i] = fuzz_u8(in);
}

static inline size_t fuzz_remaining(const fuzz_input *in)
{
    return in->size - in->pos;
}

/* Value of element i of a distribution as a double; every dtype converts exactly.
   Written independently of src/quantize.c: it goes through the C library's floats. */
static inline double fuzz_element(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { float f; memcpy(&f, p + 4 * i, 4); return (double)f; }
    case DC_DTYPE_F64: { double d; memcpy(&d, p + 8 * i, 8); return d; }
    case DC_DTYPE_F16: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        const int e = (h >> 10) & 31;
        const double m = (double)(h & 1023);
        double v;
        if (e == 31)
            v = (h & 1023) ? NAN : INFINITY;
        else if (e == 0)
            v = ldexp(m, -24);
        else
            v = ldexp(m + 1024.0, e - 25);
        return (h & 0x8000) ? -v : v;
    }
    default: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        const uint32_t b = (uint32_t)h << 16;
        float f;
        memcpy(&f, &b, 4);
        return (double)f;
    }
    }
}

/* 1 when the element's bits are those of a value in [+0, 1) (so -0.0 is not). */
static inline int fuzz_in_unit(const void *dist, int dtype, size_t i)
{
    const double v = fuzz_element(dist, dtype, i);
    return v >= 0.0 && v < 1.0 && !signbit(v);
}

/* The default format's frequencies from the text of distribution_coder.h, with doubles:
   u_i = floor(ldexp(p_i, K)) is exact (scaling by a power of two, then truncation).
   Returns the dc_result the library must give. */
static inline dc_result fuzz_reference_frequencies(const void *dist, int dtype, size_t n,
                                            uint64_t *freq, uint64_t *total)
{
    double max = 0.0;
    int all_unit = 1;
    for (size_t i = 0; i < n; i++) {
        const double v = fuzz_element(dist, dtype, i);
        if (isnan(v))
            return DC_ERR_NAN;
        if (isinf(v))
            return DC_ERR_INFINITE;
        if (v < 0.0)
            return DC_ERR_NEGATIVE;
        if (v > max)
            max = v;
        all_unit &= fuzz_in_unit(dist, dtype, i);
    }
    if (max == 0.0)
        return DC_ERR_NO_MASS;
    int k = 32;
    uint64_t q = 0;
    if (all_unit) {
        for (size_t i = 0; i < n; i++)
            q += (uint64_t)floor(ldexp(fuzz_element(dist, dtype, i), 32));
    }
    if (!all_unit || q < ((uint64_t)1 << 31)) {
        int e;
        (void)frexp(max, &e); /* max = f * 2^e, f in [0.5, 1): floor(log2 max) = e - 1 */
        k = 31 - (e - 1);
        q = 0;
        for (size_t i = 0; i < n; i++)
            q += (uint64_t)floor(ldexp(fuzz_element(dist, dtype, i), k));
    }
    int s = 0;
    while ((q >> s) + n >= ((uint64_t)1 << 32))
        s++;
    uint64_t below = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t next = below + (uint64_t)floor(ldexp(fuzz_element(dist, dtype, i), k));
        freq[i] = (next >> s) - (below >> s) + 1;
        below = next;
    }
    *total = (q >> s) + n;
    return DC_OK;
}

/* Rewrites a distribution so that it is valid more often: clears sign bits and turns
   NaN / infinity exponents into zero exponents. */
static inline void fuzz_sanitize(void *dist, int dtype, size_t n)
{
    unsigned char *p = (unsigned char *)dist;
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case DC_DTYPE_F32: {
            uint32_t b;
            memcpy(&b, p + 4 * i, 4);
            b &= 0x7fffffffu;
            if ((b & 0x7f800000u) == 0x7f800000u)
                b &= 0x007fffffu;
            memcpy(p + 4 * i, &b, 4);
            break;
        }
        case DC_DTYPE_F64: {
            uint64_t b;
            memcpy(&b, p + 8 * i, 8);
            b &= 0x7fffffffffffffffu;
            if ((b & 0x7ff0000000000000u) == 0x7ff0000000000000u)
                b &= 0x000fffffffffffffu;
            memcpy(p + 8 * i, &b, 8);
            break;
        }
        case DC_DTYPE_F16: {
            uint16_t b;
            memcpy(&b, p + 2 * i, 2);
            b &= 0x7fff;
            if ((b & 0x7c00) == 0x7c00)
                b &= 0x03ff;
            memcpy(p + 2 * i, &b, 2);
            break;
        }
        default: {
            uint16_t b;
            memcpy(&b, p + 2 * i, 2);
            b &= 0x7fff;
            if ((b & 0x7f80) == 0x7f80)
                b &= 0x007f;
            memcpy(p + 2 * i, &b, 2);
            break;
        }
        }
    }
}

/* 1 when dc_frequencies accepts dist for format (the step can be coded). */
static inline int fuzz_codable(int format, const void *dist, int dtype, size_t n, uint64_t *scratch)
{
    uint64_t total;
    return dc_frequencies(format, dist, dtype, n, scratch, &total) == DC_OK;
}

/* The distribution of step t used by fuzz_frame's reader part (and its seeds): positive
   integers that vary with the step, as f32. */
static inline void fuzz_step_dist(uint64_t t, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(1 + (i * 31 + (size_t)(t % 1000) * 17) % 13 + (i == t % n) * 40);
}

/* The steps of a decoder fuzz input: one or two distributions of n elements read from the
   input (two alternate by step, one repeats), as a matrix of `steps` rows. */
#define FUZZ_MAX_STEPS 64
typedef struct fuzz_steps {
    int dtype;
    size_t n, steps, row;
    unsigned char *dists, *matrix;
} fuzz_steps;

/* Reads u16 v (vocabulary 1 + v % 1100 when v >= 2^15, else 1 + v % 40: half of them small,
   so faster), u8 s (1 + s % FUZZ_MAX_STEPS steps) and the distribution(s). */
static inline void fuzz_read_steps(fuzz_input *in, int dtype, int sanitize, int two,
                                   fuzz_steps *s)
{
    const uint32_t v = fuzz_u16(in);
    s->dtype = dtype;
    s->n = 1 + (v & 0x8000 ? v % 1100 : v % 40);
    s->steps = 1 + fuzz_u8(in) % FUZZ_MAX_STEPS;
    s->row = s->n * dc_dtype_size(dtype);
    s->dists = (unsigned char *)malloc(2 * s->row);
    fuzz_bytes(in, s->dists, s->row);
    if (two)
        fuzz_bytes(in, s->dists + s->row, s->row);
    else
        memcpy(s->dists + s->row, s->dists, s->row);
    if (sanitize)
        fuzz_sanitize(s->dists, dtype, 2 * s->n);
    s->matrix = (unsigned char *)malloc(s->steps * s->row);
    for (size_t t = 0; t < s->steps; t++)
        memcpy(s->matrix + t * s->row, s->dists + (t & 1) * s->row, s->row);
}

static inline void fuzz_free_steps(fuzz_steps *s)
{
    free(s->matrix);
    free(s->dists);
}

/* Decodes the steps one by one with a and as one batch with b (both started on the same
   stream). Checks: every symbol is below the vocabulary; a refused step fails the same way
   when repeated (it changed nothing); the batch gives the step-wise symbols, or fails at
   the same step with the same code. Returns the number of steps decoded before the first
   failure; *fail is that failure (DC_OK when every step decoded). */
static inline size_t fuzz_decode_both(dc_coder *a, dc_coder *b, const fuzz_steps *s,
                                      size_t *symbols, dc_result *fail)
{
    size_t done = 0;
    *fail = DC_OK;
    for (; done < s->steps; done++) {
        const void *dist = s->matrix + done * s->row;
        *fail = dc_coder_decode_step(a, dist, s->dtype, s->n, &symbols[done]);
        if (*fail != DC_OK) {
            size_t again = 0;
            FUZZ_CHECK(dc_coder_decode_step(a, dist, s->dtype, s->n, &again) == *fail);
            break;
        }
        FUZZ_CHECK(symbols[done] < s->n);
    }
    uint32_t batch[FUZZ_MAX_STEPS];
    size_t failed_step = (size_t)-1;
    const dc_result rb =
        dc_coder_decode_steps(b, s->matrix, s->dtype, s->n, s->steps, batch, &failed_step);
    FUZZ_CHECK(rb == *fail);
    if (rb == DC_OK)
        for (size_t t = 0; t < s->steps; t++)
            FUZZ_CHECK(batch[t] == symbols[t]);
    else
        FUZZ_CHECK(failed_step == done);
    return done;
}

#endif
