/* test_tolerant.c - the tolerant mode (docs/FORMAT.md, "Tolerant mode").
 *
 * - options: tolerance 0 gives the exact mode's bytes; NaN, negative, above 1e-2 and any
 *   tolerance with python-0.1 are DC_ERR_BAD_TOLERANCE;
 * - the guarantee: decoded from distributions whose every element is moved by a relative
 *   amount up to tau (a third of them by exactly +-tau, as far as the dtype allows), every
 *   dtype, vocabularies 2 ... 256,000, >= 100,000 steps in all: zero wrong symbols;
 * - batch calls give the step calls' bytes and a refused step keeps nothing;
 * - framed container: tau is in the header; perturbed by 10 tau, every chunk either decodes
 *   right or reports DC_ERR_FRAME_CHECKSUM, never wrong symbols silently. */
#include "test_util.h"

static const int dtypes[4] = {DC_DTYPE_F32, DC_DTYPE_F64, DC_DTYPE_F16, DC_DTYPE_BF16};

static double get_elem(int dtype, const void *row, size_t i)
{
    switch (dtype) {
    case DC_DTYPE_F32: return ((const float *)row)[i];
    case DC_DTYPE_F64: return ((const double *)row)[i];
    case DC_DTYPE_F16: {
        const uint16_t h = ((const uint16_t *)row)[i];
        const int e = (h >> 10) & 31, m = h & 1023;
        return e == 0 ? ldexp(m, -24) : ldexp(1024 + m, e - 25);
    }
    default: {
        uint32_t b = (uint32_t)((const uint16_t *)row)[i] << 16;
        float f;
        memcpy(&f, &b, 4);
        return f;
    }
    }
}

/* Move element i one unit in the last place toward target (positive values). */
static void step_toward(int dtype, void *row, size_t i, double target)
{
    const double v = get_elem(dtype, row, i);
    const int up = target > v;
    switch (dtype) {
    case DC_DTYPE_F32: ((float *)row)[i] = nextafterf((float)v, up ? INFINITY : 0); break;
    case DC_DTYPE_F64: ((double *)row)[i] = nextafter(v, up ? INFINITY : 0); break;
    default: ((uint16_t *)row)[i] = (uint16_t)(((uint16_t *)row)[i] + (up ? 1 : -1)); break;
    }
}

/* dst = src with every element moved by a relative amount in [-f tau, f tau]; the result is
   the representable value nearest to the target that stays within f tau of the original. */
static void perturb(test_rng *r, int dtype, const void *src, void *dst, size_t n, double ftau)
{
    memcpy(dst, src, n * dc_dtype_size(dtype));
    for (size_t i = 0; i < n; i++) {
        const double v = get_elem(dtype, src, i);
        if (v == 0)
            continue;
        const uint64_t k = rng_next(r) % 3;
        const double u = k == 0 ? 1 : k == 1 ? -1 : 2 * rng_uniform(r) - 1;
        const double target = v * (1 + u * ftau);
        store_as(dtype, (unsigned char *)dst + i * dc_dtype_size(dtype), &target, 1);
        for (int guard = 0; guard < 4 && fabs(get_elem(dtype, dst, i) - v) > ftau * v; guard++)
            step_toward(dtype, dst, i, v);
        if (fabs(get_elem(dtype, dst, i) - v) > ftau * v)
            memcpy((unsigned char *)dst + i * dc_dtype_size(dtype),
                   (const unsigned char *)src + i * dc_dtype_size(dtype), dc_dtype_size(dtype));
    }
}

static dc_coder *make(double tau)
{
    dc_coder_options o = {DC_FORMAT_DEFAULT, 0, tau, 0, {0}};
    dc_coder *c = NULL;
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    return c;
}

/* A row: softmax of scaled Gaussian logits, sometimes with exact zeros, tiny values or a
   dominant symbol. */
static void make_row(test_rng *r, int dtype, void *row, size_t n, double *tmp)
{
    make_softmax(r, tmp, n, 0.5 + 6 * rng_uniform(r));
    const uint64_t kind = rng_next(r) % 6;
    for (size_t i = 0; i < n; i++) {
        if (kind == 1 && rng_next(r) % 4 == 0)
            tmp[i] = 0;
        if (kind == 2 && rng_next(r) % 8 == 0)
            tmp[i] *= 1e-12;
    }
    if (kind == 3)
        tmp[rng_next(r) % n] += 0.9999; /* a value near 1 (scale changes near 1) */
    if (kind == 4)
        for (size_t i = 0; i < n; i++)
            tmp[i] *= 37.0; /* unnormalised, above 1 */
    tmp[rng_next(r) % n] += 1e-3; /* never all zero */
    store_as(dtype, row, tmp, n);
}

/* Encode `steps` rows of vocabulary n, decode from perturbed rows; returns wrong symbols. */
static long run_perturbed(test_rng *r, double tau, int dtype, size_t n, size_t steps,
                          double factor)
{
    const size_t es = dc_dtype_size(dtype);
    unsigned char *rows = malloc(steps * n * es), *pert = malloc(steps * n * es);
    double *tmp = malloc(n * sizeof *tmp);
    uint32_t *sym = malloc(steps * sizeof *sym), *got = malloc(steps * sizeof *got);
    for (size_t t = 0; t < steps; t++) {
        make_row(r, dtype, rows + t * n * es, n, tmp);
        for (size_t i = 0; i < n; i++)
            tmp[i] = get_elem(dtype, rows + t * n * es, i);
        sym[t] = (uint32_t)draw(r, tmp, n);
        perturb(r, dtype, rows + t * n * es, pert + t * n * es, n, tau * factor);
    }
    dc_coder *enc = make(tau), *dec = make(tau);
    for (size_t t = 0; t < steps; t++)
        CHECK_OK(dc_coder_encode_step(enc, rows + t * n * es, dtype, n, sym[t]));
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    long wrong = 0;
    for (size_t t = 0; t < steps; t++) {
        size_t s = 0;
        const dc_result res = dc_coder_decode_step(dec, pert + t * n * es, dtype, n, &s);
        if (factor <= 1)
            CHECK_OK(res);
        wrong += s != sym[t];
    }
    if (factor <= 1 && steps <= 64) { /* batches: same bytes, same symbols */
        dc_coder *b = make(tau);
        size_t failed;
        CHECK_OK(dc_coder_encode_steps(b, rows, dtype, n, steps, sym, &failed));
        const uint8_t *bb;
        size_t bs;
        CHECK_OK(dc_coder_finish_encoding(b, &bb, &bs));
        CHECK(bs == size && memcmp(bb, bytes, size) == 0);
        CHECK_OK(dc_coder_start_decoding(b, bytes, size));
        CHECK_OK(dc_coder_decode_steps(b, pert, dtype, n, steps, got, &failed));
        CHECK(memcmp(got, sym, steps * sizeof *sym) == 0);
        dc_coder_free(b);
    }
    dc_coder_free(enc);
    dc_coder_free(dec);
    free(rows);
    free(pert);
    free(tmp);
    free(sym);
    free(got);
    return wrong;
}

static void test_options(void)
{
    dc_coder *c = NULL;
    dc_coder_options o = {DC_FORMAT_DEFAULT, 0, 0, 0, {0}};
    const double bad[] = {NAN, -1e-6, 0.0101, INFINITY, -0.0 - 1};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        o.tolerance = bad[i];
        CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_TOLERANCE);
    }
    o.format = DC_FORMAT_PYTHON_0_1;
    o.tolerance = 1e-5;
    CHECK_RESULT(dc_coder_create_with_options(&o, NULL, &c), DC_ERR_BAD_TOLERANCE);
    o.tolerance = 0;
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    CHECK(dc_coder_format(c) == DC_FORMAT_PYTHON_0_1 && dc_coder_tolerance(c) == 0);
    dc_coder_free(c);
    CHECK(strcmp(dc_result_name(DC_ERR_BAD_TOLERANCE), "DC_ERR_BAD_TOLERANCE") == 0);
    o.format = DC_FORMAT_DEFAULT;
    o.tolerance = 1e-2;
    CHECK_OK(dc_coder_create_with_options(&o, NULL, &c));
    CHECK(dc_coder_tolerance(c) >= 1e-2 && dc_coder_tolerance(c) < 1e-2 + 1e-9);
    dc_coder_free(c);

    /* tolerance 0 = the exact mode, byte for byte */
    test_rng r = {5};
    double p[300];
    float row[300];
    dc_coder *a = make(0), *b;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &b));
    for (int t = 0; t < 50; t++) {
        make_softmax(&r, p, 300, 2);
        store_as(DC_DTYPE_F32, row, p, 300);
        const size_t s = draw(&r, p, 300);
        CHECK_OK(dc_coder_encode_step(a, row, DC_DTYPE_F32, 300, s));
        CHECK_OK(dc_coder_encode_step(b, row, DC_DTYPE_F32, 300, s));
    }
    const uint8_t *ba, *bb;
    size_t sa, sb;
    CHECK_OK(dc_coder_finish_encoding(a, &ba, &sa));
    CHECK_OK(dc_coder_finish_encoding(b, &bb, &sb));
    CHECK(sa == sb && memcmp(ba, bb, sa) == 0);
    dc_coder_free(a);
    dc_coder_free(b);

    /* refusals leave the tolerant coder unchanged; vocabulary 1 codes nothing */
    c = make(1e-4);
    float bad_row[3] = {0.5f, NAN, 0.5f}, zero[3] = {0, 0, 0}, ok[3] = {0.25f, 0.5f, 0.25f};
    CHECK_RESULT(dc_coder_encode_step(c, bad_row, DC_DTYPE_F32, 3, 0), DC_ERR_NAN);
    CHECK_RESULT(dc_coder_encode_step(c, zero, DC_DTYPE_F32, 3, 0), DC_ERR_NO_MASS);
    CHECK_RESULT(dc_coder_encode_step(c, ok, DC_DTYPE_F32, 3, 3), DC_ERR_BAD_SYMBOL);
    CHECK_OK(dc_coder_encode_step(c, ok, DC_DTYPE_F32, 3, 2));
    CHECK_OK(dc_coder_encode_step(c, ok, DC_DTYPE_F32, 1, 0));
    const uint32_t syms[3] = {1, 0, 2};
    float rows[9] = {0.25f, 0.5f, 0.25f, 0.5f, -1, 0.5f, 0.1f, 0.1f, 0.8f};
    size_t failed = 9;
    CHECK_RESULT(dc_coder_encode_steps(c, rows, DC_DTYPE_F32, 3, 3, syms, &failed), DC_ERR_NEGATIVE);
    CHECK(failed == 1);
    const uint8_t *bytes;
    size_t size, s;
    CHECK_OK(dc_coder_finish_encoding(c, &bytes, &size));
    CHECK_OK(dc_coder_start_decoding(c, bytes, size));
    CHECK_RESULT(dc_coder_decode_step(c, bad_row, DC_DTYPE_F32, 3, &s), DC_ERR_NAN);
    CHECK_OK(dc_coder_decode_step(c, ok, DC_DTYPE_F32, 3, &s));
    CHECK(s == 2);
    CHECK_OK(dc_coder_decode_step(c, ok, DC_DTYPE_F32, 1, &s));
    CHECK(s == 0);
    dc_coder_free(c);
}

static void test_frame(void)
{
    test_rng r = {99};
    enum { N = 1000, STEPS = 400, PER = 16 };
    const double tau = 1e-4;
    float *rows = malloc((size_t)STEPS * N * sizeof(float));
    float *pert = malloc((size_t)STEPS * N * sizeof(float));
    double *tmp = malloc(N * sizeof *tmp);
    uint32_t sym[STEPS];
    for (int t = 0; t < STEPS; t++) {
        make_softmax(&r, tmp, N, 1 + 0.02 * t);
        store_as(DC_DTYPE_F32, rows + (size_t)t * N, tmp, N);
        sym[t] = (uint32_t)draw(&r, tmp, N);
    }
    dc_coder_options o = {DC_FORMAT_DEFAULT, 0, tau, 0, {0}};
    dc_frame_writer *w;
    CHECK_OK(dc_frame_writer_create_with_options(&o, (const uint8_t *)"m", 1, PER, NULL, &w));
    for (int t = 0; t < STEPS; t++)
        CHECK_OK(dc_frame_writer_encode_step(w, rows + (size_t)t * N, DC_DTYPE_F32, N, sym[t]));
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_frame_writer_finish(w, &bytes, &size));
    CHECK(bytes[4] == 2);
    for (int pass = 0; pass < 2; pass++) {
        const double f = pass == 0 ? 1 : 10;
        perturb(&r, DC_DTYPE_F32, rows, pert, (size_t)STEPS * N, tau * f);
        dc_frame_reader *rd;
        CHECK_OK(dc_frame_reader_create(bytes, size, (const uint8_t *)"m", 1, NULL, &rd, NULL));
        dc_frame_info info;
        CHECK_OK(dc_frame_reader_info(rd, &info));
        CHECK(info.tolerance >= tau && info.tolerance < tau * (1 + 1e-6));
        int checksum_errors = 0;
        for (int t = 0; t < STEPS; t++) {
            size_t s = 0;
            dc_result res = dc_frame_reader_decode_step(rd, pert + (size_t)t * N, DC_DTYPE_F32, N, &s);
            if (res == DC_ERR_FRAME_CHECKSUM) {
                checksum_errors++;
                /* the chunk's symbols are held back; go on with the true last row */
                res = dc_frame_reader_decode_step(rd, rows + (size_t)t * N, DC_DTYPE_F32, N, &s);
            }
            if (res == DC_ERR_FRAME_CHECKSUM) { /* an earlier step of the chunk was wrong */
                dc_frame_reader_free(rd);
                rd = NULL;
                break;
            }
            CHECK_OK(res);
            if (pass == 0)
                CHECK(s == sym[t]);
        }
        if (pass == 0)
            CHECK(checksum_errors == 0 && rd != NULL);
        dc_frame_reader_free(rd);
    }
    /* 10 tau, chunk by chunk: each chunk either all right or reported */
    int reported = 0, right = 0;
    perturb(&r, DC_DTYPE_F32, rows, pert, (size_t)STEPS * N, tau * 10);
    for (int c = 0; c * PER < STEPS; c++) {
        dc_frame_reader *rd;
        CHECK_OK(dc_frame_reader_create(bytes, size, NULL, 0, NULL, &rd, NULL));
        size_t s;
        for (int t = 0; t < c * PER; t++) /* earlier chunks with the true rows */
            CHECK_OK(dc_frame_reader_decode_step(rd, rows + (size_t)t * N, DC_DTYPE_F32, N, &s));
        int wrong = 0, res = DC_OK;
        for (int t = c * PER; t < (c + 1) * PER && t < STEPS && res == DC_OK; t++) {
            res = dc_frame_reader_decode_step(rd, pert + (size_t)t * N, DC_DTYPE_F32, N, &s);
            wrong += res == DC_OK && s != sym[t];
        }
        if (res == DC_OK) {
            CHECK(wrong == 0); /* a chunk that passes its CRC decoded right */
            right++;
        } else {
            CHECK_RESULT(res, DC_ERR_FRAME_CHECKSUM);
            reported++;
        }
        dc_frame_reader_free(rd);
    }
    printf("framed, 10 tau: %d chunks right, %d reported as DC_ERR_FRAME_CHECKSUM\n", right,
           reported);
    dc_frame_writer_free(w);
    /* exact mode containers keep version 1 */
    CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, NULL, 0, 0, NULL, &w));
    CHECK_OK(dc_frame_writer_finish(w, &bytes, &size));
    CHECK(bytes[4] == 1 && size == 24);
    dc_frame_writer_free(w);
    o.format = DC_FORMAT_PYTHON_0_1;
    CHECK_RESULT(dc_frame_writer_create_with_options(&o, NULL, 0, 0, NULL, &w),
                 DC_ERR_BAD_TOLERANCE);
    free(rows);
    free(pert);
    free(tmp);
}

int main(void)
{
    test_options();
    test_frame();
    test_rng r = {12};
    static const double taus[] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2};
    long steps = 0, wrong = 0, wrong10 = 0, steps10 = 0;
    /* small vocabularies: the bulk of the steps */
    for (size_t n = 2; n <= 300; n = n < 20 ? n + 1 : n * 5 / 4) {
        for (int d = 0; d < 4; d++) {
            const double tau = taus[(n + (size_t)d) % 5];
            const size_t k = n < 64 ? 1000 : 450;
            wrong += run_perturbed(&r, tau, dtypes[d], n, k, 1);
            steps += (long)k;
        }
    }
    /* large ones */
    static const size_t big[] = {1000, 4097, 50257, 256000};
    for (size_t b = 0; b < 4; b++) {
        for (int d = 0; d < 4; d++) {
            const size_t k = big[b] > 100000 ? 4 : big[b] > 10000 ? 16 : 60;
            wrong += run_perturbed(&r, taus[(b + (size_t)d) % 4], dtypes[d], big[b], k, 1);
            steps += (long)k;
        }
    }
    /* beyond the tolerance the raw stream may mis-decode (it usually does at 10 tau) */
    for (int d = 0; d < 4; d++) {
        wrong10 += run_perturbed(&r, 1e-3, dtypes[d], 256, 500, 10);
        steps10 += 500;
    }
    printf("perturbed within tau: %ld steps, %ld wrong symbols; at 10 tau: %ld of %ld wrong\n",
           steps, wrong, wrong10, steps10);
    CHECK(steps >= 100000);
    CHECK(wrong == 0);
    return test_finish("test_tolerant");
}
