/* test_errors.c - every refused call returns its code, leaves the coder exactly as it
 * was, and the stream written so far still decodes. */
#include "test_state.h"
#include "wasm/wasm_api.h" /* dc_coder_staging_buffer */

static const float good[4] = {0.1f, 0.2f, 0.3f, 0.4f};

static void encoder_refusals(void)
{
    dc_coder *c;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &c));
    /* some valid steps first, so there is a stream to keep */
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 3));
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 0));

    const float nan_d[3] = {0.5f, NAN, 0.5f};
    const float inf_d[3] = {0.5f, INFINITY, 0.5f};
    const float ninf_d[3] = {0.5f, -INFINITY, 0.5f};
    const float neg_d[3] = {0.5f, -0.25f, 0.5f};
    const float zero_d[3] = {0.0f, -0.0f, 0.0f};
    const double nan64[2] = {NAN, 1.0};
    const uint16_t nan16[2] = {0x7e00, 0x3c00};      /* f16 NaN, 1.0 */
    const uint16_t inf16[2] = {0x7c00, 0x3c00};
    const uint16_t negbf[2] = {0xbf80, 0x3f80};      /* bf16 -1.0, 1.0 */
    const uint16_t zero16[2] = {0x8000, 0x0000};

    CHECK_REFUSED(c, dc_coder_encode_step(c, nan_d, DC_DTYPE_F32, 3, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, inf_d, DC_DTYPE_F32, 3, 0), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, ninf_d, DC_DTYPE_F32, 3, 0), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, neg_d, DC_DTYPE_F32, 3, 0), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, zero_d, DC_DTYPE_F32, 3, 0), DC_ERR_NO_MASS);
    CHECK_REFUSED(c, dc_coder_encode_step(c, nan64, DC_DTYPE_F64, 2, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, nan16, DC_DTYPE_F16, 2, 0), DC_ERR_NAN);
    CHECK_REFUSED(c, dc_coder_encode_step(c, inf16, DC_DTYPE_F16, 2, 0), DC_ERR_INFINITE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, negbf, DC_DTYPE_BF16, 2, 1), DC_ERR_NEGATIVE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, zero16, DC_DTYPE_BF16, 2, 1), DC_ERR_NO_MASS);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 4), DC_ERR_BAD_SYMBOL);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, 0, 0), DC_ERR_BAD_VOCAB);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, DC_MAX_VOCAB + 1, 0),
                  DC_ERR_BAD_VOCAB);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, 4, 4, 0), DC_ERR_BAD_DTYPE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, -1, 4, 0), DC_ERR_BAD_DTYPE);
    CHECK_REFUSED(c, dc_coder_encode_step(c, NULL, DC_DTYPE_F32, 4, 0), DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_coder_encode_step(NULL, good, DC_DTYPE_F32, 4, 0), DC_ERR_NULL_ARGUMENT);
    CHECK_REFUSED(c, dc_coder_decode_step(c, good, DC_DTYPE_F32, 4, &(size_t){0}),
                  DC_ERR_NOT_DECODING);

    /* A batch that fails at step 2 keeps nothing of the batch and names the step. */
    float matrix[3][4] = {{0.1f, 0.2f, 0.3f, 0.4f}, {0.4f, 0.3f, 0.2f, 0.1f},
                          {0.5f, NAN, 0.25f, 0.25f}};
    const uint32_t syms[3] = {1, 2, 3};
    size_t failed = 99;
    CHECK_REFUSED(c, dc_coder_encode_steps(c, matrix, DC_DTYPE_F32, 4, 3, syms, &failed), DC_ERR_NAN);
    CHECK(failed == 2);
    const uint32_t bad_syms[3] = {1, 7, 3};
    CHECK_REFUSED(c, dc_coder_encode_steps(c, matrix, DC_DTYPE_F32, 4, 2, bad_syms, &failed),
                  DC_ERR_BAD_SYMBOL);
    CHECK(failed == 1);
    CHECK_REFUSED(c, dc_coder_encode_steps(c, matrix, DC_DTYPE_F32, 4, 2, NULL, &failed),
                  DC_ERR_NULL_ARGUMENT);
    CHECK_REFUSED(c, dc_coder_encode_steps(c, matrix, DC_DTYPE_F32, 4, SIZE_MAX / 8, syms, &failed),
                  DC_ERR_TOO_LARGE);

    /* The coder is still usable: finish and decode what was accepted. */
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 2));
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(c, &bytes, &size));
    /* After finishing, encoding is refused and finishing again gives the same bytes. */
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 0), DC_ERR_NOT_ENCODING);
    CHECK_REFUSED(c, dc_coder_encode_steps(c, matrix, DC_DTYPE_F32, 4, 1, syms, &failed),
                  DC_ERR_NOT_ENCODING);
    const uint8_t *again;
    size_t again_size;
    CHECK_OK(dc_coder_finish_encoding(c, &again, &again_size));
    CHECK(again == bytes && again_size == size);

    dc_coder *d;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &d));
    CHECK_OK(dc_coder_start_decoding(d, bytes, size));
    size_t s = 99;
    /* refusals while decoding leave the decoder where it was */
    CHECK_REFUSED(d, dc_coder_decode_step(d, nan_d, DC_DTYPE_F32, 3, &s), DC_ERR_NAN);
    CHECK_REFUSED(d, dc_coder_decode_step(d, good, DC_DTYPE_F32, 4, NULL), DC_ERR_NULL_ARGUMENT);
    CHECK_REFUSED(d, dc_coder_encode_step(d, good, DC_DTYPE_F32, 4, 0), DC_ERR_NOT_ENCODING);
    CHECK_OK(dc_coder_decode_step(d, good, DC_DTYPE_F32, 4, &s));
    CHECK(s == 3);
    uint32_t out[3] = {9, 9, 9};
    float bad_rows[2][4] = {{0.1f, 0.2f, 0.3f, 0.4f}, {-1.0f, 0.2f, 0.3f, 0.4f}};
    CHECK_REFUSED(d, dc_coder_decode_steps(d, bad_rows, DC_DTYPE_F32, 4, 2, out, &failed),
                  DC_ERR_NEGATIVE);
    CHECK(failed == 1);
    CHECK_OK(dc_coder_decode_step(d, good, DC_DTYPE_F32, 4, &s));
    CHECK(s == 0);
    CHECK_OK(dc_coder_decode_step(d, good, DC_DTYPE_F32, 4, &s));
    CHECK(s == 2);
    dc_coder_free(c);
    dc_coder_free(d);
}

static void api_refusals(void)
{
    dc_coder *c = NULL;
    CHECK_RESULT(dc_coder_create(7, NULL, &c), DC_ERR_BAD_FORMAT);
    CHECK(c == NULL);
    CHECK_RESULT(dc_coder_create(DC_FORMAT_DEFAULT, NULL, NULL), DC_ERR_NULL_ARGUMENT);
    const dc_allocator incomplete = {NULL, NULL, NULL, NULL};
    CHECK_RESULT(dc_coder_create(DC_FORMAT_DEFAULT, &incomplete, &c), DC_ERR_NULL_ARGUMENT);
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &c));
    CHECK_RESULT(dc_coder_start_decoding(c, NULL, 3), DC_ERR_NULL_ARGUMENT);
    CHECK_OK(dc_coder_start_decoding(c, NULL, 0));
    CHECK_RESULT(dc_coder_finish_encoding(c, &(const uint8_t *){0}, &(size_t){0}),
                 DC_ERR_NOT_ENCODING);
    CHECK_OK(dc_coder_reset(c));
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 1));
    uint64_t freq[4], total;
    CHECK_RESULT(dc_frequencies(9, good, DC_DTYPE_F32, 4, freq, &total), DC_ERR_BAD_FORMAT);
    CHECK_RESULT(dc_frequencies(DC_FORMAT_DEFAULT, good, DC_DTYPE_F32, 4, NULL, &total),
                 DC_ERR_NULL_ARGUMENT);
    dc_coder_free(c);
    dc_coder_free(NULL); /* a no-op */

    /* Every result has a distinct name and a sentence; unknown codes are named too. */
    for (int r = 0; r < DC_RESULT_COUNT; r++) {
        CHECK(strncmp(dc_result_name(r), "DC_", 3) == 0);
        CHECK(strlen(dc_result_string(r)) > 3);
        for (int q = 0; q < r; q++)
            CHECK(strcmp(dc_result_name(r), dc_result_name(q)) != 0);
    }
    CHECK(strcmp(dc_result_name(DC_ERR_NAN), "DC_ERR_NAN") == 0);
    CHECK(strcmp(dc_result_name(-1), "DC_ERR_UNKNOWN") == 0);
    CHECK(strcmp(dc_result_name(DC_RESULT_COUNT), "DC_ERR_UNKNOWN") == 0);
    CHECK(strcmp(dc_version_string(), DC_VERSION_STRING) == 0);
}

/* Out of memory while growing a buffer is refused like any other error. */
typedef struct failing_heap {
    int allow; /* allocations still allowed */
} failing_heap;

static void *fh_malloc(void *o, size_t n)
{
    failing_heap *h = o;
    return h->allow-- > 0 ? malloc(n) : NULL;
}
static void *fh_realloc(void *o, void *p, size_t n)
{
    failing_heap *h = o;
    return h->allow-- > 0 ? realloc(p, n) : NULL;
}
static void fh_free(void *o, void *p)
{
    (void)o;
    free(p);
}

static void out_of_memory(void)
{
    failing_heap heap = {1}; /* the coder struct only */
    const dc_allocator a = {fh_malloc, fh_realloc, fh_free, &heap};
    dc_coder *c;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, &a, &c));
    CHECK_REFUSED(c, dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 1), DC_ERR_OUT_OF_MEMORY);
    CHECK_RESULT(dc_coder_start_decoding(c, (const uint8_t *)"ab", 2), DC_ERR_OUT_OF_MEMORY);
    CHECK(c->state == DC_STATE_ENCODING);
    CHECK(dc_coder_staging_buffer(c, 64) == NULL);
    heap.allow = 1;
    CHECK_OK(dc_coder_encode_step(c, good, DC_DTYPE_F32, 4, 1));
    CHECK_OK(dc_coder_start_decoding(c, (const uint8_t *)"ab", 0)); /* 0 bytes: nothing to grow */
    CHECK_REFUSED(c, dc_coder_decode_step(c, good, DC_DTYPE_F32, 4, &(size_t){0}),
                  DC_ERR_OUT_OF_MEMORY); /* block sums cannot be allocated */
    dc_coder_free(c);
}

/* Garbage and truncated input never crashes or reads out of bounds (ASan checks it). */
static void garbage_input(void)
{
    test_rng r = {7};
    dc_coder *d;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &d));
    float dist[300];
    int corrupt = 0, decoded = 0;
    for (int trial = 0; trial < 2000; trial++) {
        uint8_t bytes[16];
        const size_t len = rng_next(&r) % 17;
        for (size_t i = 0; i < len; i++)
            bytes[i] = (uint8_t)rng_next(&r);
        CHECK_OK(dc_coder_start_decoding(d, bytes, len));
        const size_t n = 1 + rng_next(&r) % 300;
        for (size_t i = 0; i < n; i++)
            dist[i] = (float)(rng_next(&r) % 1000) / 1000.0f;
        dist[0] = 0.5f;
        for (int step = 0; step < 20; step++) {
            size_t s = SIZE_MAX;
            const dc_result res = dc_coder_decode_step(d, dist, DC_DTYPE_F32, n, &s);
            if (res == DC_ERR_CORRUPT_STREAM) {
                corrupt++;
                break;
            }
            CHECK_OK(res);
            CHECK(s < n);
            decoded++;
        }
    }
    CHECK(decoded > 0);
    printf("garbage: %d steps decoded, %d streams reported corrupt\n", decoded, corrupt);
    dc_coder_free(d);
}

int main(void)
{
    encoder_refusals();
    api_refusals();
    out_of_memory();
    garbage_input();
    return test_finish("test_errors");
}
