/* logits.h - the integer softmax of logits coders (docs/FORMAT.md section 6).
 *
 * Two passes per step, then the default format's step: fix (per dtype) turns each logit
 * into the fixed-point z_i = trunc(x_i * 2^16) clamped to [-2^30, 2^30] and finds the
 * largest; weigh turns d_i = max - z_i into the bits of the f32 weight w_i ~ 2^-y_i
 * (y_i = d_i * log2(e) / T in Q16, 2^-frac by a degree-4 polynomial on 32-bit integers, the
 * exponent field from the integer part); the step is then the default format's step of the
 * w_i as an f32 array (section 1). Kernel sets may compute either pass faster but must give
 * exactly the scalar results (test/test_logits.c, test/golden/golden.c). */
#ifndef DC_LOGITS_H
#define DC_LOGITS_H

#include <stddef.h>
#include <stdint.h>

#include "distribution_coder.h"

#define DC_LOGIT_FRAC_BITS 16                 /* z = trunc(x * 2^16) */
#define DC_LOGIT_CLAMP     ((int32_t)1 << 30) /* |z| <= 2^30 (|x| >= 16384 saturates) */
#define DC_LOGIT_Y_CUT     ((uint32_t)32 << 16) /* y >= 32 (Q16): weight 0 */

/* 2^t - 1 for t = g / 2^16 in (0, 1], as t * (C1 + t * (C2 + t * (C3 + t * C4))) in fixed
   point (C4, C3 in Q19, C2 in Q17, C1 in Q15; every product of two values below 2^16 and
   2^16 + 1 fits 32 bits). At g = 2^16 it gives exactly 2^23; relative error of 1 + M / 2^23
   against 2^t below 1.2e-5 (section 6.4). */
#define DC_LOGIT_C4 7105u
#define DC_LOGIT_C3 27279u
#define DC_LOGIT_C2 31638u
#define DC_LOGIT_C1 22710u

/* The temperature as the multiplier y = floor(d * c / 2^sh) (y and d in Q16, c in
   [2^15, 2^16)). */
typedef struct dc_logit_temp {
    uint32_t c;
    int sh;
} dc_logit_temp;

/* c and sh of a finite temperature > 0 (integer arithmetic on its bits). */
dc_logit_temp dc_logit_temp_of(double temperature);

/* y = min(floor(d * c / 2^sh), about 2^23) with 32-bit operations only and shift counts the
   same for the whole step (what the weigh kernels run, lane by lane):
       d' = min(d, dcap), hi = (d' >> 16) * c, lo = (d' & 0xffff) * c,
       y  = ((hi << a) + ((lo >> b) << cs)) >> e
   dcap is the smallest d whose y is already >= DC_LOGIT_Y_CUT (so y(d') has the weight of
   y(d)), which keeps every sum below 2^32. */
typedef struct dc_logit_plan {
    uint32_t c, dcap;
    int a, b, cs, e;
} dc_logit_plan;
dc_logit_plan dc_logit_plan_of(dc_logit_temp t);

/* Refuses NaN / infinities (first offending element wins); else z[i] and *zmax. The
   scalar reference of the fix pass. */
dc_result dc_logits_fix(const void *x, int dtype, size_t n, int32_t *z, int32_t *zmax);

/* The f32 bits of w_i of one d_i = zmax - z_i (0 <= d <= 2^31). */
uint32_t dc_logit_weight(uint32_t d, dc_logit_temp t);
/* The f32 bits of 2^-y for y in Q16 (0 if y >= 32, i.e. yq >= DC_LOGIT_Y_CUT): 32-bit
   integer arithmetic only (section 6.4). */
uint32_t dc_logit_exp2_bits(uint32_t yq);

/* Kernel shapes (a set may leave them NULL: the scalar ones are used).
 * fix:   z[i] for i < n and *zmax; returns 0 when a NaN or an infinity may be present (the
 *        caller then runs dc_logits_fix, which names the first), else 1.
 * weigh: w[i] = dc_logit_weight(zmax - z[i], t) (f32 bits) written over z (w may alias
 *        z); the fast ones through dc_logit_plan. */
typedef int (*dc_logits_fix_fn)(const void *x, size_t n, int32_t *z, int32_t *zmax);
typedef void (*dc_logits_weigh_fn)(const int32_t *z, size_t n, int32_t zmax, dc_logit_temp t,
                                   uint32_t *w);

typedef struct dc_logits_kernels {
    const char *name;
    dc_logits_fix_fn fix[4]; /* indexed by dc_dtype */
    dc_logits_weigh_fn weigh;
} dc_logits_kernels;

extern const dc_logits_kernels dc_logits_kernels_scalar;
#if defined(__wasm_simd128__)
extern const dc_logits_kernels dc_logits_kernels_wasm_simd128; /* kernels/wasm/ */
#endif

/* The logits kernel sets this build and CPU can run, best first, scalar last, NULL-ended. */
const dc_logits_kernels *const *dc_logits_kernels_available(void);

#endif /* DC_LOGITS_H */
