/* range_coder.c - the default format: exact frequencies and a byte-wise range coder.
 *
 * Frequencies (docs/FORMAT.md, "Frequencies"): u_i = floor(p_i * 2^K), Q = sum u_i,
 * s = smallest shift with (Q >> s) + n < 2^32, C(k) = (S_k >> s) + k, T = C(n).
 * Decoding needs the largest k with C(k) <= t, which is the largest k with
 * Z_k < (t + 1) << s for Z_k = S_k + k * 2^s: a search of an increasing prefix sum
 * against one threshold, done over per-block sums and then inside one block.
 *
 * Range coder: 64-bit low and range, range >= 2^56 between steps, so r = range / T is at
 * least 2^24 and rounding loses under 2^-24 of the interval per step. A carry out of
 * `low` is held in `carry` and resolved into the cached byte LZMA-style. */
#include <string.h>

#include "dtype.h"
#include "internal.h"
#include "kernels/kernels.h"
#include "quantize.h"

#define RANGE_TOP ((uint64_t)1 << 56)
#define TOTAL_LIMIT ((uint64_t)1 << 32) /* totals stay below this */

/* How this step's floats become frequencies. */
typedef struct freq_plan {
    int k;          /* u_i = floor(p_i * 2^k) */
    int s;          /* C(i) = (S_i >> s) + i */
    uint64_t total; /* T = C(n) */
} freq_plan;

static void finish_plan(freq_plan *plan, uint64_t q, size_t n)
{
    int s = 0;
    while ((q >> s) + n >= TOTAL_LIMIT)
        s++;
    plan->s = s;
    plan->total = (q >> s) + n;
}

/* Scale from the largest element (inputs the fast scale does not fit). */
static dc_result slow_scale(const void *dist, int dtype, size_t n, int *k)
{
    int max_exp;
    const dc_result r = dc_scan_max_exponent(dist, dtype, n, &max_exp);
    if (r != DC_OK)
        return r;
    *k = 31 - max_exp; /* the largest element lands in [2^31, 2^32) */
    return DC_OK;
}

/* ---- encoder ---- */

static void default_begin(dc_coder *c)
{
    c->k_guess = 32;
    c->st.renc.range = UINT64_MAX;
}

static void shift_low(dc_coder *c)
{
    dc_range_encoder *e = &c->st.renc;
    const uint8_t top = (uint8_t)(e->low >> 56);
    if (top != 0xFF || e->carry) {
        /* The cached byte and the 0xFF run after it are final now. No carry can reach
           past the first byte (the initial interval is below 2^64), so without a cache
           there is no carry either. */
        if (e->have_cache)
            c->out[c->out_len++] = (uint8_t)(e->cache + e->carry);
        for (; e->pending > 0; e->pending--)
            c->out[c->out_len++] = (uint8_t)(0xFF + e->carry);
        e->cache = top;
        e->have_cache = 1;
    } else {
        e->pending++;
    }
    e->low <<= 8;
    e->carry = 0;
}

void dc_range_encode_interval(dc_coder *c, uint64_t cum, uint64_t freq, uint64_t total)
{
    dc_range_encoder *e = &c->st.renc;
    const uint64_t r = e->range / total;
    const uint64_t add = r * cum;
    e->low += add;
    if (e->low < add)
        e->carry = 1; /* low + range < 2^65 after every shift: at most one carry */
    e->range = r * freq;
    while (e->range < RANGE_TOP) {
        shift_low(c);
        e->range <<= 8;
    }
}

/* Sums below and from `sym` at the step's K for a step the fast scale does not take
   at once: passes at the guessed K (c->k_guess) until the statistics confirm it,
   normally one. Inputs the SIMD statistics cannot judge take the scalar path. */
static dc_result general_sums(dc_coder *c, const void *dist, int dtype, size_t n, size_t sym,
                              int *k, uint64_t *below, uint64_t *rest)
{
    const dc_kernels *kern = dc_kernels_active();
    int kg = c->k_guess;
    for (;;) {
        dc_scan_info info = {0, 0, 0};
        uint64_t b = 0, r = 0;
        kern->sumk[dtype](dist, 0, sym, kg, &b, &info);
        kern->sumk[dtype](dist, sym, n, kg, &r, &info);
        int next;
        const int verdict = dc_scaled_choose_k(dtype, &info, kg, b + r, n, &next);
        if (verdict == DC_SCALED_DONE) {
            *k = kg;
            *below = b;
            *rest = r;
            return DC_OK;
        }
        if (verdict == DC_SCALED_NEED_Q32) {
            uint64_t b32 = 0, r32 = 0;
            dc_scan_info unused = {0, 0, 0};
            kern->sumk[dtype](dist, 0, sym, 32, &b32, &unused);
            kern->sumk[dtype](dist, sym, n, 32, &r32, &unused);
            const int q32 = b32 + r32 >= DC_FAST_MIN_SUM;
            *k = q32 ? 32 : kg;
            *below = q32 ? b32 : b;
            *rest = q32 ? r32 : r;
            return DC_OK;
        }
        if (verdict == DC_SCALED_INVALID) {
            const dc_result res = slow_scale(dist, dtype, n, k);
            if (res != DC_OK)
                return res;
            *below = dc_sum_scaled(dist, dtype, 0, sym, *k);
            *rest = dc_sum_scaled(dist, dtype, sym, n, *k);
            return DC_OK;
        }
        kg = next;
    }
}

static dc_result default_encode_step(dc_coder *c, const void *dist, int dtype, size_t n,
                                     size_t sym)
{
    const dc_kernels *kern = dc_kernels_active();
    uint64_t below = 0, rest = 0;
    freq_plan plan;
    plan.k = 32;
    if (c->k_guess != 32 || !kern->sum32[dtype](dist, 0, sym, &below) ||
        !kern->sum32[dtype](dist, sym, n, &rest) || below + rest < DC_FAST_MIN_SUM) {
        if (c->k_guess == 32)
            c->k_guess = 31; /* not the fast scale: max 1.0 (exp(logit - max)) is likely */
        const dc_result r = general_sums(c, dist, dtype, n, sym, &plan.k, &below, &rest);
        if (r != DC_OK)
            return r;
        c->k_guess = plan.k;
    }
    finish_plan(&plan, below + rest, n);
    const uint64_t u_sym = plan.k == 32 ? dc_u32_at(dist, dtype, sym)
                                        : dc_quantize_one(dist, dtype, sym, plan.k);
    const uint64_t cum = (below >> plan.s) + sym;
    const uint64_t next = ((below + u_sym) >> plan.s) + sym + 1;

    /* A step writes at most the cached byte, the pending run and 3 more bytes. */
    const dc_result r = dc_out_reserve(c, c->st.renc.pending + 8);
    if (r != DC_OK)
        return r;
    dc_range_encode_interval(c, cum, next - cum, plan.total);
    return DC_OK;
}

static dc_result default_finish(dc_coder *c)
{
    dc_range_encoder *e = &c->st.renc;
    const dc_result r = dc_out_reserve(c, e->pending + 16);
    if (r != DC_OK)
        return r;
    /* Pick the value in [low, low + range) with the most trailing zero bits; the decoder
       reads zeros past the end, so trailing zero bytes need not be written. */
    const uint64_t last = e->low + (e->range - 1);
    uint64_t delta = 0;
    if (last < e->low) {
        delta = (uint64_t)0 - e->low; /* the interval holds a multiple of 2^64 */
    } else {
        for (int b = 63; b >= 0; b--) { /* b = 0 always succeeds with delta = 0 */
            const uint64_t mask = ((uint64_t)1 << b) - 1;
            const uint64_t v = (e->low + mask) & ~mask; /* low rounded up to 2^b */
            if (e->low + mask >= e->low && v <= last) {
                delta = v - e->low;
                break;
            }
        }
    }
    e->low += delta;
    if (e->low < delta)
        e->carry = 1;
    for (int i = 0; i < 9; i++)
        shift_low(c);
    while (c->out_len > 0 && c->out[c->out_len - 1] == 0)
        c->out_len--;
    return DC_OK;
}

/* ---- decoder ---- */

#define FUNCNAME scan_f32
#define ELEM uint32_t
#define TO_U32 dc_u32_f32
#include "scan_template.h"

#define FUNCNAME scan_f64
#define ELEM uint64_t
#define TO_U32 dc_u32_f64
#include "scan_template.h"

#define FUNCNAME scan_f16
#define ELEM uint16_t
#define TO_U32 dc_u32_f16
#include "scan_template.h"

#define FUNCNAME scan_bf16
#define ELEM uint16_t
#define TO_U32 dc_u32_bf16
#include "scan_template.h"

/* The decoder's scan of one block at scale 2^32 (every element is known to be in [+0, 1)
   or -0.0, which the slow path lets through): from element k with prefix z = Z_k <
   threshold, advance while k + 1 < n and Z_{k+1} = z + u_k + unit < threshold. Returns
   the final k; *z = Z_k, *u = u_k. */
static size_t scan_block32(const dc_kernels *kern, const void *dist, int dtype, size_t k,
                           size_t n, uint64_t unit, uint64_t threshold, uint64_t *z,
                           uint64_t *u)
{
    /* Z is strictly increasing: jump over half, a quarter, ... of the block (down to 16
       elements) with the SIMD sum while Z at the far end is still below the threshold.
       A sum the kernel refuses (-0.0 on the slow path) is simply not jumped over. */
    for (size_t m = DC_BLOCK_SIZE / 2; m >= 16; m /= 2) {
        uint64_t s;
        if (k + m < n && kern->sum32[dtype](dist, k, k + m, &s) &&
            *z + s + m * unit < threshold) {
            *z += s + m * unit;
            k += m;
        }
    }
    switch (dtype) {
    case DC_DTYPE_F32: return scan_f32(dist, k, n, unit, threshold, z, u);
    case DC_DTYPE_F64: return scan_f64(dist, k, n, unit, threshold, z, u);
    case DC_DTYPE_F16: return scan_f16(dist, k, n, unit, threshold, z, u);
    default: return scan_bf16(dist, k, n, unit, threshold, z, u);
    }
}


static void default_start(dc_coder *c)
{
    dc_range_decoder *d = &c->st.rdec;
    d->code = 0;
    for (int i = 0; i < 8; i++)
        d->code = (d->code << 8) | dc_in_byte(c);
    d->range = UINT64_MAX;
    c->k_guess = 32;
}

/* Block sums for this step and the plan they were made with. */
static dc_result decode_plan(dc_coder *c, const void *dist, int dtype, size_t n,
                             freq_plan *plan)
{
    const size_t blocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    dc_result r = dc_blocks_reserve(c, blocks);
    if (r != DC_OK)
        return r;
    plan->k = 32;
    if (c->k_guess == 32 && dc_kernels_active()->blocks32[dtype](dist, n, c->blocks) &&
        c->blocks[blocks - 1] >= DC_FAST_MIN_SUM) {
        finish_plan(plan, c->blocks[blocks - 1], n);
        return DC_OK;
    }
    /* the general scale: passes at the guessed K until the statistics confirm it */
    const dc_kernels *kern = dc_kernels_active();
    int kg = c->k_guess == 32 ? 31 : c->k_guess;
    for (;;) {
        dc_scan_info info = {0, 0, 0};
        kern->blocksk[dtype](dist, n, kg, c->blocks, &info);
        int next;
        const int verdict = dc_scaled_choose_k(dtype, &info, kg, c->blocks[blocks - 1], n,
                                               &next);
        if (verdict == DC_SCALED_DONE)
            break;
        if (verdict == DC_SCALED_NEED_Q32) {
            kern->blocksk[dtype](dist, n, 32, c->blocks, &info);
            if (c->blocks[blocks - 1] >= DC_FAST_MIN_SUM) {
                kg = 32;
                break;
            }
            kern->blocksk[dtype](dist, n, kg, c->blocks, &info);
            break;
        }
        if (verdict == DC_SCALED_INVALID) {
            r = slow_scale(dist, dtype, n, &kg);
            if (r != DC_OK)
                return r;
            dc_blocks_scaled(dist, dtype, n, kg, c->blocks);
            break;
        }
        kg = next;
    }
    plan->k = kg;
    c->k_guess = kg;
    finish_plan(plan, c->blocks[blocks - 1], n);
    return DC_OK;
}

/* The decoder's scan of one block at scale 2^k, k != 32 (as the K = 32 scans): from
   element i with prefix *z = Z_i < threshold, advance while i + 1 < n and
   Z_{i+1} < threshold. Returns the final i; *z = Z_i, *u = u_i. */
static size_t scan_blockk(const dc_kernels *kern, const void *dist, int dtype, int k, size_t i,
                          size_t n, uint64_t unit, uint64_t threshold, uint64_t *z, uint64_t *u)
{
    uint64_t zi = *z;
    /* Z is strictly increasing: jump over 128, 64, ... 16 elements while Z at the far end
       is still below the threshold */
    for (size_t m = DC_BLOCK_SIZE / 2; m >= 16; m /= 2) {
        if (i + m < n) {
            uint64_t s = 0;
            dc_scan_info unused = {0, 0, 0};
            kern->sumk[dtype](dist, i, i + m, k, &s, &unused);
            if (zi + s + m * unit < threshold) {
                zi += s + m * unit;
                i += m;
            }
        }
    }
    uint64_t ui = dc_scaled_one(dist, dtype, i, k);
    while (i + 1 < n && zi + ui + unit < threshold) {
        zi += ui + unit;
        i++;
        ui = dc_scaled_one(dist, dtype, i, k);
    }
    *z = zi;
    *u = ui;
    return i;
}

static dc_result default_decode_step(dc_coder *c, const void *dist, int dtype, size_t n,
                                     size_t *sym)
{
    freq_plan plan;
    dc_result r = decode_plan(c, dist, dtype, n, &plan);
    if (r != DC_OK)
        return r;
    dc_range_decoder *d = &c->st.rdec;
    const uint64_t rr = d->range / plan.total;
    const uint64_t t = d->code / rr;
    if (t >= plan.total)
        return DC_ERR_CORRUPT_STREAM; /* beyond the last symbol's interval */

    /* First block whose end has Z >= threshold; the symbol is inside it. */
    const uint64_t unit = (uint64_t)1 << plan.s;
    const uint64_t threshold = (t + 1) << plan.s;
    size_t lo = 0, hi = (n - 1) / DC_BLOCK_SIZE;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const size_t end = (mid + 1) * DC_BLOCK_SIZE; /* mid < last block: a full block */
        if (c->blocks[mid] + end * unit >= threshold)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t k = lo * DC_BLOCK_SIZE;
    uint64_t z = (lo > 0 ? c->blocks[lo - 1] : 0) + k * unit; /* Z_k < threshold */
    uint64_t u;
    if (plan.k == 32) { /* every element is in [+0, 1): the inline exact per-dtype scan */
        k = scan_block32(dc_kernels_active(), dist, dtype, k, n, unit, threshold, &z, &u);
    } else {
        k = scan_blockk(dc_kernels_active(), dist, dtype, plan.k, k, n, unit, threshold, &z, &u);
    }
    const uint64_t below = z - k * unit;
    const uint64_t cum = (below >> plan.s) + k;
    const uint64_t next = ((below + u) >> plan.s) + k + 1;

    d->code -= rr * cum;
    d->range = rr * (next - cum);
    while (d->range < RANGE_TOP) {
        d->code = (d->code << 8) | dc_in_byte(c);
        d->range <<= 8;
    }
    *sym = k;
    return DC_OK;
}

static dc_result default_frequencies(const void *dist, int dtype, size_t n, uint64_t *freq,
                                     uint64_t *total)
{
    freq_plan plan;
    uint64_t q = 0;
    plan.k = 32;
    if (!dc_kernels_scalar.sum32[dtype](dist, 0, n, &q) || q < DC_FAST_MIN_SUM) {
        const dc_result r = slow_scale(dist, dtype, n, &plan.k);
        if (r != DC_OK)
            return r;
        q = dc_sum_scaled(dist, dtype, 0, n, plan.k);
    }
    finish_plan(&plan, q, n);
    uint64_t below = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t next = below + dc_quantize_one(dist, dtype, i, plan.k);
        freq[i] = (next >> plan.s) - (below >> plan.s) + 1;
        below = next;
    }
    *total = plan.total;
    return DC_OK;
}

const dc_format_ops dc_default_format_ops = {
    default_begin,       default_encode_step, default_finish, default_start, default_decode_step,
    default_frequencies,
};
