/* python01.c - the stream format of the Python package distribution-coder 0.1.x.
 *
 * docs/FORMAT.md (section 2) describes it; in short: a bit-wise arithmetic coder with 62-bit
 * registers (high starts at 2^62 - 1, low at 0), E1/E2/E3 renormalisation with pending
 * bits, frequencies that sum to exactly 2^32, no header, termination by "pending + 1 bits".
 *
 * Frequencies. The package computes c_i = trunc_sat_u64(p_i * 2^32) (binary64, exact), or
 * 1 where that is 0, then adds 2^32 - sum(c) to the FIRST largest c_m. When the counts
 * outside m add up to less than 2^32 (the only case where its stream is valid) the
 * corrected count is c'_m = 2^32 - others. So only min(c_i, 2^32) ever matters: a value
 * >= 1.0 can only be valid as the unique first maximum, and then its own count is replaced.
 * Every count here is that clamped value, computed from the float's bits with integer
 * operations (no float arithmetic at all), and every prefix sum stays below 2^57.
 *
 * With P(k) = cl_0 + ... + cl_{k-1} (clamped counts), Tot = P(n) and D = 2^32 - Tot:
 *   lo(s) = P(s)                 for s <= m,   lo(s) = P(s) + D for s > m,
 *   hi(s) = lo(s) + cl_s         for s != m,   hi(m) = P(m) + c'_m.
 *
 * Interval update: floor(R * x / 2^32) with R < 2^62 and x <= 2^32 is
 * (R >> 32) * x + (((R mod 2^32) * x) >> 32), exact in 64-bit arithmetic.
 * Decoder target: floor(((off + 1) * 2^32 - 1) / R) with off < R < 2^62, quotient < 2^32,
 * by a 32-step restoring division (dc_py01_target). No 128-bit types anywhere.
 *
 * Decoding: value stays in [low, high] after every step (the chosen symbol's interval
 * holds it, and renormalisation keeps it), so off < R and the target is < 2^32 for ANY
 * input bytes: every byte string decodes; a step only fails on a refused distribution.
 *
 * Reading the distribution: the active kernel set's python-0.1 block kernels
 * (src/kernels/, dc_kernels.py01_blk) reduce DC_BLOCK_SIZE elements at a time to their
 * sum, maximum and raw maximum. An encode step reads the distribution once (split at the
 * symbol, so the prefix below it comes for free) plus the one block holding the first
 * maximum; a decode step reads it once, keeping the running sum at every block end in
 * c->blocks, then searches the block sums and scans one block. */
#include <string.h>

#include "internal.h"
#include "kernels/common.h"
#include "quantize.h"

#define PY_Q1 ((uint64_t)1 << 60)
#define PY_MID ((uint64_t)1 << 61)
#define PY_Q3 ((uint64_t)3 << 60)
#define PY_TOP (((uint64_t)1 << 62) - 1)
#define PY_TOTAL DC_PY01_TOTAL
#define PY_REG_BITS 62

/* ---- exact helpers (also used by the tests through python01 behaviour) ---- */

/* floor(r * x / 2^32) for r < 2^62, x <= 2^32. */
static uint64_t mul_shr32(uint64_t r, uint64_t x)
{
    const uint64_t rh = r >> 32, rl = r & 0xFFFFFFFFu;
    return rh * x + ((rl * x) >> 32); /* rh * x < 2^62, rl * x < 2^64 */
}

/* floor(((off + 1) * 2^32 - 1) / r) for off < r < 2^63: the numerator is
   off * 2^32 + (2^32 - 1), so it is a restoring division that starts with remainder off
   (< r) and brings in 32 one bits. Each remainder is < r, so 2 * rem + 1 < 2^64. */
static uint64_t target_of(uint64_t off, uint64_t r)
{
    uint64_t rem = off, q = 0;
    for (int i = 0; i < 32; i++) {
        rem = 2 * rem + 1;
        const uint64_t take = rem >= r;
        rem -= r & (0 - take);
        q = 2 * q + take;
    }
    return q;
}

/* Clamped count of element i (dc_py01_cl_* in kernels/common.h: from the bits, integer
   operations only). */
static uint64_t cl_at(const void *dist, int dtype, size_t i)
{
    const uint64_t b = dc_elem_bits(dist, dtype, i);
    switch (dtype) {
    case DC_DTYPE_F32: return dc_py01_cl_f32((uint32_t)b);
    case DC_DTYPE_F64: return dc_py01_cl_f64(b);
    case DC_DTYPE_F16: return dc_py01_cl_f16((uint16_t)b);
    default: return dc_py01_cl_bf16((uint16_t)b);
    }
}

/* Running result of a scan over consecutive ranges. */
typedef struct py_scan {
    uint64_t sum;       /* sum of clamped counts so far */
    uint64_t max;       /* largest clamped count so far (0 before the first element) */
    uint64_t raw_max;   /* largest raw bit pattern */
    size_t max_block;   /* start of the first block holding max */
    uint64_t max_block_below; /* sum before that block */
} py_scan;

/* Continue *s over [begin, end), block by block from begin; with out != NULL also store
   out[j] = the running sum at the end of the j-th block of the range. */
static void scan_range(const void *dist, int dtype, size_t begin, size_t end, py_scan *s,
                       uint64_t *out)
{
    const dc_py01_blk_fn blk = dc_kernels_active()->py01_blk[dtype];
    const unsigned char *p = (const unsigned char *)dist;
    const size_t esize = dc_dtype_size(dtype);
    for (size_t b = begin, j = 0; b < end; b += DC_BLOCK_SIZE, j++) {
        const size_t count = end - b < DC_BLOCK_SIZE ? end - b : DC_BLOCK_SIZE;
        dc_py01_blk r;
        blk(p + b * esize, count, &r);
        if (r.max > s->max) {
            s->max = r.max;
            s->max_block = b;
            s->max_block_below = s->sum;
        }
        s->sum += r.sum;
        s->raw_max = r.raw > s->raw_max ? r.raw : s->raw_max;
        if (out)
            out[j] = s->sum;
    }
}

/* The step's table, from a complete scan. */
typedef struct py_table {
    uint64_t total;     /* Tot = sum of clamped counts */
    uint64_t max;       /* clamped count of the first maximum */
    uint64_t below_max; /* P(m) */
    uint64_t fixed;     /* c'_m = 2^32 - (Tot - max), in [1, 2^32] */
    size_t m;
} py_table;

static dc_result make_table(const void *dist, int dtype, size_t n, const py_scan *s,
                            py_table *t)
{
    if (s->raw_max >= dc_inf_bits(dtype)) { /* raw_max below: every element finite, >= +0 */
        uint64_t max_mag;
        const dc_result r = dc_check_values(dist, dtype, n, &max_mag);
        if (r != DC_OK)
            return r;
    }
    const uint64_t others = s->sum - s->max;
    if (others >= PY_TOTAL)
        return DC_ERR_COUNT_OVERFLOW;
    /* The first element of max_block holding max is the first maximum overall. */
    size_t m = s->max_block;
    uint64_t below = s->max_block_below, cnt;
    const size_t stop = n - m < DC_BLOCK_SIZE ? n : m + DC_BLOCK_SIZE; /* never passed */
    while ((cnt = cl_at(dist, dtype, m)) != s->max && m + 1 < stop) {
        below += cnt;
        m++;
    }
    t->total = s->sum;
    t->max = s->max;
    t->below_max = below;
    t->fixed = PY_TOTAL - others;
    t->m = m;
    return DC_OK;
}

/* lo(k), given P(k) and the table (hi is lo + the count, c'_m for k = m). */
static uint64_t lo_of(const py_table *t, size_t k, uint64_t prefix)
{
    return k <= t->m ? prefix : prefix - t->total + PY_TOTAL; /* prefix >= P(m+1) here */
}

/* ---- encoder ---- */

static void py_begin(dc_coder *c)
{
    dc_py01_encoder *e = &c->st.penc;
    e->low = 0;
    e->high = PY_TOP;
    e->pending = 0;
    e->bitbuf = 0;
    e->nbits = 0;
}

/* Write `bit` then `run` copies of !bit (room was reserved). */
static void put_bits(dc_coder *c, uint32_t bit, uint64_t run)
{
    dc_py01_encoder *e = &c->st.penc;
    e->bitbuf = (e->bitbuf << 1) | bit;
    if (++e->nbits == 8) {
        c->out[c->out_len++] = (uint8_t)e->bitbuf;
        e->bitbuf = 0;
        e->nbits = 0;
    }
    const uint32_t other = bit ^ 1;
    while (run > 0 && e->nbits != 0) {
        e->bitbuf = (e->bitbuf << 1) | other;
        run--;
        if (++e->nbits == 8) {
            c->out[c->out_len++] = (uint8_t)e->bitbuf;
            e->bitbuf = 0;
            e->nbits = 0;
        }
    }
    const uint8_t fill = other ? 0xFF : 0x00;
    for (; run >= 8; run -= 8)
        c->out[c->out_len++] = fill;
    for (; run > 0; run--) {
        e->bitbuf = (e->bitbuf << 1) | other;
        e->nbits++; /* fewer than 8 bits here */
    }
}

/* Bytes one step or the finish can write at most: the partial byte, the pending run and
   at most 34 renormalisation bits (the range is >= 2^28 after an update, > 2^60 after
   renormalising). */
static dc_result reserve_for(dc_coder *c)
{
    const uint64_t bytes = (c->st.penc.pending >> 3) + 8;
    if (bytes > (uint64_t)(SIZE_MAX / 2))
        return DC_ERR_TOO_LARGE;
    return dc_out_reserve(c, (size_t)bytes);
}

static dc_result py_encode(dc_coder *c, const void *dist, int dtype, size_t n, size_t sym)
{
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, sym, &s, NULL);
    const uint64_t below = s.sum;
    scan_range(dist, dtype, sym, n, &s, NULL);
    py_table t;
    dc_result r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;
    const uint64_t lo = lo_of(&t, sym, below);
    const uint64_t hi = lo + (sym == t.m ? t.fixed : cl_at(dist, dtype, sym));
    r = reserve_for(c);
    if (r != DC_OK)
        return r;

    dc_py01_encoder *e = &c->st.penc;
    const uint64_t range = e->high - e->low + 1;
    e->high = e->low + mul_shr32(range, hi) - 1;
    e->low = e->low + mul_shr32(range, lo);
    for (;;) {
        if (e->high < PY_MID) {
            put_bits(c, 0, e->pending);
            e->pending = 0;
        } else if (e->low >= PY_MID) {
            put_bits(c, 1, e->pending);
            e->pending = 0;
            e->low -= PY_MID;
            e->high -= PY_MID;
        } else if (e->low >= PY_Q1 && e->high < PY_Q3) {
            e->pending++;
            e->low -= PY_Q1;
            e->high -= PY_Q1;
        } else {
            break;
        }
        e->low <<= 1;
        e->high = (e->high << 1) | 1;
    }
    return DC_OK;
}

static dc_result py_finish(dc_coder *c)
{
    const dc_result r = reserve_for(c);
    if (r != DC_OK)
        return r;
    dc_py01_encoder *e = &c->st.penc;
    put_bits(c, e->low < PY_Q1 ? 0 : 1, e->pending + 1);
    e->pending = 0;
    if (e->nbits > 0) {
        c->out[c->out_len++] = (uint8_t)(e->bitbuf << (8 - e->nbits));
        e->bitbuf = 0;
        e->nbits = 0;
    }
    return DC_OK;
}

/* ---- decoder ---- */

static uint64_t bit_at(const dc_coder *c, uint64_t pos)
{
    const uint64_t byte = pos >> 3;
    return byte < c->in_len ? (uint64_t)(c->in[(size_t)byte] >> (7 - (pos & 7))) & 1 : 0;
}

static void py_start(dc_coder *c)
{
    dc_py01_decoder *d = &c->st.pdec;
    d->low = 0;
    d->high = PY_TOP;
    d->value = 0;
    for (uint64_t i = 0; i < PY_REG_BITS; i++)
        d->value = (d->value << 1) | bit_at(c, i);
    d->bitpos = PY_REG_BITS;
}

static dc_result py_decode(dc_coder *c, const void *dist, int dtype, size_t n, size_t *sym)
{
    const size_t nblocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    dc_result r = dc_blocks_reserve(c, nblocks);
    if (r != DC_OK)
        return r;
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, n, &s, c->blocks);
    py_table t;
    r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;

    dc_py01_decoder *d = &c->st.pdec;
    if (d->value < d->low || d->value > d->high)
        return DC_ERR_CORRUPT_STREAM; /* cannot happen: kept by every step */
    const uint64_t range = d->high - d->low + 1;
    const uint64_t target = target_of(d->value - d->low, range); /* < 2^32 */

    /* The symbol is the first k with hi(k) > target. Below m that is the first k with
       P(k + 1) > target; in m's interval it is m; above, hi(k) = P(k + 1) + D, so it is
       the first k with P(k + 1) > target - D, which is past m automatically. */
    size_t k;
    uint64_t prefix; /* P(k) */
    if (target >= t.below_max && target < t.below_max + t.fixed) {
        k = t.m;
        prefix = t.below_max;
    } else {
        const uint64_t thr = target < t.below_max ? target : target + t.total - PY_TOTAL;
        size_t lo_b = 0, hi_b = nblocks - 1; /* blocks[nblocks - 1] = Tot > thr */
        while (lo_b < hi_b) {
            const size_t mid = lo_b + (hi_b - lo_b) / 2;
            if (c->blocks[mid] > thr)
                hi_b = mid;
            else
                lo_b = mid + 1;
        }
        k = lo_b * DC_BLOCK_SIZE;
        prefix = lo_b > 0 ? c->blocks[lo_b - 1] : 0;
        const size_t end = n - k < DC_BLOCK_SIZE ? n : k + DC_BLOCK_SIZE;
        for (;;) {
            const uint64_t cnt = cl_at(dist, dtype, k);
            if (prefix + cnt > thr || k + 1 >= end)
                break;
            prefix += cnt;
            k++;
        }
    }
    const uint64_t lo = lo_of(&t, k, prefix);
    const uint64_t hi = lo + (k == t.m ? t.fixed : cl_at(dist, dtype, k));
    if (target < lo || target >= hi)
        return DC_ERR_CORRUPT_STREAM; /* cannot happen for a valid table */

    uint64_t low = d->low, high = d->high, value = d->value, pos = d->bitpos;
    high = low + mul_shr32(range, hi) - 1;
    low = low + mul_shr32(range, lo);
    for (;;) {
        if (high < PY_MID) {
            /* nothing to subtract */
        } else if (low >= PY_MID) {
            low -= PY_MID;
            high -= PY_MID;
            value -= PY_MID;
        } else if (low >= PY_Q1 && high < PY_Q3) {
            low -= PY_Q1;
            high -= PY_Q1;
            value -= PY_Q1;
        } else {
            break;
        }
        low <<= 1;
        high = (high << 1) | 1;
        value = (value << 1) | bit_at(c, pos);
        pos++;
    }
    d->low = low;
    d->high = high;
    d->value = value;
    d->bitpos = pos;
    *sym = k;
    return DC_OK;
}

static dc_result py_frequencies(const void *dist, int dtype, size_t n, uint64_t *freq,
                                uint64_t *total)
{
    py_scan s = {0, 0, 0, 0, 0};
    scan_range(dist, dtype, 0, n, &s, NULL);
    py_table t;
    const dc_result r = make_table(dist, dtype, n, &s, &t);
    if (r != DC_OK)
        return r;
    for (size_t i = 0; i < n; i++)
        freq[i] = i == t.m ? t.fixed : cl_at(dist, dtype, i);
    *total = PY_TOTAL;
    return DC_OK;
}

const dc_format_ops dc_py01_format_ops = {
    py_begin, py_encode, py_finish, py_start, py_decode, py_frequencies,
};
