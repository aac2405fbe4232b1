/* python01_vs_default.c - per-step time of the python-0.1 format next to the default
 * format, encode and decode, at one vocabulary and dtype (default: 50257, f32).
 *
 * Build and run (from the repository root, after building the library in build-py/):
 *   cc -O2 -std=c99 -Iinclude bench/python01_vs_default.c build-py/libdistribution_coder.a \
 *      -lm -o build-py/python01_vs_default && build-py/python01_vs_default [vocab] [steps]
 * Prints ns per step for each format and direction and the python-0.1 / default ratio. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distribution_coder.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be busy */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* LLM-like rows: softmax of Gaussian logits (scale 3), float32. */
static void make_row(float *row, size_t n)
{
    double *l = malloc(n * sizeof *l), max = -1e300, sum = 0;
    for (size_t i = 0; i < n; i++) {
        const double u = uniform() + 1e-300;
        l[i] = 3.0 * sqrt(-2.0 * log(u)) * cos(6.283185307179586 * uniform());
        max = l[i] > max ? l[i] : max;
    }
    for (size_t i = 0; i < n; i++)
        sum += (l[i] = exp(l[i] - max));
    for (size_t i = 0; i < n; i++)
        row[i] = (float)(l[i] / sum);
    free(l);
}

static size_t draw(const float *row, size_t n)
{
    double x = uniform();
    for (size_t i = 0; i < n; i++)
        if ((x -= row[i]) < 0)
            return i;
    return n - 1;
}

#define CHECK_OK(expr)                                                              \
    do {                                                                            \
        const dc_result r_ = (expr);                                                \
        if (r_ != DC_OK) {                                                          \
            fprintf(stderr, "%s: %s\n", #expr, dc_result_name(r_));                 \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

typedef struct timing {
    double enc_ns, dec_ns;
    size_t bytes;
} timing;

/* Best of `reps` runs of encoding and decoding all steps (rows cycle through `rows`). */
static timing run(int format, float *const *rows, size_t nrows, size_t n, const size_t *sym,
                  size_t steps, int reps)
{
    timing t = {1e300, 1e300, 0};
    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(format, NULL, &enc));
    CHECK_OK(dc_coder_create(format, NULL, &dec));
    CHECK_OK(dc_coder_reserve_output(enc, steps * 8 + 64));
    for (int rep = 0; rep < reps; rep++) {
        CHECK_OK(dc_coder_reset(enc));
        double t0 = now_ns();
        for (size_t s = 0; s < steps; s++)
            CHECK_OK(dc_coder_encode_step(enc, rows[s % nrows], DC_DTYPE_F32, n, sym[s]));
        const uint8_t *bytes;
        size_t size;
        CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
        double t1 = now_ns();
        CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
        size_t bad = 0;
        for (size_t s = 0; s < steps; s++) {
            size_t got;
            CHECK_OK(dc_coder_decode_step(dec, rows[s % nrows], DC_DTYPE_F32, n, &got));
            bad += got != sym[s];
        }
        double t2 = now_ns();
        if (bad) {
            fprintf(stderr, "format %d: %zu symbols decoded wrong\n", format, bad);
            exit(1);
        }
        t.enc_ns = (t1 - t0) / (double)steps < t.enc_ns ? (t1 - t0) / (double)steps : t.enc_ns;
        t.dec_ns = (t2 - t1) / (double)steps < t.dec_ns ? (t2 - t1) / (double)steps : t.dec_ns;
        t.bytes = size;
    }
    dc_coder_free(enc);
    dc_coder_free(dec);
    return t;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 50257;
    const size_t steps = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 2000;
    enum { NROWS = 64, REPS = 5 };
    float *rows[NROWS];
    for (int r = 0; r < NROWS; r++) {
        rows[r] = malloc(n * sizeof(float));
        make_row(rows[r], n);
    }
    size_t *sym = malloc(steps * sizeof *sym);
    for (size_t s = 0; s < steps; s++)
        sym[s] = draw(rows[s % NROWS], n);

    const timing def = run(DC_FORMAT_DEFAULT, rows, NROWS, n, sym, steps, REPS);
    const timing py = run(DC_FORMAT_PYTHON_0_1, rows, NROWS, n, sym, steps, REPS);
    printf("vocab %zu, f32, %zu steps, best of %d\n", n, steps, REPS);
    printf("%-12s %12s %12s %10s\n", "format", "encode ns", "decode ns", "bytes");
    printf("%-12s %12.0f %12.0f %10zu\n", "default", def.enc_ns, def.dec_ns, def.bytes);
    printf("%-12s %12.0f %12.0f %10zu\n", "python-0.1", py.enc_ns, py.dec_ns, py.bytes);
    printf("ratio python-0.1 / default: encode %.2f, decode %.2f\n", py.enc_ns / def.enc_ns,
           py.dec_ns / def.dec_ns);
    for (int r = 0; r < NROWS; r++)
        free(rows[r]);
    free(sym);
    return 0;
}
