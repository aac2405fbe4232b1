/* golden.c - the golden streams: the same bytes on every platform, compiler and kernel set.
 *
 * Every input is built from fixed seeds with integer arithmetic only: a 32-bit generator
 * (xoshiro128** seeded by splitmix32 from the FNV-1a hash of the case name) draws integer
 * mantissas and exponents, and each value m * 2^e is written straight into the bit layout of
 * its dtype (truncated toward zero). No float operation, no libm: the inputs are the same
 * bits on x87, SSE, NEON and wasm. test/js/golden.test.mjs builds the same inputs in
 * JavaScript; keep the two in step (any change here changes the hashes in expected.txt).
 *
 * For each case the generator encodes the steps one by one and as one batch (the bytes
 * must be equal), checks that a batch holding a refused step fails at that step and keeps
 * nothing, decodes step-wise and batch-wise (the symbols must come back), compares every
 * kernel set of dc_kernels_available() with dc_kernels_scalar on the rows, and prints
 *     case-name sha256(stream) length
 *
 * Usage: golden                 print the list: `golden > test/golden/expected.txt`
 *        golden --check FILE    compare with FILE; prints "N passed, M failed"
 *        golden --only TEXT     restrict either mode to case names containing TEXT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distribution_coder.h"
#include "kernels/kernels.h"
#include "logits.h"
#include "sha256.h"

/* ---- integer-only random numbers ---- */

typedef struct g_rng {
    uint32_t s[4];
} g_rng;

static uint32_t splitmix32(uint32_t *x)
{
    uint32_t z = (*x += 0x9e3779b9u);
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    return z ^ (z >> 16);
}

static void rng_seed(g_rng *r, uint32_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix32(&seed);
}

static uint32_t rotl32(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32 - k));
}

/* xoshiro128** */
static uint32_t rng_u32(g_rng *r)
{
    uint32_t *s = r->s;
    const uint32_t result = rotl32(s[1] * 5u, 7) * 9u;
    const uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11);
    return result;
}

static uint32_t rng_below(g_rng *r, uint32_t n)
{
    return rng_u32(r) % n;
}

/* A 64-bit mantissa with its top bit set (the value m * 2^(lg - 63) has floor(log2) lg). */
static uint64_t rng_mant64(g_rng *r)
{
    const uint64_t hi = rng_u32(r) | 0x80000000u;
    return hi << 32 | rng_u32(r);
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 0x811c9dc5u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x01000193u;
    return h;
}

static int ceil_log2(size_t n)
{
    int k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

static int bit_length(uint64_t v)
{
    int n = 0;
    for (; v; v >>= 1)
        n++;
    return n;
}

/* ---- values as bits ---- */

typedef struct g_layout {
    int mant_bits, exp_bits, bias;
} g_layout;

static const g_layout layouts[4] = {{23, 8, 127}, {52, 11, 1023}, {10, 5, 15}, {7, 8, 127}};
static const char *const dtype_names[4] = {"f32", "f64", "f16", "bf16"};
static const char *const format_names[4] = {"default", "python01", "tolerant", "logits"};

/* "tolerant" cases: the default format's tolerant mode, tau by dtype (f32, f64, f16, bf16),
   one per grid class but class 1 (docs/FORMAT.md section 5.4). */
static const double tolerant_tau[4] = {1e-5, 4e-5, 1e-4, 1e-3};

/* Bits of mant * 2^exp in dtype, truncated toward zero; the largest finite value if it is
   larger (the shapes keep below that). */
static uint64_t value_bits(int dtype, uint64_t mant, int exp)
{
    const g_layout *l = &layouts[dtype];
    const uint64_t mant_mask = ((uint64_t)1 << l->mant_bits) - 1;
    if (mant == 0)
        return 0;
    const int len = bit_length(mant);
    const int lg = len - 1 + exp;
    const int emin = 1 - l->bias;
    if (lg > l->bias)
        return ((((uint64_t)1 << l->exp_bits) - 2) << l->mant_bits) | mant_mask;
    if (lg >= emin) {
        const int sh = len - 1 - l->mant_bits;
        const uint64_t sig = sh >= 0 ? mant >> sh : mant << -sh;
        return ((uint64_t)(lg + l->bias) << l->mant_bits) | (sig & mant_mask);
    }
    const int sh = exp - (emin - l->mant_bits); /* in units of the smallest subnormal */
    if (sh >= 0)
        return mant << sh;
    return sh <= -64 ? 0 : mant >> -sh;
}

static void store_bits(void *row, int dtype, size_t i, uint64_t bits)
{
    unsigned char *p = (unsigned char *)row;
    switch (dtype) {
    case DC_DTYPE_F32: { const uint32_t b = (uint32_t)bits; memcpy(p + 4 * i, &b, 4); break; }
    case DC_DTYPE_F64: memcpy(p + 8 * i, &bits, 8); break;
    default: { const uint16_t b = (uint16_t)bits; memcpy(p + 2 * i, &b, 2); break; }
    }
}

static void put(void *row, int dtype, size_t i, uint64_t mant, int exp)
{
    store_bits(row, dtype, i, value_bits(dtype, mant, exp));
}

/* -0.0: allowed, it is a zero. */
static void put_negative_zero(void *row, int dtype, size_t i)
{
    const g_layout *l = &layouts[dtype];
    store_bits(row, dtype, i, (uint64_t)1 << (l->mant_bits + l->exp_bits));
}

/* A random value with floor(log2) = lg. */
static void put_random(g_rng *r, void *row, int dtype, size_t i, int lg)
{
    put(row, dtype, i, rng_mant64(r), lg - 63);
}

/* ---- shapes: each fills one row and returns its most likely symbol ---- */

enum {
    SHAPE_SOFTMAX,    /* one symbol in [0.5, 1), a long tail down to ~2^-60 */
    SHAPE_FLAT,       /* every value floor(2^62 / n) * 2^-62: exactly 1.0 when n = 1 */
    SHAPE_SPARSE,     /* zeros and -0.0 with a few positive values */
    SHAPE_SUBNORMAL,  /* subnormals of the dtype, with or without one normal value */
    SHAPE_NEAR_2M32,  /* values at, just under and just over 2^-32 */
    SHAPE_ONE,        /* exactly 1.0, with zeros or with a tail */
    SHAPE_SCALED,     /* a softmax row times c * 2^s: sums from ~2^-21 (1e-6) to ~2^20 (1e6) */
    SHAPE_COUNTS,     /* unnormalised integer counts 0..1999 */
    SHAPE_TINYCOUNTS, /* the same counts times 2^-(10 + ceil(log2 n)): sums far below 1 */
    SHAPE_COUNT
};
static const char *const shape_names[SHAPE_COUNT] = {
    "softmax", "flat", "sparse", "subnormal", "near2m32", "one", "scaled", "counts", "tinycounts"};

/* Tail exponents start 2 + ceil(log2 n) below 1, so a tail sums to at most 1/4. */
static size_t fill_softmax(g_rng *r, void *row, int dtype, size_t n)
{
    const size_t top = rng_below(r, (uint32_t)n);
    const int tail = 2 + ceil_log2(n);
    for (size_t i = 0; i < n; i++) {
        if (i == top)
            put_random(r, row, dtype, i, -1);
        else
            put_random(r, row, dtype, i, -tail - (int)rng_below(r, 40));
    }
    return top;
}

static size_t fill_row(g_rng *r, int shape, void *row, int dtype, size_t n, size_t step)
{
    const g_layout *l = &layouts[dtype];
    const int emin = 1 - l->bias;
    switch (shape) {
    case SHAPE_SOFTMAX:
        return fill_softmax(r, row, dtype, n);
    case SHAPE_FLAT: {
        const uint64_t m = ((uint64_t)1 << 62) / n;
        for (size_t i = 0; i < n; i++)
            put(row, dtype, i, m, -62);
        return 0;
    }
    case SHAPE_SPARSE: {
        for (size_t i = 0; i < n; i++) {
            if (rng_below(r, 4) == 0)
                put_negative_zero(row, dtype, i);
            else
                put(row, dtype, i, 0, 0);
        }
        const uint32_t count = 1 + rng_below(r, n < 8 ? (uint32_t)n : 8);
        size_t top = 0;
        for (uint32_t k = 0; k < count; k++) {
            const size_t i = rng_below(r, (uint32_t)n);
            put_random(r, row, dtype, i, -1 - (int)rng_below(r, 8));
            if (k == 0)
                top = i;
        }
        return top;
    }
    case SHAPE_SUBNORMAL: {
        const size_t top = rng_below(r, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            put_random(r, row, dtype, i, emin - 1 - (int)rng_below(r, (uint32_t)l->mant_bits));
        /* odd steps: one normal value carries most of the mass; even steps: all subnormal */
        put_random(r, row, dtype, top, step % 2 ? -1 : emin - 1);
        return top;
    }
    case SHAPE_NEAR_2M32: {
        const size_t top = rng_below(r, (uint32_t)n);
        const int p = l->mant_bits + 1; /* precision of the dtype */
        for (size_t i = 0; i < n; i++) {
            switch (rng_below(r, 6)) {
            case 0: /* 2^-32 */
                put(row, dtype, i, 1, -32);
                break;
            case 1: /* the largest value below 2^-32 */
                put(row, dtype, i, ((uint64_t)1 << p) - 1, -32 - p);
                break;
            case 2: /* the smallest value above 2^-32 */
                put(row, dtype, i, ((uint64_t)1 << (p - 1)) + 1, -32 - (p - 1));
                break;
            case 3: put(row, dtype, i, 1, -33); break;
            default: put_random(r, row, dtype, i, -31 - (int)rng_below(r, 4)); break;
            }
        }
        put_random(r, row, dtype, top, -1);
        return top;
    }
    case SHAPE_ONE: {
        const size_t top = rng_below(r, (uint32_t)n);
        const int tail = 3 + ceil_log2(n);
        for (size_t i = 0; i < n; i++) {
            if (step % 2)
                put_random(r, row, dtype, i, -tail - (int)rng_below(r, 20));
            else
                put(row, dtype, i, 0, 0);
        }
        put(row, dtype, top, 1, 0);
        return top;
    }
    case SHAPE_SCALED: {
        /* value' = (m >> 21) * c * 2^(e + 21 + s - 20), c in [2^19, 2^20): exact integers */
        const size_t top = rng_below(r, (uint32_t)n);
        const int tail = 2 + ceil_log2(n);
        const uint64_t c = (1u << 19) | rng_below(r, 1u << 19);
        const int s_max = dtype == DC_DTYPE_F16 ? 16 : 20;
        const int s = (int)rng_below(r, (uint32_t)(s_max + 21)) - 20;
        for (size_t i = 0; i < n; i++) {
            const int lg = i == top ? -1 : -tail - (int)rng_below(r, 40);
            put(row, dtype, i, (rng_mant64(r) >> 21) * c, lg - 63 + 21 + s - 20);
        }
        return top;
    }
    default: { /* SHAPE_COUNTS, SHAPE_TINYCOUNTS */
        const size_t top = rng_below(r, (uint32_t)n);
        const int exp = shape == SHAPE_COUNTS ? 0 : -10 - ceil_log2(n);
        for (size_t i = 0; i < n; i++)
            put(row, dtype, i, rng_below(r, 1000), exp);
        put(row, dtype, top, 1000 + rng_below(r, 1000), exp);
        return top;
    }
    }
}

static uint32_t pick_symbol(g_rng *r, size_t top, size_t n)
{
    const uint32_t k = rng_below(r, 10);
    if (k < 5)
        return (uint32_t)top;
    if (k < 8)
        return rng_below(r, (uint32_t)n);
    return k == 8 ? 0 : (uint32_t)(n - 1);
}

/* ---- logits (format index 3: the default format with logits in) ---- */

enum { LOGIT_LLM, LOGIT_WIDE, LOGIT_FLAT, LOGIT_SHAPE_COUNT };
static const char *const logit_shape_names[LOGIT_SHAPE_COUNT] = {"llm", "wide", "flat"};
static const double logit_temps[] = {1.0, 0.7, 2.5};
static const char *const logit_temp_names[] = {"t1", "t0.7", "t2.5"};
#define LOGIT_TEMP_COUNT 3

static void put_signed(void *row, int dtype, size_t i, uint64_t mant, int exp, int negative)
{
    const g_layout *l = &layouts[dtype];
    const uint64_t sign = negative ? (uint64_t)1 << (l->mant_bits + l->exp_bits) : 0;
    store_bits(row, dtype, i, value_bits(dtype, mant, exp) | sign);
}

/* llm: one logit in [8, 16), the rest |x| in [2^-4, 2^4) with random signs. wide: random
   exponents from 2^-40 to 2^20 (past the clamp at 2^14), random signs, some -0.0, the
   largest repeated. flat: one value everywhere. Returns the most likely symbol. */
static size_t fill_logits(g_rng *r, int shape, void *row, int dtype, size_t n)
{
    const size_t top = rng_below(r, (uint32_t)n);
    const uint64_t flat = rng_mant64(r);
    for (size_t i = 0; i < n; i++) {
        /* one draw per statement: the order of evaluation of arguments is unspecified */
        if (shape == LOGIT_FLAT) {
            put_signed(row, dtype, i, flat, 3 - 63, 1);
        } else if (shape == LOGIT_LLM) {
            const uint64_t mant = rng_mant64(r);
            if (i == top) {
                put_signed(row, dtype, i, mant, 3 - 63, 0);
            } else {
                const int lg = (int)rng_below(r, 8) - 4;
                const int negative = (int)rng_below(r, 2);
                put_signed(row, dtype, i, mant, lg - 63, negative);
            }
        } else {
            const uint32_t k = rng_below(r, 16);
            if (k == 0) {
                put_negative_zero(row, dtype, i);
            } else {
                const uint64_t mant = rng_mant64(r);
                const int lg = (int)rng_below(r, 61) - 40;
                put_signed(row, dtype, i, mant, lg - 63, (int)(k & 1));
            }
        }
    }
    if (shape == LOGIT_WIDE) {
        put_signed(row, dtype, top, 1, 20, 0);
        put_signed(row, dtype, (top + n / 2) % n, 1, 20, 0);
    }
    return top;
}

/* ---- the cases ---- */

typedef struct g_case {
    char name[64];
    int format, dtype, shape;
    size_t vocab, steps;
    double temperature; /* logits cases */
} g_case;

static const size_t vocabs[] = {1, 2, 3, 255, 256, 257, 1000, 4099, 50257, 262144};
static const size_t vocab_steps[] = {64, 64, 48, 24, 24, 24, 16, 8, 3, 2};
#define VOCAB_COUNT (sizeof vocabs / sizeof vocabs[0])

/* The largest vocabulary is run with these shapes only (keeps emulated runs short). */
static int shape_runs_huge(int shape)
{
    return shape == SHAPE_SOFTMAX || shape == SHAPE_SPARSE || shape == SHAPE_SUBNORMAL ||
           shape == SHAPE_NEAR_2M32;
}

/* Case index -> case; returns 0 past the last case. Default-format cases come first, then
   python-0.1, then the tolerant mode (appended: the earlier lines never move). */
static int case_at(size_t index, g_case *c)
{
    size_t k = 0;
    for (int format = 0; format < 3; format++)
        for (int dtype = 0; dtype < 4; dtype++)
            for (int shape = 0; shape < SHAPE_COUNT; shape++)
                for (size_t v = 0; v < VOCAB_COUNT; v++) {
                    if (vocabs[v] == 262144 && (!shape_runs_huge(shape) || format == 2))
                        continue;
                    if (k++ != index)
                        continue;
                    c->format = format;
                    c->dtype = dtype;
                    c->shape = shape;
                    c->vocab = vocabs[v];
                    c->steps = vocab_steps[v];
                    snprintf(c->name, sizeof c->name, "%s-%s-%s-v%lu", format_names[format],
                             dtype_names[dtype], shape_names[shape], (unsigned long)vocabs[v]);
                    return 1;
                }
    /* logits cases (appended after the tolerant ones) */
    for (int dtype = 0; dtype < 4; dtype++)
        for (int shape = 0; shape < LOGIT_SHAPE_COUNT; shape++)
            for (int tt = 0; tt < LOGIT_TEMP_COUNT; tt++)
                for (size_t v = 0; v < VOCAB_COUNT; v++) {
                    if (vocabs[v] == 262144 || k++ != index)
                        continue;
                    c->format = 3;
                    c->dtype = dtype;
                    c->shape = shape;
                    c->vocab = vocabs[v];
                    c->steps = vocab_steps[v];
                    c->temperature = logit_temps[tt];
                    snprintf(c->name, sizeof c->name, "logits-%s-%s-%s-v%lu", dtype_names[dtype],
                             logit_shape_names[shape], logit_temp_names[tt],
                             (unsigned long)vocabs[v]);
                    return 1;
                }
    return 0;
}

/* ---- kernel comparison ---- */

typedef struct g_kernel_stats {
    unsigned long comparisons, mismatches;
    unsigned long py_comparisons, py_mismatches;
    const char *py_names[8]; /* python-0.1 block kernel sets, best first, scalar last */
} g_kernel_stats;

/* Every python-0.1 block kernel set against the scalar one (the last) on the blocks of a
   row, and on blocks starting one element later (unaligned). The sum and the maximum must
   be equal; of the raw maximum only whether it reaches the bits of +Inf is used (it sends
   the step to the checks for NaN, infinities and negative values), so only that is
   compared. */
static int compare_py01_kernels(const void *row, int dtype, size_t n, g_kernel_stats *st,
                                const char *name)
{
    const unsigned char *p = (const unsigned char *)row;
    const size_t esize = dc_dtype_size(dtype);
    static const uint64_t inf_bits[4] = {0x7f800000u, 0x7ff0000000000000u, 0x7c00u, 0x7f80u};
    uint64_t want[3], got[3];
    int nsets = 0, ok = 1;
    while (nsets < 8 && (st->py_names[nsets] = dc_py01_test_block(nsets, dtype, p, 1, got)))
        nsets++;
    for (size_t shift = 0; shift < 2 && shift < n; shift++) {
        for (size_t b = shift; b < n; b += DC_BLOCK_SIZE) {
            const size_t count = n - b < DC_BLOCK_SIZE ? n - b : DC_BLOCK_SIZE;
            dc_py01_test_block(nsets - 1, dtype, p + b * esize, count, want);
            for (int s = 0; s < nsets - 1; s++) {
                dc_py01_test_block(s, dtype, p + b * esize, count, got);
                st->py_comparisons++;
                if (want[0] != got[0] || want[1] != got[1] ||
                    (want[2] >= inf_bits[dtype]) != (got[2] >= inf_bits[dtype])) {
                    st->py_mismatches++;
                    ok = 0;
                    fprintf(stderr, "%s: python-0.1 kernels %s differ from scalar on [%lu, %lu)\n",
                            name, st->py_names[s], (unsigned long)b, (unsigned long)(b + count));
                }
            }
        }
    }
    return ok;
}

static int compare_kernels(g_rng *r, const void *row, int dtype, size_t n, uint64_t *ref_blocks,
                           uint64_t *blocks, g_kernel_stats *st, const char *name)
{
    const dc_kernels *const *sets = dc_kernels_available();
    const size_t nblocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    size_t begins[3] = {0, 0, 0}, ends[3] = {n, n, n};
    if (n > 1) {
        begins[1] = 1;
        begins[2] = rng_below(r, (uint32_t)n);
        ends[2] = begins[2] + rng_below(r, (uint32_t)(n - begins[2] + 1));
    }
    int ok = 1;
    for (size_t s = 0; sets[s]; s++) {
        const dc_kernels *k = sets[s];
        if (k == &dc_kernels_scalar)
            continue;
        for (int j = 0; j < 3; j++) {
            uint64_t want = 0, got = 0;
            const int rw = dc_kernels_scalar.sum32[dtype](row, begins[j], ends[j], &want);
            const int rg = k->sum32[dtype](row, begins[j], ends[j], &got);
            st->comparisons++;
            if (rw != rg || (rw && want != got)) {
                st->mismatches++;
                ok = 0;
                fprintf(stderr, "%s: kernels %s sum32 [%lu, %lu) differ from scalar\n", name,
                        k->name, (unsigned long)begins[j], (unsigned long)ends[j]);
            }
        }
        const int rw = dc_kernels_scalar.blocks32[dtype](row, n, ref_blocks);
        const int rg = k->blocks32[dtype](row, n, blocks);
        st->comparisons++;
        if (rw != rg || (rw && memcmp(ref_blocks, blocks, nblocks * sizeof *blocks) != 0)) {
            st->mismatches++;
            ok = 0;
            fprintf(stderr, "%s: kernels %s blocks32 differ from scalar\n", name, k->name);
        }
    }
    return ok;
}

/* Every logits kernel set against the scalar one on a row: z, its maximum and the weights
   must be equal. */
static int compare_logits_kernels(const void *row, int dtype, size_t n, double temperature,
                                  g_kernel_stats *st, const char *name)
{
    const dc_logits_kernels *const *sets = dc_logits_kernels_available();
    int32_t *zw = malloc(n * sizeof *zw), *zg = malloc(n * sizeof *zg);
    const dc_logit_temp t = dc_logit_temp_of(temperature);
    int ok = zw && zg;
    for (size_t s = 0; ok && sets[s]; s++) {
        const dc_logits_kernels *k = sets[s];
        if (k == &dc_logits_kernels_scalar)
            continue;
        int32_t mw, mg;
        const int rw = dc_logits_kernels_scalar.fix[dtype](row, n, zw, &mw);
        const int rg = (k->fix[dtype] ? k->fix[dtype] : dc_logits_kernels_scalar.fix[dtype])(
            row, n, zg, &mg);
        st->comparisons++;
        if (rw != rg || mw != mg || memcmp(zw, zg, n * sizeof *zw) != 0) {
            fprintf(stderr, "%s: logits kernels %s fix differs from scalar\n", name, k->name);
            ok = 0;
            break;
        }
        dc_logits_kernels_scalar.weigh(zw, n, mw, t, (uint32_t *)zw);
        const dc_logits_weigh_fn weigh = k->weigh ? k->weigh : dc_logits_kernels_scalar.weigh;
        weigh(zg, n, mg, t, (uint32_t *)zg);
        st->comparisons++;
        if (memcmp(zw, zg, n * sizeof *zw) != 0) {
            fprintf(stderr, "%s: logits kernels %s weigh differs from scalar\n", name, k->name);
            ok = 0;
        }
    }
    if (!ok)
        st->mismatches++;
    free(zw);
    free(zg);
    return ok;
}

/* ---- running one case ---- */

typedef struct g_result {
    char hex[65];
    size_t length;
    int ok;            /* round trip, batch == step-wise, kernels all agreed */
    size_t refused;    /* steps the format refused (skipped on both sides) */
} g_result;

#define FAIL(...)                                     \
    do {                                              \
        fprintf(stderr, "%s: ", c->name);             \
        fprintf(stderr, __VA_ARGS__);                 \
        fputc('\n', stderr);                          \
        res->ok = 0;                                  \
        goto done;                                    \
    } while (0)

static void run_case(const g_case *c, g_kernel_stats *kst, g_result *res)
{
    const size_t n = c->vocab, esize = dc_dtype_size(c->dtype), row_bytes = n * esize;
    const size_t nblocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    unsigned char *matrix = malloc(c->steps * row_bytes);
    unsigned char *kept = malloc(c->steps * row_bytes);
    uint32_t *symbols = malloc(c->steps * sizeof *symbols);
    uint32_t *kept_symbols = malloc(c->steps * sizeof *symbols);
    uint32_t *decoded = malloc(c->steps * sizeof *decoded);
    uint64_t *ref_blocks = malloc(nblocks * sizeof *ref_blocks);
    uint64_t *blocks = malloc(nblocks * sizeof *blocks);
    unsigned char *stream = NULL;
    dc_coder *enc = NULL, *dec = NULL;
    size_t stream_len = 0, nkept = 0, first_refused = c->steps;
    dc_result first_error = DC_OK;
    g_rng r, kr;

    memset(res, 0, sizeof *res);
    res->ok = 1;
    if (!matrix || !kept || !symbols || !kept_symbols || !decoded || !ref_blocks || !blocks)
        FAIL("out of memory");

    rng_seed(&r, fnv1a(c->name));
    rng_seed(&kr, fnv1a(c->name) ^ 0x5bd1e995u);
    for (size_t t = 0; t < c->steps; t++) {
        unsigned char *row = matrix + t * row_bytes;
        if (c->format == 3) { /* logits */
            const size_t top = fill_logits(&r, c->shape, row, c->dtype, n);
            symbols[t] = pick_symbol(&r, top, n);
            if (!compare_logits_kernels(row, c->dtype, n, c->temperature, kst, c->name))
                res->ok = 0;
            continue;
        }
        const size_t top = fill_row(&r, c->shape, row, c->dtype, n, t);
        symbols[t] = pick_symbol(&r, top, n);
        if (!compare_kernels(&kr, row, c->dtype, n, ref_blocks, blocks, kst, c->name))
            res->ok = 0;
        if (!compare_py01_kernels(row, c->dtype, n, kst, c->name))
            res->ok = 0;
    }

    /* step by step; a refused step is skipped and must leave the coder as it was */
    dc_coder_options opts;
    memset(&opts, 0, sizeof opts);
    opts.format = c->format == 2 ? DC_FORMAT_DEFAULT : c->format;
    opts.tolerance = c->format == 2 ? tolerant_tau[c->dtype] : 0;
    if (c->format == 3) {
        opts.format = DC_FORMAT_DEFAULT;
        opts.input = DC_INPUT_LOGITS;
        opts.temperature = c->temperature;
    }
    if (dc_coder_create_with_options(&opts, NULL, &enc) != DC_OK ||
        dc_coder_create_with_options(&opts, NULL, &dec) != DC_OK)
        FAIL("cannot create coders");
    for (size_t t = 0; t < c->steps; t++) {
        const dc_result e = dc_coder_encode_step(enc, matrix + t * row_bytes, c->dtype, n, symbols[t]);
        if (e == DC_OK) {
            memcpy(kept + nkept * row_bytes, matrix + t * row_bytes, row_bytes);
            kept_symbols[nkept++] = symbols[t];
        } else if (e == DC_ERR_COUNT_OVERFLOW || e == DC_ERR_NO_MASS) {
            if (first_refused == c->steps) {
                first_refused = t;
                first_error = e;
            }
            res->refused++;
        } else {
            FAIL("step %lu: unexpected %s", (unsigned long)t, dc_result_name(e));
        }
    }
    const uint8_t *bytes;
    dc_result e = dc_coder_finish_encoding(enc, &bytes, &stream_len);
    if (e != DC_OK)
        FAIL("finish: %s", dc_result_name(e));
    stream = malloc(stream_len ? stream_len : 1);
    if (!stream)
        FAIL("out of memory");
    memcpy(stream, bytes, stream_len);
    dc_sha256_hex(stream, stream_len, res->hex);
    res->length = stream_len;

    /* one batch: a batch holding a refused step fails there and keeps nothing */
    if ((e = dc_coder_reset(enc)) != DC_OK)
        FAIL("reset: %s", dc_result_name(e));
    if (first_refused < c->steps) {
        size_t failed = (size_t)-1;
        e = dc_coder_encode_steps(enc, matrix, c->dtype, n, c->steps, symbols, &failed);
        if (e != first_error || failed != first_refused)
            FAIL("batch with a refused step: %s at %lu, expected %s at %lu", dc_result_name(e),
                 (unsigned long)failed, dc_result_name(first_error), (unsigned long)first_refused);
    }
    if ((e = dc_coder_encode_steps(enc, kept, c->dtype, n, nkept, kept_symbols, NULL)) != DC_OK)
        FAIL("batch: %s", dc_result_name(e));
    size_t batch_len;
    if ((e = dc_coder_finish_encoding(enc, &bytes, &batch_len)) != DC_OK)
        FAIL("batch finish: %s", dc_result_name(e));
    if (batch_len != stream_len || memcmp(bytes, stream, stream_len) != 0)
        FAIL("batch bytes differ from step-wise bytes (%lu vs %lu bytes)",
             (unsigned long)batch_len, (unsigned long)stream_len);

    /* decode step by step, then as one batch */
    if ((e = dc_coder_start_decoding(dec, stream, stream_len)) != DC_OK)
        FAIL("start decoding: %s", dc_result_name(e));
    for (size_t t = 0; t < nkept; t++) {
        size_t sym = 0;
        if ((e = dc_coder_decode_step(dec, kept + t * row_bytes, c->dtype, n, &sym)) != DC_OK)
            FAIL("decode step %lu: %s", (unsigned long)t, dc_result_name(e));
        if (sym != kept_symbols[t])
            FAIL("decode step %lu: got %lu, encoded %lu", (unsigned long)t, (unsigned long)sym,
                 (unsigned long)kept_symbols[t]);
    }
    if ((e = dc_coder_start_decoding(dec, stream, stream_len)) != DC_OK)
        FAIL("restart decoding: %s", dc_result_name(e));
    if ((e = dc_coder_decode_steps(dec, kept, c->dtype, n, nkept, decoded, NULL)) != DC_OK)
        FAIL("batch decode: %s", dc_result_name(e));
    if (nkept && memcmp(decoded, kept_symbols, nkept * sizeof *decoded) != 0)
        FAIL("batch decode gave other symbols");

done:
    dc_coder_free(enc);
    dc_coder_free(dec);
    free(matrix);
    free(kept);
    free(symbols);
    free(kept_symbols);
    free(decoded);
    free(ref_blocks);
    free(blocks);
    free(stream);
}

/* ---- expected file ---- */

typedef struct g_expected {
    char name[64];
    char hex[65];
    unsigned long length;
    int seen;
} g_expected;

static g_expected *read_expected(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 1024, n = 0;
    g_expected *list = malloc(cap * sizeof *list);
    char line[256];
    while (list && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (n == cap) {
            g_expected *grown = realloc(list, 2 * cap * sizeof *list);
            if (!grown) {
                free(list);
                list = NULL;
                break;
            }
            list = grown;
            cap *= 2;
        }
        g_expected *x = &list[n];
        if (sscanf(line, "%63s %64s %lu", x->name, x->hex, &x->length) != 3) {
            fprintf(stderr, "%s: bad line: %s", path, line);
            continue;
        }
        x->seen = 0;
        n++;
    }
    fclose(f);
    *count = n;
    return list;
}

int main(int argc, char **argv)
{
    const char *check = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
            check = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--check expected.txt] [--only TEXT]\n", argv[0]);
            return 2;
        }
    }
    size_t nexp = 0;
    g_expected *expected = NULL;
    if (check && !(expected = read_expected(check, &nexp)))
        return 2;

    if (!check) /* the list is test/golden/expected.txt as it stands */
        printf("%s\n%s\n%s\n",
               "# Golden streams: case-name sha256(stream) length. Written by test/golden/golden.c (no",
               "# arguments); every platform must reproduce every line (scripts/test-platforms.sh,",
               "# docs/determinism.md). A change here is a change of the stream formats.");
    g_kernel_stats kst;
    memset(&kst, 0, sizeof kst);
    unsigned long passed = 0, failed = 0, refused = 0;
    g_case c;
    for (size_t index = 0; case_at(index, &c); index++) {
        if (only && !strstr(c.name, only))
            continue;
        g_result res;
        run_case(&c, &kst, &res);
        refused += res.refused;
        if (!check) {
            printf("%s %s %lu\n", c.name, res.ok ? res.hex : "error", (unsigned long)res.length);
            res.ok ? passed++ : failed++;
            continue;
        }
        g_expected *x = NULL;
        for (size_t j = 0; j < nexp && !x; j++)
            if (strcmp(expected[j].name, c.name) == 0)
                x = &expected[j];
        if (!x) {
            fprintf(stderr, "%s: not in %s\n", c.name, check);
            res.ok = 0;
        } else {
            x->seen = 1;
            if (strcmp(x->hex, res.hex) != 0 || x->length != res.length) {
                fprintf(stderr, "%s: got %s %lu, expected %s %lu\n", c.name, res.hex,
                        (unsigned long)res.length, x->hex, x->length);
                res.ok = 0;
            }
        }
        res.ok ? passed++ : failed++;
    }
    if (check && !only) {
        for (size_t j = 0; j < nexp; j++)
            if (!expected[j].seen) {
                fprintf(stderr, "%s: expected but not generated\n", expected[j].name);
                failed++;
            }
    }
    /* kernel sets compared (scalar is the reference) */
    const dc_kernels *const *sets = dc_kernels_available();
    fprintf(check ? stdout : stderr, "kernels:");
    for (size_t s = 0; sets[s]; s++)
        fprintf(check ? stdout : stderr, " %s%s", sets[s]->name,
                sets[s] == dc_kernels_active() ? "(active)" : "");
    fprintf(check ? stdout : stderr, "; %lu comparisons with scalar, %lu mismatches\n",
            kst.comparisons, kst.mismatches);
    fprintf(check ? stdout : stderr, "python-0.1 kernels:");
    for (size_t s = 0; s < 8 && kst.py_names[s]; s++)
        fprintf(check ? stdout : stderr, " %s", kst.py_names[s]);
    fprintf(check ? stdout : stderr, "; %lu comparisons with scalar, %lu mismatches\n",
            kst.py_comparisons, kst.py_mismatches);
    fprintf(check ? stdout : stderr, "steps refused by the format (skipped): %lu\n", refused);
    fprintf(check ? stdout : stderr, "golden: %lu passed, %lu failed\n", passed, failed);
    free(expected);
    return failed ? 1 : 0;
}
