/* test_allocations.c - no heap allocation per step once buffers have their size. */
#include "test_util.h"

typedef struct counting_heap {
    long allocations; /* malloc + realloc calls */
    long live;        /* blocks allocated and not yet freed */
} counting_heap;

static void *count_malloc(void *o, size_t n)
{
    ((counting_heap *)o)->allocations++;
    ((counting_heap *)o)->live++;
    return malloc(n);
}
static void *count_realloc(void *o, void *p, size_t n)
{
    ((counting_heap *)o)->allocations++;
    if (!p)
        ((counting_heap *)o)->live++;
    return realloc(p, n);
}
static void count_free(void *o, void *p)
{
    if (p)
        ((counting_heap *)o)->live--;
    free(p);
}

int main(void)
{
    enum { VOCAB = 50257, STEPS = 2000 };
    test_rng r = {3};
    counting_heap heap = {0, 0};
    const dc_allocator a = {count_malloc, count_realloc, count_free, &heap};
    float *rows = malloc((size_t)8 * VOCAB * sizeof(float));
    double *p = malloc(VOCAB * sizeof *p);
    for (int i = 0; i < 8; i++) {
        make_softmax(&r, p, VOCAB, 4.0);
        store_as(DC_DTYPE_F32, rows + (size_t)i * VOCAB, p, VOCAB);
    }
    size_t *symbols = malloc(STEPS * sizeof *symbols);
    for (int t = 0; t < STEPS; t++)
        symbols[t] = rng_next(&r) % VOCAB;

    dc_coder *enc, *dec;
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, &a, &enc));
    CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, &a, &dec));
    CHECK_OK(dc_coder_reserve_output(enc, 1 << 16));

    /* Encoding with the output reserved: not one allocation. */
    const long before_encode = heap.allocations;
    for (int t = 0; t < STEPS; t++)
        CHECK_OK(dc_coder_encode_step(enc, rows + (size_t)(t % 8) * VOCAB, DC_DTYPE_F32, VOCAB,
                                symbols[t]));
    CHECK(heap.allocations == before_encode);
    const uint8_t *bytes;
    size_t size;
    CHECK_OK(dc_coder_finish_encoding(enc, &bytes, &size));
    CHECK(heap.allocations == before_encode);

    /* Decoding: the input copy and the block sums are allocated once (warm-up). */
    CHECK_OK(dc_coder_start_decoding(dec, bytes, size));
    size_t s;
    CHECK_OK(dc_coder_decode_step(dec, rows, DC_DTYPE_F32, VOCAB, &s));
    CHECK(s == symbols[0]);
    const long before_decode = heap.allocations;
    int same = 1;
    for (int t = 1; t < STEPS; t++) {
        CHECK_OK(dc_coder_decode_step(dec, rows + (size_t)(t % 8) * VOCAB, DC_DTYPE_F32, VOCAB, &s));
        same &= s == symbols[t];
    }
    CHECK(same);
    CHECK(heap.allocations == before_decode);

    /* Without a reservation the output grows by doubling: a handful of allocations for
       100,000 steps, not one per step. */
    CHECK_OK(dc_coder_reset(dec));
    const long before_growth = heap.allocations;
    const float small[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    for (int t = 0; t < 100000; t++)
        CHECK_OK(dc_coder_encode_step(dec, small, DC_DTYPE_F32, 4, (size_t)t % 4));
    const long growth = heap.allocations - before_growth;
    printf("output growth over 100000 steps: %ld allocations\n", growth);
    CHECK(growth <= 20);

    /* Logits: the step's scratch (weights) is allocated at the first step of a vocabulary
       size, then never again. The softmax rows serve as logits. */
    dc_coder_options lo;
    memset(&lo, 0, sizeof lo);
    lo.input = DC_INPUT_LOGITS;
    dc_coder *lenc, *ldec;
    CHECK_OK(dc_coder_create_with_options(&lo, &a, &lenc));
    CHECK_OK(dc_coder_create_with_options(&lo, &a, &ldec));
    CHECK_OK(dc_coder_reserve_output(lenc, 1 << 16));
    CHECK_OK(dc_coder_encode_step(lenc, rows, DC_DTYPE_F32, VOCAB, symbols[0]));
    const long before_logits = heap.allocations;
    for (int t = 1; t < 200; t++)
        CHECK_OK(dc_coder_encode_step(lenc, rows + (size_t)(t % 8) * VOCAB, DC_DTYPE_F32, VOCAB,
                                      symbols[t]));
    CHECK(heap.allocations == before_logits);
    CHECK_OK(dc_coder_finish_encoding(lenc, &bytes, &size));
    CHECK_OK(dc_coder_start_decoding(ldec, bytes, size));
    CHECK_OK(dc_coder_decode_step(ldec, rows, DC_DTYPE_F32, VOCAB, &s));
    const long before_logits_decode = heap.allocations;
    same = s == symbols[0];
    for (int t = 1; t < 200; t++) {
        CHECK_OK(dc_coder_decode_step(ldec, rows + (size_t)(t % 8) * VOCAB, DC_DTYPE_F32, VOCAB,
                                      &s));
        same &= s == symbols[t];
    }
    CHECK(same);
    CHECK(heap.allocations == before_logits_decode);
    dc_coder_free(lenc);
    dc_coder_free(ldec);

    dc_coder_free(enc);
    dc_coder_free(dec);
    CHECK(heap.live == 0); /* freeing the coders released every block */
    free(rows);
    free(p);
    free(symbols);
    return test_finish("test_allocations");
}
