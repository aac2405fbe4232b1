/* tolerant_curve.c - size overhead of the tolerant mode against the exact mode on the same
 * steps, over tau = 1e-6 ... 1e-3, at vocabulary 50,257 (softmax of scaled Gaussian logits
 * with the scales of test/test_compression.c, 1.5 ... 9.25, spread over 128 rows) and 256 (a byte model's shape), plus the
 * native time per step. Every tolerant stream is also decoded from distributions perturbed
 * by up to tau (relative, per element) and must give back the symbols.
 *
 * Usage: tolerant_curve [steps]      (default 20000 per vocabulary) */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distribution_coder.h"
#include "../test/test_util.h"


enum { POOL = 128 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct workload {
    size_t vocab, steps;
    float *pool;      /* POOL rows */
    float *perturbed; /* POOL rows, each element times (1 + u tau), |u| <= 1 */
    uint32_t *row, *sym;
    double ideal_bits;
} workload;

static void make_workload(workload *w, size_t vocab, size_t steps, double scale0, double dscale)
{
    test_rng r = {2024 + vocab};
    w->vocab = vocab;
    w->steps = steps;
    w->pool = malloc(POOL * vocab * sizeof(float));
    w->perturbed = malloc(POOL * vocab * sizeof(float));
    w->row = malloc(steps * sizeof(uint32_t));
    w->sym = malloc(steps * sizeof(uint32_t));
    double *p = malloc(vocab * sizeof(double));
    for (int j = 0; j < POOL; j++) {
        make_softmax(&r, p, vocab, scale0 + dscale * j * 32 / POOL);
        store_as(DC_DTYPE_F32, w->pool + (size_t)j * vocab, p, vocab);
    }
    w->ideal_bits = 0;
    for (size_t t = 0; t < steps; t++) {
        const uint32_t j = (uint32_t)(rng_next(&r) % POOL);
        const float *row = w->pool + (size_t)j * vocab;
        double total = 0;
        for (size_t i = 0; i < vocab; i++)
            total += row[i];
        double x = rng_uniform(&r) * total;
        size_t s = 0;
        while (s + 1 < vocab && (x -= row[s]) >= 0)
            s++;
        w->row[t] = j;
        w->sym[t] = (uint32_t)s;
        w->ideal_bits -= log2(row[s] / total);
    }
    free(p);
}

/* Perturb every element by a relative amount in [-tau, tau] (a third of them exactly +-tau),
   rounding toward the original so the float stays within the tolerance. */
static void perturb(workload *w, double tau, uint64_t seed)
{
    test_rng r = {seed};
    for (size_t i = 0; i < POOL * w->vocab; i++) {
        const double v = w->pool[i];
        const uint64_t k = rng_next(&r) % 3;
        const double u = k == 0 ? 1 : k == 1 ? -1 : 2 * rng_uniform(&r) - 1;
        float f = (float)(v * (1 + u * tau));
        if (fabs((double)f - v) > tau * v)
            f = nextafterf(f, (float)v);
        w->perturbed[i] = f;
    }
}

static size_t run(const workload *w, double tau, double *enc_us, double *dec_us, int *wrong)
{
    dc_coder_options o = {DC_FORMAT_DEFAULT, 0, tau, 0, {0}};
    dc_coder *enc, *dec;
    if (dc_coder_create_with_options(&o, NULL, &enc) || dc_coder_create_with_options(&o, NULL, &dec))
        abort();
    double t0 = now();
    for (size_t t = 0; t < w->steps; t++)
        if (dc_coder_encode_step(enc, w->pool + (size_t)w->row[t] * w->vocab, DC_DTYPE_F32, w->vocab,
                           w->sym[t]))
            abort();
    const uint8_t *bytes;
    size_t size;
    dc_coder_finish_encoding(enc, &bytes, &size);
    *enc_us = (now() - t0) * 1e6 / w->steps;
    dc_coder_start_decoding(dec, bytes, size);
    *wrong = 0;
    t0 = now();
    for (size_t t = 0; t < w->steps; t++) {
        size_t s;
        const float *src = tau > 0 ? w->perturbed : w->pool;
        if (dc_coder_decode_step(dec, src + (size_t)w->row[t] * w->vocab, DC_DTYPE_F32, w->vocab, &s) ||
            s != w->sym[t])
            ++*wrong;
    }
    *dec_us = (now() - t0) * 1e6 / w->steps;
    dc_coder_free(enc);
    dc_coder_free(dec);
    return size;
}

int main(int argc, char **argv)
{
    const size_t steps = argc > 1 ? (size_t)atol(argv[1]) : 20000;
    static const double taus[] = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3};
    workload ws[2];
    make_workload(&ws[0], 50257, steps, 1.5, 0.25);
    make_workload(&ws[1], 256, steps * 5, 0.5, 0.1);
    for (int v = 0; v < 2; v++) {
        workload *w = &ws[v];
        double e0, d0;
        int wrong;
        const size_t exact = run(w, 0, &e0, &d0, &wrong);
        printf("vocab %zu, %zu steps: ideal %.3f bits/step, exact %.4f bits/step, %.1f us "
               "encode, %.1f us decode%s\n",
               w->vocab, w->steps, w->ideal_bits / w->steps, exact * 8.0 / w->steps, e0, d0,
               wrong ? " WRONG" : "");
        printf("  tau      bits/step  overhead  encode(x)  decode(x)  wrong\n");
        for (size_t k = 0; k < sizeof taus / sizeof *taus; k++) {
            perturb(w, taus[k], 77 + k);
            double e, d;
            const size_t size = run(w, taus[k], &e, &d, &wrong);
            printf("  %-8.0e %9.4f  %7.2f%%  %8.2f  %8.2f  %d", taus[k], size * 8.0 / w->steps,
                   100.0 * ((double)size / exact - 1), e / e0, d / d0, wrong);
            printf("\n");
        }
    }
    return 0;
}
