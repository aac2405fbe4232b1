/* test_kernels.c - every kernel set this build can run here returns exactly what the
 * scalar reference returns: the return flag, the sums and the block sums, on every f16
 * and bf16 bit pattern, random f32/f64 bits, edge values and every range length up to
 * 600 at misaligned starts. Also checks the reference itself against an independent
 * computation (long double multiply and floor) on values where that is exact. */
#include <float.h>
#include <stdint.h>

#include "dtype.h"
#include "kernels/common.h"
#include "kernels/kernels.h"
#include "quantize.h"
#include "test_util.h"

#define MAX_N 4096
#define MAX_BLOCKS (MAX_N / DC_BLOCK_SIZE + 1)

static const size_t esize[4] = {4, 8, 2, 2};

/* Compare one kernel set against the reference on dist[0..n) (bytes at buf). */
static void compare_range(const dc_kernels *k, int dtype, const void *dist, size_t begin,
                          size_t end, const char *what)
{
    uint64_t want = 0xdead, got = 0xbeef;
    const int rw = dc_kernels_scalar.sum32[dtype](dist, begin, end, &want);
    const int rg = k->sum32[dtype](dist, begin, end, &got);
    if (rw != rg || (rw && want != got)) {
        fprintf(stderr, "%s %s sum32 [%zu,%zu) %s: ref %d/%llu got %d/%llu\n", k->name,
                dtype_names[dtype], begin, end, what, rw, (unsigned long long)want, rg,
                (unsigned long long)got);
        test_failures++;
    }
}

static void compare_blocks(const dc_kernels *k, int dtype, const void *dist, size_t n,
                           const char *what)
{
    uint64_t want[MAX_BLOCKS], got[MAX_BLOCKS];
    const size_t nb = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    for (size_t j = 0; j < MAX_BLOCKS; j++)
        want[j] = got[j] = 0;
    const int rw = dc_kernels_scalar.blocks32[dtype](dist, n, want);
    const int rg = k->blocks32[dtype](dist, n, got);
    int same = rw == rg;
    for (size_t j = 0; same && rw && j < nb; j++)
        same = want[j] == got[j];
    if (!same) {
        fprintf(stderr, "%s %s blocks32 n=%zu %s: ref %d got %d\n", k->name,
                dtype_names[dtype], n, what, rw, rg);
        test_failures++;
    }
}

/* ---- general-scale kernels (sumk, blocksk) against their scalar reference ---- */

/* Every u_i of [begin, end) at scale k is below 2^32 (the sums are defined). */
static int sums_defined(int dtype, const void *dist, size_t begin, size_t end, int k)
{
    static const uint32_t inf_key[4] = {0x7f800000u, 0x7ff00000u, 0x7c00u, 0x7f80u};
    dc_scan_info info = {0, 0, 0};
    for (size_t i = begin; i < end; i++) {
        if (dc_scaled_one(dist, dtype, i, k) >= ((uint64_t)1 << 32))
            return 0;
        uint64_t b = 0;
        memcpy(&b, (const unsigned char *)dist + esize[dtype] * i, esize[dtype]);
        dc_scaled_scan_bits(b, dtype, &info); /* little-endian hosts and wasm */
    }
    return info.key < inf_key[dtype];
}

static int same_info(const dc_scan_info *a, const dc_scan_info *b)
{
    return a->key == b->key && !a->sign == !b->sign && !a->neg == !b->neg;
}

static void compare_scaled_range(const dc_kernels *ks, int dtype, const void *dist,
                                 size_t begin, size_t end, int k, const char *what)
{
    dc_scan_info wi = {0, 0, 0}, gi = {0, 0, 0};
    uint64_t want = 5, got = 5; /* the kernels add to *sum */
    dc_kernels_scalar.sumk[dtype](dist, begin, end, k, &want, &wi);
    ks->sumk[dtype](dist, begin, end, k, &got, &gi);
    if (!same_info(&wi, &gi) || (want != got && sums_defined(dtype, dist, begin, end, k))) {
        fprintf(stderr, "%s %s sumk k=%d [%zu,%zu) %s: ref %llu key %x sign %u neg %u, got "
                "%llu key %x sign %u neg %u\n", ks->name, dtype_names[dtype], k, begin, end,
                what, (unsigned long long)want, wi.key, wi.sign, wi.neg,
                (unsigned long long)got, gi.key, gi.sign, gi.neg);
        test_failures++;
    }
}

static void compare_scaled_blocks(const dc_kernels *ks, int dtype, const void *dist,
                                  size_t n, int k, const char *what)
{
    uint64_t want[MAX_BLOCKS], got[MAX_BLOCKS];
    const size_t nb = (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE;
    dc_scan_info wi = {0, 0, 0}, gi = {0, 0, 0};
    for (size_t j = 0; j < MAX_BLOCKS; j++)
        want[j] = got[j] = 0;
    dc_kernels_scalar.blocksk[dtype](dist, n, k, want, &wi);
    ks->blocksk[dtype](dist, n, k, got, &gi);
    int same = same_info(&wi, &gi);
    if (same && sums_defined(dtype, dist, 0, n, k))
        for (size_t j = 0; j < nb; j++)
            same &= want[j] == got[j];
    if (!same) {
        fprintf(stderr, "%s %s blocksk k=%d n=%zu %s\n", ks->name, dtype_names[dtype], k, n,
                what);
        test_failures++;
    }
}

/* The scales worth comparing at: the K the rule gives here (where every sum is defined)
   and its neighbours, the fast scale, and the edges of the SIMD kernels' ranges. */
static size_t scales_for(int dtype, const void *dist, size_t n, int *ks)
{
    dc_scan_info info = {0, 0, 0};
    uint64_t q = 0;
    dc_kernels_scalar.sumk[dtype](dist, 0, n, 32, &q, &info);
    size_t c = 0;
    ks[c++] = 32;
    ks[c++] = 31;
    int k;
    const int v = dc_scaled_choose_k(dtype, &info, 32, q, n, &k);
    if (v == DC_SCALED_RETRY || v == DC_SCALED_NEED_Q32) {
        ks[c++] = k;
        ks[c++] = k - 1;
        ks[c++] = k + 1;
    }
    static const int edges[] = {-1001, -1000, -100, -99, 0, 55, 100, 101, 126, 127, 1022, 1023};
    static unsigned turn;
    ks[c++] = edges[turn++ % (sizeof edges / sizeof edges[0])];
    return c;
}

static void compare_scaled_all(int dtype, const void *dist, size_t n, const char *what)
{
    int ks[8];
    const size_t nk = scales_for(dtype, dist, n, ks);
    for (const dc_kernels *const *s = dc_kernels_available(); *s; s++) {
        if (*s == &dc_kernels_scalar)
            continue;
        for (size_t j = 0; j < nk; j++) {
            compare_scaled_range(*s, dtype, dist, 0, n, ks[j], what);
            compare_scaled_blocks(*s, dtype, dist, n, ks[j], what);
            if (n > 3) {
                compare_scaled_range(*s, dtype, dist, 1, n - 1, ks[j], what);
                compare_scaled_range(*s, dtype, dist, n / 3, n, ks[j], what);
            }
        }
    }
}

/* Whole buffer, both entry points, plus a few sub-ranges. */
static void compare_all(int dtype, const void *dist, size_t n, const char *what)
{
    compare_scaled_all(dtype, dist, n, what);
    for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
        compare_range(*k, dtype, dist, 0, n, what);
        compare_blocks(*k, dtype, dist, n, what);
        if (n > 3) {
            compare_range(*k, dtype, dist, 1, n - 1, what);
            compare_range(*k, dtype, dist, n / 3, n, what);
            compare_range(*k, dtype, dist, 0, n / 2 + 1, what);
        }
    }
}

static void put_bits(int dtype, void *buf, size_t i, uint64_t bits)
{
    unsigned char *p = (unsigned char *)buf + esize[dtype] * i;
    switch (dtype) {
    case DC_DTYPE_F32: { const uint32_t b = (uint32_t)bits; memcpy(p, &b, 4); break; }
    case DC_DTYPE_F64: memcpy(p, &bits, 8); break;
    default: { const uint16_t b = (uint16_t)bits; memcpy(p, &b, 2); break; }
    }
}

/* Every 16-bit pattern, 4096 at a time: in-range chunks, and the same chunks with each
   out-of-range pattern planted at each block position class. */
static void test_all_16bit(int dtype)
{
    static uint16_t buf[MAX_N];
    const uint32_t one = dtype == DC_DTYPE_F16 ? DC_ONE_F16 : DC_ONE_BF16;
    for (uint32_t base = 0; base < 65536; base += MAX_N) {
        for (size_t i = 0; i < MAX_N; i++)
            buf[i] = (uint16_t)(base + i);
        compare_all(dtype, buf, MAX_N, "all patterns");
        /* each pattern alone next to small values: the fast paths see it */
        for (size_t i = 0; i < MAX_N; i += 1) {
            uint16_t small[40];
            for (size_t j = 0; j < 40; j++)
                small[j] = (uint16_t)(j * 37 % 0x1800);
            small[i % 40] = buf[i];
            compare_scaled_all(dtype, small, 40, "pattern among small");
            for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
                compare_range(*k, dtype, small, 0, 40, "pattern among small");
                if (i % 64 == 0)
                    compare_blocks(*k, dtype, small, 40, "pattern among small");
            }
        }
        /* in-range patterns of this chunk, wrapped into [0, one) */
        for (size_t i = 0; i < MAX_N; i++)
            buf[i] = (uint16_t)((base + i) % one);
        compare_all(dtype, buf, MAX_N, "in-range patterns");
    }
}

/* One element of a value that fails the [+0, 1) check, at every position of a range. */
static void test_bad_values(int dtype)
{
    static const double bad[] = {1.0, 1.5, 2.0, 1e300 * 1e300, -1.0, -1e-30};
    const uint64_t neg_zero[4] = {0x80000000u, 0x8000000000000000u, 0x8000u, 0x8000u};
    const uint64_t nan[4] = {0x7fc00000u, 0x7ff8000000000000u, 0x7e00u, 0x7fc0u};
    unsigned char buf[600 * 8];
    double vals[600];
    for (size_t i = 0; i < 600; i++)
        vals[i] = 1.0 / 1024.0;
    for (size_t b = 0; b < sizeof bad / sizeof bad[0] + 2; b++) {
        for (size_t pos = 0; pos < 600; pos += 7) {
            store_as(dtype, buf, vals, 600);
            if (b < sizeof bad / sizeof bad[0]) {
                double one = bad[b];
                store_as(dtype, (unsigned char *)buf + esize[dtype] * pos, &one, 1);
            } else {
                put_bits(dtype, buf, pos, b == sizeof bad / sizeof bad[0] ? neg_zero[dtype]
                                                                         : nan[dtype]);
            }
            compare_all(dtype, buf, 600, "bad value");
            for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
                uint64_t s;
                CHECK(k[0]->sum32[dtype](buf, 0, 600, &s) == 0);
                CHECK(k[0]->sum32[dtype](buf, pos, pos + 1, &s) == 0);
            }
        }
    }
}

/* Random bit patterns below 1.0 (all exponents), and near-1 and near-2^-32 values. */
static void test_random_bits(int dtype, test_rng *r)
{
    static unsigned char buf[MAX_N * 8];
    for (int round = 0; round < 200; round++) {
        const size_t n = 1 + (size_t)(rng_next(r) % MAX_N);
        const int mode = round % 5;
        for (size_t i = 0; i < n; i++) {
            uint64_t bits = rng_next(r);
            switch (dtype) {
            case DC_DTYPE_F32: bits %= DC_ONE_F32; break;
            case DC_DTYPE_F64: bits %= DC_ONE_F64; break;
            case DC_DTYPE_F16: bits %= DC_ONE_F16; break;
            default: bits %= DC_ONE_BF16; break;
            }
            if (mode == 1) { /* small exponents: subnormals and tiny normals */
                const unsigned mb = dtype == DC_DTYPE_F32 ? 23 : dtype == DC_DTYPE_F64 ? 52
                                  : dtype == DC_DTYPE_F16 ? 10 : 7;
                bits &= ((uint64_t)1 << (mb + 2)) - 1;
            }
            if (mode == 2) { /* values around 2^-32 */
                const double v = ldexp(1.0 + rng_uniform(r), -33 - (int)(rng_next(r) % 3));
                store_as(dtype, buf + esize[dtype] * i, &v, 1);
                continue;
            }
            if (mode == 3 && rng_next(r) % 2) { /* largest values below 1 */
                const uint64_t one = dtype == DC_DTYPE_F32 ? DC_ONE_F32
                                   : dtype == DC_DTYPE_F64 ? DC_ONE_F64
                                   : dtype == DC_DTYPE_F16 ? DC_ONE_F16 : DC_ONE_BF16;
                bits = one - 1 - rng_next(r) % 4;
            }
            if (mode == 4) { /* typical softmax magnitudes, mostly below the fast limits */
                const double v = ldexp(rng_uniform(r), -(int)(rng_next(r) % 24));
                store_as(dtype, buf + esize[dtype] * i, &v, 1);
                continue;
            }
            put_bits(dtype, buf, i, bits);
        }
        compare_all(dtype, buf, n, "random bits");
    }
}

/* Every length 0..600 at starts 0..17, on a softmax and on exact zeros / -0.0. */
static void test_lengths(int dtype, test_rng *r)
{
    static unsigned char buf[700 * 8];
    double p[700];
    make_softmax(r, p, 700, 2.0);
    p[5] = 0.0;
    p[300] = 0.75;
    store_as(dtype, buf, p, 700);
    for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
        for (size_t start = 0; start < 18; start++) {
            for (size_t len = 0; len <= 600; len++)
                compare_range(*k, dtype, buf, start, start + len, "lengths");
            for (size_t len = 1; len <= 600; len += start + 1)
                compare_blocks(*k, dtype, buf + esize[dtype] * start, len, "lengths");
        }
    }
    /* general scale: the softmax at its own K, times 2^20 (a 1.0-sized element), and
       times 8 (the largest element 6: f16 at K = 29 with elements >= 2) */
    for (int scaled = 0; scaled < 3; scaled++) {
        if (scaled) {
            for (size_t i = 0; i < 700; i++)
                p[i] *= scaled == 2 ? (dtype == DC_DTYPE_F16 ? 1.0 / 128 : 1.0 / 131072)
                        : dtype == DC_DTYPE_F16 ? 1024.0
                                                : 1048576.0;
            p[17] = -0.0;
            store_as(dtype, buf, p, 700);
        }
        int ks[8];
        const size_t nk = scales_for(dtype, buf, 700, ks);
        for (const dc_kernels *const *s = dc_kernels_available(); *s; s++) {
            if (*s == &dc_kernels_scalar)
                continue;
            for (size_t j = 0; j < nk; j++)
                for (size_t start = 0; start < 18; start++) {
                    for (size_t len = 0; len <= 600; len++)
                        compare_scaled_range(*s, dtype, buf, start, start + len, ks[j],
                                             "lengths");
                    for (size_t len = 1; len <= 600; len += start + 1)
                        compare_scaled_blocks(*s, dtype, buf + esize[dtype] * start, len,
                                              ks[j], "lengths");
                }
        }
    }
}

/* Exact 1.0, all zeros, subnormal-only, a single nonzero element. */
static void test_edges(int dtype)
{
    static unsigned char buf[1000 * 8];
    double v[1000];
    for (size_t i = 0; i < 1000; i++)
        v[i] = 0.0;
    store_as(dtype, buf, v, 1000);
    compare_all(dtype, buf, 1000, "zeros");
    for (const dc_kernels *const *k = dc_kernels_available(); *k; k++) {
        uint64_t s = 1;
        CHECK(k[0]->sum32[dtype](buf, 0, 1000, &s) == 1 && s == 0);
        CHECK(k[0]->sum32[dtype](buf, 10, 10, &s) == 1 && s == 0);
    }
    v[999] = 1.0;
    store_as(dtype, buf, v, 1000);
    compare_all(dtype, buf, 1000, "one at the end");
    /* smallest subnormals and the largest subnormal of the dtype, everywhere */
    for (size_t i = 0; i < 1000; i++) {
        const uint64_t sub = i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : (dtype == DC_DTYPE_F16 ? 0x3ff
                            : dtype == DC_DTYPE_BF16 ? 0x7f : dtype == DC_DTYPE_F32 ? 0x7fffff
                            : 0xfffffffffffffu);
        put_bits(dtype, buf, i, sub);
    }
    compare_all(dtype, buf, 1000, "subnormals");
    /* -0.0 everywhere fails the check */
    for (size_t i = 0; i < 1000; i++)
        put_bits(dtype, buf, i, dtype == DC_DTYPE_F64 ? 0x8000000000000000u
                                : dtype == DC_DTYPE_F32 ? 0x80000000u : 0x8000u);
    compare_all(dtype, buf, 1000, "-0.0");
    /* the negative value nearest to -0.0 (f64: its high half looks like -0.0's) */
    for (size_t pos = 0; pos < 1000; pos += 97) {
        put_bits(dtype, buf, pos, dtype == DC_DTYPE_F64 ? 0x8000000000000001u
                                  : dtype == DC_DTYPE_F32 ? 0x80000001u : 0x8001u);
        compare_all(dtype, buf, 1000, "smallest negative");
        for (const dc_kernels *const *s = dc_kernels_available(); *s; s++) {
            dc_scan_info info = {0, 0, 0};
            uint64_t sum = 0;
            s[0]->sumk[dtype](buf, 0, 1000, 31, &sum, &info);
            CHECK(info.neg != 0 && info.sign != 0);
        }
        put_bits(dtype, buf, pos, dtype == DC_DTYPE_F64 ? 0x8000000000000000u
                                  : dtype == DC_DTYPE_F32 ? 0x80000000u : 0x8000u);
    }
}

/* Every element equal, for every exponent below 1.0 and five mantissas: lane sums that
   come close to 2^32 in a fast path, and conversions at the edges of their range. */
static void test_constant_fills(int dtype)
{
    static unsigned char buf[520 * 8];
    const unsigned mb = dtype == DC_DTYPE_F32 ? 23 : dtype == DC_DTYPE_F64 ? 52
                      : dtype == DC_DTYPE_F16 ? 10 : 7;
    const uint64_t one = dtype == DC_DTYPE_F32 ? DC_ONE_F32 : dtype == DC_DTYPE_F64 ? DC_ONE_F64
                       : dtype == DC_DTYPE_F16 ? DC_ONE_F16 : DC_ONE_BF16;
    const uint64_t mmax = ((uint64_t)1 << mb) - 1;
    const uint64_t mants[5] = {0, 1, mmax >> (mb / 2), mmax / 2, mmax};
    for (uint64_t e = 0; (e << mb) < one; e++) {
        for (int j = 0; j < 5; j++) {
            for (size_t i = 0; i < 520; i++)
                put_bits(dtype, buf, i, (e << mb) | mants[j]);
            compare_all(dtype, buf, 520, "constant fill");
            compare_all(dtype, buf, 256, "constant fill");
        }
    }
}

/* The reference against long double arithmetic (exact here: a 64-bit mantissa holds
   every f32/f16/bf16 value times 2^32 below 2^32, and floorl is exact). */
static void test_reference_independent(test_rng *r)
{
    if (LDBL_MANT_DIG < 64)
        return;
    for (int i = 0; i < 100000; i++) {
        const uint32_t b = (uint32_t)(rng_next(r) % DC_ONE_F32);
        float f;
        memcpy(&f, &b, 4);
        const long double want = floorl((long double)f * 4294967296.0L);
        CHECK(dc_quantize_one(&b, DC_DTYPE_F32, 0, 32) == (uint64_t)want);
    }
    for (uint32_t h = 0; h < DC_ONE_F16; h++) {
        const uint16_t hb = (uint16_t)h;
        /* f16 value: subnormal m * 2^-24, normal (1024 + m) * 2^(e - 25) */
        const uint32_t e = h >> 10, m = h & 0x3ff;
        const long double v = e == 0 ? ldexpl((long double)m, -24)
                                     : ldexpl((long double)(1024 + m), (int)e - 25);
        CHECK(dc_quantize_one(&hb, DC_DTYPE_F16, 0, 32) == (uint64_t)floorl(v * 4294967296.0L));
    }
}

/* The inline per-element quantizers (the decoder's scan) against the reference, on every
   16-bit pattern below 1.0, random f32/f64 bits below 1.0, and -0.0. */
static void test_inline_quantizers(test_rng *r)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        const uint16_t b = (uint16_t)h;
        if (h < DC_ONE_F16 || h == 0x8000)
            CHECK(dc_u32_f16(h) == dc_quantize_one(&b, DC_DTYPE_F16, 0, 32));
        if (h < DC_ONE_BF16 || h == 0x8000)
            CHECK(dc_u32_bf16(h) == dc_quantize_one(&b, DC_DTYPE_BF16, 0, 32));
    }
    for (int i = 0; i < 200000; i++) {
        const uint32_t b = i == 0 ? 0x80000000u : (uint32_t)(rng_next(r) % DC_ONE_F32);
        const uint64_t d = i == 0 ? 0x8000000000000000u : rng_next(r) % DC_ONE_F64;
        CHECK(dc_u32_f32(b) == dc_quantize_one(&b, DC_DTYPE_F32, 0, 32));
        CHECK(dc_u32_f64(d) == dc_quantize_one(&d, DC_DTYPE_F64, 0, 32));
    }
}

int main(void)
{
    test_rng r = {12345};
    const dc_kernels *const *avail = dc_kernels_available();
    printf("kernel sets:");
    for (const dc_kernels *const *k = avail; *k; k++)
        printf(" %s", (*k)->name);
    printf(" (active: %s)\n", dc_kernels_active()->name);
    CHECK(avail[0] == dc_kernels_active());
    test_reference_independent(&r);
    test_inline_quantizers(&r);
    test_all_16bit(DC_DTYPE_F16);
    test_all_16bit(DC_DTYPE_BF16);
    for (int dtype = 0; dtype < 4; dtype++) {
        test_bad_values(dtype);
        test_random_bits(dtype, &r);
        test_lengths(dtype, &r);
        test_edges(dtype);
        test_constant_fills(dtype);
    }
    return test_finish("test_kernels");
}
