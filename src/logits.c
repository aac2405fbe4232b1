/* logits.c - logits coders: the integer softmax (docs/FORMAT.md section 6) into f32
 * weights, coded as the default format codes those weights given as an f32 array.
 *
 * Everything from the logits' bits to the weights' bits is integer arithmetic, so every
 * platform and compiler gets the same weights; the largest is exactly 1.0f, an input the
 * default format's general scale takes in one pass. */
#include <string.h>

#include "alloc.h"
#include "dtype.h"
#include "internal.h"
#include "logits.h"
#include "quantize.h"

/* floor(log2(e) * 2^63) */
#define LOG2E_Q63 0xB8AA3B295C17F0BBull

/* ---- the temperature ---- */

dc_logit_temp dc_logit_temp_of(double temperature)
{
    uint64_t bits;
    memcpy(&bits, &temperature, 8);
    /* T = m * 2^e exactly */
    const unsigned ef = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t m = bits & 0xfffffffffffffull;
    int e = -1074;
    if (ef != 0) {
        m |= (uint64_t)1 << 52;
        e = (int)ef - 1075;
    }
    /* c = floor(LOG2E_Q63 * 2^k / m) in [2^15, 2^16): integer division, then the quotient
       either shortened (floor of a floor is the floor) or extended bit by bit. */
    uint64_t q = LOG2E_Q63 / m, r = LOG2E_Q63 % m;
    int k = 0;
    while (q >= ((uint64_t)1 << 16)) {
        q >>= 1;
        k--;
    }
    while (q < ((uint64_t)1 << 15)) {
        r <<= 1; /* r < m < 2^53 */
        q <<= 1;
        if (r >= m) {
            r -= m;
            q |= 1;
        }
        k++;
    }
    /* log2(e) / T ~ c * 2^-(63 + e + k); y in Q16 = d * c / 2^sh, d in Q16 too */
    dc_logit_temp t;
    t.c = (uint32_t)q;
    t.sh = 63 + e + k;
    return t;
}

/* ---- the weights ---- */

uint32_t dc_logit_exp2_bits(uint32_t yq)
{
    if (yq >= DC_LOGIT_Y_CUT)
        return 0;
    /* 2^-y = 2^-(n + 1) * 2^t with t = 1 - frac(y) = g / 2^16 in (0, 1] */
    const uint32_t g = 0x10000u - (yq & 0xffffu);
    uint32_t a = ((DC_LOGIT_C4 * g) >> 16) + DC_LOGIT_C3;
    a = ((a * g) >> 18) + DC_LOGIT_C2;
    a = ((a * g) >> 18) + DC_LOGIT_C1;
    const uint32_t mant = (a * g) >> 8; /* in [0, 2^23]: 2^23 carries into the exponent */
    return ((126u - (yq >> 16)) << 23) + mant;
}

uint32_t dc_logit_weight(uint32_t d, dc_logit_temp t)
{
    const uint64_t p = (uint64_t)d * t.c; /* < 2^47 */
    uint64_t yq;                          /* floor(p / 2^sh) */
    if (t.sh >= 64)
        yq = 0;
    else if (t.sh >= 0)
        yq = p >> t.sh;
    else if (t.sh >= -16)
        yq = p << -t.sh; /* < 2^63 */
    else /* >= 2^15 * 2^17 unless d = 0 */
        yq = p == 0 ? 0 : DC_LOGIT_Y_CUT;
    return dc_logit_exp2_bits(yq >= DC_LOGIT_Y_CUT ? DC_LOGIT_Y_CUT : (uint32_t)yq);
}

dc_logit_plan dc_logit_plan_of(dc_logit_temp t)
{
    dc_logit_plan p;
    int sh = t.sh;
    p.c = t.c;
    if (sh > 47) /* d * c < 2^47: y = 0 for every d, as with sh = 47 */
        sh = 47;
    if (sh < -6) { /* log2(e) / T >= 2^21: y >= 2^21 for every d >= 1, as with 2^15 * 2^6 */
        p.c = 0x8000;
        sh = -6;
    }
    /* dcap = ceil(2^(21 + sh) / c); y(dcap) < 2^21 + c / 2^sh < 2^23 */
    p.dcap = sh >= 26 ? 0x80000000u
                      : (uint32_t)((((uint64_t)1 << (21 + sh)) + p.c - 1) / p.c);
    if (p.dcap > 0x80000000u)
        p.dcap = 0x80000000u;
    /* d * c = hi * 2^16 + lo */
    p.a = sh >= 16 ? 0 : 16 - sh;
    p.b = sh >= 16 ? 16 : sh >= 0 ? sh : 0;
    p.cs = sh >= 0 ? 0 : -sh;
    p.e = sh >= 16 ? sh - 16 : 0;
    return p;
}

/* z of one element with bits b, or a NaN / infinity error. */
static inline dc_result fix_one(uint64_t b, int dtype, int32_t *z)
{
    const dc_layout *l = &dc_layouts[dtype];
    const uint64_t sign = (uint64_t)1 << (l->exp_bits + l->mant_bits);
    const uint64_t mag = b & (sign - 1);
    const uint64_t inf = dc_inf_bits(dtype);
    if (mag >= inf)
        return mag > inf ? DC_ERR_NAN : DC_ERR_INFINITE;
    uint64_t mant;
    int exp2;
    dc_decompose(mag, dtype, &mant, &exp2);
    const int sh = exp2 + DC_LOGIT_FRAC_BITS; /* |x| * 2^16 = mant * 2^sh */
    uint64_t v;
    if (sh >= 0)
        v = sh > 30 || (mant >> (30 - sh)) != 0 ? (uint64_t)DC_LOGIT_CLAMP : mant << sh;
    else
        v = sh <= -64 ? 0 : mant >> -sh;
    if (v > (uint64_t)DC_LOGIT_CLAMP)
        v = DC_LOGIT_CLAMP;
    *z = (b & sign) ? -(int32_t)v : (int32_t)v;
    return DC_OK;
}

dc_result dc_logits_fix(const void *x, int dtype, size_t n, int32_t *z, int32_t *zmax)
{
    int32_t max = -DC_LOGIT_CLAMP;
    for (size_t i = 0; i < n; i++) {
        const dc_result r = fix_one(dc_elem_bits(x, dtype, i), dtype, &z[i]);
        if (r != DC_OK)
            return r;
        if (z[i] > max)
            max = z[i];
    }
    *zmax = max;
    return DC_OK;
}

/* ---- scalar kernels ---- */

#define SCALAR_FIX(NAME, DTYPE)                                                               \
    static int NAME(const void *x, size_t n, int32_t *z, int32_t *zmax)                       \
    {                                                                                         \
        return dc_logits_fix(x, DTYPE, n, z, zmax) == DC_OK;                                  \
    }
SCALAR_FIX(fix_f32, DC_DTYPE_F32)
SCALAR_FIX(fix_f64, DC_DTYPE_F64)
SCALAR_FIX(fix_f16, DC_DTYPE_F16)
SCALAR_FIX(fix_bf16, DC_DTYPE_BF16)

/* The plan of dc_logit_plan in plain C (compilers may vectorize it). */
static void weigh_scalar(const int32_t *z, size_t n, int32_t zmax, dc_logit_temp t, uint32_t *w)
{
    const dc_logit_plan p = dc_logit_plan_of(t);
    for (size_t i = 0; i < n; i++) {
        uint32_t d = (uint32_t)zmax - (uint32_t)z[i]; /* in [0, 2^31] */
        d = d < p.dcap ? d : p.dcap;
        const uint32_t hi = (d >> 16) * p.c, lo = (d & 0xffffu) * p.c;
        w[i] = dc_logit_exp2_bits((((hi << p.a) + ((lo >> p.b) << p.cs)) >> p.e));
    }
}

const dc_logits_kernels dc_logits_kernels_scalar = {
    "scalar", {fix_f32, fix_f64, fix_f16, fix_bf16}, weigh_scalar};

const dc_logits_kernels *const *dc_logits_kernels_available(void)
{
    static const dc_logits_kernels *const sets[] = {
#if defined(__wasm_simd128__)
        &dc_logits_kernels_wasm_simd128,
#endif
        &dc_logits_kernels_scalar, NULL};
    return sets;
}

/* ---- one step's weights ---- */

/* The f32 weights of logits x[0..n) in c->lw (the coder's scratch, grown only when n
   does). Changes nothing the stream depends on. */
static dc_result step_weights(dc_coder *c, const void *x, int dtype, size_t n)
{
    void *buf = c->lw;
    dc_result r = dc_grow(&c->alloc, &buf, &c->lw_cap, n, sizeof(uint32_t));
    c->lw = (uint32_t *)buf;
    if (r != DC_OK)
        return r;
    const dc_logits_kernels *k = dc_logits_kernels_available()[0];
    int32_t *z = (int32_t *)c->lw;
    int32_t zmax;
    const dc_logits_fix_fn fix =
        k->fix[dtype] ? k->fix[dtype] : dc_logits_kernels_scalar.fix[dtype];
    if (!fix(x, n, z, &zmax)) {
        r = dc_logits_fix(x, dtype, n, z, &zmax); /* names the first bad element */
        if (r != DC_OK)
            return r;
    }
    (k->weigh ? k->weigh : dc_logits_kernels_scalar.weigh)(z, n, zmax, c->temp, c->lw);
    return DC_OK;
}

/* A step is the default format's step of the weights as an f32 array (section 6.5). */
static dc_result logits_encode_step(dc_coder *c, const void *x, int dtype, size_t n, size_t sym)
{
    const dc_result r = step_weights(c, x, dtype, n);
    return r != DC_OK ? r : dc_default_format_ops.encode_step(c, c->lw, DC_DTYPE_F32, n, sym);
}

static dc_result logits_decode_step(dc_coder *c, const void *x, int dtype, size_t n,
                                    size_t *sym)
{
    const dc_result r = step_weights(c, x, dtype, n);
    return r != DC_OK ? r : dc_default_format_ops.decode_step(c, c->lw, DC_DTYPE_F32, n, sym);
}

/* The stream around the steps is the default format's. */
static void logits_begin(dc_coder *c)
{
    dc_default_format_ops.begin(c);
}

static dc_result logits_finish(dc_coder *c)
{
    return dc_default_format_ops.finish(c);
}

static void logits_start(dc_coder *c)
{
    dc_default_format_ops.start(c);
}

const dc_format_ops dc_logits_format_ops = {
    logits_begin, logits_encode_step, logits_finish, logits_start, logits_decode_step, NULL,
};

dc_result dc_logit_weights(const void *logits, dc_dtype dtype, size_t vocab,
                           double temperature, uint32_t *w)
{
    if (!logits || !w)
        return DC_ERR_NULL_ARGUMENT;
    if (dc_dtype_size(dtype) == 0)
        return DC_ERR_BAD_DTYPE;
    if (vocab == 0 || vocab > DC_MAX_VOCAB)
        return DC_ERR_BAD_VOCAB;
    if (!dc_temperature_valid(temperature))
        return DC_ERR_BAD_TEMPERATURE;
    int32_t zmax;
    const dc_result r = dc_logits_fix(logits, dtype, vocab, (int32_t *)w, &zmax);
    if (r != DC_OK)
        return r;
    const dc_logit_temp t = dc_logit_temp_of(temperature);
    for (size_t i = 0; i < vocab; i++)
        w[i] = dc_logit_weight((uint32_t)zmax - w[i], t);
    return DC_OK;
}
