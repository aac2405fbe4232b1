/* fuzz_frame.c - the framed container reader on arbitrary bytes, and written containers
 * with one flipped bit.
 *
 * Byte 0: bit 3 clear = reader part: the rest is a container, read with the model id "fz"
 * (bit 2) or with the check skipped, and decoded (at most 4096 steps) with the
 * distributions of fuzz_step_dist at vocabulary 1 + 7 * (byte0 >> 4) (f32, or f64 when
 * bit 0 is set). Checks: no crash; symbols below the vocabulary; each refusal is recorded
 * by dc_frame_reader_error_info, names a chunk whose step range holds the step, and
 * happens again on the same call. The same bytes are then pushed into a streaming reader
 * in pieces (sizes from a generator seeded by the input), decoding the available steps after
 * each push: the pushes and end must refuse exactly what create refused, with the same
 * dc_frame_error_info; a container create took must give the same symbols and the same
 * refused step.
 * Bit 3 set = writer part: u16 vocabulary seed, u8 steps per chunk, u16 bit position, then
 * one u16 symbol seed per step (at most 256 steps); bit 1: a streaming container, taken in
 * pieces after every step. The container must decode back to its symbols (whole, and pushed
 * in pieces), and with the chosen bit flipped it must be refused (by the reader or a step). */
#include "fuzz_common.h"

#define MAX_DECODE 4096
#define MAX_VOCAB_READ 106

/* What a reader did: whether it took the container, the symbols, the refused step. */
typedef struct reading {
    dc_result taken;
    dc_frame_error_info taken_info;
    size_t symbols[MAX_DECODE];
    uint64_t decoded;
    dc_result step;
    dc_frame_error_info step_info;
} reading;

/* Decodes the steps the reader has (all, when `ended`) until one is refused. */
static void decode_some(dc_frame_reader *r, reading *o, size_t n, int dtype, int ended)
{
    float f32[300]; /* the writer part's vocabularies go up to 300 */
    double f64[300];
    while (o->step == DC_OK && o->decoded < MAX_DECODE) {
        fuzz_step_dist(o->decoded, n, f32);
        for (size_t i = 0; i < n; i++)
            f64[i] = f32[i];
        const void *dist = dtype == DC_DTYPE_F64 ? (const void *)f64 : (const void *)f32;
        const uint64_t avail = dc_frame_reader_available_steps(r);
        size_t sym = n;
        const dc_result dr = dc_frame_reader_decode_step(r, dist, dtype, n, &sym);
        if (dr == DC_ERR_FRAME_NEED_INPUT) {
            FUZZ_CHECK(!ended && o->decoded == avail);
            return;
        }
        if (dr != DC_OK) {
            o->step = dr;
            FUZZ_CHECK(dc_frame_reader_error_info(r, &o->step_info) == DC_OK);
            return;
        }
        FUZZ_CHECK(o->decoded < avail && sym < n);
        o->symbols[o->decoded++] = sym;
    }
}

/* Reads data whole (split == 0) or pushed in pieces of 1 + (generator % split) bytes. */
static void read_container(const uint8_t *data, size_t size, const uint8_t *id, size_t n,
                           int dtype, uint32_t split, uint32_t seed, reading *o)
{
    memset(o, 0, sizeof *o);
    dc_frame_reader *r = NULL;
    if (split == 0) {
        o->taken = dc_frame_reader_create(data, size, id, id ? 2 : 0, NULL, &r, &o->taken_info);
        if (o->taken == DC_OK)
            decode_some(r, o, n, dtype, 1);
        dc_frame_reader_free(r);
        return;
    }
    FUZZ_CHECK(dc_frame_reader_create_streaming(id, id ? 2 : 0, NULL, &r) == DC_OK);
    uint32_t x = seed | 1;
    for (size_t off = 0; off < size && o->taken == DC_OK;) {
        x = x * 1664525u + 1013904223u;
        size_t k = 1 + (x >> 8) % split;
        if (k > size - off)
            k = size - off;
        o->taken = dc_frame_reader_push(r, data + off, k);
        off += k;
        if (o->taken == DC_OK)
            decode_some(r, o, n, dtype, 0);
    }
    if (o->taken == DC_OK) {
        o->taken = dc_frame_reader_end(r);
        if (o->taken == DC_OK)
            decode_some(r, o, n, dtype, 1);
    }
    if (o->taken != DC_OK)
        FUZZ_CHECK(dc_frame_reader_error_info(r, &o->taken_info) == DC_OK);
    dc_frame_reader_free(r);
}

/* Pushed in pieces, the container is refused exactly where it is as a whole; if taken, the
   same steps decode and the same step is refused. Steps decoded before a refusal are those
   of complete chunks. */
static void same_reading(const reading *w, const reading *s)
{
    FUZZ_CHECK(s->taken == w->taken);
    if (w->taken != DC_OK) {
        FUZZ_CHECK(memcmp(&s->taken_info, &w->taken_info, sizeof w->taken_info) == 0);
        return;
    }
    FUZZ_CHECK(s->decoded == w->decoded && s->step == w->step);
    FUZZ_CHECK(memcmp(s->symbols, w->symbols, w->decoded * sizeof w->symbols[0]) == 0);
    if (w->step != DC_OK)
        FUZZ_CHECK(memcmp(&s->step_info, &w->step_info, sizeof w->step_info) == 0);
}

static reading whole_reading, split_reading;

static void reader_part(const uint8_t *data, size_t size, uint8_t mode)
{
    const size_t n = 1 + 7 * (size_t)(mode >> 4);
    const int dtype = (mode & 1) ? DC_DTYPE_F64 : DC_DTYPE_F32;
    const uint8_t *id = (mode & 4) ? (const uint8_t *)"fz" : NULL;
    dc_frame_reader *r = NULL;
    dc_frame_error_info info;
    const dc_result cr = dc_frame_reader_create(data, size, id, id ? 2 : 0, NULL, &r, &info);
    FUZZ_CHECK(info.result == (int32_t)cr);
    if (cr != DC_OK) {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(cr >= DC_ERR_FRAME_TRUNCATED || cr == DC_ERR_BAD_FORMAT ||
                   cr == DC_ERR_NULL_ARGUMENT);
        return;
    }
    dc_frame_info fi;
    FUZZ_CHECK(dc_frame_reader_info(r, &fi) == DC_OK);
    FUZZ_CHECK(fi.steps == dc_frame_reader_steps(r));
    float f32[MAX_VOCAB_READ];
    double f64[MAX_VOCAB_READ];
    uint64_t t = 0;
    for (; t < MAX_DECODE; t++) {
        fuzz_step_dist(t, n, f32);
        for (size_t i = 0; i < n; i++)
            f64[i] = f32[i];
        const void *dist = dtype == DC_DTYPE_F64 ? (const void *)f64 : (const void *)f32;
        size_t sym = n;
        const dc_result dr = dc_frame_reader_decode_step(r, dist, dtype, n, &sym);
        if (dr == DC_OK) {
            FUZZ_CHECK(sym < n);
            FUZZ_CHECK(t < fi.steps);
            continue;
        }
        FUZZ_CHECK(dc_frame_reader_error_info(r, &info) == DC_OK);
        FUZZ_CHECK(info.result == (int32_t)dr);
        if (dr == DC_ERR_FRAME_END) {
            FUZZ_CHECK(t == fi.steps);
        } else {
            FUZZ_CHECK(info.chunk != DC_FRAME_NO_CHUNK);
            FUZZ_CHECK(info.first_step <= t && t < info.end_step && info.step == t);
            FUZZ_CHECK(info.chunk == t / fi.steps_per_chunk);
        }
        size_t again = n;
        FUZZ_CHECK(dc_frame_reader_decode_step(r, dist, dtype, n, &again) == dr);
        break;
    }
    dc_frame_reader_free(r);
    /* the same bytes in pieces: the same outcome */
    read_container(data, size, id, n, dtype, 0, 0, &whole_reading);
    read_container(data, size, id, n, dtype, 1 + (uint32_t)(size % 61), (uint32_t)size * 31u + mode,
                   &split_reading);
    same_reading(&whole_reading, &split_reading);
}

static void writer_part(fuzz_input *in, int streaming)
{
    const size_t n = 1 + fuzz_u16(in) % 300;
    const uint32_t per_chunk = 1 + fuzz_u8(in) % 40;
    const uint32_t flip = fuzz_u16(in);
    size_t steps = fuzz_remaining(in) / 2;
    if (steps > 256)
        steps = 256;
    size_t symbols[256];
    float *dist = (float *)malloc(n * sizeof *dist);
    dc_frame_writer *w = NULL;
    FUZZ_CHECK(dc_frame_writer_create(DC_FORMAT_DEFAULT, (const uint8_t *)"fz", 2, per_chunk,
                                      NULL, &w) == DC_OK);
    if (streaming)
        FUZZ_CHECK(dc_frame_writer_set_streaming(w) == DC_OK);
    uint8_t *copy = NULL;
    size_t size = 0;
    const uint8_t *bytes;
    size_t k;
    for (size_t t = 0; t <= steps; t++) {
        if (t < steps) {
            symbols[t] = fuzz_u16(in) % n;
            fuzz_step_dist(t, n, dist);
            FUZZ_CHECK(dc_frame_writer_encode_step(w, dist, DC_DTYPE_F32, n, symbols[t]) ==
                       DC_OK);
            FUZZ_CHECK(dc_frame_writer_take(w, &bytes, &k) == DC_OK); /* streaming: pieces */
            FUZZ_CHECK(streaming || k == 0);
        } else {
            FUZZ_CHECK(dc_frame_writer_finish(w, &bytes, &k) == DC_OK);
        }
        copy = (uint8_t *)realloc(copy, size + k + 1);
        if (k > 0)
            memcpy(copy + size, bytes, k);
        size += k;
    }
    dc_frame_writer_free(w);

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            copy[(flip >> 3) % size] ^= (uint8_t)(1u << (flip & 7));
        dc_frame_reader *r = NULL;
        dc_result res = dc_frame_reader_create(copy, size, (const uint8_t *)"fz", 2, NULL, &r,
                                               NULL);
        for (size_t t = 0; t < steps && res == DC_OK; t++) {
            size_t s = n;
            fuzz_step_dist(t, n, dist);
            res = dc_frame_reader_decode_step(r, dist, DC_DTYPE_F32, n, &s);
            if (res == DC_OK)
                FUZZ_CHECK(pass == 1 || s == symbols[t]);
        }
        if (res == DC_OK) {
            size_t s;
            FUZZ_CHECK(dc_frame_reader_decode_step(r, dist, DC_DTYPE_F32, n, &s) == DC_ERR_FRAME_END);
        }
        FUZZ_CHECK(pass == 0 ? res == DC_OK : res != DC_OK);
        dc_frame_reader_free(r);
        /* pushed in pieces: the same outcome */
        read_container(copy, size, (const uint8_t *)"fz", n, DC_DTYPE_F32, 0, 0, &whole_reading);
        read_container(copy, size, (const uint8_t *)"fz", n, DC_DTYPE_F32, 1 + flip % 97, flip,
                       &split_reading);
        same_reading(&whole_reading, &split_reading);
    }
    free(copy);
    free(dist);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t mode = data[0];
    if (mode & 8) {
        fuzz_input in = {data + 1, size - 1, 0};
        writer_part(&in, mode & 2);
    } else {
        reader_part(data + 1, size - 1, mode);
    }
    return 0;
}
