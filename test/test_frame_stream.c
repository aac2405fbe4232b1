/* test_frame_stream.c - streaming frames: the incremental reader gives, for every split of a
 * container into pushes, the steps and errors of the whole-buffer reader (valid, truncated,
 * damaged, streaming and not); NEED_INPUT and refused pushes change nothing; the streaming
 * writer's pieces make a container that reads back, each chunk given out as soon as it is
 * full; memory stays bounded while a long container is pushed and decoded. */
#include "test_util.h"

#define VOCAB     19
#define MAX_STEPS 64
#include "frame_fixture.h"

static fixture fx;

/* A container of the fixture's steps; streaming ones are taken in pieces while encoding. */
static uint8_t *encode(const fixture *f, uint32_t per_chunk, int streaming, size_t *size)
{
    dc_frame_writer *w = NULL;
    CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, (const uint8_t *)"m", 1, per_chunk, NULL,
                                    &w));
    if (streaming)
        CHECK_OK(dc_frame_writer_set_streaming(w));
    uint8_t *out = malloc(65536);
    size_t len = 0;
    const uint8_t *bytes;
    size_t n;
    for (size_t t = 0; t < f->steps; t++) {
        CHECK_OK(dc_frame_writer_encode_step(w, f->dist[t], DC_DTYPE_F32, VOCAB, f->symbols[t]));
        CHECK_OK(dc_frame_writer_take(w, &bytes, &n));
        /* a streaming writer gives a chunk as soon as it is full; the other gives nothing */
        CHECK(streaming ? (n > 0) == ((t + 1) % per_chunk == 0 || t == 0) : n == 0);
        memcpy(out + len, bytes, n);
        len += n;
    }
    CHECK_OK(dc_frame_writer_finish(w, &bytes, &n));
    memcpy(out + len, bytes, n);
    len += n;
    CHECK_OK(dc_frame_writer_take(w, &bytes, &n)); /* what finish gave, once more */
    CHECK(len == 0 || n == 0 || memcmp(out + len - n, bytes, n) == 0);
    CHECK_OK(dc_frame_writer_take(w, &bytes, &n));
    CHECK(n == 0);
    dc_frame_writer_free(w);
    *size = len;
    return out;
}

/* What a reader does with a container: whether it takes it (create, or the pushes and
   end) and where it refuses it; the symbols it decodes and the first refused step. */
typedef struct outcome {
    dc_result result;
    dc_frame_error_info info;
    size_t symbols[MAX_STEPS];
    size_t decoded;
    dc_result step_result;
    dc_frame_error_info step_info;
} outcome;

/* Decodes the available steps until one is refused (other than NEED_INPUT). */
static void decode_available(dc_frame_reader *r, outcome *o, int ended)
{
    while (o->step_result == DC_OK) {
        const uint64_t avail = dc_frame_reader_available_steps(r);
        size_t sym = VOCAB;
        const float *d = fx.dist[o->decoded < fx.steps ? o->decoded : 0];
        const dc_result res = dc_frame_reader_decode_step(r, d, DC_DTYPE_F32, VOCAB, &sym);
        if (res == DC_ERR_FRAME_NEED_INPUT) {
            CHECK(!ended && o->decoded == avail);
            /* asking again changes nothing */
            CHECK_RESULT(dc_frame_reader_decode_step(r, d, DC_DTYPE_F32, VOCAB, &sym),
                         DC_ERR_FRAME_NEED_INPUT);
            return;
        }
        if (res != DC_OK) {
            o->step_result = res;
            CHECK_OK(dc_frame_reader_error_info(r, &o->step_info));
            return;
        }
        CHECK(o->decoded < avail);
        o->symbols[o->decoded++] = sym;
    }
}

static void whole(const uint8_t *b, size_t size, outcome *o)
{
    memset(o, 0, sizeof *o);
    dc_frame_reader *r = NULL;
    o->result = dc_frame_reader_create(b, size, (const uint8_t *)"m", 1, NULL, &r, &o->info);
    if (o->result == DC_OK)
        decode_available(r, o, 1);
    dc_frame_reader_free(r);
}

/* Pushes b in pieces ending at cuts[0..ncuts) (then the rest), decoding as bytes arrive. */
static void pieces(const uint8_t *b, size_t size, const size_t *cuts, size_t ncuts, outcome *o)
{
    memset(o, 0, sizeof *o);
    dc_frame_reader *r = NULL;
    CHECK_OK(dc_frame_reader_create_streaming((const uint8_t *)"m", 1, NULL, &r));
    size_t from = 0;
    for (size_t i = 0; i <= ncuts && o->result == DC_OK; i++) {
        const size_t to = i < ncuts ? cuts[i] : size;
        o->result = dc_frame_reader_push(r, b + from, to - from);
        from = to;
        if (o->result == DC_OK)
            decode_available(r, o, 0);
    }
    if (o->result == DC_OK) {
        o->result = dc_frame_reader_end(r);
        if (o->result != DC_OK) /* a refused end changes nothing */
            CHECK_RESULT(dc_frame_reader_end(r), o->result);
        else
            decode_available(r, o, 1);
    }
    if (o->result != DC_OK)
        CHECK_OK(dc_frame_reader_error_info(r, &o->info));
    dc_frame_reader_free(r);
}

/* The streamed outcome equals the whole-buffer one: the container is refused (by a push
   or end) exactly when and where create refuses it; if it is taken, the same steps decode
   and the same step is refused. A container refused as a whole (truncated, bytes after its
   end) may first give the steps of its complete chunks: they are the encoder's symbols. */
static void same(const outcome *w, const outcome *s)
{
    CHECK_RESULT(s->result, w->result);
    if (w->result != DC_OK && memcmp(&s->info, &w->info, sizeof s->info) != 0) {
        static int shown;
        if (!shown++)
            printf("whole: %d chunk %llu first %llu end %llu step %llu offset %llu res %d\n"
                   "split: %d chunk %llu first %llu end %llu step %llu offset %llu res %d\n",
                   w->result, (unsigned long long)w->info.chunk,
                   (unsigned long long)w->info.first_step, (unsigned long long)w->info.end_step,
                   (unsigned long long)w->info.step, (unsigned long long)w->info.offset,
                   w->info.result, s->result, (unsigned long long)s->info.chunk,
                   (unsigned long long)s->info.first_step, (unsigned long long)s->info.end_step,
                   (unsigned long long)s->info.step, (unsigned long long)s->info.offset,
                   s->info.result);
    }
    CHECK(w->result == DC_OK || memcmp(&s->info, &w->info, sizeof s->info) == 0);
    if (w->result == DC_OK) {
        CHECK(s->decoded == w->decoded);
        CHECK_RESULT(s->step_result, w->step_result);
        CHECK(memcmp(&s->step_info, &w->step_info, sizeof s->step_info) == 0);
    }
    for (size_t t = 0; t < s->decoded; t++)
        CHECK(t < fx.steps && s->symbols[t] == fx.symbols[t]);
}

/* Every one- and two-cut split, and byte by byte. */
static void every_split(const uint8_t *b, size_t size)
{
    outcome w, s;
    whole(b, size, &w);
    size_t cuts[1024];
    for (size_t i = 0; i < size && i < 1024; i++)
        cuts[i] = i + 1;
    pieces(b, size, cuts, size < 1024 ? size : 1024, &s);
    same(&w, &s);
    for (size_t i = 0; i <= size; i++) {
        pieces(b, size, &i, 1, &s);
        same(&w, &s);
        for (size_t j = i; j <= size; j += 7) {
            const size_t two[2] = {i, j};
            pieces(b, size, two, 2, &s);
            same(&w, &s);
        }
    }
}

static void test_splits(void)
{
    const uint32_t per[] = {1, 4, 5, 64};
    const size_t steps[] = {0, 3, 12, 20};
    for (size_t k = 0; k < 4; k++) {
        make_fixture(&fx, 300 + k, steps[k]);
        for (int streaming = 0; streaming < 2; streaming++) {
            size_t size;
            uint8_t *b = encode(&fx, per[k], streaming, &size);
            every_split(b, size);
            /* damaged: one flipped bit every 5 bytes (header, lengths, CRCs, end record) */
            for (size_t pos = 0; pos < size; pos += 5) {
                b[pos] ^= 0x10;
                every_split(b, size);
                b[pos] ^= 0x10;
            }
            /* truncated, and a byte too many */
            for (size_t len = 0; len < size; len += 3)
                every_split(b, len);
            b[size] = 0;
            every_split(b, size + 1);
            free(b);
        }
    }
}

/* The streaming variant's layout: header N = 2^64 - 1, the full chunks, the end record
   (marker, N, CRC), then the last chunk if it is not full. */
static void test_streaming_layout(void)
{
    make_fixture(&fx, 7, 10);
    size_t size, plain_size;
    uint8_t *b = encode(&fx, 4, 1, &size);
    uint8_t *plain = encode(&fx, 4, 0, &plain_size);
    CHECK(size == plain_size + 16);
    for (int i = 8; i < 16; i++)
        CHECK(b[i] == 0xFF);
    const size_t header = 20 + 1 + 4;
    size_t c1 = header + 12 + (b[header] | b[header + 1] << 8);
    size_t rec = c1 + 12 + (b[c1] | b[c1 + 1] << 8);
    const uint8_t mark[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(memcmp(b + rec, mark, 4) == 0 && b[rec + 4] == 10 && b[rec + 5] == 0);
    uint32_t crc = dc_crc32(0, b + rec, 12);
    CHECK(b[rec + 12] == (crc & 0xFF) && b[rec + 15] == crc >> 24);
    /* the chunks are those of the plain container */
    CHECK(memcmp(b + header, plain + header, rec - header) == 0);
    CHECK(memcmp(b + rec + 16, plain + rec, size - rec - 16) == 0);
    dc_frame_reader *r;
    CHECK_OK(dc_frame_reader_create(b, size, NULL, 0, NULL, &r, NULL));
    CHECK(dc_frame_reader_steps(r) == 10);
    dc_frame_info info;
    CHECK_OK(dc_frame_reader_info(r, &info));
    CHECK(info.chunks == 3 && info.steps_per_chunk == 4);
    dc_frame_reader_free(r);
    free(plain);
    free(b);
    /* a multiple of the chunk size: the end record is last */
    make_fixture(&fx, 8, 8);
    b = encode(&fx, 4, 1, &size);
    CHECK(memcmp(b + size - 16, mark, 4) == 0 && b[size - 12] == 8);
    free(b);
    /* set_streaming before the first step only */
    dc_frame_writer *w;
    CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, NULL, 0, 4, NULL, &w));
    CHECK_OK(dc_frame_writer_encode_step(w, fx.dist[0], DC_DTYPE_F32, VOCAB, fx.symbols[0]));
    CHECK_RESULT(dc_frame_writer_set_streaming(w), DC_ERR_NOT_ENCODING);
    dc_frame_writer_free(w);
    CHECK_RESULT(dc_frame_writer_set_streaming(NULL), DC_ERR_NULL_ARGUMENT);
}

/* A streaming reader before and between pushes; refused pushes keep none of their bytes. */
static void test_reader_states(void)
{
    make_fixture(&fx, 9, 12);
    size_t size;
    uint8_t *b = encode(&fx, 5, 1, &size);
    dc_frame_reader *r;
    CHECK_OK(dc_frame_reader_create_streaming((const uint8_t *)"m", 1, NULL, &r));
    size_t sym;
    dc_frame_info info;
    const uint8_t *id;
    size_t id_len;
    CHECK_RESULT(dc_frame_reader_decode_step(r, fx.dist[0], DC_DTYPE_F32, VOCAB, &sym),
                 DC_ERR_FRAME_NEED_INPUT);
    CHECK_RESULT(dc_frame_reader_info(r, &info), DC_ERR_FRAME_NEED_INPUT);
    CHECK_RESULT(dc_frame_reader_model_id(r, &id, &id_len), DC_ERR_FRAME_NEED_INPUT);
    CHECK(dc_frame_reader_steps(r) == DC_FRAME_UNKNOWN_STEPS);
    CHECK(dc_frame_reader_available_steps(r) == 0);
    CHECK_RESULT(dc_frame_reader_end(r), DC_ERR_FRAME_TRUNCATED);
    /* a wrong magic is refused and not kept: the right bytes are accepted after it */
    const uint8_t junk[3] = {0x89, 'X', 'Y'};
    CHECK_RESULT(dc_frame_reader_push(r, junk, 3), DC_ERR_FRAME_MAGIC);
    CHECK_RESULT(dc_frame_reader_push(r, NULL, 3), DC_ERR_NULL_ARGUMENT);
    CHECK_OK(dc_frame_reader_push(r, b, 30)); /* header and part of chunk 0 */
    CHECK_OK(dc_frame_reader_info(r, &info));
    CHECK(info.steps == DC_FRAME_UNKNOWN_STEPS && info.steps_per_chunk == 5);
    CHECK_OK(dc_frame_reader_model_id(r, &id, &id_len));
    CHECK(id_len == 1 && id[0] == 'm');
    CHECK(dc_frame_reader_available_steps(r) == 0);
    dc_frame_error_info e;
    CHECK_RESULT(dc_frame_reader_decode_step(r, fx.dist[0], DC_DTYPE_F32, VOCAB, &sym),
                 DC_ERR_FRAME_NEED_INPUT);
    CHECK_OK(dc_frame_reader_error_info(r, &e));
    CHECK(e.chunk == 0 && e.first_step == 0 && e.end_step == 5 && e.step == 0 && e.offset == 25);
    CHECK_RESULT(dc_frame_reader_end(r), DC_ERR_FRAME_TRUNCATED);
    CHECK_OK(dc_frame_reader_error_info(r, &e));
    CHECK(e.chunk == 0 && e.offset == 25);
    CHECK_OK(dc_frame_reader_push(r, b + 30, size - 30 - 1)); /* all but the last byte */
    CHECK(dc_frame_reader_steps(r) == 12);
    CHECK(dc_frame_reader_available_steps(r) == 10);
    for (size_t t = 0; t < 10; t++) {
        CHECK_OK(dc_frame_reader_decode_step(r, fx.dist[t], DC_DTYPE_F32, VOCAB, &sym));
        CHECK(sym == fx.symbols[t]);
    }
    CHECK_RESULT(dc_frame_reader_decode_step(r, fx.dist[10], DC_DTYPE_F32, VOCAB, &sym),
                 DC_ERR_FRAME_NEED_INPUT);
    const uint8_t two[2] = {b[size - 1], 0};
    CHECK_RESULT(dc_frame_reader_push(r, two, 2), DC_ERR_FRAME_CORRUPT); /* one too many */
    CHECK_OK(dc_frame_reader_push(r, two, 1));
    CHECK_OK(dc_frame_reader_end(r));
    CHECK_OK(dc_frame_reader_end(r));
    for (size_t t = 10; t < 12; t++) {
        CHECK_OK(dc_frame_reader_decode_step(r, fx.dist[t], DC_DTYPE_F32, VOCAB, &sym));
        CHECK(sym == fx.symbols[t]);
    }
    CHECK_RESULT(dc_frame_reader_decode_step(r, fx.dist[0], DC_DTYPE_F32, VOCAB, &sym),
                 DC_ERR_FRAME_END);
    CHECK_RESULT(dc_frame_reader_push(r, two, 1), DC_ERR_FRAME_CORRUPT);
    CHECK_OK(dc_frame_reader_push(r, two, 0));
    dc_frame_reader_free(r);
    CHECK_RESULT(dc_frame_reader_create_streaming(NULL, 1, NULL, &r), DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_reader_create_streaming(NULL, 0, NULL, NULL), DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_reader_push(NULL, b, 1), DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_reader_end(NULL), DC_ERR_NULL_ARGUMENT);
    CHECK(dc_frame_reader_available_steps(NULL) == 0);
    CHECK(strcmp(dc_result_name(DC_ERR_FRAME_NEED_INPUT), "DC_ERR_FRAME_NEED_INPUT") == 0);
    free(b);
}

/* Damaged streaming containers with intact CRCs: an end record whose N does not match the
   chunks before it is DC_ERR_FRAME_CORRUPT, a missing one DC_ERR_FRAME_TRUNCATED. */
static void put32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_end_record(void)
{
    make_fixture(&fx, 10, 8);
    size_t size;
    uint8_t *b = encode(&fx, 4, 1, &size); /* two full chunks, then the record */
    dc_frame_reader *r;
    dc_frame_error_info e;
    const uint32_t ns[] = {7, 12, 0, 3, 9};
    for (int i = 0; i < 5; i++) {
        uint8_t *d = malloc(size);
        memcpy(d, b, size);
        put32le(d + size - 12, ns[i]);
        put32le(d + size - 4, dc_crc32(0, d + size - 16, 12));
        if (ns[i] == 9) { /* consistent: then a last chunk of 1 step must follow */
            CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &e),
                         DC_ERR_FRAME_TRUNCATED);
            CHECK(e.chunk == 2 && e.first_step == 8 && e.end_step == 9 && e.offset == size);
        } else {
            CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &e),
                         DC_ERR_FRAME_CORRUPT);
            CHECK(e.chunk == DC_FRAME_NO_CHUNK && e.offset == size - 12);
        }
        free(d);
    }
    CHECK_RESULT(dc_frame_reader_create(b, size - 16, NULL, 0, NULL, &r, &e),
                 DC_ERR_FRAME_TRUNCATED);
    CHECK(e.chunk == DC_FRAME_NO_CHUNK && e.offset == size - 16);
    CHECK_RESULT(dc_frame_reader_create(b, size - 3, NULL, 0, NULL, &r, &e),
                 DC_ERR_FRAME_TRUNCATED);
    CHECK(e.chunk == 2 && e.first_step == 8 && e.end_step == 12 && e.offset == size - 16);
    free(b);
}

/* Memory of a streaming reader fed a long container in small pieces and decoding as they
   arrive: bounded by a few chunks, not the container. */
typedef struct meter {
    size_t now, peak;
} meter;

static void *m_malloc(void *o, size_t n)
{
    meter *m = o;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    m->now += n;
    if (m->now > m->peak)
        m->peak = m->now;
    return (char *)p + 16;
}

static void m_free(void *o, void *q)
{
    if (!q)
        return;
    meter *m = o;
    size_t *p = (size_t *)((char *)q - 16);
    m->now -= p[0];
    free(p);
}

static void *m_realloc(void *o, void *q, size_t n)
{
    void *p = m_malloc(o, n);
    if (p && q) {
        const size_t old = ((size_t *)((char *)q - 16))[0];
        memcpy(p, q, old < n ? old : n);
        m_free(o, q);
    }
    return p;
}

static void test_memory_bounded(void)
{
    make_fixture(&fx, 11, MAX_STEPS);
    const size_t steps = 200000;
    const uint32_t per = 256;
    dc_frame_writer *w;
    CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, NULL, 0, per, NULL, &w));
    CHECK_OK(dc_frame_writer_set_streaming(w));
    meter m = {0, 0};
    const dc_allocator a = {m_malloc, m_realloc, m_free, &m};
    dc_frame_reader *r;
    CHECK_OK(dc_frame_reader_create_streaming(NULL, 0, &a, &r));
    size_t decoded = 0, total = 0, largest_chunk = 0;
    const uint8_t *bytes;
    size_t n;
    for (size_t t = 0; t <= steps; t++) {
        if (t < steps) {
            CHECK_OK(dc_frame_writer_encode_step(w, fx.dist[t % MAX_STEPS], DC_DTYPE_F32, VOCAB,
                                                 fx.symbols[t % MAX_STEPS]));
            CHECK_OK(dc_frame_writer_take(w, &bytes, &n));
        } else {
            CHECK_OK(dc_frame_writer_finish(w, &bytes, &n));
        }
        if (n > largest_chunk)
            largest_chunk = n;
        for (size_t off = 0; off < n; off += 97) { /* in pieces of 97 bytes */
            const size_t k = n - off < 97 ? n - off : 97;
            CHECK_OK(dc_frame_reader_push(r, bytes + off, k));
            total += k;
            size_t sym;
            while (decoded < dc_frame_reader_available_steps(r)) {
                CHECK_OK(dc_frame_reader_decode_step(r, fx.dist[decoded % MAX_STEPS],
                                                     DC_DTYPE_F32, VOCAB, &sym));
                CHECK(sym == fx.symbols[decoded % MAX_STEPS]);
                decoded++;
            }
        }
    }
    CHECK_OK(dc_frame_reader_end(r));
    CHECK(decoded == steps);
    /* the coder's own buffers (input copy, decode tables) plus a few chunks of data */
    const size_t bound = 4 * largest_chunk + 4096;
    printf("streaming reader: %zu bytes pushed, peak memory %zu bytes (bound %zu)\n", total,
           m.peak, bound);
    CHECK(m.peak < bound && total > 10 * bound);
    dc_frame_reader_free(r);
    CHECK(m.now == 0);
    dc_frame_writer_free(w);
}

/* An allocator that refuses once its budget of successful calls is spent. */
static long budget_left, refusals;

static void *b_malloc(void *o, size_t n)
{
    (void)o;
    if (budget_left-- > 0)
        return malloc(n);
    refusals++;
    return NULL;
}

static void *b_realloc(void *o, void *p, size_t n)
{
    (void)o;
    if (budget_left-- > 0)
        return realloc(p, n);
    refusals++;
    return NULL;
}

static void b_free(void *o, void *p)
{
    (void)o;
    free(p);
}

/* Allocations refused at every point of a streaming writer and reader: each refusal is
   DC_ERR_OUT_OF_MEMORY and changes nothing (retrying gives the bytes and symbols of a run
   without refusals). */
static void test_out_of_memory(void)
{
    make_fixture(&fx, 12, 40);
    size_t size;
    uint8_t *expect = encode(&fx, 3, 1, &size);
    const dc_allocator a = {b_malloc, b_realloc, b_free, NULL};
    for (long limit = 0; limit < 30; limit++) {
        budget_left = limit;
        dc_frame_writer *w = NULL;
        dc_result r;
        while ((r = dc_frame_writer_create(0, (const uint8_t *)"m", 1, 3, &a, &w)) != DC_OK) {
            CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
            budget_left = 1000000;
        }
        CHECK_OK(dc_frame_writer_set_streaming(w));
        uint8_t *out = malloc(size);
        size_t len = 0;
        const uint8_t *bytes;
        size_t n;
        for (size_t t = 0; t <= fx.steps; t++) {
            if (t < fx.steps)
                while ((r = dc_frame_writer_encode_step(w, fx.dist[t], DC_DTYPE_F32, VOCAB,
                                                        fx.symbols[t])) != DC_OK) {
                    CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                    budget_left = 1000000;
                }
            while ((r = t < fx.steps ? dc_frame_writer_take(w, &bytes, &n)
                                     : dc_frame_writer_finish(w, &bytes, &n)) != DC_OK) {
                CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                budget_left = 1000000;
            }
            CHECK(len + n <= size);
            if (len + n <= size)
                memcpy(out + len, bytes, n);
            len += n;
        }
        CHECK(len == size && memcmp(out, expect, size) == 0);
        free(out);
        dc_frame_writer_free(w);

        budget_left = limit;
        dc_frame_reader *rd = NULL;
        while ((r = dc_frame_reader_create_streaming((const uint8_t *)"m", 1, &a, &rd)) != DC_OK) {
            CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
            budget_left = 1000000;
        }
        size_t t = 0;
        for (size_t off = 0; off < size; off += 5) {
            const size_t k = size - off < 5 ? size - off : 5;
            while ((r = dc_frame_reader_push(rd, expect + off, k)) != DC_OK) {
                CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                budget_left = 1000000;
            }
            while (t < dc_frame_reader_available_steps(rd)) {
                size_t s = VOCAB;
                while ((r = dc_frame_reader_decode_step(rd, fx.dist[t], DC_DTYPE_F32, VOCAB, &s)) !=
                       DC_OK) {
                    CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                    budget_left = 1000000;
                }
                CHECK(s == fx.symbols[t]);
                t++;
            }
        }
        CHECK_OK(dc_frame_reader_end(rd));
        CHECK(t == fx.steps);
        dc_frame_reader_free(rd);
    }
    printf("out of memory: %ld refused allocations, each retried\n", refusals);
    CHECK(refusals >= 8); /* one per allocation point of a run (a budget refuses once) */
    free(expect);
}

int main(void)
{
    test_streaming_layout();
    test_reader_states();
    test_end_record();
    test_splits();
    test_memory_bounded();
    test_out_of_memory();
    return test_finish("test_frame_stream");
}
