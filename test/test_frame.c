/* test_frame.c - the framed container: round trips, its byte layout, and every kind of
 * damage reported with its own code and the chunk it hit: a bit flip anywhere, truncation
 * at every byte, a wrong model id, distributions shifted by one step, a wrong magic or
 * version, refusals and failed allocations that change nothing. */
#include "test_util.h"

#define VOCAB 37
#define MAX_STEPS 64
#include "frame_fixture.h"

/* Per-step distributions (f32, peaked softmax) and the symbols drawn from them. */
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Encode the fixture into a container; returns a malloc'd copy. */
static uint8_t *encode(const fixture *f, int format, const char *model, uint32_t per_chunk,
                       size_t *size)
{
    dc_frame_writer *w = NULL;
    const size_t id_len = model ? strlen(model) : 0;
    CHECK_OK(dc_frame_writer_create(format, (const uint8_t *)model, id_len, per_chunk, NULL,
                                    &w));
    if (!w)
        return NULL;
    for (size_t t = 0; t < f->steps; t++)
        CHECK_OK(dc_frame_writer_encode_step(w, f->dist[t], DC_DTYPE_F32, VOCAB, f->symbols[t]));
    CHECK(dc_frame_writer_steps(w) == f->steps);
    const uint8_t *bytes;
    CHECK_OK(dc_frame_writer_finish(w, &bytes, size));
    uint8_t *copy = malloc(*size + 1);
    memcpy(copy, bytes, *size);
    dc_frame_writer_free(w);
    return copy;
}

/* Decodes every step with the fixture's distributions shifted by `shift` from step
   `from` on. Returns the first refusal (DC_OK if none) and its error info; checks that
   every step accepted before it decoded the encoder's symbol. */
static dc_result decode(const fixture *f, const uint8_t *bytes, size_t size, const char *model,
                        size_t from, size_t shift, dc_frame_error_info *info)
{
    dc_frame_reader *r = NULL;
    const dc_result cr = dc_frame_reader_create(bytes, size, (const uint8_t *)model,
                                                model ? strlen(model) : 0, NULL, &r, info);
    if (cr != DC_OK) {
        CHECK(r == NULL);
        CHECK(info->result == (int32_t)cr);
        return cr;
    }
    CHECK(dc_frame_reader_steps(r) == f->steps);
    dc_result res = DC_OK;
    for (size_t t = 0; t < f->steps && res == DC_OK; t++) {
        const size_t src = t >= from && t + shift < f->steps ? t + shift : t;
        size_t sym = VOCAB;
        res = dc_frame_reader_decode_step(r, f->dist[src], DC_DTYPE_F32, VOCAB, &sym);
        if (res == DC_OK && shift == 0)
            CHECK(sym == f->symbols[t]);
    }
    if (res == DC_OK) {
        size_t sym;
        CHECK_RESULT(dc_frame_reader_decode_step(r, f->dist[0], DC_DTYPE_F32, VOCAB, &sym),
                     DC_ERR_FRAME_END);
        CHECK_OK(dc_frame_reader_error_info(r, info));
        CHECK(info->result == DC_ERR_FRAME_END);
        info->result = DC_OK;
    } else {
        CHECK_OK(dc_frame_reader_error_info(r, info));
        CHECK(info->result == (int32_t)res);
    }
    dc_frame_reader_free(r);
    return res;
}

static void test_crc32(void)
{
    /* the CRC-32 check value of "123456789" (IEEE 802.3 / zlib) */
    CHECK(dc_crc32(0, "123456789", 9) == 0xCBF43926u);
    CHECK(dc_crc32(dc_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u);
    CHECK(dc_crc32(0, "", 0) == 0);
}

static void test_roundtrip(void)
{
    static fixture f;
    const uint32_t chunk_sizes[] = {1, 3, 7, 64, 0};
    const size_t step_counts[] = {0, 1, 7, 21, 64};
    for (size_t s = 0; s < 5; s++) {
        make_fixture(&f, 100 + s, step_counts[s]);
        for (size_t c = 0; c < 5; c++) {
            size_t size;
            uint8_t *bytes = encode(&f, DC_FORMAT_DEFAULT, c & 1 ? "llama-3-8b q4" : NULL,
                                    chunk_sizes[c], &size);
            dc_frame_error_info info;
            CHECK_OK(decode(&f, bytes, size, c & 1 ? "llama-3-8b q4" : "", 0, 0, &info));
            CHECK_OK(decode(&f, bytes, size, NULL, 0, 0, &info)); /* check skipped */
            free(bytes);
        }
    }
    /* every dtype */
    test_rng r = {7};
    for (int dtype = 0; dtype < 4; dtype++) {
        const size_t n = 300, steps = 40, es = dc_dtype_size(dtype);
        double p[300];
        unsigned char *m = malloc(steps * n * es);
        size_t sym[40];
        dc_frame_writer *w;
        CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, NULL, 0, 9, NULL, &w));
        for (size_t t = 0; t < steps; t++) {
            make_softmax(&r, p, n, 4.0);
            store_as(dtype, m + t * n * es, p, n);
            sym[t] = draw(&r, p, n);
            CHECK_OK(dc_frame_writer_encode_step(w, m + t * n * es, dtype, n, sym[t]));
        }
        const uint8_t *bytes;
        size_t size;
        CHECK_OK(dc_frame_writer_finish(w, &bytes, &size));
        dc_frame_reader *rd;
        CHECK_OK(dc_frame_reader_create(bytes, size, NULL, 0, NULL, &rd, NULL));
        for (size_t t = 0; t < steps; t++) {
            size_t s = n;
            CHECK_OK(dc_frame_reader_decode_step(rd, m + t * n * es, dtype, n, &s));
            CHECK(s == sym[t]);
        }
        dc_frame_reader_free(rd);
        dc_frame_writer_free(w);
        free(m);
    }
}

/* python-0.1 containers: the format byte says so and every chunk decodes. */
static void test_python_format(void)
{
    static fixture f;
    make_fixture(&f, 5, 20);
    size_t size;
    uint8_t *bytes = encode(&f, DC_FORMAT_PYTHON_0_1, "m", 6, &size);
    CHECK(bytes[5] == DC_FORMAT_PYTHON_0_1);
    dc_frame_error_info info;
    CHECK_OK(decode(&f, bytes, size, "m", 0, 0, &info));
    free(bytes);
}

/* The layout docs/FORMAT.md describes, read back field by field; each chunk holds the
   bytes of a plain coder given the same steps. */
static void test_layout(void)
{
    static fixture f;
    make_fixture(&f, 11, 10);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, "gpt2", 4, &size);
    const uint8_t magic[4] = {0x89, 'D', 'C', 'F'};
    CHECK(memcmp(b, magic, 4) == 0);
    CHECK(b[4] == 1 && b[5] == 0 && b[6] == 4 && b[7] == 0);
    CHECK(rd32(b + 8) == 10 && rd32(b + 12) == 0); /* steps, u64 */
    CHECK(rd32(b + 16) == 4);                      /* steps per chunk */
    CHECK(memcmp(b + 20, "gpt2", 4) == 0);
    CHECK(rd32(b + 24) == dc_crc32(0, b, 24));
    size_t off = 28;
    for (size_t c = 0; c < 3; c++) {
        const size_t first = 4 * c, end = first + 4 < 10 ? first + 4 : 10;
        dc_coder *coder;
        CHECK_OK(dc_coder_create(DC_FORMAT_DEFAULT, NULL, &coder));
        uint8_t sym_bytes[16];
        for (size_t t = first; t < end; t++) {
            CHECK_OK(dc_coder_encode_step(coder, f.dist[t], DC_DTYPE_F32, VOCAB, f.symbols[t]));
            wr32(sym_bytes + 4 * (t - first), (uint32_t)f.symbols[t]);
        }
        const uint8_t *raw;
        size_t raw_len;
        CHECK_OK(dc_coder_finish_encoding(coder, &raw, &raw_len));
        CHECK(off + 12 + raw_len <= size);
        CHECK(rd32(b + off) == raw_len);
        CHECK(memcmp(b + off + 8, raw, raw_len) == 0);
        CHECK(rd32(b + off + 4) == dc_crc32(dc_crc32(0, b + off, 4), raw, raw_len));
        CHECK(rd32(b + off + 8 + raw_len) == dc_crc32(0, sym_bytes, 4 * (end - first)));
        off += 12 + raw_len;
        dc_coder_free(coder);
    }
    CHECK(off == size);
    free(b);
    /* an empty container is the header alone */
    make_fixture(&f, 1, 0);
    b = encode(&f, DC_FORMAT_DEFAULT, NULL, 0, &size);
    CHECK(size == 24);
    CHECK(rd32(b + 16) == DC_FRAME_DEFAULT_STEPS_PER_CHUNK);
    free(b);
}

static void test_truncation(void)
{
    static fixture f;
    make_fixture(&f, 21, 12);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, "model", 5, &size);
    for (size_t len = 0; len < size; len++) {
        dc_frame_error_info info;
        uint8_t *prefix = malloc(len + 1);
        memcpy(prefix, b, len);
        CHECK_RESULT(decode(&f, prefix, len, "model", 0, 0, &info), DC_ERR_FRAME_TRUNCATED);
        free(prefix);
    }
    /* a byte too many */
    uint8_t *longer = malloc(size + 1);
    memcpy(longer, b, size);
    longer[size] = 0;
    dc_frame_error_info info;
    CHECK_RESULT(decode(&f, longer, size + 1, "model", 0, 0, &info), DC_ERR_FRAME_CORRUPT);
    CHECK(info.chunk == DC_FRAME_NO_CHUNK && info.offset == size);
    free(longer);
    free(b);
}

/* Every bit of every byte flipped in turn: the header's flips are refused by the reader,
   a chunk's flips by the reader or by the step that reaches that chunk, naming it. */
static void test_bit_flips(void)
{
    static fixture f;
    make_fixture(&f, 31, 14);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, "m1", 4, &size);
    const size_t header = 20 + 2 + 4;
    size_t chunk_start[4], off = header;
    for (size_t c = 0; c < 4; c++) {
        chunk_start[c] = off;
        off += 12 + rd32(b + off);
    }
    CHECK(off == size);
    size_t flips = 0, refused_by_reader = 0, data_crc = 0, symbol_crc = 0;
    for (size_t pos = 0; pos < size; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *d = malloc(size);
            memcpy(d, b, size);
            d[pos] ^= (uint8_t)(1u << bit);
            dc_frame_error_info info;
            const dc_result r = decode(&f, d, size, "m1", 0, 0, &info);
            free(d);
            flips++;
            CHECK(r != DC_OK);
            if (pos < 4)
                CHECK_RESULT(r, DC_ERR_FRAME_MAGIC);
            else if (pos == 4 && (b[4] ^ (1u << bit)) > 3) /* versions 2, 3 are known */
                CHECK_RESULT(r, DC_ERR_FRAME_VERSION);
            if (info.chunk == DC_FRAME_NO_CHUNK) {
                refused_by_reader++;
                continue;
            }
            size_t c = 0;
            while (c + 1 < 4 && chunk_start[c + 1] <= pos)
                c++;
            if (pos < header) {
                CHECK(!"a header flip got past the reader");
                continue;
            }
            const size_t len = rd32(b + chunk_start[c]);
            const size_t in_chunk = pos - chunk_start[c];
            if (r == DC_ERR_FRAME_TRUNCATED) { /* a length field grew past the end */
                CHECK(in_chunk < 4);
                continue;
            }
            CHECK(info.chunk == c);
            CHECK(info.first_step == 4 * c && info.end_step == (4 * c + 4 < 14 ? 4 * c + 4 : 14));
            CHECK(info.offset == chunk_start[c]);
            if (in_chunk < 8 + len) {
                CHECK_RESULT(r, DC_ERR_FRAME_CORRUPT); /* length, data CRC or stream */
                CHECK(info.step == info.first_step);
                data_crc++;
            } else {
                CHECK_RESULT(r, DC_ERR_FRAME_CHECKSUM); /* the symbols' CRC */
                CHECK(info.step == info.end_step - 1);
                symbol_crc++;
            }
        }
    }
    CHECK(flips == 8 * size);
    CHECK(refused_by_reader >= 8 * header);
    CHECK(symbol_crc == 4 * 32);
    CHECK(data_crc > 0);
    free(b);
}

static void test_model_id(void)
{
    static fixture f;
    make_fixture(&f, 41, 6);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, "model-A", 0, &size);
    dc_frame_error_info info;
    CHECK_RESULT(decode(&f, b, size, "model-B", 0, 0, &info), DC_ERR_FRAME_MODEL_ID);
    CHECK(info.chunk == DC_FRAME_NO_CHUNK);
    CHECK_RESULT(decode(&f, b, size, "model-AA", 0, 0, &info), DC_ERR_FRAME_MODEL_ID);
    CHECK_RESULT(decode(&f, b, size, "model-", 0, 0, &info), DC_ERR_FRAME_MODEL_ID);
    CHECK_RESULT(decode(&f, b, size, "", 0, 0, &info), DC_ERR_FRAME_MODEL_ID);
    CHECK_OK(decode(&f, b, size, "model-A", 0, 0, &info));
    dc_frame_reader *r;
    CHECK_OK(dc_frame_reader_create(b, size, NULL, 0, NULL, &r, NULL));
    const uint8_t *id;
    size_t len;
    CHECK_OK(dc_frame_reader_model_id(r, &id, &len));
    CHECK(len == 7 && memcmp(id, "model-A", 7) == 0);
    dc_frame_info fi;
    CHECK_OK(dc_frame_reader_info(r, &fi));
    CHECK(fi.steps == 6 && fi.chunks == 1 && fi.format == DC_FORMAT_DEFAULT &&
          fi.model_id_len == 7 && fi.header_size == 31 &&
          fi.steps_per_chunk == DC_FRAME_DEFAULT_STEPS_PER_CHUNK);
    dc_frame_reader_free(r);
    free(b);
    /* a container without an id only matches an empty one */
    b = encode(&f, DC_FORMAT_DEFAULT, NULL, 0, &size);
    CHECK_RESULT(decode(&f, b, size, "x", 0, 0, &info), DC_ERR_FRAME_MODEL_ID);
    CHECK_OK(decode(&f, b, size, "", 0, 0, &info));
    free(b);
}

/* Decoding with step t+1's distribution (from step `from` on) is refused in the chunk
   where the drift starts; the chunks before it decode. */
static void test_shifted_distributions(void)
{
    static fixture f;
    make_fixture(&f, 51, 60);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, NULL, 8, &size);
    const size_t starts[] = {0, 1, 7, 8, 19, 40, 58};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        dc_frame_error_info info;
        const dc_result r = decode(&f, b, size, NULL, starts[i], 1, &info);
        CHECK(r == DC_ERR_FRAME_CHECKSUM || r == DC_ERR_CORRUPT_STREAM);
        CHECK(info.chunk == starts[i] / 8);
        CHECK(info.first_step == 8 * info.chunk);
        CHECK(info.end_step == (8 * info.chunk + 8 < 60 ? 8 * info.chunk + 8 : 60));
        CHECK(info.step >= starts[i] && info.step < info.end_step);
    }
    free(b);
}

/* A refused step changes nothing: the chunk's last step with a wrong distribution is
   refused by the CRC, then accepted with the right one. */
static void test_refusals_change_nothing(void)
{
    static fixture f;
    make_fixture(&f, 61, 10);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, NULL, 5, &size);
    dc_frame_reader *r;
    CHECK_OK(dc_frame_reader_create(b, size, NULL, 0, NULL, &r, NULL));
    float wrong[VOCAB] = {0};
    size_t sym = 0;
    for (size_t t = 0; t < 10; t++) {
        wrong[0] = wrong[VOCAB - 1] = 0;
        wrong[f.symbols[t] == 0 ? VOCAB - 1 : 0] = 1.0f; /* puts all mass elsewhere */
        if (t % 5 == 4) {
            CHECK_RESULT(dc_frame_reader_decode_step(r, wrong, DC_DTYPE_F32, VOCAB, &sym),
                         DC_ERR_FRAME_CHECKSUM);
            CHECK_RESULT(dc_frame_reader_decode_step(r, wrong, DC_DTYPE_F32, VOCAB, &sym),
                         DC_ERR_FRAME_CHECKSUM);
            dc_frame_error_info info;
            CHECK_OK(dc_frame_reader_error_info(r, &info));
            CHECK(info.chunk == t / 5 && info.step == t);
        }
        float nan_dist[VOCAB] = {0};
        nan_dist[1] = NAN;
        CHECK_RESULT(dc_frame_reader_decode_step(r, nan_dist, DC_DTYPE_F32, VOCAB, &sym), DC_ERR_NAN);
        CHECK_RESULT(dc_frame_reader_decode_step(r, f.dist[t], 9, VOCAB, &sym), DC_ERR_BAD_DTYPE);
        CHECK_RESULT(dc_frame_reader_decode_step(r, f.dist[t], DC_DTYPE_F32, VOCAB, NULL),
                     DC_ERR_NULL_ARGUMENT);
        CHECK_OK(dc_frame_reader_decode_step(r, f.dist[t], DC_DTYPE_F32, VOCAB, &sym));
        CHECK(sym == f.symbols[t]);
    }
    CHECK_RESULT(dc_frame_reader_decode_step(r, f.dist[0], DC_DTYPE_F32, VOCAB, &sym),
                 DC_ERR_FRAME_END);
    dc_frame_reader_free(r);

    /* the writer: refused steps leave the bytes of a writer that never saw them */
    dc_frame_writer *w;
    CHECK_OK(dc_frame_writer_create(DC_FORMAT_DEFAULT, NULL, 0, 5, NULL, &w));
    for (size_t t = 0; t < 10; t++) {
        CHECK_RESULT(dc_frame_writer_encode_step(w, f.dist[t], DC_DTYPE_F32, VOCAB, VOCAB),
                     DC_ERR_BAD_SYMBOL);
        CHECK_RESULT(dc_frame_writer_encode_step(w, NULL, DC_DTYPE_F32, VOCAB, 0),
                     DC_ERR_NULL_ARGUMENT);
        CHECK_RESULT(dc_frame_writer_encode_step(w, f.dist[t], DC_DTYPE_F32, 0, 0), DC_ERR_BAD_VOCAB);
        CHECK_OK(dc_frame_writer_encode_step(w, f.dist[t], DC_DTYPE_F32, VOCAB, f.symbols[t]));
    }
    const uint8_t *out, *again;
    size_t out_len, again_len;
    CHECK_OK(dc_frame_writer_finish(w, &out, &out_len));
    CHECK(out_len == size && memcmp(out, b, size) == 0);
    CHECK_OK(dc_frame_writer_finish(w, &again, &again_len));
    CHECK(again == out && again_len == out_len);
    CHECK_RESULT(dc_frame_writer_encode_step(w, f.dist[0], DC_DTYPE_F32, VOCAB, 0),
                 DC_ERR_NOT_ENCODING);
    dc_frame_writer_free(w);
    free(b);
}

/* Header fields that are intact (their CRC recomputed) but not readable. */
static void test_header_fields(void)
{
    static fixture f;
    make_fixture(&f, 71, 3);
    size_t size;
    uint8_t *b = encode(&f, DC_FORMAT_DEFAULT, NULL, 0, &size);
    uint8_t *d = malloc(size);
    dc_frame_error_info info;
    dc_frame_reader *r = NULL;

    memcpy(d, b, size);
    d[4] = 4; /* a future version: refused before the CRC is looked at */
    CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &info),
                 DC_ERR_FRAME_VERSION);
    CHECK(info.offset == 4);
    memcpy(d, b, size);
    d[5] = 2; /* unknown format */
    wr32(d + 20, dc_crc32(0, d, 20));
    CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &info), DC_ERR_BAD_FORMAT);
    memcpy(d, b, size);
    wr32(d + 16, 0); /* zero steps per chunk */
    wr32(d + 20, dc_crc32(0, d, 20));
    CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &info),
                 DC_ERR_FRAME_CORRUPT);
    memcpy(d, b, size);
    wr32(d + 8, DC_FRAME_DEFAULT_STEPS_PER_CHUNK + 1); /* more steps than the chunks hold */
    wr32(d + 20, dc_crc32(0, d, 20));
    CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &info),
                 DC_ERR_FRAME_TRUNCATED);
    memcpy(d, b, size);
    d[8] = 0; /* fewer: the chunk is left over */
    wr32(d + 20, dc_crc32(0, d, 20));
    CHECK_RESULT(dc_frame_reader_create(d, size, NULL, 0, NULL, &r, &info),
                 DC_ERR_FRAME_CORRUPT);
    CHECK(r == NULL);
    const uint8_t raw[8] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    CHECK_RESULT(dc_frame_reader_create(raw, 8, NULL, 0, NULL, &r, &info), DC_ERR_FRAME_MAGIC);
    CHECK_RESULT(dc_frame_reader_create(raw, 2, NULL, 0, NULL, &r, &info), DC_ERR_FRAME_MAGIC);
    CHECK_RESULT(dc_frame_reader_create(NULL, 0, NULL, 0, NULL, &r, &info),
                 DC_ERR_FRAME_TRUNCATED);
    CHECK_RESULT(dc_frame_reader_create(NULL, 4, NULL, 0, NULL, &r, &info),
                 DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_reader_create(b, size, NULL, 3, NULL, &r, &info),
                 DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_reader_create(b, size, NULL, 0, NULL, NULL, &info),
                 DC_ERR_NULL_ARGUMENT);
    CHECK(r == NULL);
    free(d);
    free(b);

    dc_frame_writer *w = NULL;
    CHECK_RESULT(dc_frame_writer_create(7, NULL, 0, 0, NULL, &w), DC_ERR_BAD_FORMAT);
    CHECK_RESULT(dc_frame_writer_create(0, NULL, 1, 0, NULL, &w), DC_ERR_NULL_ARGUMENT);
    CHECK_RESULT(dc_frame_writer_create(0, NULL, 0, DC_FRAME_MAX_STEPS_PER_CHUNK + 1, NULL, &w),
                 DC_ERR_TOO_LARGE);
    uint8_t *long_id = calloc(DC_FRAME_MAX_MODEL_ID + 1, 1);
    CHECK_RESULT(dc_frame_writer_create(0, long_id, DC_FRAME_MAX_MODEL_ID + 1, 0, NULL, &w),
                 DC_ERR_TOO_LARGE);
    CHECK_OK(dc_frame_writer_create(0, long_id, DC_FRAME_MAX_MODEL_ID, 0, NULL, &w));
    dc_frame_writer_free(w);
    free(long_id);
    dc_frame_writer_free(NULL);
    dc_frame_reader_free(NULL);
}

/* An allocator that refuses once its budget of successful calls is spent. */
typedef struct budget {
    long left;
    long refused;
} budget;

static void *b_malloc(void *o, size_t n)
{
    budget *b = o;
    if (b->left <= 0) {
        b->refused++;
        return NULL;
    }
    b->left--;
    return malloc(n);
}

static void *b_realloc(void *o, void *p, size_t n)
{
    budget *b = o;
    if (b->left <= 0) {
        b->refused++;
        return NULL;
    }
    b->left--;
    return realloc(p, n);
}

static void b_free(void *o, void *p)
{
    (void)o;
    free(p);
}

/* With allocations refused at every point, each refusal is DC_ERR_OUT_OF_MEMORY, retrying
   succeeds, and the bytes equal those written without refusals. */
static void test_out_of_memory(void)
{
    static fixture f;
    make_fixture(&f, 81, 40);
    size_t size;
    uint8_t *expect = encode(&f, DC_FORMAT_DEFAULT, "id", 3, &size);
    for (long limit = 0; limit < 40; limit++) {
        budget bud = {limit, 0};
        const dc_allocator a = {b_malloc, b_realloc, b_free, &bud};
        dc_frame_writer *w = NULL;
        dc_result r;
        while ((r = dc_frame_writer_create(0, (const uint8_t *)"id", 2, 3, &a, &w)) != DC_OK) {
            CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
            bud.left = 1000000;
        }
        for (size_t t = 0; t < f.steps; t++) {
            while ((r = dc_frame_writer_encode_step(w, f.dist[t], DC_DTYPE_F32, VOCAB, f.symbols[t])) !=
                   DC_OK) {
                CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                bud.left = 1000000;
            }
        }
        const uint8_t *out;
        size_t len;
        while ((r = dc_frame_writer_finish(w, &out, &len)) != DC_OK) {
            CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
            bud.left = 1000000;
        }
        CHECK(len == size && memcmp(out, expect, size) == 0);
        dc_frame_writer_free(w);

        bud.left = limit;
        dc_frame_reader *rd = NULL;
        while ((r = dc_frame_reader_create(expect, size,
                                           (const uint8_t *)"id", 2, &a, &rd, NULL)) != DC_OK) {
            CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
            bud.left = 1000000;
        }
        for (size_t t = 0; t < f.steps; t++) {
            size_t s = VOCAB;
            while ((r = dc_frame_reader_decode_step(rd, f.dist[t], DC_DTYPE_F32, VOCAB, &s)) != DC_OK) {
                CHECK_RESULT(r, DC_ERR_OUT_OF_MEMORY);
                bud.left = 1000000;
            }
            CHECK(s == f.symbols[t]);
        }
        dc_frame_reader_free(rd);
    }
    free(expect);
}

int main(void)
{
    test_crc32();
    test_roundtrip();
    test_python_format();
    test_layout();
    test_truncation();
    test_bit_flips();
    test_model_id();
    test_shifted_distributions();
    test_refusals_change_nothing();
    test_header_fields();
    test_out_of_memory();
    return test_finish("test_frame");
}
