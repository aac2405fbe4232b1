/* bench_native.c - native speed of the default format against the read limit.
 *
 * For each vocabulary and dtype: ns per encode step and per decode step (symbols drawn
 * from the distributions, and the worst case: the last symbol), the "read limit" (a plain
 * SIMD sum of the same buffer, the least any coder must spend reading it), the active
 * kernels against the scalar reference and SSE2, bytes out against the ideal entropy, and
 * a subnormal-heavy f32 case. Prints a Markdown table; with a path argument also writes
 * the rows as JSON there.
 *
 *   cmake -S . -B build && cmake --build build -j2 && ./build/bench/bench_native [out.json]
 *
 * Timings are the best of several repeats (the machine may be shared). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distribution_coder.h"
#include "kernels/kernels.h"

#ifdef DC_HAVE_X86_KERNELS
#include <immintrin.h>
#endif

#define NDIST 4       /* distributions cycled through, like consecutive model outputs */
#define REPEATS 5
#define TARGET_BYTES ((size_t)48 << 20) /* distribution bytes read per measurement */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_gauss(rng *r)
{
    const double u = rng_unit(r) + 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * rng_unit(r));
}

/* Zipf-like logits (an LLM's next-token distribution: a few likely tokens, a long tail)
   at shuffled positions, times `temp_scale`; softmax in double. */
static void make_dist(rng *r, double *p, size_t n, double temp_scale)
{
    double mx = -1e300, sum = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t rank = 1 + (size_t)(rng_next(r) % n);
        p[i] = temp_scale * (-1.1 * log((double)rank) + 0.5 * rng_gauss(r));
        if (p[i] > mx)
            mx = p[i];
    }
    for (size_t i = 0; i < n; i++) {
        p[i] = exp(p[i] - mx);
        sum += p[i];
    }
    for (size_t i = 0; i < n; i++)
        p[i] /= sum;
}

/* Very peaked (a confident model in f32): three tokens hold the mass, every other element
   is an f32 subnormal (below 2^-126, down to about 2^-148). */
static void make_subnormal_heavy(rng *r, double *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = ldexp(1.0 + rng_unit(r), -127 - (int)(rng_next(r) % 22));
    const size_t a = (size_t)(rng_next(r) % n);
    p[a] = 0.5;
    p[(a + 1 + (size_t)(rng_next(r) % (n - 1))) % n] = 0.3;
    p[(a + n / 2) % n] = 0.199;
}

static uint16_t to_bf16(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    b += 0x7fffu + ((b >> 16) & 1);
    return (uint16_t)(b >> 16);
}

static uint16_t to_f16(float f)
{
    /* positive finite inputs below 1: round to nearest even */
    uint32_t b;
    memcpy(&b, &f, 4);
    const int e = (int)(b >> 23) - 127 + 15;
    uint32_t m = (b & 0x7fffffu) | 0x800000u;
    if (b == 0)
        return 0;
    int shift = e >= 1 ? 13 : 14 - e;
    if (shift > 24)
        return 0;
    uint32_t h = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
        h++;
    if (e >= 1)
        return (uint16_t)((((uint32_t)e << 10) | (h & 0x3ff)) + (h >> 11 << 10));
    return (uint16_t)h;
}

static void store(int dtype, void *dst, const double *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case DC_DTYPE_F32: ((float *)dst)[i] = (float)p[i]; break;
        case DC_DTYPE_F64: ((double *)dst)[i] = p[i]; break;
        case DC_DTYPE_F16: ((uint16_t *)dst)[i] = to_f16((float)p[i]); break;
        default: ((uint16_t *)dst)[i] = to_bf16((float)p[i]); break;
        }
    }
}

static size_t draw(rng *r, const double *p, size_t n)
{
    double x = rng_unit(r);
    for (size_t i = 0; i < n; i++) {
        x -= p[i];
        if (x < 0)
            return i;
    }
    return n - 1;
}

/* ---- read limit: a plain SIMD sum of the buffer's 32-bit words ---- */

#ifdef DC_HAVE_X86_KERNELS
__attribute__((target("avx2"))) static uint32_t read_avx2(const void *buf, size_t bytes)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + (bytes & ~(size_t)63);
    __m256i a0 = _mm256_setzero_si256(), a1 = a0;
    for (; p < end; p += 64) {
        a0 = _mm256_add_epi32(a0, _mm256_loadu_si256((const __m256i *)p));
        a1 = _mm256_add_epi32(a1, _mm256_loadu_si256((const __m256i *)(p + 32)));
    }
    a0 = _mm256_add_epi32(a0, a1);
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(x);
}

static uint32_t read_sse2(const void *buf, size_t bytes)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + (bytes & ~(size_t)31);
    __m128i a0 = _mm_setzero_si128(), a1 = a0;
    for (; p < end; p += 32) {
        a0 = _mm_add_epi32(a0, _mm_loadu_si128((const __m128i *)p));
        a1 = _mm_add_epi32(a1, _mm_loadu_si128((const __m128i *)(p + 16)));
    }
    a0 = _mm_add_epi32(a0, a1);
    a0 = _mm_add_epi32(a0, _mm_shuffle_epi32(a0, 0x4e));
    a0 = _mm_add_epi32(a0, _mm_shuffle_epi32(a0, 0xb1));
    return (uint32_t)_mm_cvtsi128_si32(a0);
}
#endif

static uint32_t read_plain(const void *buf, size_t bytes)
{
    const uint32_t *p = (const uint32_t *)buf;
    uint32_t s = 0;
    for (size_t i = 0; i < bytes / 4; i++)
        s += p[i];
    return s;
}

static uint32_t read_limit(const void *buf, size_t bytes)
{
#ifdef DC_HAVE_X86_KERNELS
    if (dc_cpu_has_avx2())
        return read_avx2(buf, bytes);
    return read_sse2(buf, bytes);
#else
    return read_plain(buf, bytes);
#endif
}

/* ---- one configuration ---- */

typedef struct row {
    const char *dtype;
    const char *input;
    size_t vocab, steps;
    double enc_ns, dec_ns, dec_worst_ns, read_ns, scalar_ns, sse2_ns, active_kernel_ns;
    double bytes_out, ideal_bytes;
} row;

static volatile uint64_t sink;

static void bench_one(int dtype, size_t n, double temp_scale, const char *input, row *out)
{
    const size_t es = dc_dtype_size(dtype);
    size_t steps = TARGET_BYTES / (n * es);
    if (steps < 64)
        steps = 64;
    if (steps > 20000)
        steps = 20000;
    rng r = {n * 31 + (uint64_t)dtype};
    double *p = malloc(sizeof(double) * n);
    unsigned char *dists = malloc(NDIST * n * es);
    uint32_t *syms = malloc(sizeof(uint32_t) * steps);
    uint32_t *dec = malloc(sizeof(uint32_t) * steps);
    double ideal_bits = 0;
    uint32_t symtab[NDIST][64];
    double bits[NDIST][64];
    for (int d = 0; d < NDIST; d++) {
        if (temp_scale > 0)
            make_dist(&r, p, n, temp_scale);
        else
            make_subnormal_heavy(&r, p, n);
        store(dtype, dists + (size_t)d * n * es, p, n);
        for (int j = 0; j < 64; j++) {
            const size_t sym = draw(&r, p, n);
            symtab[d][j] = (uint32_t)sym;
            bits[d][j] = -log2(p[sym]);
        }
    }
    for (size_t t = 0; t < steps; t++) {
        const size_t d = t % NDIST, j = (t / NDIST) % 64;
        syms[t] = symtab[d][j];
        ideal_bits += bits[d][j];
    }

    dc_coder *c;
    const uint8_t *bytes;
    size_t size;
    double best_enc = 1e300, best_dec = 1e300, best_worst = 1e300, best_read = 1e300;
    if (dc_coder_create(DC_FORMAT_DEFAULT, NULL, &c) != DC_OK)
        exit(1);
    dc_coder_reserve_output(c, steps * 8 + 64);
    uint8_t *copy = malloc(steps * 8 + 64);
    size_t copy_size = 0;
    for (int rep = 0; rep < REPEATS; rep++) {
        dc_coder_reset(c);
        double t0 = now_ns();
        for (size_t t = 0; t < steps; t++)
            if (dc_coder_encode_step(c, dists + (t % NDIST) * n * es, dtype, n, syms[t]) != DC_OK)
                exit(2);
        double t1 = now_ns();
        if (t1 - t0 < best_enc)
            best_enc = t1 - t0;
        dc_coder_finish_encoding(c, &bytes, &size);
        memcpy(copy, bytes, size);
        copy_size = size;
        dc_coder_start_decoding(c, copy, copy_size);
        t0 = now_ns();
        for (size_t t = 0; t < steps; t++) {
            size_t s;
            dc_coder_decode_step(c, dists + (t % NDIST) * n * es, dtype, n, &s);
            dec[t] = (uint32_t)s;
        }
        t1 = now_ns();
        if (t1 - t0 < best_dec)
            best_dec = t1 - t0;
        if (memcmp(dec, syms, steps * sizeof(uint32_t)) != 0) {
            fprintf(stderr, "round trip failed\n");
            exit(3);
        }
        t0 = now_ns();
        for (size_t t = 0; t < steps; t++)
            sink += read_limit(dists + (t % NDIST) * n * es, n * es);
        t1 = now_ns();
        if (t1 - t0 < best_read)
            best_read = t1 - t0;
    }
    /* worst case for decode: every symbol is the last one (search to the last block and
       scan all of it) */
    const size_t wsteps = steps < 2000 ? steps : 2000;
    dc_coder_reset(c);
    for (size_t t = 0; t < wsteps; t++)
        dc_coder_encode_step(c, dists + (t % NDIST) * n * es, dtype, n, n - 1);
    dc_coder_finish_encoding(c, &bytes, &size);
    memcpy(copy, bytes, size);
    copy_size = size;
    for (int rep = 0; rep < REPEATS; rep++) {
        dc_coder_start_decoding(c, copy, copy_size);
        const double t0 = now_ns();
        for (size_t t = 0; t < wsteps; t++) {
            size_t s;
            dc_coder_decode_step(c, dists + (t % NDIST) * n * es, dtype, n, &s);
            if (s != n - 1)
                exit(4);
        }
        const double t1 = now_ns();
        if (t1 - t0 < best_worst)
            best_worst = t1 - t0;
    }
    /* kernels alone: active, SSE2 and the scalar reference over the whole buffer */
    const dc_kernels *sets[3] = {dc_kernels_active(), &dc_kernels_scalar, NULL};
#ifdef DC_HAVE_X86_KERNELS
    sets[2] = &dc_kernels_sse2;
#endif
    double kns[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        if (!sets[k])
            continue;
        const size_t ksteps = k == 1 ? (steps / 8 > 16 ? steps / 8 : 16) : steps;
        double best = 1e300;
        for (int rep = 0; rep < 3; rep++) {
            const double t0 = now_ns();
            for (size_t t = 0; t < ksteps; t++) {
                uint64_t s = 0;
                sets[k]->sum32[dtype](dists + (t % NDIST) * n * es, 0, n, &s);
                sink += s;
            }
            const double t1 = now_ns();
            if (t1 - t0 < best)
                best = t1 - t0;
        }
        kns[k] = best / (double)ksteps;
    }
    out->dtype = dtype == DC_DTYPE_F32 ? "f32" : dtype == DC_DTYPE_F64 ? "f64"
               : dtype == DC_DTYPE_F16 ? "f16" : "bf16";
    out->input = input;
    out->vocab = n;
    out->steps = steps;
    out->enc_ns = best_enc / (double)steps;
    out->dec_ns = best_dec / (double)steps;
    out->dec_worst_ns = best_worst / (double)wsteps;
    out->read_ns = best_read / (double)steps;
    out->active_kernel_ns = kns[0];
    out->scalar_ns = kns[1];
    out->sse2_ns = kns[2];
    out->bytes_out = (double)copy_size; /* overwritten below with the typical stream */
    out->ideal_bytes = ideal_bits / 8.0;
    /* bytes of the typical stream */
    dc_coder_reset(c);
    for (size_t t = 0; t < steps; t++)
        dc_coder_encode_step(c, dists + (t % NDIST) * n * es, dtype, n, syms[t]);
    dc_coder_finish_encoding(c, &bytes, &size);
    out->bytes_out = (double)size;
    dc_coder_free(c);
    free(copy);
    free(p);
    free(dists);
    free(syms);
    free(dec);
}

int main(int argc, char **argv)
{
    static const size_t vocabs[] = {256, 32000, 50257, 151936, 256000};
    static const int dtypes[] = {DC_DTYPE_F32, DC_DTYPE_BF16, DC_DTYPE_F16, DC_DTYPE_F64};
    row rows[32];
    int nrows = 0;
    printf("kernels: %s\n\n", dc_kernels_active()->name);
    printf("| vocab | dtype | input | encode ns/step | decode ns/step | decode worst | read "
           "limit ns | enc/read | dec/read | GB/s enc | kernel %s/read | scalar/%s kernel "
           "| sse2/%s kernel | bytes/ideal |\n",
           dc_kernels_active()->name, dc_kernels_active()->name, dc_kernels_active()->name);
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t v = 0; v < sizeof vocabs / sizeof vocabs[0]; v++) {
        for (size_t d = 0; d < 4; d++) {
            row *rw = &rows[nrows++];
            bench_one(dtypes[d], vocabs[v], 1.0, "zipf", rw);
            if (vocabs[v] == 50257 && dtypes[d] == DC_DTYPE_F32) {
                rw = &rows[nrows++];
                bench_one(dtypes[d], vocabs[v], 0.0, "subnormal-heavy", rw);
            }
        }
    }
    for (int i = 0; i < nrows; i++) {
        const row *rw = &rows[i];
        const double bytes = (double)rw->vocab * (double)dc_dtype_size(
            strcmp(rw->dtype, "f32") == 0 ? DC_DTYPE_F32 : strcmp(rw->dtype, "f64") == 0
                ? DC_DTYPE_F64 : DC_DTYPE_F16);
        printf("| %zu | %s | %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.1f | %.2f | "
               "%.1f | %.2f | %.4f |\n",
               rw->vocab, rw->dtype, rw->input, rw->enc_ns, rw->dec_ns, rw->dec_worst_ns,
               rw->read_ns, rw->enc_ns / rw->read_ns, rw->dec_ns / rw->read_ns,
               bytes / rw->enc_ns, rw->active_kernel_ns / rw->read_ns,
               rw->scalar_ns / rw->active_kernel_ns,
               rw->sse2_ns > 0 ? rw->sse2_ns / rw->active_kernel_ns : 0.0,
               rw->bytes_out / rw->ideal_bytes);
    }
    if (argc > 1) {
        FILE *f = fopen(argv[1], "w");
        if (!f) {
            perror(argv[1]);
            return 1;
        }
        fprintf(f, "{\n  \"kernels\": \"%s\",\n  \"rows\": [\n", dc_kernels_active()->name);
        for (int i = 0; i < nrows; i++) {
            const row *rw = &rows[i];
            fprintf(f,
                    "    {\"vocab\": %zu, \"dtype\": \"%s\", \"input\": \"%s\", \"steps\": %zu, "
                    "\"encode_ns\": %.1f, \"decode_ns\": %.1f, \"decode_worst_ns\": %.1f, "
                    "\"read_limit_ns\": %.1f, \"kernel_ns\": %.1f, \"scalar_kernel_ns\": %.1f, "
                    "\"sse2_kernel_ns\": %.1f, \"bytes_out\": %.0f, \"ideal_bytes\": %.1f}%s\n",
                    rw->vocab, rw->dtype, rw->input, rw->steps, rw->enc_ns, rw->dec_ns,
                    rw->dec_worst_ns, rw->read_ns, rw->active_kernel_ns, rw->scalar_ns,
                    rw->sse2_ns, rw->bytes_out, rw->ideal_bytes, i + 1 < nrows ? "," : "");
        }
        fprintf(f, "  ]\n}\n");
        fclose(f);
    }
    (void)read_plain;
    return 0;
}
