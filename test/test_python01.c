/* test_python01.c - the python-0.1 format: the Python package's exact bytes for the 44
 * public vectors (test/data/python-0.1/public.json), decoding with the correct target
 * (including streams that package's own decoder gets wrong), agreement with an independent
 * slow reference of that package's encoder on random distributions of every dtype,
 * refusals that leave the coder unchanged, and arbitrary input that always decodes. */
#include "test_util.h"

#include "test_state.h"
#include "internal.h"
#include "kernels/kernels.h"
#include "quantize.h"

#define VECTORS_PATH "data/python-0.1/public.json"
#define TWO32 ((uint64_t)1 << 32)

/* ---------------------------------------------------------------------------------- */
/* A slow reference of the package, written from docs/FORMAT.md section 2, with none of the */
/* library's shortcuts: binary64 arithmetic for the counts, unclamped 64-bit counts     */
/* with the package's wrapping correction, a 128-bit product and a bit-by-bit division. */

typedef struct u128 {
    uint64_t hi, lo;
} u128;

static u128 mul64(uint64_t a, uint64_t b)
{
    const uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    u128 r;
    r.lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return r;
}

/* floor(n / d), quotient assumed < 2^64, d < 2^63: restoring division over 128 bits. */
static uint64_t div128(u128 n, uint64_t d)
{
    uint64_t rem = 0, q = 0;
    for (int i = 127; i >= 0; i--) {
        const uint64_t bit = i >= 64 ? (n.hi >> (i - 64)) & 1 : (n.lo >> i) & 1;
        rem = (rem << 1) | bit;
        q <<= 1;
        if (rem >= d) {
            rem -= d;
            q |= 1;
        }
    }
    return q;
}

static uint64_t ref_scale(uint64_t r, uint64_t x) /* floor(r * x / 2^32) */
{
    const u128 p = mul64(r, x);
    return (p.hi << 32) | (p.lo >> 32);
}

static uint64_t ref_target(uint64_t off, uint64_t r) /* floor(((off+1)*2^32 - 1) / r) */
{
    u128 n = mul64(off + 1, TWO32);
    if (n.lo == 0)
        n.hi--;
    n.lo--;
    return div128(n, r);
}

/* The package's defective target: floor(max(off * 2^32 - 1, 0) / r). */
static uint64_t seed_target(uint64_t off, uint64_t r)
{
    if (off == 0)
        return 0;
    u128 n = mul64(off, TWO32);
    if (n.lo == 0)
        n.hi--;
    n.lo--;
    return div128(n, r);
}

/* Exact binary64 value of element i. */
static double ref_value(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { float f; memcpy(&f, p + 4 * i, 4); return f; }
    case DC_DTYPE_F64: { double d; memcpy(&d, p + 8 * i, 8); return d; }
    case DC_DTYPE_F16: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        const int e = (h >> 10) & 31, m = h & 1023;
        const double sign = (h & 0x8000) ? -1.0 : 1.0;
        if (e == 31)
            return m ? NAN : sign * INFINITY;
        return sign * (e ? ldexp(1024 + m, e - 25) : ldexp(m, -24));
    }
    default: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        const uint32_t b = (uint32_t)h << 16;
        float f;
        memcpy(&f, &b, 4);
        return f;
    }
    }
}

/* The package's counts. Returns 1 when its stream is well formed (others < 2^32). */
static int ref_counts(const void *dist, int dtype, size_t n, uint64_t *c)
{
    uint64_t sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double q = ref_value(dist, dtype, i) * 4294967296.0;
        uint64_t v;
        if (!(q >= 1.0))
            v = 0;
        else if (q >= 18446744073709551616.0)
            v = UINT64_MAX;
        else
            v = (uint64_t)q;
        c[i] = v ? v : 1;
        if (c[i] > c[m])
            m = i;
        sum += c[i]; /* wraps, like the package */
    }
    uint64_t others = 0;
    for (size_t i = 0; i < n; i++)
        if (i != m)
            others = others + c[i] < others ? UINT64_MAX : others + c[i];
    c[m] += TWO32 - sum;
    return others < TWO32;
}

typedef struct ref_coder {
    uint64_t low, high, value, pending, pos;
    uint8_t *out;
    size_t nbits, cap;
    const uint8_t *in;
    size_t in_len;
} ref_coder;

static void ref_bit(ref_coder *e, int bit)
{
    if (e->nbits / 8 >= e->cap) {
        const size_t cap = e->cap ? 2 * e->cap : 64;
        e->out = realloc(e->out, cap);
        memset(e->out + e->cap, 0, cap - e->cap);
        e->cap = cap;
    }
    if (bit)
        e->out[e->nbits / 8] |= (uint8_t)(0x80 >> (e->nbits % 8));
    e->nbits++;
}

static void ref_bit_plus_pending(ref_coder *e, int bit)
{
    ref_bit(e, bit);
    for (; e->pending > 0; e->pending--)
        ref_bit(e, !bit);
}

static void ref_begin(ref_coder *e)
{
    memset(e, 0, sizeof *e);
    e->high = ((uint64_t)1 << 62) - 1;
}

static void ref_encode(ref_coder *e, const uint64_t *c, size_t s)
{
    uint64_t lo = 0;
    for (size_t i = 0; i < s; i++)
        lo += c[i];
    const uint64_t hi = lo + c[s], r = e->high - e->low + 1;
    e->high = e->low + ref_scale(r, hi) - 1;
    e->low = e->low + ref_scale(r, lo);
    const uint64_t q1 = (uint64_t)1 << 60, mid = q1 * 2, q3 = q1 * 3;
    for (;;) {
        if (e->high < mid) {
            ref_bit_plus_pending(e, 0);
        } else if (e->low >= mid) {
            ref_bit_plus_pending(e, 1);
            e->low -= mid;
            e->high -= mid;
        } else if (e->low >= q1 && e->high < q3) {
            e->pending++;
            e->low -= q1;
            e->high -= q1;
        } else {
            break;
        }
        e->low = 2 * e->low;
        e->high = 2 * e->high + 1;
    }
}

static size_t ref_finish(ref_coder *e)
{
    e->pending++;
    ref_bit_plus_pending(e, e->low < ((uint64_t)1 << 60) ? 0 : 1);
    return (e->nbits + 7) / 8;
}

static uint64_t ref_in_bit(ref_coder *d)
{
    const uint64_t byte = d->pos / 8;
    const uint64_t b = byte < d->in_len ? (d->in[byte] >> (7 - d->pos % 8)) & 1 : 0;
    d->pos++;
    return b;
}

static void ref_start(ref_coder *d, const uint8_t *in, size_t len)
{
    ref_begin(d);
    d->in = in;
    d->in_len = len;
    for (int i = 0; i < 62; i++)
        d->value = 2 * d->value + ref_in_bit(d);
}

/* One decode step; seed = 1 uses the package's defective target. */
static size_t ref_decode(ref_coder *d, const uint64_t *c, size_t n, int seed)
{
    const uint64_t r = d->high - d->low + 1, off = d->value - d->low;
    const uint64_t t = seed ? seed_target(off, r) : ref_target(off, r);
    size_t s = 0;
    uint64_t lo = 0;
    while (s + 1 < n && t >= lo + c[s]) {
        lo += c[s];
        s++;
    }
    const uint64_t hi = lo + c[s];
    d->high = d->low + ref_scale(r, hi) - 1;
    d->low = d->low + ref_scale(r, lo);
    const uint64_t q1 = (uint64_t)1 << 60, mid = q1 * 2, q3 = q1 * 3;
    for (;;) {
        if (d->high < mid) {
        } else if (d->low >= mid) {
            d->low -= mid;
            d->high -= mid;
            d->value -= mid;
        } else if (d->low >= q1 && d->high < q3) {
            d->low -= q1;
            d->high -= q1;
            d->value -= q1;
        } else {
            break;
        }
        d->low = 2 * d->low;
        d->high = 2 * d->high + 1;
        d->value = 2 * d->value + ref_in_bit(d);
    }
    return s;
}

/* ---------------------------------------------------------------------------------- */
/* The reference's own arithmetic, checked on edge values (and against the compiler's   */
/* 128-bit type where there is one).                                                    */

static void reference_arithmetic(test_rng *rng)
{
    const uint64_t top = ((uint64_t)1 << 62) - 1;
    CHECK(ref_scale(top + 1, TWO32) == top + 1);
    CHECK(ref_scale(top, 1) == (top >> 32));
    CHECK(ref_target(0, 1) == TWO32 - 1);
    CHECK(ref_target(top - 1, top) == TWO32 - 1);
    CHECK(ref_target(0, top) == 0);
    CHECK(ref_target(3, 4) == TWO32 - 1);
    CHECK(ref_target(1, 4) == (2 * TWO32 - 1) / 4);
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 wide;
    int agree = 1;
    for (int i = 0; i < 20000; i++) {
        const uint64_t r = (rng_next(rng) >> (2 + rng_next(rng) % 40)) | 1;
        const uint64_t off = rng_next(rng) % r, x = rng_next(rng) % (TWO32 + 1);
        const wide n = ((wide)(off + 1) << 32) - 1;
        agree &= ref_target(off, r) == (uint64_t)(n / r);
        agree &= ref_scale(r, x) == (uint64_t)(((wide)r * x) >> 32);
    }
    CHECK(agree);
#else
    (void)rng;
#endif
}

/* ---------------------------------------------------------------------------------- */
/* Block kernels (every SIMD set this build and CPU have, and the scalar one) against    */
/* the reference counts, clamped to 2^32 as the library keeps them.                     */

static uint64_t raw_bits(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { uint32_t b; memcpy(&b, p + 4 * i, 4); return b; }
    case DC_DTYPE_F64: { uint64_t b; memcpy(&b, p + 8 * i, 8); return b; }
    default:           { uint16_t b; memcpy(&b, p + 2 * i, 2); return b; }
    }
}

static void put_bits(void *dist, int dtype, size_t i, uint64_t b)
{
    unsigned char *p = (unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { const uint32_t v = (uint32_t)b; memcpy(p + 4 * i, &v, 4); break; }
    case DC_DTYPE_F64: memcpy(p + 8 * i, &b, 8); break;
    default: { const uint16_t v = (uint16_t)b; memcpy(p + 2 * i, &v, 2); break; }
    }
}

static void block_kernels(test_rng *r)
{
    /* bits of 0.5, 1.0, +Inf and the sign, per dtype */
    static const uint64_t half[4] = {0x3F000000u, 0x3FE0000000000000u, 0x3800u, 0x3F00u};
    static const uint64_t one[4] = {0x3F800000u, 0x3FF0000000000000u, 0x3C00u, 0x3F80u};
    static const uint64_t inf[4] = {0x7F800000u, 0x7FF0000000000000u, 0x7C00u, 0x7F80u};
    static const uint64_t sign[4] = {0x80000000u, 0x8000000000000000u, 0x8000u, 0x8000u};
    static const uint64_t small_bits[4] = {0x3D000000u, 0x3FA0000000000000u, 0x2800u, 0x3D00u};
    /* 2^-3: blocks in [2^-5, 2^-3) must leave the short path (their 32-bit lane sums
       would overflow), so a kernel whose limit is too high fails on them */
    static const uint64_t above_bits[4] = {0x3E000000u, 0x3FC0000000000000u, 0x3000u, 0x3E00u};
    unsigned char buf[DC_BLOCK_SIZE * 8 + 8];
    int sets_seen = 0, ok = 1;
    for (int iter = 0; iter < 6000; iter++) {
        const int dtype = (int)(rng_next(r) % 4);
        const size_t count = rng_next(r) % 3 ? DC_BLOCK_SIZE : rng_next(r) % (DC_BLOCK_SIZE + 1);
        const int rare = (int)(rng_next(r) % 4); /* 0: block may hold values outside [0, 1) */
        const int band = (int)(rng_next(r) % 6); /* 0, 1: all below 2^-5 (the kernels' short
                                                    path); 2: all in [2^-5, 2^-3) */
        unsigned char *dist = buf + rng_next(r) % 8; /* any alignment */
        for (size_t i = 0; i < count; i++) {
            const uint64_t x = rng_next(r);
            uint64_t b;
            switch (rng_next(r) % 8) {
            case 0: b = 0; break;
            case 1: b = half[dtype] + x % 64; break;            /* 0.5 and just above */
            case 2: b = one[dtype] - 1 - x % 64; break;         /* just below 1 */
            case 3: b = x % 64; break;                          /* subnormals */
            case 4: b = half[dtype] - 1 - x % 4096; break;      /* just below 0.5 */
            default: b = x % one[dtype]; break;                 /* anything in [0, 1) */
            }
            if (band < 2) /* below 2^-5, often just below */
                b = rng_next(r) % 2 ? x % small_bits[dtype] : small_bits[dtype] - 1 - x % 256;
            else if (band == 2)
                b = small_bits[dtype] + x % (above_bits[dtype] - small_bits[dtype]);
            if (rare == 0 && rng_next(r) % 32 == 0) {
                switch (rng_next(r) % 5) {
                case 0: b = sign[dtype]; break;                  /* -0.0 */
                case 1: b = one[dtype] + x % 1000; break;        /* >= 1 */
                case 2: b = inf[dtype]; break;
                case 3: b = inf[dtype] + 1 + x % 16; break;      /* NaN */
                default: b |= sign[dtype]; break;                /* negative */
                }
            }
            put_bits(dist, dtype, i, b);
        }
        uint64_t sum = 0, max = 0;
        int bad = 0, suspicious = 0;
        for (size_t i = 0; i < count; i++) {
            const uint64_t b = raw_bits(dist, dtype, i), mag = b & (sign[dtype] - 1);
            suspicious |= b >= inf[dtype];
            bad |= mag >= inf[dtype] || (b != mag && mag != 0);
            const double q = ref_value(dist, dtype, i) * 4294967296.0;
            uint64_t c = !(q >= 1.0) ? 1 : q >= 4294967296.0 ? TWO32 : (uint64_t)q;
            sum += c;
            max = c > max ? c : max;
        }
        for (int set = 0;; set++) {
            uint64_t out[3];
            const char *name = dc_py01_test_block(set, dtype, dist, count, out);
            if (!name)
                break;
            sets_seen = set + 1 > sets_seen ? set + 1 : sets_seen;
            const int good = (bad || (out[0] == sum && out[1] == max)) &&
                             (out[2] >= inf[dtype]) == suspicious;
            if (!good && ok)
                fprintf(stderr, "block kernel %s, %s, %zu elements: sum %llu/%llu max %llu/%llu\n",
                        name, dtype_names[dtype], count, (unsigned long long)out[0],
                        (unsigned long long)sum, (unsigned long long)out[1],
                        (unsigned long long)max);
            ok &= good;
        }
    }
    CHECK(ok);
    CHECK(sets_seen >= 1);
    uint64_t out[3];
    printf("python-0.1 block kernels checked:");
    for (int set = 0; set < sets_seen; set++)
        printf(" %s", dc_py01_test_block(set, 0, buf, 0, out));
    printf("\n");
}

/* ---------------------------------------------------------------------------------- */
/* Vectors: a purpose-built reader for test/data/python-0.1/public.json.               */

typedef struct vec_case {
    char id[32];
    int dtype;
    size_t vocab, steps;
    unsigned char *dist;
    uint32_t *symbols;
    uint8_t *expected;
    size_t expected_len;
    int seed_defect; /* tagged seed_decoder_boundary_defect */
} vec_case;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Position just after `"key": ` at or after p, before `limit`; NULL if absent. */
static const char *field(const char *p, const char *limit, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *f = strstr(p, pat);
    return f && f < limit ? f + strlen(pat) : NULL;
}

static int b64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Decode base64 from p up to the closing quote; returns the byte count. */
static size_t b64_decode(const char *p, unsigned char *out)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *p && *p != '"'; p++) {
        const int v = b64_value(*p);
        if (v < 0)
            continue; /* '=' padding */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static int load_vectors(vec_case **out, size_t *count)
{
    size_t len;
    char *json = read_file(VECTORS_PATH, &len);
    if (!json) {
        fprintf(stderr, "cannot read %s (run from test/)\n", VECTORS_PATH);
        return 0;
    }
    size_t cap = 64, n = 0;
    vec_case *cases = calloc(cap, sizeof *cases);
    const char *p = strstr(json, "\"cases\": [");
    int ok = p != NULL;
    while (ok && (p = strstr(p, "{\"id\": \"")) != NULL) {
        const char *next = strstr(p + 1, "{\"id\": \"");
        const char *limit = next ? next : json + len;
        vec_case *c = &cases[n];
        p += strlen("{\"id\": \"");
        const size_t idlen = (size_t)(strchr(p, '"') - p);
        memcpy(c->id, p, idlen < sizeof c->id - 1 ? idlen : sizeof c->id - 1);
        const char *dt = field(p, limit, "dtype"), *vo = field(p, limit, "vocab"),
                   *st = field(p, limit, "steps"), *di = field(p, limit, "distributions_b64"),
                   *sy = field(p, limit, "symbols"), *ex = field(p, limit, "expected_hex"),
                   *tg = field(p, limit, "tags");
        if (!dt || !vo || !st || !di || !sy || !ex || !tg) {
            ok = 0;
            break;
        }
        c->dtype = strncmp(dt, "\"f32\"", 5) == 0   ? DC_DTYPE_F32
                   : strncmp(dt, "\"f64\"", 5) == 0 ? DC_DTYPE_F64
                   : strncmp(dt, "\"f16\"", 5) == 0 ? DC_DTYPE_F16
                   : strncmp(dt, "\"bf16\"", 6) == 0 ? DC_DTYPE_BF16 : -1;
        c->vocab = strtoul(vo, NULL, 10);
        c->steps = strtoul(st, NULL, 10);
        const size_t bytes = c->steps * c->vocab * dc_dtype_size(c->dtype);
        c->dist = malloc(bytes + 1);
        ok &= c->dtype >= 0 && b64_decode(di + 1, c->dist) == bytes;
        c->symbols = malloc((c->steps + 1) * sizeof *c->symbols);
        const char *q = sy + 1; /* after '[' */
        for (size_t t = 0; t < c->steps; t++) {
            char *end;
            c->symbols[t] = (uint32_t)strtoul(q, &end, 10);
            ok &= end != q;
            q = end + 1; /* skip ',' */
        }
        const char *h = ex + 1;
        c->expected = malloc(strlen(h) / 2 + 1);
        while (h[0] != '"') {
            unsigned v;
            ok &= sscanf(h, "%2x", &v) == 1;
            c->expected[c->expected_len++] = (uint8_t)v;
            h += 2;
        }
        const char *tag_end = strchr(tg, ']');
        const char *defect = strstr(tg, "seed_decoder_boundary_defect");
        c->seed_defect = defect && defect < tag_end;
        p = limit;
        if (++n == cap) {
            cap *= 2;
            cases = realloc(cases, cap * sizeof *cases);
        }
    }
    free(json);
    *out = cases;
    *count = n;
    return ok;
}

/* Encodes a case step by step and as one batch; decodes it step by step and as one batch.
   Returns 1 when everything matches. */
static int run_vector(const vec_case *v)
{
    const size_t row = v->vocab * dc_dtype_size(v->dtype);
    dc_coder *enc, *batch, *dec;
    int ok = 1;
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &batch));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &dec));
    for (size_t t = 0; t < v->steps; t++)
        ok &= dc_coder_encode_step(enc, v->dist + t * row, v->dtype, v->vocab, v->symbols[t]) ==
              DC_OK;
    const uint8_t *bytes, *bb;
    size_t size = 0, bsize = 0, failed;
    ok &= dc_coder_finish_encoding(enc, &bytes, &size) == DC_OK;
    ok &= size == v->expected_len && memcmp(bytes, v->expected, size) == 0;
    ok &= dc_coder_encode_steps(batch, v->dist, v->dtype, v->vocab, v->steps, v->symbols,
                          &failed) == DC_OK;
    ok &= dc_coder_finish_encoding(batch, &bb, &bsize) == DC_OK;
    ok &= bsize == v->expected_len && memcmp(bb, v->expected, bsize) == 0;

    ok &= dc_coder_start_decoding(dec, v->expected, v->expected_len) == DC_OK;
    for (size_t t = 0; t < v->steps; t++) {
        size_t s = (size_t)-1;
        ok &= dc_coder_decode_step(dec, v->dist + t * row, v->dtype, v->vocab, &s) == DC_OK;
        ok &= s == v->symbols[t];
    }
    uint32_t *got = calloc(v->steps + 1, sizeof *got);
    ok &= dc_coder_start_decoding(dec, v->expected, v->expected_len) == DC_OK;
    ok &= dc_coder_decode_steps(dec, v->dist, v->dtype, v->vocab, v->steps, got, &failed) == DC_OK;
    ok &= v->steps == 0 || memcmp(got, v->symbols, v->steps * sizeof *got) == 0;

    /* The reference agrees on the bytes and the frequencies. */
    uint64_t *c = malloc(v->vocab * sizeof *c), *f = malloc(v->vocab * sizeof *f), total;
    ref_coder e;
    ref_begin(&e);
    for (size_t t = 0; t < v->steps; t++) {
        ok &= ref_counts(v->dist + t * row, v->dtype, v->vocab, c);
        ok &= dc_frequencies(DC_FORMAT_PYTHON_0_1, v->dist + t * row, v->dtype, v->vocab, f,
                             &total) == DC_OK;
        ok &= total == TWO32 && memcmp(c, f, v->vocab * sizeof *c) == 0;
        ref_encode(&e, c, v->symbols[t]);
    }
    const size_t rsize = ref_finish(&e);
    ok &= rsize == v->expected_len && memcmp(e.out, v->expected, rsize) == 0;

    /* The tagged cases really are the package decoder's failures: its target goes wrong
       at some step (it may loop or divide by zero later, so stop at the first miss). */
    if (v->seed_defect) {
        ref_coder d;
        ref_start(&d, v->expected, v->expected_len);
        int diverged = 0;
        for (size_t t = 0; t < v->steps && !diverged; t++) {
            ref_counts(v->dist + t * row, v->dtype, v->vocab, c);
            diverged = ref_decode(&d, c, v->vocab, 1) != v->symbols[t];
        }
        CHECK(diverged);
    }
    free(e.out);
    free(c);
    free(f);
    free(got);
    dc_coder_free(enc);
    dc_coder_free(batch);
    dc_coder_free(dec);
    if (!ok)
        fprintf(stderr, "vector %s (%s, vocab %zu, %zu steps) fails\n", v->id,
                dtype_names[v->dtype], v->vocab, v->steps);
    return ok;
}

static void public_vectors(void)
{
    vec_case *cases = NULL;
    size_t n = 0;
    CHECK(load_vectors(&cases, &n));
    CHECK(n == 44);
    size_t pass = 0, defects = 0;
    for (size_t i = 0; i < n; i++) {
        pass += (size_t)run_vector(&cases[i]);
        defects += (size_t)cases[i].seed_defect;
    }
    CHECK(pass == n);
    CHECK(defects >= 2);
    printf("python-0.1 public vectors: %zu of %zu encode to expected_hex and decode "
           "(%zu tagged seed_decoder_boundary_defect)\n", pass, n, defects);

    /* Truncated and extended streams of every vector still decode without failing. */
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        const vec_case *v = &cases[i];
        const size_t row = v->vocab * dc_dtype_size(v->dtype);
        dc_coder *dec;
        CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &dec));
        for (size_t cut = 0; cut <= v->expected_len; cut++) {
            ok &= dc_coder_start_decoding(dec, v->expected, cut) == DC_OK;
            for (size_t t = 0; t < v->steps; t++) {
                size_t s = (size_t)-1;
                ok &= dc_coder_decode_step(dec, v->dist + t * row, v->dtype, v->vocab, &s) == DC_OK;
                ok &= s < v->vocab;
            }
        }
        dc_coder_free(dec);
    }
    CHECK(ok);
    for (size_t i = 0; i < n; i++) {
        free(cases[i].dist);
        free(cases[i].symbols);
        free(cases[i].expected);
    }
    free(cases);
}

/* ---------------------------------------------------------------------------------- */
/* The example from docs/FORMAT.md (section 2).                                       */

static void boundary_defect_example(void)
{
    const float d[3][2] = {{0.5f, 0.5f}, {0x1p-31f, 1.0f}, {0x1p-31f, 1.0f}};
    const uint32_t sym[3] = {1, 0, 0};
    const uint8_t expected[9] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0x80};
    dc_coder *c;
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &c));
    for (int t = 0; t < 3; t++)
        CHECK_OK(dc_coder_encode_step(c, d[t], DC_DTYPE_F32, 2, sym[t]));
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(c, &bytes, &size));
    CHECK(size == 9 && memcmp(bytes, expected, 9) == 0);
    CHECK_OK(dc_coder_start_decoding(c, expected, 9));
    for (int t = 0; t < 3; t++) {
        size_t s = 9;
        CHECK_OK(dc_coder_decode_step(c, d[t], DC_DTYPE_F32, 2, &s));
        CHECK(s == sym[t]);
    }
    /* The counts: [2^31, 2^31]; [2, 2^32] corrected to [2, 2^32 - 2]. */
    uint64_t f[2], total;
    CHECK_OK(dc_frequencies(DC_FORMAT_PYTHON_0_1, d[1], DC_DTYPE_F32, 2, f, &total));
    CHECK(f[0] == 2 && f[1] == TWO32 - 2 && total == TWO32);
    /* The package's own target decodes [0, ...] at the first step. */
    ref_coder r;
    uint64_t cnt[2];
    ref_start(&r, expected, 9);
    ref_counts(d[0], DC_DTYPE_F32, 2, cnt);
    CHECK(ref_decode(&r, cnt, 2, 1) == 0);
    /* The empty message is 0x40. */
    dc_coder_reset(c);
    CHECK_OK(dc_coder_finish_encoding(c, &bytes, &size));
    CHECK(size == 1 && bytes[0] == 0x40);
    dc_coder_free(c);
}

/* ---------------------------------------------------------------------------------- */
/* Random distributions: bytes equal to the reference's, and round trips.              */

enum shape {
    PEAKED, FLAT, SPARSE, ALL_ZERO, SUM_098, SUM_102, NEG_ZERO, ONE_MAX, HUGE_MAX,
    SUBNORMAL, RANDOM_BITS, SHAPE_COUNT
};

static void make_dist(test_rng *r, int shape, int dtype, size_t n, double *p, void *row)
{
    switch (shape) {
    case PEAKED: make_softmax(r, p, n, 6.0); break;
    case FLAT:
        for (size_t i = 0; i < n; i++)
            p[i] = 1.0 / (double)n;
        break;
    case SPARSE:
        make_softmax(r, p, n, 2.0);
        for (size_t i = 0; i < n; i++)
            if (rng_next(r) % 4 != 0)
                p[i] = 0;
        break;
    case ALL_ZERO:
        for (size_t i = 0; i < n; i++)
            p[i] = 0;
        break;
    case SUM_098:
    case SUM_102:
        make_softmax(r, p, n, 3.0);
        for (size_t i = 0; i < n; i++)
            p[i] *= shape == SUM_098 ? 0.98 : 1.02;
        break;
    case NEG_ZERO:
        make_softmax(r, p, n, 4.0);
        for (size_t i = 0; i < n; i++)
            if (rng_next(r) % 3 == 0)
                p[i] = -0.0;
        break;
    case ONE_MAX:
    case HUGE_MAX:
        make_softmax(r, p, n, 4.0);
        for (size_t i = 0; i < n; i++)
            p[i] *= 0.5;
        p[rng_next(r) % n] = shape == ONE_MAX ? 1.0 : dtype == DC_DTYPE_F16 ? 60000.0
                                                    : dtype == DC_DTYPE_F64 ? 1e300 : 1e30;
        break;
    case SUBNORMAL: make_softmax(r, p, n, 60.0); break;
    default: break;
    }
    if (shape != RANDOM_BITS) {
        store_as(dtype, row, p, n);
        return;
    }
    /* Random bit patterns below 1.0 (every exponent), rarely one at or above 1.0. */
    for (size_t i = 0; i < n; i++) {
        const uint64_t x = rng_next(r);
        switch (dtype) {
        case DC_DTYPE_F32: ((uint32_t *)row)[i] = (uint32_t)(x % 0x3F800000u); break;
        case DC_DTYPE_F64: ((uint64_t *)row)[i] = x % 0x3FF0000000000000u; break;
        case DC_DTYPE_F16: ((uint16_t *)row)[i] = (uint16_t)(x % 0x3C00u); break;
        default: ((uint16_t *)row)[i] = (uint16_t)(x % 0x3F80u); break;
        }
        p[i] = 1.0 / (double)n;
    }
    if (rng_next(r) % 4 == 0) {
        const size_t k = rng_next(r) % n;
        switch (dtype) {
        case DC_DTYPE_F32: ((uint32_t *)row)[k] = 0x3F800000u + (uint32_t)(rng_next(r) % 0x3F800000u); break;
        case DC_DTYPE_F64: ((uint64_t *)row)[k] = 0x3FF0000000000000u + rng_next(r) % 0x3FF0000000000000u; break;
        case DC_DTYPE_F16: ((uint16_t *)row)[k] = (uint16_t)(0x3C00u + rng_next(r) % 0x3C00u); break;
        default: ((uint16_t *)row)[k] = (uint16_t)(0x3F80u + rng_next(r) % 0x3F80u); break;
        }
    }
}

/* One message of `steps` steps; steps the package would corrupt are refused. */
static void random_message(test_rng *r, int dtype, size_t n, size_t steps, int *refused_any)
{
    const size_t esize = dc_dtype_size(dtype), row = n * esize;
    double *p = malloc(n * sizeof *p);
    unsigned char *matrix = malloc(steps * row);
    uint32_t *sym = malloc(steps * sizeof *sym), *got = malloc(steps * sizeof *got);
    uint64_t *c = malloc(n * sizeof *c), *f = malloc(n * sizeof *f), total;
    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &dec));
    ref_coder e;
    ref_begin(&e);
    size_t used = 0;
    int ok = 1;
    for (size_t t = 0; t < steps; t++) {
        const int shape = (int)(rng_next(r) % SHAPE_COUNT);
        unsigned char *rowp = matrix + used * row;
        make_dist(r, shape, dtype, n, p, rowp);
        const uint32_t s = (uint32_t)(rng_next(r) % 3 == 0 ? rng_next(r) % n : draw(r, p, n));
        const int valid = ref_counts(rowp, dtype, n, c);
        const dc_result fr = dc_frequencies(DC_FORMAT_PYTHON_0_1, rowp, dtype, n, f, &total);
        const dc_result er = dc_coder_encode_step(enc, rowp, dtype, n, s);
        if (!valid) {
            ok &= fr == DC_ERR_COUNT_OVERFLOW && er == DC_ERR_COUNT_OVERFLOW;
            *refused_any = 1;
            continue;
        }
        ok &= fr == DC_OK && er == DC_OK && total == TWO32;
        ok &= memcmp(c, f, n * sizeof *c) == 0;
        ref_encode(&e, c, s);
        sym[used++] = s;
    }
    const uint8_t *bytes;
    size_t size, failed;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    const size_t rsize = ref_finish(&e);
    ok &= size == rsize && memcmp(bytes, e.out, size) == 0;
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    for (size_t t = 0; t < used; t++) {
        size_t s = (size_t)-1;
        ok &= dc_coder_decode_step(dec, matrix + t * row, dtype, n, &s) == DC_OK && s == sym[t];
    }
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    ok &= dc_coder_decode_steps(dec, matrix, dtype, n, used, got, &failed) == DC_OK;
    ok &= used == 0 || memcmp(got, sym, used * sizeof *got) == 0;
    if (!ok)
        fprintf(stderr, "random message: dtype %s vocab %zu steps %zu differs\n",
                dtype_names[dtype], n, steps);
    CHECK(ok);
    free(e.out);
    dc_coder_free(enc);
    dc_coder_free(dec);
    free(p);
    free(matrix);
    free(sym);
    free(got);
    free(c);
    free(f);
}

static void random_messages(test_rng *r)
{
    static const size_t sizes[] = {1, 2, 3, 5, 17, 255, 256, 257, 1000, 4097};
    int refused_any = 0;
    for (int dtype = 0; dtype < 4; dtype++) {
        for (int i = 0; i < 60; i++)
            random_message(r, dtype, sizes[rng_next(r) % 10], 1 + rng_next(r) % 40,
                           &refused_any);
        random_message(r, dtype, 50257, 6, &refused_any);
        random_message(r, dtype, 1, 50, &refused_any);
    }
    CHECK(refused_any); /* the generator does reach the refused case */
}

/* ---------------------------------------------------------------------------------- */
/* Refusals leave the coder unchanged; the stream still decodes.                       */

static void refusals(void)
{
    const float good[3] = {0.2f, 0.3f, 0.5f};
    const float nan_d[3] = {0.5f, NAN, 0.5f};
    const float inf_d[3] = {0.5f, INFINITY, 0.0f};
    const float ninf_d[3] = {0.5f, -INFINITY, 0.0f};
    const float neg_d[3] = {0.5f, -0.25f, 0.5f};
    const float neg_then_nan[3] = {-1.0f, NAN, 0.5f};
    const float over[3] = {0.5f, 0.5f, 0.5f};  /* others = 2^32 exactly */
    const float two_big[3] = {2.0f, 0.0f, 2.0f}; /* a second count >= 2^32 */
    const float edge[3] = {0.5f, 0x1p-1f - 0x1p-25f, 0.5f}; /* others = 2^32 - 2^7 */
    const double nan64[2] = {0.5, NAN}, inf64[2] = {INFINITY, 0.5}, neg64[2] = {-1e-300, 1};
    const uint16_t nan16[2] = {0x3800, 0x7e01}, inf16[2] = {0x7c00, 0x3800};
    const uint16_t negbf[2] = {0x3f00, 0x8001}; /* bf16 negative subnormal */
    const uint16_t flat_bf16_over[3] = {0x3f00, 0x3f00, 0x3f00}; /* 3 x 0.5 */
    const float zeros[3] = {-0.0f, 0.0f, -0.0f};

    dc_coder *c, *plain, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &c));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &plain));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &dec));
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 3, 1));
    CHECK_REFUSED(c, dc_coder_encode_step(c, nan_d, DC_DTYPE_F32, 3, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, inf_d, DC_DTYPE_F32, 3, 0), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, ninf_d, DC_DTYPE_F32, 3, 2), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, neg_d, DC_DTYPE_F32, 3, 0), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, neg_then_nan, DC_DTYPE_F32, 3, 2), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, over, DC_DTYPE_F32, 3, 0), DC_ERR_COUNT_OVERFLOW);
    CHECK_REFUSED(c, dc_coder_encode_step(c, two_big, DC_DTYPE_F32, 3, 0), DC_ERR_COUNT_OVERFLOW);
    CHECK_REFUSED(c, dc_coder_encode_step(c, nan64, DC_DTYPE_F64, 2, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, inf64, DC_DTYPE_F64, 2, 0), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, neg64, DC_DTYPE_F64, 2, 1), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, nan16, DC_DTYPE_F16, 2, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, inf16, DC_DTYPE_F16, 2, 1), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, negbf, DC_DTYPE_BF16, 2, 0), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, flat_bf16_over, DC_DTYPE_BF16, 3, 0),
                  DC_ERR_COUNT_OVERFLOW);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, 3, 3), DC_ERR_BAD_SYMBOL);
    uint64_t f[3], total;
    CHECK_RESULT(dc_frequencies(DC_FORMAT_PYTHON_0_1, over, DC_DTYPE_F32, 3, f, &total),
                 DC_ERR_COUNT_OVERFLOW);
    CHECK_RESULT(dc_frequencies(DC_FORMAT_PYTHON_0_1, nan_d, DC_DTYPE_F32, 3, f, &total),
                 DC_ERR_NAN);
    /* Accepted edge cases: others just below 2^32; -0.0 and all-zero rows (every count
       is 1 and the first element takes the rest), exactly what the package writes. */
    CHECK_OK(dc_frequencies(DC_FORMAT_PYTHON_0_1, edge, DC_DTYPE_F32, 3, f, &total));
    CHECK(f[0] == 128 && f[1] == TWO32 / 2 - 128 && f[2] == TWO32 / 2);
    CHECK_OK(dc_frequencies(DC_FORMAT_PYTHON_0_1, zeros, DC_DTYPE_F32, 3, f, &total));
    CHECK(f[0] == TWO32 - 2 && f[1] == 1 && f[2] == 1 && total == TWO32);
    CHECK_OK(dc_coder_encode_step(c, edge, DC_DTYPE_F32, 3, 0));
    CHECK_OK(dc_coder_encode_step(c, zeros, DC_DTYPE_F32, 3, 2));

    /* A batch refused at step 2 keeps nothing of the batch. */
    const float rows[4][3] = {{0.2f, 0.3f, 0.5f}, {0.1f, 0.1f, 0.8f}, {0.5f, 0.5f, 0.5f},
                              {0.3f, 0.3f, 0.4f}};
    const uint32_t bsym[4] = {0, 2, 1, 1};
    size_t failed = 99;
    CHECK_REFUSED(c, dc_coder_encode_steps(c, rows, DC_DTYPE_F32, 3, 4, bsym, &failed),
                  DC_ERR_COUNT_OVERFLOW);
    CHECK(failed == 2);
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 3, 0));

    /* Same valid steps without the refused calls give the same bytes. */
    CHECK_OK(dc_coder_encode_step(plain, good, DC_DTYPE_F32, 3, 1));
    CHECK_OK(dc_coder_encode_step(plain, edge, DC_DTYPE_F32, 3, 0));
    CHECK_OK(dc_coder_encode_step(plain, zeros, DC_DTYPE_F32, 3, 2));
    CHECK_OK(dc_coder_encode_step(plain, good, DC_DTYPE_F32, 3, 0));
    const uint8_t *b1, *b2;
    size_t s1, s2, s;
    CHECK_OK(dc_coder_finish_encoding(c, &b1, &s1));
    CHECK_OK(dc_coder_finish_encoding(plain, &b2, &s2));
    CHECK(s1 == s2 && memcmp(b1, b2, s1) == 0);

    /* The decoder refuses the same rows unchanged and then goes on decoding. */
    CHECK_OK(dc_coder_start_decoding(dec, b1, s1));
    CHECK_OK(dc_coder_decode_step(dec, good, DC_DTYPE_F32, 3, &s));
    CHECK(s == 1);
    CHECK_REFUSED(dec, dc_coder_decode_step(dec, nan_d, DC_DTYPE_F32, 3, &s), DC_ERR_NAN);
    CHECK_REFUSED(dec, dc_coder_decode_step(dec, neg64, DC_DTYPE_F64, 2, &s), DC_ERR_NEGATIVE);
    CHECK_REFUSED(dec, dc_coder_decode_step(dec, inf16, DC_DTYPE_F16, 2, &s), DC_ERR_INFINITE);
    CHECK_REFUSED(dec, dc_coder_decode_step(dec, over, DC_DTYPE_F32, 3, &s), DC_ERR_COUNT_OVERFLOW);
    CHECK_OK(dc_coder_decode_step(dec, edge, DC_DTYPE_F32, 3, &s));
    CHECK(s == 0);
    uint32_t two[2] = {9, 9};
    const float drows[3][3] = {{-0.0f, 0.0f, -0.0f}, {0.5f, 0.5f, 0.5f}, {0}};
    CHECK_REFUSED(dec, dc_coder_decode_steps(dec, drows, DC_DTYPE_F32, 3, 2, two, &failed),
                  DC_ERR_COUNT_OVERFLOW);
    CHECK(failed == 1);
    CHECK_OK(dc_coder_decode_step(dec, zeros, DC_DTYPE_F32, 3, &s));
    CHECK(s == 2);
    CHECK_OK(dc_coder_decode_step(dec, good, DC_DTYPE_F32, 3, &s));
    CHECK(s == 0);
    dc_coder_free(c);
    dc_coder_free(plain);
    dc_coder_free(dec);
}

/* ---------------------------------------------------------------------------------- */
/* Arbitrary bytes: every byte string decodes (the value never leaves [low, high]), to  */
/* the symbols the reference decoder finds; re-encoding them gives a stream that       */
/* decodes to them again.                                                               */

static void garbage_input(test_rng *r)
{
    enum { MAX_STEPS = 24, MAX_LEN = 48 };
    dc_coder *dec, *enc;
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &dec));
    CHECK_OK(dc_coder_create(DC_FORMAT_PYTHON_0_1, NULL, &enc));
    int ok = 1;
    for (int iter = 0; iter < 3000; iter++) {
        const int dtype = (int)(rng_next(r) % 4);
        const size_t n = 1 + (rng_next(r) % 4 == 0 ? rng_next(r) % 700 : rng_next(r) % 5);
        const size_t steps = 1 + rng_next(r) % MAX_STEPS, row = n * dc_dtype_size(dtype);
        uint8_t bytes[MAX_LEN];
        const size_t len = rng_next(r) % (MAX_LEN + 1);
        for (size_t i = 0; i < len; i++)
            bytes[i] = rng_next(r) % 3 == 0 ? (uint8_t)(rng_next(r) % 2 ? 0xFF : 0) : (uint8_t)rng_next(r);
        unsigned char *matrix = malloc(steps * row);
        double *p = malloc(n * sizeof *p);
        uint64_t *c = malloc(n * sizeof *c);
        uint32_t sym[MAX_STEPS], again[MAX_STEPS];
        size_t valid_steps = 0;
        for (size_t t = 0; t < steps; t++) {
            unsigned char *rowp = matrix + valid_steps * row;
            make_dist(r, (int)(rng_next(r) % SHAPE_COUNT), dtype, n, p, rowp);
            if (ref_counts(rowp, dtype, n, c))
                valid_steps++;
        }
        ref_coder d;
        ref_start(&d, bytes, len);
        CHECK_OK(dc_coder_start_decoding(dec, bytes, len));
        for (size_t t = 0; t < valid_steps; t++) {
            size_t s = (size_t)-1;
            ok &= dc_coder_decode_step(dec, matrix + t * row, dtype, n, &s) == DC_OK;
            ref_counts(matrix + t * row, dtype, n, c);
            ok &= s < n && s == ref_decode(&d, c, n, 0);
            sym[t] = (uint32_t)s;
        }
        dc_coder_reset(enc);
        const uint8_t *out;
        size_t out_len, failed;
        CHECK_OK(dc_coder_encode_steps(enc, matrix, dtype, n, valid_steps, sym, &failed));
        CHECK_OK(dc_coder_finish_encoding(enc, &out, &out_len));
        CHECK_OK(dc_coder_start_decoding(dec, out, out_len));
        ok &= dc_coder_decode_steps(dec, matrix, dtype, n, valid_steps, again, &failed) == DC_OK;
        ok &= valid_steps == 0 || memcmp(sym, again, valid_steps * sizeof *sym) == 0;
        free(matrix);
        free(p);
        free(c);
    }
    CHECK(ok);
    dc_coder_free(dec);
    dc_coder_free(enc);
}

int main(void)
{
    test_rng r = {0x5059303131ull};
    reference_arithmetic(&r);
    block_kernels(&r);
    boundary_defect_example();
    public_vectors();
    refusals();
    random_messages(&r);
    garbage_input(&r);
    return test_finish("test_python01");
}
