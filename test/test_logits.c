/* test_logits.c - logits coders (docs/FORMAT.md section 6): option checks, bad values,
 * round trips of every dtype and temperature, the weights against a reimplementation of the
 * spec written here from the text, shift invariance, and the framed container version 3. */
#include "logits.h"
#include "test_util.h"

/* ---- the spec, reimplemented (section 6) with other means where they are exact ---- */

static const uint64_t SPEC_LOG2E = 0xB8AA3B295C17F0BBull; /* floor(log2(e) * 2^63) */
/* C4, C3 (Q19), C2 (Q17), C1 (Q15) of section 6.4 */
static const uint64_t SPEC_C4 = 7105, SPEC_C3 = 27279, SPEC_C2 = 31638, SPEC_C1 = 22710;

/* z = trunc(x * 2^16) clamped to [-2^30, 2^30]: in double arithmetic, which is exact for
   every dtype here (x * 65536 is a power-of-two scaling; the cast truncates). */
static int64_t spec_z(double x)
{
    if (x >= 16384.0)
        return (int64_t)1 << 30;
    if (x <= -16384.0)
        return -((int64_t)1 << 30);
    return (int64_t)(x * 65536.0);
}

/* Multiplies a 64-bit by a 64-bit value into 4 limbs of 32 bits (little end first). */
static void mul64(uint64_t a, uint64_t b, uint32_t out[4])
{
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    out[0] = (uint32_t)ll;
    out[1] = (uint32_t)mid;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    out[2] = (uint32_t)hi;
    out[3] = (uint32_t)(hi >> 32);
}

/* Checks the spec's property of c: c in [2^15, 2^16) and c = floor(L * 2^k / m) for T =
   m * 2^e, i.e. c * m <= L * 2^k < (c + 1) * m, done with limbs, where sh = 63 + e + k. */
static int spec_check_c(double temperature, uint32_t c, int sh)
{
    uint64_t bits;
    memcpy(&bits, &temperature, 8);
    uint64_t m = bits & 0xfffffffffffffull;
    int e = -1074;
    if (bits >> 52) {
        m |= (uint64_t)1 << 52;
        e = (int)(bits >> 52) - 1075;
    }
    const int k = sh - 63 - e;
    if (c < 0x8000u || c >= 0x10000u)
        return 0;
    /* compare c * m and (c + 1) * m with L * 2^k (as 128-bit limbs, shifted when k < 0) */
    uint32_t lo[4], hi[4], l[4];
    mul64(c, m, lo);
    mul64((uint64_t)c + 1, m, hi);
    if (k >= 0) {
        if (k > 60)
            return 0;
        mul64(SPEC_LOG2E, (uint64_t)1 << k, l);
    } else { /* floor(L * 2^k / m) = floor(floor(L / 2^-k) / m) */
        mul64(-k >= 64 ? 0 : SPEC_LOG2E >> -k, 1, l);
    }
    int le_lo = 1, lt_hi = 0; /* lo <= l, l < hi */
    for (int i = 3; i >= 0; i--) {
        if (lo[i] != l[i]) {
            le_lo = lo[i] < l[i];
            break;
        }
    }
    for (int i = 3; i >= 0; i--) {
        if (hi[i] != l[i]) {
            lt_hi = l[i] < hi[i];
            break;
        }
    }
    return le_lo && lt_hi;
}

/* The f32 bits of w of the spec: y = floor(d * c / 2^sh) in Q16 in double arithmetic
   (d * c < 2^47 and the scaling by a power of two are exact), the polynomial with
   divisions, the float built by ldexp. */
static uint32_t spec_w(int64_t d, uint32_t c, int sh)
{
    const double y = floor(ldexp((double)d * c, -sh));
    if (y >= 32.0 * 65536.0)
        return 0;
    const uint64_t n = (uint64_t)(y / 65536.0), g = 65536 - ((uint64_t)y - n * 65536);
    uint64_t a = SPEC_C4 * g / 65536 + SPEC_C3;
    a = a * g / 262144 + SPEC_C2;
    a = a * g / 262144 + SPEC_C1;
    const uint64_t mant = a * g / 256;
    const float w = (float)ldexp(1.0 + (double)mant / 8388608.0, -(int)n - 1);
    uint32_t bits;
    memcpy(&bits, &w, 4);
    return bits;
}

static double elem(const void *x, int dtype, size_t i)
{
    switch (dtype) {
    case DC_DTYPE_F32: return ((const float *)x)[i];
    case DC_DTYPE_F64: return ((const double *)x)[i];
    default: {
        /* f16 / bf16 -> double, exactly, from the bits */
        const uint16_t h = ((const uint16_t *)x)[i];
        if (dtype == DC_DTYPE_BF16) {
            const uint32_t b = (uint32_t)h << 16;
            float f;
            memcpy(&f, &b, 4);
            return f;
        }
        const int e = (h >> 10) & 31, m = h & 1023;
        const double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
        return (h & 0x8000) ? -v : v;
    }
    }
}

/* ---- helpers ---- */

static dc_coder *make(double temperature)
{
    dc_coder_options o;
    memset(&o, 0, sizeof o);
    o.input = DC_INPUT_LOGITS;
    o.temperature = temperature;
    dc_coder *c = NULL;
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    return c;
}

/* Random logits: Gaussian * scale, stored as dtype. */
static void make_logits(test_rng *r, int dtype, void *x, size_t n, double scale)
{
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = scale * rng_gauss(r);
    store_as(dtype, x, v, n);
    free(v);
}

/* ---- tests ---- */

static void test_options(void)
{
    dc_coder_options o;
    dc_coder *c = NULL;
    const double bad[] = {-1.0, -0.0 - 1e-300, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&o, 0, sizeof o);
        o.input = DC_INPUT_LOGITS;
        o.temperature = bad[i];
        CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_TEMPERATURE);
    }
    memset(&o, 0, sizeof o);
    o.temperature = 2; /* a temperature with probabilities */
    CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_TEMPERATURE);
    o.temperature = 1; /* 1 (and 0) are the default: fine */
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    CHECK(dc_coder_input(c) == DC_INPUT_PROBABILITIES && dc_coder_temperature(c) == 1);
    dc_coder_free(c);
    memset(&o, 0, sizeof o);
    o.input = 2;
    CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_INPUT);
    o.input = DC_INPUT_LOGITS;
    o.format = DC_FORMAT_PYTHON_0_1;
    CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_INPUT);
    o.format = DC_FORMAT_DEFAULT;
    o.tolerance = 1e-5;
    CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_INPUT);
    o.tolerance = 0;
    o.temperature = 0; /* 0 = the default 1 */
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    CHECK(dc_coder_input(c) == DC_INPUT_LOGITS && dc_coder_temperature(c) == 1);
    dc_coder_free(c);
    CHECK(strcmp(dc_result_name(DC_ERR_BAD_TEMPERATURE), "DC_ERR_BAD_TEMPERATURE") == 0);
    CHECK(strcmp(dc_result_name(DC_ERR_BAD_INPUT), "DC_ERR_BAD_INPUT") == 0);
    uint32_t w[2];
    const float x[2] = {1, 2};
    CHECK_RESULT(dc_logit_weights(x, DC_DTYPE_F32, 2, 0.0, w), DC_ERR_BAD_TEMPERATURE);
}

static void test_bad_values(void)
{
    float x[300];
    for (int i = 0; i < 300; i++)
        x[i] = (float)(i % 7) - 3;
    dc_coder *c = make(1);
    CHECK_OK(dc_coder_encode_step(c, x, DC_DTYPE_F32, 300, 5));
    const uint8_t *b;
    size_t len;
    x[200] = INFINITY;
    x[250] = NAN;
    CHECK_RESULT(dc_coder_encode_step(c, x, DC_DTYPE_F32, 300, 5), DC_ERR_INFINITE);
    x[100] = NAN;
    CHECK_RESULT(dc_coder_encode_step(c, x, DC_DTYPE_F32, 300, 5), DC_ERR_NAN);
    x[100] = -INFINITY;
    CHECK_RESULT(dc_coder_encode_step(c, x, DC_DTYPE_F32, 300, 5), DC_ERR_INFINITE);
    size_t failed = 99;
    const uint32_t syms[1] = {5};
    CHECK_RESULT(dc_coder_encode_steps(c, x, DC_DTYPE_F32, 300, 1, syms, &failed), DC_ERR_INFINITE);
    CHECK(failed == 0);
    CHECK_OK(dc_coder_finish_encoding(c, &b, &len));
    /* the refused steps left the stream of the one good step */
    for (int i = 0; i < 300; i++)
        x[i] = (float)(i % 7) - 3;
    dc_coder *d = make(1);
    CHECK_OK(dc_coder_encode_step(d, x, DC_DTYPE_F32, 300, 5));
    const uint8_t *b2;
    size_t len2;
    CHECK_OK(dc_coder_finish_encoding(d, &b2, &len2));
    CHECK(len == len2 && memcmp(b, b2, len) == 0);
    dc_coder_free(c);
    dc_coder_free(d);
}

/* Weights equal the spec's, the largest is 1.0f, and the stream equals the probability
   coder's stream of the weights as an f32 array. */
static void test_against_spec(void)
{
    test_rng r = {42};
    const double temps[] = {1.0, 0.5, 0.7, 2.5, 3.0, 0.05, 10.0};
    const size_t vocabs[] = {1, 2, 255, 256, 257, 1000, 50257};
    for (int dtype = 0; dtype < 4; dtype++)
        for (size_t ti = 0; ti < sizeof temps / sizeof temps[0]; ti++)
            for (size_t vi = 0; vi < sizeof vocabs / sizeof vocabs[0]; vi++) {
                const size_t n = vocabs[vi];
                const double temp = temps[ti];
                void *x = malloc(n * 8);
                uint32_t *w = malloc(n * 4);
                float *wd = malloc(n * 4);
                make_logits(&r, dtype, x, n, ti % 2 ? 3.0 : 40.0);
                CHECK_OK(dc_logit_weights(x, dtype, n, temp, w));
                const dc_logit_temp t = dc_logit_temp_of(temp);
                CHECK(spec_check_c(temp, t.c, t.sh));
                CHECK(t.sh >= 0 && t.sh <= 47);
                int64_t zmax = INT64_MIN;
                for (size_t i = 0; i < n; i++)
                    if (spec_z(elem(x, dtype, i)) > zmax)
                        zmax = spec_z(elem(x, dtype, i));
                uint32_t wmax = 0;
                size_t bad = 0;
                for (size_t i = 0; i < n; i++) {
                    const uint32_t want = spec_w(zmax - spec_z(elem(x, dtype, i)), t.c, t.sh);
                    bad += want != w[i];
                    wmax = w[i] > wmax ? w[i] : wmax;
                    memcpy(&wd[i], &w[i], 4);
                }
                CHECK(bad == 0);
                CHECK(wmax == 0x3f800000u);
                /* the stream: logits coder == probability coder on the weights */
                const size_t steps = 3;
                uint32_t sym[3] = {0, (uint32_t)(n / 2), (uint32_t)(n - 1)};
                dc_coder *a = make(temp), *p = NULL;
                CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &p));
                for (size_t s = 0; s < steps; s++) {
                    CHECK_OK(dc_coder_encode_step(a, x, dtype, n, sym[s]));
                    CHECK_OK(dc_coder_encode_step(p, wd, DC_DTYPE_F32, n, sym[s]));
                }
                const uint8_t *ba, *bp;
                size_t la, lp;
                CHECK_OK(dc_coder_finish_encoding(a, &ba, &la));
                CHECK_OK(dc_coder_finish_encoding(p, &bp, &lp));
                CHECK(la == lp && memcmp(ba, bp, la) == 0);
                /* and it decodes, step-wise and as a batch */
                dc_coder *dd = make(temp);
                CHECK_OK(dc_coder_start_decoding(dd, ba, la));
                for (size_t s = 0; s < steps; s++) {
                    size_t got = 0;
                    CHECK_OK(dc_coder_decode_step(dd, x, dtype, n, &got));
                    CHECK(got == sym[s]);
                }
                dc_coder_free(a);
                dc_coder_free(p);
                dc_coder_free(dd);
                free(x);
                free(w);
                free(wd);
            }
}

/* Random round trips with batches, every dtype, the weights' extreme temperatures. */
static void test_roundtrips(void)
{
    test_rng r = {7};
    const double temps[] = {1.0, 1e-300, 1e-9, 1e-4, 1e4, 1e12, 1e300, 4.9e-324};
    const size_t n = 1000, steps = 40;
    for (int dtype = 0; dtype < 4; dtype++)
        for (size_t ti = 0; ti < sizeof temps / sizeof temps[0]; ti++) {
            unsigned char *m = malloc(steps * n * 8);
            uint32_t *sym = malloc(steps * 4), *got = malloc(steps * 4);
            const size_t row = n * dc_dtype_size(dtype);
            for (size_t s = 0; s < steps; s++) {
                make_logits(&r, dtype, m + s * row, n, 5.0);
                sym[s] = (uint32_t)(rng_next(&r) % n);
            }
            dc_coder *e = make(temps[ti]);
            CHECK_OK(dc_coder_encode_steps(e, m, dtype, n, steps, sym, NULL));
            const uint8_t *b;
            size_t len;
            CHECK_OK(dc_coder_finish_encoding(e, &b, &len));
            dc_coder *d = make(temps[ti]);
            CHECK_OK(dc_coder_start_decoding(d, b, len));
            CHECK_OK(dc_coder_decode_steps(d, m, dtype, n, steps, got, NULL));
            CHECK(memcmp(sym, got, steps * 4) == 0);
            /* the weights still have their largest at 1.0f */
            uint32_t *w = malloc(n * 4);
            CHECK_OK(dc_logit_weights(m, dtype, n, temps[ti], w));
            uint32_t wmax = 0;
            for (size_t i = 0; i < n; i++)
                wmax = w[i] > wmax ? w[i] : wmax;
            CHECK(wmax == 0x3f800000u);
            free(w);
            dc_coder_free(e);
            dc_coder_free(d);
            free(m);
            free(sym);
            free(got);
        }
}

/* Adding a constant that is exact in fixed point (and in f32) to every logit changes
   nothing; the temperature does change the stream. */
static void test_shift_invariance(void)
{
    test_rng r = {99};
    const size_t n = 4099;
    float *x = malloc(n * 4), *y = malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)((int64_t)(rng_next(&r) % 8192) - 6000) / 256.0f; /* multiples of 2^-8 */
        y[i] = x[i] + 37.75f;                                            /* exact */
    }
    const uint8_t *b;
    size_t lx, ly;
    uint8_t bx[64];
    dc_coder *a = make(0.8), *c = make(0.8), *t = make(0.9);
    for (uint32_t s = 0; s < 20; s++) {
        CHECK_OK(dc_coder_encode_step(a, x, DC_DTYPE_F32, n, (s * 997) % n));
        CHECK_OK(dc_coder_encode_step(c, y, DC_DTYPE_F32, n, (s * 997) % n));
        CHECK_OK(dc_coder_encode_step(t, x, DC_DTYPE_F32, n, (s * 997) % n));
    }
    CHECK_OK(dc_coder_finish_encoding(a, &b, &lx));
    CHECK(lx <= sizeof bx);
    memcpy(bx, b, lx < sizeof bx ? lx : sizeof bx);
    CHECK_OK(dc_coder_finish_encoding(c, &b, &ly));
    CHECK(lx == ly && memcmp(bx, b, lx) == 0);
    CHECK_OK(dc_coder_finish_encoding(t, &b, &ly));
    CHECK(lx != ly || memcmp(bx, b, lx) != 0);
    dc_coder_free(a);
    dc_coder_free(c);
    dc_coder_free(t);
    free(x);
    free(y);
}

/* Clamping and fixed point: |x| >= 16384 saturates, tiny values are 0, -0.0 is 0. */
static void test_fixed_point(void)
{
    const double x[] = {16384.0, 1e30, -1e30, -16384.0, 1e-30, -0.0, 0.0, 1.5, -2.25};
    uint32_t w[9];
    CHECK_OK(dc_logit_weights(x, DC_DTYPE_F64, 9, 1.0, w));
    CHECK(w[0] == 0x3f800000u && w[1] == 0x3f800000u); /* both clamp to the maximum */
    CHECK(w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0);
    const double y[] = {1e-30, -0.0, 0.0, -1e-30};
    CHECK_OK(dc_logit_weights(y, DC_DTYPE_F64, 4, 1.0, w));
    CHECK(w[0] == w[1] && w[1] == w[2] && w[2] == w[3] && w[0] == 0x3f800000u);
    /* ln 2 apart at T = 1: half the weight, within 1e-4 (fixed point and polynomial) */
    const double z[] = {0.0, -0.693147180559945};
    CHECK_OK(dc_logit_weights(z, DC_DTYPE_F64, 2, 1.0, w));
    float h;
    memcpy(&h, &w[1], 4);
    CHECK(fabs(h - 0.5) < 0.5e-4);
}

static void test_frame(void)
{
    dc_coder_options o;
    memset(&o, 0, sizeof o);
    o.input = DC_INPUT_LOGITS;
    o.temperature = 0.7;
    dc_frame_writer *w = NULL;
    CHECK_OK(dc_frame_writer_create_with_options(&o, (const uint8_t *)"m", 1, 4, NULL, &w));
    test_rng r = {3};
    const size_t n = 300, steps = 10;
    float *x = malloc(steps * n * 4);
    uint32_t sym[10];
    for (size_t s = 0; s < steps; s++) {
        make_logits(&r, DC_DTYPE_F32, x + s * n, n, 4.0);
        sym[s] = (uint32_t)(rng_next(&r) % n);
        CHECK_OK(dc_frame_writer_encode_step(w, x + s * n, DC_DTYPE_F32, n, sym[s]));
    }
    const uint8_t *b;
    size_t len;
    CHECK_OK(dc_frame_writer_finish(w, &b, &len));
    CHECK(b[4] == 3 && b[24] == 1);
    dc_frame_reader *rd = NULL;
    CHECK_OK(dc_frame_reader_create(b, len, (const uint8_t *)"m", 1, NULL, &rd, NULL));
    dc_frame_info info;
    CHECK_OK(dc_frame_reader_info(rd, &info));
    CHECK(info.input == DC_INPUT_LOGITS && info.temperature == 0.7 && info.header_size == 41);
    for (size_t s = 0; s < steps; s++) {
        size_t got;
        CHECK_OK(dc_frame_reader_decode_step(rd, x + s * n, DC_DTYPE_F32, n, &got));
        CHECK(got == sym[s]);
    }
    dc_frame_reader_free(rd);
    /* a damaged temperature (with a fixed-up header CRC) is refused */
    uint8_t *d = malloc(len);
    memcpy(d, b, len);
    const uint64_t neg = 0xbff0000000000000ull; /* -1.0 */
    for (int i = 0; i < 8; i++)
        d[28 + i] = (uint8_t)(neg >> (8 * i));
    const uint32_t crc = dc_crc32(0, d, 37);
    for (int i = 0; i < 4; i++)
        d[37 + i] = (uint8_t)(crc >> (8 * i));
    dc_frame_error_info e;
    CHECK_RESULT(dc_frame_reader_create(d, len, NULL, 0, NULL, &rd, &e), DC_ERR_FRAME_CORRUPT);
    CHECK(e.offset == 28);
    free(d);
    dc_frame_writer_free(w);
    free(x);
}

/* Every kernel set this build has (the scalar set's weigh too: it runs the 32-bit plan)
   gives the reference z and weights on random rows of every dtype, at ordinary and extreme
   temperatures. */
static void test_kernels(void)
{
    test_rng r = {11};
    /* sh from below -6 (clamped) through -6 .. -1, 0 .. 15, 16 .. 47, above 47 (clamped) */
    const double temps[] = {1.0,  0.7,   2.5,   0.05,   10.0, 1e-300, 1e-9, 6e-7,  7e-7,
                            3e-6, 1e-5,  1e-4,  0.011,  0.023, 1.0e4, 3e5,  1e12, 1e300,
                            4.9e-324};
    const size_t ns[] = {1, 3, 4, 5, 17, 1000, 4099};
    const dc_logits_kernels *const *sets = dc_logits_kernels_available();
    for (int dtype = 0; dtype < 4; dtype++)
        for (size_t ti = 0; ti < sizeof temps / sizeof temps[0]; ti++)
            for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
                const size_t n = ns[ni];
                void *x = malloc(n * 8);
                int32_t *zw = malloc(n * 4), *zg = malloc(n * 4);
                make_logits(&r, dtype, x, n, ni % 2 ? 3.0 : 3000.0);
                const dc_logit_temp t = dc_logit_temp_of(temps[ti]);
                for (size_t s = 0; sets[s]; s++) {
                    const dc_logits_kernels *k = sets[s];
                    int32_t mw, mg;
                    CHECK(dc_logits_kernels_scalar.fix[dtype](x, n, zw, &mw));
                    CHECK((k->fix[dtype] ? k->fix[dtype]
                                         : dc_logits_kernels_scalar.fix[dtype])(x, n, zg, &mg));
                    CHECK(mw == mg && memcmp(zw, zg, n * 4) == 0);
                    for (size_t i = 0; i < n; i++) /* the reference, one weight at a time */
                        zw[i] = (int32_t)dc_logit_weight((uint32_t)mw - (uint32_t)zw[i], t);
                    (k->weigh ? k->weigh : dc_logits_kernels_scalar.weigh)(zg, n, mg, t,
                                                                           (uint32_t *)zg);
                    CHECK(memcmp(zw, zg, n * 4) == 0);
                }
                free(x);
                free(zw);
                free(zg);
            }
    /* d from 0 past the cut-off (y = 32 at T = 1), and 2^30 */
    const double t2[] = {1.0, 0.7, 2.5, 1e4, 1e-9, 3e-6, 1e-5, 1e9};
    for (size_t ti = 0; ti < sizeof t2 / sizeof t2[0]; ti++) {
        const dc_logit_temp t = dc_logit_temp_of(t2[ti]);
        const size_t n = 1 << 16;
        int32_t *zw = malloc(n * 4), *zg = malloc(n * 4);
        for (size_t i = 0; i < n; i++) /* d = i * 23 + (i & 7): 0 .. ~1.5e6, i.e. y < 33 */
            zw[i] = zg[i] = -(int32_t)(i * 23 + (i & 7));
        zw[n - 1] = zg[n - 1] = -(1 << 30); /* d = 2^30 */
        for (size_t s = 0; sets[s]; s++) {
            const dc_logits_kernels *k = sets[s];
            int32_t *a = malloc(n * 4);
            memcpy(a, zg, n * 4);
            (k->weigh ? k->weigh : dc_logits_kernels_scalar.weigh)(a, n, 0, t, (uint32_t *)a);
            for (size_t i = 0; i < n; i++)
                zw[i] = (int32_t)dc_logit_weight(0u - (uint32_t)zg[i], t);
            CHECK(memcmp(a, zw, n * 4) == 0);
            free(a);
        }
        free(zw);
        free(zg);
    }
}

/* The weights are 2^-y within 1.2e-5 relative (the polynomial; y itself is exact), and
   monotone in d. */
static void test_accuracy(void)
{
    const dc_logit_temp t = dc_logit_temp_of(1.0); /* c = 47274, sh = 15 */
    CHECK(t.c == 47274 && t.sh == 15);
    double worst = 0;
    uint32_t prev = 0x3f800000u;
    for (uint32_t d = 0; d < (uint32_t)1500000; d += 7) {
        const uint32_t b = dc_logit_weight(d, t);
        CHECK(b <= prev);
        prev = b;
        const double y = floor((double)d * t.c / 32768.0) / 65536.0;
        float w;
        memcpy(&w, &b, 4);
        if (y < 32) {
            const double e = fabs(w / exp2(-y) - 1);
            worst = e > worst ? e : worst;
        } else {
            CHECK(b == 0);
        }
    }
    CHECK(worst < 1.2e-5 && worst > 0);
}

int main(void)
{
    test_options();
    test_bad_values();
    test_against_spec();
    test_roundtrips();
    test_shift_invariance();
    test_fixed_point();
    test_kernels();
    test_accuracy();
    test_frame();
    return test_finish("test_logits");
}
