/* tolerant.c - the tolerant mode of the default format (docs/FORMAT.md, "Tolerant mode").
 *
 * A symbol is coded as the binary decisions down a fixed tree over the vocabulary. Each
 * decision's probability is its left subtree's mass over the node's, quantised to a cell of
 * a fixed grid (tolerant_grid.h). The encoder bounds the masses any decoder within the
 * tolerance can compute (relative error tau per element plus the quantisation floor) and
 * checks that the whole box maps to one cell; if it does it codes escape flag 0 and the
 * decision with the cell's probability, otherwise flag 1 and the decision at 1/2. The
 * decoder's own masses lie in that box, so wherever the flag is 0 it finds the same cell:
 * the decoded symbols are the encoded ones whenever |p'_i - p_i| <= tau * p_i, without any
 * probability of failure. Everything that decides a coding probability is integer-exact. */
#include <string.h>

#include "dtype.h"
#include "internal.h"
#include "kernels/kernels.h"
#include "quantize.h"
#include "tolerant_grid.h"

#define PROB_TOTAL ((uint64_t)1 << 24) /* a cell's probability is P / 2^24 */
#define FLAG_PRIOR 16u                 /* each flag model starts as if 16 zeros were seen */
#define FLAG_LIMIT 65536u              /* counts are halved when n0 + n1 reaches this */

/* ---- masses ---- */

/* The quantised masses of one step: u_i = floor(p_i * 2^k), k = min(32, 31 - floor(log2
   max p)), as cumulative sums at block ends plus, once the walk is inside one block, the
   prefix sums of that block. */
typedef struct tol_masses {
    const void *dist;
    int dtype, k;
    size_t n;
    const uint64_t *blocks;
    size_t block_lo;                   /* first element of the expanded block */
    uint64_t pre[DC_BLOCK_SIZE + 1];   /* pre[i] = S(block_lo + i) - S(block_lo) */
} tol_masses;

static dc_result masses_init(dc_coder *c, tol_masses *m, const void *dist, int dtype, size_t n)
{
    const size_t blocks = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    dc_result r = dc_blocks_reserve(c, blocks);
    if (r != DC_OK)
        return r;
    m->dist = dist;
    m->dtype = dtype;
    m->n = n;
    m->blocks = c->blocks;
    m->block_lo = SIZE_MAX;
    m->k = 32;
    int max_exp;
    if (!dc_kernels_active()->blocks32[dtype](dist, n, c->blocks)) {
        /* An element >= 1, -0.0 or an invalid value: the scan refuses or gives the scale. */
        r = dc_scan_max_exponent(dist, dtype, n, &max_exp);
        if (r != DC_OK)
            return r;
        m->k = max_exp < 0 ? 32 : 31 - max_exp;
        dc_blocks_scaled(dist, dtype, n, m->k, c->blocks);
    } else if (c->blocks[blocks - 1] == 0) {
        /* Every element is below 2^-32: refuse an all-zero step, otherwise keep k = 32. */
        r = dc_scan_max_exponent(dist, dtype, n, &max_exp);
        if (r != DC_OK)
            return r;
    }
    return DC_OK;
}

/* S(i) = u_0 + ... + u_(i-1), for i at a block boundary, n, or inside the expanded block. */
static uint64_t prefix(const tol_masses *m, size_t i)
{
    if (i == m->n)
        return m->blocks[(m->n - 1) / DC_BLOCK_SIZE];
    if (i % DC_BLOCK_SIZE == 0)
        return i == 0 ? 0 : m->blocks[i / DC_BLOCK_SIZE - 1];
    const size_t b = m->block_lo;
    return (b == 0 ? 0 : m->blocks[b / DC_BLOCK_SIZE - 1]) + m->pre[i - b];
}

static void expand_block(tol_masses *m, size_t lo)
{
    const size_t b = lo - lo % DC_BLOCK_SIZE;
    const size_t end = m->n - b < DC_BLOCK_SIZE ? m->n : b + DC_BLOCK_SIZE;
    const unsigned char *p = (const unsigned char *)m->dist;
    uint64_t s = 0, *pre = m->pre + 1; /* pre[i - b] = S(i + 1) - S(b) */
    m->pre[0] = 0;
    m->block_lo = b;
    if (m->k != 32) {
        for (size_t i = b; i < end; i++)
            pre[i - b] = s += dc_quantize_one(m->dist, m->dtype, i, m->k);
        return;
    }
    /* k = 32: every element is in [+0, 1) (or -0.0); the inline exact conversions */
    switch (m->dtype) {
    case DC_DTYPE_F32:
        for (size_t i = b; i < end; i++) {
            uint32_t v;
            memcpy(&v, p + 4 * i, 4);
            pre[i - b] = s += dc_u32_f32(v & 0x7fffffffu);
        }
        break;
    case DC_DTYPE_F64:
        for (size_t i = b; i < end; i++) {
            uint64_t v;
            memcpy(&v, p + 8 * i, 8);
            pre[i - b] = s += dc_u32_f64(v & 0x7fffffffffffffffu);
        }
        break;
    case DC_DTYPE_F16:
        for (size_t i = b; i < end; i++) {
            uint16_t v;
            memcpy(&v, p + 2 * i, 2);
            pre[i - b] = s += dc_u32_f16(v);
        }
        break;
    default:
        for (size_t i = b; i < end; i++) {
            uint16_t v;
            memcpy(&v, p + 2 * i, 2);
            pre[i - b] = s += dc_u32_bf16(v & 0x7fffu);
        }
        break;
    }
}

/* ---- the grid ---- */

/* x * a >= y * b for x, y < 2^63 and a, b < 2^32, exactly: compare the 95-bit products as
   (high part, low 32 bits). */
static int product_ge(uint64_t x, uint64_t a, uint64_t y, uint64_t b)
{
    const uint64_t px = (x & 0xFFFFFFFFu) * a, py = (y & 0xFFFFFFFFu) * b;
    const uint64_t hx = (x >> 32) * a + (px >> 32), hy = (y >> 32) * b + (py >> 32);
    return hx != hy ? hx > hy : (px & 0xFFFFFFFFu) >= (py & 0xFFFFFFFFu);
}

/* The cell of masses (x, y): the number of thresholds T with x / (x + y) >= T / 2^32.
   The condition holds for a prefix of the increasing thresholds. */
static unsigned cell(const uint32_t *t, unsigned count, uint64_t x, uint64_t y)
{
    unsigned lo = 0, hi = count;
    while (lo < hi) {
        const unsigned mid = lo + (hi - lo) / 2;
        if (product_ge(x, ((uint64_t)1 << 32) - t[mid], y, t[mid]))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The grid class of a tolerance: the cell width grows with tau (FORMAT.md lists the
   ranges). */
/* The grid class of a tolerance q = tau * 2^32: class c is used for q up to upper[c]
   (tau up to 1e-5, 2e-5, 5e-5, 2e-4; above: the last class). */
static int class_of(uint32_t q)
{
    static const uint32_t upper[DC_TOL_CLASSES - 1] = {42950u, 85900u, 214748u, 858994u};
    int c = 0;
    while (c < DC_TOL_CLASSES - 1 && q > upper[c])
        c++;
    return c;
}

/* ceil(v * q / 2^32) for v < 2^63, q < 2^26, exactly. */
static uint64_t scale_up(uint64_t v, uint64_t q)
{
    return (v >> 32) * q + (((v & 0xFFFFFFFFu) * q + 0xFFFFFFFFu) >> 32);
}

/* Bounds of the mass any decoder within the tolerance can compute for a subtree of
   `count` elements whose mass here is m, in this step's units: its elements are within
   (1 +- tau) of ours, each floor loses under one unit of its scale, and its scale is at
   most one binary order coarser (coarser = 1; FORMAT.md). */
static void mass_bounds(uint64_t m, uint64_t count, uint64_t q, int coarser, uint64_t *lo,
                        uint64_t *hi)
{
    const uint64_t down = m - scale_up(m, q), floor_loss = count << coarser;
    *lo = down > floor_loss ? down - floor_loss : 0;
    *hi = m + count + scale_up(m + count, q);
}

/* Finer bounds for a decision the bounds above leave uncertain, at 2^REFINE_BITS times this
   step's units (sums stay below 2^63): a side whose floor term dominates its tau term is
   re-read element by element at scale 2^(k + REFINE_BITS); the upper bound then loses
   2^-REFINE_BITS of a unit per element instead of one, and the lower bound counts each
   element's own floor loss, max(0, (1 - tau) p_i - F). The encoder's choice only: a
   decoder never computes bounds. */
#define REFINE_BITS 6

static void refined_bounds(const tol_masses *m, size_t lo, size_t hi, uint64_t mass, uint64_t q,
                           int coarser, uint64_t *blo, uint64_t *bhi)
{
    const uint64_t count = hi - lo;
    if ((count << coarser) <= scale_up(mass, q)) { /* tau dominates: scale the plain bounds */
        mass_bounds(mass, count, q, coarser, blo, bhi);
        *blo <<= REFINE_BITS;
        *bhi <<= REFINE_BITS;
        return;
    }
    const uint64_t floor_loss = (uint64_t)1 << (coarser + REFINE_BITS);
    uint64_t sum = 0, low = 0;
    for (size_t i = lo; i < hi; i++) {
        const uint64_t v = dc_quantize_one(m->dist, m->dtype, i, m->k + REFINE_BITS);
        const uint64_t down = v - scale_up(v, q);
        sum += v;
        low += down > floor_loss ? down - floor_loss : 0;
    }
    *blo = low;
    *bhi = sum + count + scale_up(sum + count, q);
}

/* ---- flag models ---- */

static void models_init(dc_tol_models *m)
{
    for (int d = 0; d < DC_TOL_DEPTHS; d++) {
        m->n0[d] = FLAG_PRIOR;
        m->n1[d] = 0;
    }
}

/* Krichevsky-Trofimov estimate: flag 1 has frequency 2 n1 + 1 of 2 (n0 + n1) + 2. */
static uint64_t flag_total(const dc_tol_models *m, int d)
{
    return 2 * ((uint64_t)m->n0[d] + m->n1[d]) + 2;
}

static void flag_update(dc_tol_models *m, int d, int flag)
{
    if (flag)
        m->n1[d]++;
    else
        m->n0[d]++;
    if (m->n0[d] + m->n1[d] >= FLAG_LIMIT) {
        m->n0[d] = (m->n0[d] + 1) / 2;
        m->n1[d] = (m->n1[d] + 1) / 2;
    }
}

/* ---- the walk down the tree ---- */

/* Node [lo, hi) with hi - lo >= 2 splits at lo + 2^(ceil(log2(hi - lo)) - 1). */
static size_t split_of(size_t lo, size_t hi)
{
    size_t half = 1;
    while (2 * half < hi - lo)
        half *= 2;
    return lo + half;
}

static const uint32_t *class_thresholds(int cls, unsigned *count)
{
    *count = dc_tol_class[cls].t_count;
    return dc_tol_thresholds + dc_tol_class[cls].t_offset;
}

static dc_result tol_encode_step(dc_coder *c, const void *dist, int dtype, size_t n, size_t sym)
{
    tol_masses m;
    dc_result r = masses_init(c, &m, dist, dtype, n);
    if (r != DC_OK)
        return r;
    /* At most 2 codings per depth, each shifting out at most 4 bytes. */
    r = dc_out_reserve(c, c->st.tenc.rc.pending + 8 * DC_TOL_DEPTHS + 16);
    if (r != DC_OK)
        return r;
    const uint64_t q = c->tolerance_q;
    /* A decoder's scale can be coarser than ours only if one of its elements reaches 1;
       at k = 32 that needs one of ours at 1 / (1 + tau) > 1 - 2^-6, which a block sum
       below 2^32 - 2^26 rules out. */
    int coarser = m.k < 32;
    for (size_t b = 0; !coarser && b < (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE; b++)
        coarser = m.blocks[b] - (b ? m.blocks[b - 1] : 0) >=
                  ((uint64_t)1 << 32) - ((uint64_t)1 << 26);
    const int cls = class_of(c->tolerance_q);
    unsigned nt;
    const uint32_t *t = class_thresholds(cls, &nt);
    const uint32_t *points = dc_tol_points + dc_tol_class[cls].p_offset;
    dc_tol_models *models = &c->st.tenc.m;
    size_t lo = 0, hi = n;
    for (int depth = 0; hi - lo > 1; depth++) {
        const size_t mid = split_of(lo, hi);
        if (hi - lo <= DC_BLOCK_SIZE && m.block_lo == SIZE_MAX)
            expand_block(&m, lo);
        const uint64_t s_lo = prefix(&m, lo), s_mid = prefix(&m, mid), s_hi = prefix(&m, hi);
        uint64_t xlo, xhi, ylo, yhi;
        mass_bounds(s_mid - s_lo, mid - lo, q, coarser, &xlo, &xhi);
        mass_bounds(s_hi - s_mid, hi - mid, q, coarser, &ylo, &yhi);
        unsigned j = cell(t, nt, xlo, yhi);
        int escape = j != cell(t, nt, xhi, ylo);
        if (escape) {
            refined_bounds(&m, lo, mid, s_mid - s_lo, q, coarser, &xlo, &xhi);
            refined_bounds(&m, mid, hi, s_hi - s_mid, q, coarser, &ylo, &yhi);
            j = cell(t, nt, xlo, yhi);
            escape = j != cell(t, nt, xhi, ylo);
        }
        const uint64_t ft = flag_total(models, depth), f1 = 2 * (uint64_t)models->n1[depth] + 1;
        dc_range_encode_interval(c, escape ? ft - f1 : 0, escape ? f1 : ft - f1, ft);
        flag_update(models, depth, escape);
        const int right = sym >= mid;
        if (escape) {
            dc_range_encode_interval(c, (uint64_t)right, 1, 2);
        } else {
            const uint64_t p = points[j];
            dc_range_encode_interval(c, right ? p : 0, right ? PROB_TOTAL - p : p, PROB_TOTAL);
        }
        if (right)
            lo = mid;
        else
            hi = mid;
    }
    return DC_OK;
}

/* Decode one binary event with frequencies f0 (bit 0) and total - f0 (bit 1). */
static dc_result decode_bit(dc_coder *c, uint64_t f0, uint64_t total, int *bit)
{
    dc_range_decoder *d = &c->st.tdec.rc;
    const uint64_t r = d->range / total;
    const uint64_t v = d->code / r;
    if (v >= total)
        return DC_ERR_CORRUPT_STREAM;
    *bit = v >= f0;
    d->code -= *bit ? r * f0 : 0;
    d->range = r * (*bit ? total - f0 : f0);
    while (d->range < ((uint64_t)1 << 56)) {
        d->code = (d->code << 8) | dc_in_byte(c);
        d->range <<= 8;
    }
    return DC_OK;
}

static dc_result tol_decode_step(dc_coder *c, const void *dist, int dtype, size_t n, size_t *sym)
{
    tol_masses m;
    dc_result r = masses_init(c, &m, dist, dtype, n);
    if (r != DC_OK)
        return r;
    const dc_tol_decoder saved = c->st.tdec;
    const size_t saved_pos = c->in_pos;
    const int cls = class_of(c->tolerance_q);
    unsigned nt;
    const uint32_t *t = class_thresholds(cls, &nt);
    const uint32_t *points = dc_tol_points + dc_tol_class[cls].p_offset;
    dc_tol_models *models = &c->st.tdec.m;
    size_t lo = 0, hi = n;
    for (int depth = 0; hi - lo > 1; depth++) {
        const size_t mid = split_of(lo, hi);
        if (hi - lo <= DC_BLOCK_SIZE && m.block_lo == SIZE_MAX)
            expand_block(&m, lo);
        const uint64_t ft = flag_total(models, depth), f1 = 2 * (uint64_t)models->n1[depth] + 1;
        int escape, right;
        r = decode_bit(c, ft - f1, ft, &escape);
        if (r == DC_OK) {
            flag_update(models, depth, escape);
            if (escape) {
                r = decode_bit(c, 1, 2, &right);
            } else {
                const uint64_t s_lo = prefix(&m, lo), s_mid = prefix(&m, mid);
                const uint64_t s_hi = prefix(&m, hi);
                r = decode_bit(c, points[cell(t, nt, s_mid - s_lo, s_hi - s_mid)],
                               PROB_TOTAL, &right);
            }
        }
        if (r != DC_OK) {
            c->st.tdec = saved;
            c->in_pos = saved_pos;
            return r;
        }
        if (right)
            lo = mid;
        else
            hi = mid;
    }
    *sym = lo;
    return DC_OK;
}

static void tol_begin(dc_coder *c)
{
    dc_default_format_ops.begin(c);
    models_init(&c->st.tenc.m);
}

static void tol_start(dc_coder *c)
{
    dc_default_format_ops.start(c);
    models_init(&c->st.tdec.m);
}

static dc_result tol_finish(dc_coder *c)
{
    return dc_default_format_ops.finish(c);
}

const dc_format_ops dc_tolerant_format_ops = {
    tol_begin, tol_encode_step, tol_finish, tol_start, tol_decode_step,
    NULL, /* dc_frequencies describes the exact mode only */
};
