/* frame.c - the framed container (docs/FORMAT.md, "Framed container").
 *
 * A header (magic, version, format, model identifier, step count, steps per chunk, CRC-32
 * of the header), then the steps in chunks. Each chunk is an independent stream of the
 * container's format: a u32 byte length, a CRC-32 of the length and the stream bytes, the
 * stream, and a CRC-32 of the chunk's symbols (each as u32 little-endian). The data CRC
 * tells damaged bytes apart from distributions that differ from the encoder's (the data is
 * intact but the decoded symbols do not match). Integers are little-endian, byte by byte. */
#include <string.h>

#include "alloc.h"
#include "internal.h"

/* magic 4, version 1, format 1, id length 2, steps 8, steps per chunk 4; then the id and
   the header CRC */
#define FRAME_FIXED_HEADER    20u
#define FRAME_FIXED_HEADER_V2 24u /* version 2: + tolerance (u32, tau * 2^32) */
#define FRAME_FIXED_HEADER_V3 36u /* version 3: + tolerance, input (u8), 3 zero bytes,
                                     temperature (f64 bits) */

/* Bytes before the model identifier in a header of `version` (1, 2 or 3). */
static size_t fixed_header(unsigned version)
{
    return version == 3 ? FRAME_FIXED_HEADER_V3
                        : version == 2 ? FRAME_FIXED_HEADER_V2 : FRAME_FIXED_HEADER;
}
#define FRAME_CHUNK_OVERHEAD 12u /* length 4, data CRC 4, symbols CRC 4 */
/* Streaming containers (N = DC_FRAME_UNKNOWN_STEPS in the header): the end record, marker
   4 (a length no chunk can have), N 8, CRC-32 of those 12 bytes 4. */
#define FRAME_END_MARK   0xFFFFFFFFu
#define FRAME_END_RECORD 16u

static const uint8_t frame_magic[4] = {0x89, 'D', 'C', 'F'};

/* ---- CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320) ---- */

static uint32_t crc_bytes(uint32_t reg, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        reg ^= p[i];
        for (int b = 0; b < 8; b++)
            reg = (reg >> 1) ^ (0xEDB88320u & (0u - (reg & 1u)));
    }
    return reg;
}

uint32_t dc_crc32(uint32_t crc, const void *data, size_t size)
{
    if (!data)
        return crc;
    return ~crc_bytes(~crc, (const uint8_t *)data, size);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

/* The running CRC register after one more symbol (as u32 little-endian). */
static uint32_t crc_symbol(uint32_t reg, size_t symbol)
{
    uint8_t b[4];
    put32(b, (uint32_t)symbol);
    return crc_bytes(reg, b, 4);
}

/* ---- writer ---- */

struct dc_frame_writer {
    dc_allocator alloc;
    dc_coder *coder; /* the open chunk's stream */
    uint32_t steps_per_chunk;
    uint32_t chunk_steps; /* steps in the open chunk */
    uint32_t crc;         /* CRC register of the open chunk's symbols */
    int finished;
    int streaming;  /* N unknown in the header, an end record before the last chunk */
    uint64_t steps; /* steps written */
    uint8_t *buf;   /* header (completed by dc_frame_writer_finish) + closed chunks */
    size_t len, cap, header_len;
    size_t taken; /* buf[0, taken) was given out by dc_frame_writer_take */
};

/* Drops the bytes given out by dc_frame_writer_take (their pointer is no longer valid). */
static void writer_compact(dc_frame_writer *w)
{
    if (w->taken == 0 || w->finished)
        return;
    memmove(w->buf, w->buf + w->taken, w->len - w->taken);
    w->len -= w->taken;
    w->taken = 0;
}

static dc_result writer_reserve(dc_frame_writer *w, size_t extra)
{
    if (extra > SIZE_MAX - w->len)
        return DC_ERR_TOO_LARGE;
    void *buf = w->buf;
    const dc_result r = dc_grow(&w->alloc, &buf, &w->cap, w->len + extra, 1);
    w->buf = (uint8_t *)buf;
    return r;
}

dc_result dc_frame_writer_create(dc_format format, const uint8_t *model_id, size_t model_id_len,
                                 uint32_t steps_per_chunk, const dc_allocator *allocator,
                                 dc_frame_writer **out)
{
    dc_coder_options o;
    memset(&o, 0, sizeof o);
    o.format = format;
    return dc_frame_writer_create_with_options(&o, model_id, model_id_len, steps_per_chunk,
                                               allocator, out);
}

dc_result dc_frame_writer_create_with_options(const dc_coder_options *options,
                                              const uint8_t *model_id, size_t model_id_len,
                                              uint32_t steps_per_chunk,
                                              const dc_allocator *allocator, dc_frame_writer **out)
{
    const dc_allocator *a;
    if (!options)
        return DC_ERR_NULL_ARGUMENT;
    const int format = options->format;
    if (!out || (!model_id && model_id_len > 0))
        return DC_ERR_NULL_ARGUMENT;
    dc_result r = dc_pick_allocator(allocator, &a);
    if (r != DC_OK)
        return r;
    if (!dc_format_known(format))
        return DC_ERR_BAD_FORMAT;
    if (model_id_len > DC_FRAME_MAX_MODEL_ID || steps_per_chunk > DC_FRAME_MAX_STEPS_PER_CHUNK)
        return DC_ERR_TOO_LARGE;
    if (steps_per_chunk == 0)
        steps_per_chunk = DC_FRAME_DEFAULT_STEPS_PER_CHUNK;

    dc_frame_writer *w = (dc_frame_writer *)a->malloc_fn(a->opaque, sizeof *w);
    if (!w)
        return DC_ERR_OUT_OF_MEMORY;
    memset(w, 0, sizeof *w);
    w->alloc = *a;
    w->steps_per_chunk = steps_per_chunk;
    w->crc = 0xFFFFFFFFu;
    dc_coder *coder;
    r = dc_coder_create_with_options(options, a, &coder);
    if (r != DC_OK) {
        a->free_fn(a->opaque, w);
        return r;
    }
    w->coder = coder;
    /* Version 2 (tolerant mode) adds the tolerance after the fixed fields, version 3
       (logits) the tolerance, the input kind and the temperature. */
    const uint32_t tol = coder->tolerance_q;
    const unsigned version = coder->input == DC_INPUT_LOGITS ? 3 : tol ? 2 : DC_FRAME_VERSION;
    const size_t fixed = fixed_header(version);
    w->header_len = fixed + model_id_len + 4;
    w->cap = w->header_len + 256;
    w->buf = (uint8_t *)a->malloc_fn(a->opaque, w->cap);
    r = w->buf ? DC_OK : DC_ERR_OUT_OF_MEMORY;
    if (r != DC_OK) {
        dc_coder_free(w->coder);
        a->free_fn(a->opaque, w);
        return r;
    }
    uint8_t *h = w->buf;
    memcpy(h, frame_magic, 4);
    h[4] = (uint8_t)version;
    h[5] = (uint8_t)format;
    h[6] = (uint8_t)model_id_len;
    h[7] = (uint8_t)(model_id_len >> 8);
    put64(h + 8, 0); /* steps: written by dc_frame_writer_finish */
    put32(h + 16, steps_per_chunk);
    if (version >= 2)
        put32(h + 20, tol);
    if (version == 3) {
        uint64_t tbits;
        memcpy(&tbits, &coder->temperature, 8);
        put32(h + 24, (uint32_t)coder->input); /* the input byte and 3 zero bytes */
        put64(h + 28, tbits);
    }
    if (model_id_len > 0)
        memcpy(h + fixed, model_id, model_id_len);
    put32(h + w->header_len - 4, 0); /* header CRC: written by dc_frame_writer_finish */
    w->len = w->header_len;
    *out = w;
    return DC_OK;
}

void dc_frame_writer_free(dc_frame_writer *w)
{
    if (!w)
        return;
    const dc_allocator a = w->alloc;
    dc_coder_free(w->coder);
    a.free_fn(a.opaque, w->buf);
    a.free_fn(a.opaque, w);
}

/* Append the open chunk (if it holds steps) and open an empty one. On failure nothing
   visible changes: the coder may have finished, and finishing again gives the same bytes. */
static dc_result close_chunk(dc_frame_writer *w)
{
    if (w->chunk_steps == 0)
        return DC_OK;
    writer_compact(w);
    const uint8_t *bytes;
    size_t size;
    dc_result r = dc_coder_finish_encoding(w->coder, &bytes, &size);
    if (r != DC_OK)
        return r;
    if (size > UINT32_MAX)
        return DC_ERR_TOO_LARGE;
    r = writer_reserve(w, size + FRAME_CHUNK_OVERHEAD);
    if (r != DC_OK)
        return r;
    uint8_t *p = w->buf + w->len;
    put32(p, (uint32_t)size);
    if (size > 0)
        memcpy(p + 8, bytes, size);
    put32(p + 4, dc_crc32(dc_crc32(0, p, 4), p + 8, size)); /* length and stream */
    put32(p + 8 + size, ~w->crc);
    w->len += size + FRAME_CHUNK_OVERHEAD;
    dc_coder_reset(w->coder);
    w->chunk_steps = 0;
    w->crc = 0xFFFFFFFFu;
    return DC_OK;
}

dc_result dc_frame_writer_encode_step(dc_frame_writer *w, const void *dist, dc_dtype dtype,
                                      size_t vocab, size_t symbol)
{
    if (!w)
        return DC_ERR_NULL_ARGUMENT;
    if (w->finished)
        return DC_ERR_NOT_ENCODING;
    if (w->steps == DC_FRAME_UNKNOWN_STEPS - 1) /* N = 2^64 - 1 means a streaming container */
        return DC_ERR_TOO_LARGE;
    if (w->chunk_steps == w->steps_per_chunk) {
        const dc_result r = close_chunk(w);
        if (r != DC_OK)
            return r;
    }
    const dc_result r = dc_coder_encode_step(w->coder, dist, dtype, vocab, symbol);
    if (r != DC_OK)
        return r;
    w->crc = crc_symbol(w->crc, symbol);
    w->chunk_steps++;
    w->steps++;
    return DC_OK;
}

uint64_t dc_frame_writer_steps(const dc_frame_writer *w)
{
    return w ? w->steps : 0;
}

dc_coder *dc_frame_writer_coder(dc_frame_writer *w)
{
    return w->coder;
}

/* Completes the header: its step count and CRC. */
static void write_header(dc_frame_writer *w, uint64_t steps)
{
    put64(w->buf + 8, steps);
    put32(w->buf + w->header_len - 4, dc_crc32(0, w->buf, w->header_len - 4));
}

dc_result dc_frame_writer_set_streaming(dc_frame_writer *w)
{
    if (!w)
        return DC_ERR_NULL_ARGUMENT;
    if (w->steps > 0 || w->finished)
        return DC_ERR_NOT_ENCODING;
    w->streaming = 1;
    write_header(w, DC_FRAME_UNKNOWN_STEPS); /* complete now: it can be taken at once */
    return DC_OK;
}

dc_result dc_frame_writer_take(dc_frame_writer *w, const uint8_t **bytes, size_t *size)
{
    if (!w || !bytes || !size)
        return DC_ERR_NULL_ARGUMENT;
    if (w->streaming && w->chunk_steps == w->steps_per_chunk) { /* a full chunk is final */
        const dc_result r = close_chunk(w);
        if (r != DC_OK)
            return r;
    }
    const size_t end = w->streaming || w->finished ? w->len : 0; /* else N is not written yet */
    *bytes = w->buf + w->taken;
    *size = end - w->taken;
    w->taken = end;
    return DC_OK;
}

/* A streaming container's end: the end record, then the last chunk if it is not full (so a
   reader knows every chunk before the record holds P steps). */
static dc_result finish_streaming(dc_frame_writer *w)
{
    dc_result r = w->chunk_steps == w->steps_per_chunk ? close_chunk(w) : DC_OK;
    if (r != DC_OK)
        return r;
    writer_compact(w);
    r = writer_reserve(w, FRAME_END_RECORD);
    if (r != DC_OK)
        return r;
    const size_t at = w->len;
    uint8_t *p = w->buf + at;
    put32(p, FRAME_END_MARK);
    put64(p + 4, w->steps);
    put32(p + 12, dc_crc32(0, p, 12));
    w->len += FRAME_END_RECORD;
    r = close_chunk(w);
    if (r != DC_OK)
        w->len = at; /* as if the record had not been written */
    return r;
}

dc_result dc_frame_writer_finish(dc_frame_writer *w, const uint8_t **bytes, size_t *size)
{
    if (!w || !bytes || !size)
        return DC_ERR_NULL_ARGUMENT;
    if (!w->finished) {
        const dc_result r = w->streaming ? finish_streaming(w) : close_chunk(w);
        if (r != DC_OK)
            return r;
        if (!w->streaming)
            write_header(w, w->steps);
        w->finished = 1;
    }
    *bytes = w->buf + w->taken;
    *size = w->len - w->taken;
    return DC_OK;
}

/* ---- reader ----
 * One parser for whole buffers and for bytes that arrive in pieces: dc_frame_reader_create
 * is dc_frame_reader_create_streaming, one push of every byte and dc_frame_reader_end.
 * Each push checks the header as soon as it is complete and walks the chunks that have
 * arrived (their lengths, their data CRC, a streaming container's end record); end()
 * reports what is missing. */

/* How far the arrived bytes have been walked. */
typedef struct frame_scan {
    uint64_t steps;  /* N; DC_FRAME_UNKNOWN_STEPS until a streaming container's end record */
    uint64_t chunks; /* ceil(N / P), DC_FRAME_UNKNOWN_STEPS while N is */
    uint64_t seen;   /* chunks that have fully arrived */
    uint64_t next;   /* offset of the next chunk (or end record) */
} frame_scan;

struct dc_frame_reader {
    dc_allocator alloc;
    dc_coder *coder;     /* created when the header is complete */
    uint8_t *expected;   /* the caller's model identifier (a copy), NULL: no check */
    size_t expected_len;
    uint8_t *data;       /* the header, then the bytes from offset `dropped` + header size */
    size_t size, cap;    /* bytes held in data */
    uint64_t dropped;    /* bytes of decoded chunks dropped from data (after the header) */
    int have_header;
    int streaming;       /* the header's N is DC_FRAME_UNKNOWN_STEPS: an end record follows */
    frame_scan scan;
    dc_frame_info info;
    uint64_t step;       /* next step to decode */
    uint64_t chunk;      /* chunk holding `step` */
    uint64_t chunk_offset; /* offset of that chunk's length field */
    int chunk_started;   /* its stream is being decoded */
    /* Data CRCs are checked when a chunk is first needed (available_steps, decode_step),
       once: chunks [0, good) passed; `bad`: chunk `good` failed. */
    uint64_t good, good_offset;
    int bad;
    uint32_t crc;        /* CRC register of the symbols decoded from it */
    dc_frame_error_info error;
};

static void set_error(dc_frame_error_info *e, dc_result result, uint64_t chunk, uint64_t first,
                      uint64_t end, uint64_t step, uint64_t offset)
{
    if (!e)
        return;
    e->chunk = chunk;
    e->first_step = first;
    e->end_step = end;
    e->step = step;
    e->offset = offset;
    e->result = (int32_t)result;
    e->reserved = 0;
}

static void header_error(dc_frame_error_info *e, dc_result result, uint64_t offset)
{
    set_error(e, result, DC_FRAME_NO_CHUNK, 0, 0, 0, offset);
}

/* header_error, returning the result. */
static dc_result refuse_at(dc_frame_error_info *e, dc_result result, uint64_t offset)
{
    header_error(e, result, offset);
    return result;
}

/* The bytes at container offset `off` (held: after the dropped ones). */
static const uint8_t *at(const dc_frame_reader *r, uint64_t off)
{
    return r->data + (size_t)(off - r->dropped);
}

/* Checks the header in the first `size` bytes of a container: DC_ERR_FRAME_TRUNCATED
   while they are too few to decide. */
static dc_result parse_header(const uint8_t *b, size_t size, const uint8_t *expected_id,
                              size_t expected_len, dc_frame_info *info, dc_frame_error_info *e)
{
    if (size < 4) {
        const dc_result r = size == 0 || memcmp(b, frame_magic, size) == 0
                                ? DC_ERR_FRAME_TRUNCATED
                                : DC_ERR_FRAME_MAGIC;
        header_error(e, r, r == DC_ERR_FRAME_TRUNCATED ? size : 0);
        return r;
    }
    if (memcmp(b, frame_magic, 4) != 0) {
        header_error(e, DC_ERR_FRAME_MAGIC, 0);
        return DC_ERR_FRAME_MAGIC;
    }
    if (size < 5) {
        header_error(e, DC_ERR_FRAME_TRUNCATED, size);
        return DC_ERR_FRAME_TRUNCATED;
    }
    if (b[4] != DC_FRAME_VERSION && b[4] != 2 && b[4] != 3) {
        header_error(e, DC_ERR_FRAME_VERSION, 4);
        return DC_ERR_FRAME_VERSION;
    }
    if (size < 8) {
        header_error(e, DC_ERR_FRAME_TRUNCATED, size);
        return DC_ERR_FRAME_TRUNCATED;
    }
    const size_t id_len = (size_t)b[6] | ((size_t)b[7] << 8);
    const size_t fixed = fixed_header(b[4]);
    const size_t header_len = fixed + id_len + 4;
    if (size < header_len) {
        header_error(e, DC_ERR_FRAME_TRUNCATED, size);
        return DC_ERR_FRAME_TRUNCATED;
    }
    if (dc_crc32(0, b, header_len - 4) != get32(b + header_len - 4)) {
        header_error(e, DC_ERR_FRAME_CORRUPT, header_len - 4);
        return DC_ERR_FRAME_CORRUPT;
    }
    const int format = b[5];
    if (!dc_format_known(format)) {
        header_error(e, DC_ERR_BAD_FORMAT, 5);
        return DC_ERR_BAD_FORMAT;
    }
    const uint32_t tol = b[4] >= 2 ? get32(b + 20) : 0;
    if (b[4] == 2 && (format != DC_FORMAT_DEFAULT || tol == 0 || tol > DC_TOL_MAX_Q)) {
        header_error(e, DC_ERR_FRAME_CORRUPT, format != DC_FORMAT_DEFAULT ? 5 : 20);
        return DC_ERR_FRAME_CORRUPT;
    }
    /* Version 3: logits at a finite temperature > 0, default format, exact mode. */
    double temperature = 1;
    if (b[4] == 3) {
        const uint64_t tbits = get64(b + 28);
        memcpy(&temperature, &tbits, 8);
        const size_t bad = format != DC_FORMAT_DEFAULT ? 5
                           : tol != 0                  ? 20
                           : get32(b + 24) != DC_INPUT_LOGITS ? 24
                           : !dc_temperature_valid(temperature) ? 28 : 0;
        if (bad) {
            header_error(e, DC_ERR_FRAME_CORRUPT, bad);
            return DC_ERR_FRAME_CORRUPT;
        }
    }
    const uint64_t steps = get64(b + 8);
    const uint32_t per_chunk = get32(b + 16);
    if (per_chunk == 0 || per_chunk > DC_FRAME_MAX_STEPS_PER_CHUNK) {
        header_error(e, DC_ERR_FRAME_CORRUPT, 16);
        return DC_ERR_FRAME_CORRUPT;
    }
    if (expected_id && (expected_len != id_len ||
                        (id_len > 0 && memcmp(expected_id, b + fixed, id_len)))) {
        header_error(e, DC_ERR_FRAME_MODEL_ID, fixed);
        return DC_ERR_FRAME_MODEL_ID;
    }
    info->steps = steps;
    info->chunks = steps == DC_FRAME_UNKNOWN_STEPS
                       ? DC_FRAME_UNKNOWN_STEPS
                       : steps / per_chunk + (steps % per_chunk != 0);
    info->steps_per_chunk = per_chunk;
    info->format = format;
    info->model_id_len = (uint32_t)id_len;
    info->header_size = (uint32_t)header_len;
    info->tolerance = tol / 4294967296.0;
    info->input = b[4] == 3 ? DC_INPUT_LOGITS : DC_INPUT_PROBABILITIES;
    info->reserved0 = 0;
    info->temperature = temperature;
    return DC_OK;
}

/* Walks the chunks (and end record) that have arrived since s->next: a chunk counts when
   it is complete. Their data CRCs are checked later, when needed (verify). */
static dc_result scan(const dc_frame_reader *r, frame_scan *s, dc_frame_error_info *e)
{
    const uint64_t per = r->info.steps_per_chunk, total = r->dropped + r->size;
    for (;;) {
        const uint64_t avail = total - s->next;
        const uint8_t *p = at(r, s->next);
        if (s->seen == s->chunks)
            return avail ? refuse_at(e, DC_ERR_FRAME_CORRUPT, s->next) : DC_OK;
        if (avail < 4)
            return DC_OK;
        const uint32_t len = get32(p);
        if (len == FRAME_END_MARK && s->chunks == DC_FRAME_UNKNOWN_STEPS) { /* streaming */
            if (avail < FRAME_END_RECORD)
                return DC_OK;
            if (dc_crc32(0, p, 12) != get32(p + 12))
                return refuse_at(e, DC_ERR_FRAME_CORRUPT, s->next + 12);
            const uint64_t n = get64(p + 4); /* the chunks before the record are full */
            if (n == DC_FRAME_UNKNOWN_STEPS || n / per != s->seen)
                return refuse_at(e, DC_ERR_FRAME_CORRUPT, s->next + 4);
            s->steps = n;
            s->chunks = s->seen + (n % per != 0);
            s->next += FRAME_END_RECORD;
            continue;
        }
        if (avail < FRAME_CHUNK_OVERHEAD || avail - FRAME_CHUNK_OVERHEAD < len)
            return DC_OK;
        s->seen++;
        s->next += FRAME_CHUNK_OVERHEAD + len;
    }
}

dc_result dc_frame_reader_create_streaming(const uint8_t *expected_model_id, size_t expected_len,
                                           const dc_allocator *allocator, dc_frame_reader **out)
{
    const dc_allocator *a;
    if (!out || (!expected_model_id && expected_len > 0))
        return DC_ERR_NULL_ARGUMENT;
    if (expected_len > DC_FRAME_MAX_MODEL_ID)
        return DC_ERR_TOO_LARGE;
    const dc_result res = dc_pick_allocator(allocator, &a);
    if (res != DC_OK)
        return res;
    dc_frame_reader *r = (dc_frame_reader *)a->malloc_fn(a->opaque, sizeof *r);
    if (!r)
        return DC_ERR_OUT_OF_MEMORY;
    memset(r, 0, sizeof *r);
    r->alloc = *a;
    if (expected_model_id) {
        r->expected = (uint8_t *)a->malloc_fn(a->opaque, expected_len + 1);
        if (!r->expected) {
            a->free_fn(a->opaque, r);
            return DC_ERR_OUT_OF_MEMORY;
        }
        if (expected_len > 0)
            memcpy(r->expected, expected_model_id, expected_len);
        r->expected_len = expected_len;
    }
    r->info.steps = r->info.chunks = DC_FRAME_UNKNOWN_STEPS;
    header_error(&r->error, DC_OK, 0);
    *out = r;
    return DC_OK;
}

/* The header has arrived: a coder for its format and tolerance, and the chunk walk. */
static dc_result start_reading(dc_frame_reader *r, const dc_frame_info *info)
{
    dc_coder *coder = NULL;
    dc_result res = dc_coder_create(info->format, &r->alloc, &coder);
    if (res == DC_OK) /* the exact tolerance of the header (checked by parse_header) */
        res = dc_coder_set_tolerance_q(coder, r->data[4] == 2 ? get32(r->data + 20) : 0);
    if (res == DC_OK && info->input == DC_INPUT_LOGITS)
        res = dc_coder_set_logits(coder, info->temperature);
    if (res != DC_OK) {
        dc_coder_free(coder);
        return res;
    }
    r->coder = coder;
    r->info = *info;
    r->have_header = 1;
    r->streaming = info->steps == DC_FRAME_UNKNOWN_STEPS;
    r->chunk_offset = r->good_offset = info->header_size;
    r->scan.steps = info->steps;
    r->scan.chunks = info->chunks;
    r->scan.next = info->header_size;
    return DC_OK;
}

/* Drops the bytes of chunks already decoded when they are at least as many as those kept,
   so memory stays about the chunks not yet decoded and each byte moves O(1) times. */
static void reader_compact(dc_frame_reader *r)
{
    if (!r->have_header)
        return;
    const size_t h = r->info.header_size;
    const uint64_t drop = r->chunk_offset - r->dropped - h;
    const size_t keep = r->size - h - (size_t)drop;
    if (drop == 0 || keep > drop)
        return;
    memmove(r->data + h, r->data + h + drop, keep);
    r->size -= (size_t)drop;
    r->dropped += drop;
}

dc_result dc_frame_reader_push(dc_frame_reader *r, const uint8_t *bytes, size_t size)
{
    if (!r)
        return DC_ERR_NULL_ARGUMENT;
    if (!bytes && size > 0)
        return refuse_at(&r->error, DC_ERR_NULL_ARGUMENT, r->dropped + r->size);
    reader_compact(r);
    if (size > SIZE_MAX - r->size)
        return refuse_at(&r->error, DC_ERR_TOO_LARGE, r->dropped + r->size);
    void *buf = r->data;
    dc_result res = dc_grow(&r->alloc, &buf, &r->cap, r->size + size, 1);
    r->data = (uint8_t *)buf;
    if (res != DC_OK)
        return refuse_at(&r->error, res, r->dropped + r->size);
    if (size > 0)
        memcpy(r->data + r->size, bytes, size);
    const size_t before = r->size;
    r->size += size;
    /* Refused bytes are taken back: the reader is as before the call. */
    dc_frame_error_info e;
    if (!r->have_header) {
        dc_frame_info info;
        res = parse_header(r->data, r->size, r->expected, r->expected_len, &info, &e);
        if (res == DC_ERR_FRAME_TRUNCATED)
            return DC_OK; /* not yet complete */
        if (res == DC_OK)
            res = start_reading(r, &info);
        else
            goto refuse;
        if (res != DC_OK) {
            header_error(&e, res, 0);
            goto refuse;
        }
    }
    frame_scan s = r->scan;
    res = scan(r, &s, &e);
    if (res == DC_OK) {
        r->scan = s;
        r->info.steps = s.steps;
        r->info.chunks = s.chunks;
        return DC_OK;
    }
refuse:
    if (r->have_header && before < r->info.header_size) { /* the header came with this push */
        dc_coder_free(r->coder);
        r->coder = NULL;
        r->have_header = 0;
        r->info.steps = r->info.chunks = DC_FRAME_UNKNOWN_STEPS;
        memset(&r->scan, 0, sizeof r->scan);
        r->chunk_offset = r->good_offset = 0;
    }
    r->size = before;
    r->error = e;
    return res;
}

dc_result dc_frame_reader_end(dc_frame_reader *r)
{
    if (!r)
        return DC_ERR_NULL_ARGUMENT;
    if (!r->have_header) {
        dc_frame_info info;
        const dc_result res = parse_header(r->data, r->size, r->expected, r->expected_len,
                                           &info, &r->error);
        return res == DC_OK ? DC_ERR_FRAME_TRUNCATED : res; /* push takes a complete one */
    }
    const frame_scan *s = &r->scan;
    if (s->seen == s->chunks)
        return DC_OK;
    /* The first chunk that has not arrived (or a streaming container's end record). */
    const uint64_t per = r->info.steps_per_chunk, first = s->seen * per;
    const uint64_t end = s->steps - first < per ? s->steps : first + per;
    if (s->chunks == DC_FRAME_UNKNOWN_STEPS && s->next == r->dropped + r->size)
        return refuse_at(&r->error, DC_ERR_FRAME_TRUNCATED, s->next); /* no end record */
    set_error(&r->error, DC_ERR_FRAME_TRUNCATED, s->seen, first, end, first, s->next);
    return DC_ERR_FRAME_TRUNCATED;
}

dc_result dc_frame_reader_create(const uint8_t *bytes, size_t size,
                                 const uint8_t *expected_model_id, size_t expected_len,
                                 const dc_allocator *allocator, dc_frame_reader **out,
                                 dc_frame_error_info *error)
{
    header_error(error, DC_OK, 0);
    dc_frame_reader *r = NULL;
    dc_result res = !out || (!bytes && size > 0) ? DC_ERR_NULL_ARGUMENT : DC_OK;
    if (res == DC_OK)
        res = dc_frame_reader_create_streaming(expected_model_id, expected_len, allocator, &r);
    if (res != DC_OK)
        return refuse_at(error, res, 0);
    res = dc_frame_reader_push(r, bytes, size);
    if (res == DC_OK)
        res = dc_frame_reader_end(r);
    if (res != DC_OK) {
        if (error)
            *error = r->error;
        dc_frame_reader_free(r);
        return res;
    }
    *out = r;
    return DC_OK;
}

void dc_frame_reader_free(dc_frame_reader *r)
{
    if (!r)
        return;
    const dc_allocator a = r->alloc;
    dc_coder_free(r->coder);
    a.free_fn(a.opaque, r->expected);
    a.free_fn(a.opaque, r->data);
    a.free_fn(a.opaque, r);
}

uint64_t dc_frame_reader_steps(const dc_frame_reader *r)
{
    return r ? r->info.steps : 0;
}

/* A streaming container's end record at `off`, once it has arrived and been checked. */
static int end_record_at(const dc_frame_reader *r, uint64_t off)
{
    return r->streaming && off < r->scan.next && get32(at(r, off)) == FRAME_END_MARK;
}

/* Checks the data CRC of the arrived chunks before chunk `upto`, up to the first that
   fails (each chunk once: pushes only append). */
static void verify(dc_frame_reader *r, uint64_t upto)
{
    while (!r->bad && r->good < upto && r->good < r->scan.seen) {
        if (end_record_at(r, r->good_offset))
            r->good_offset += FRAME_END_RECORD;
        const uint8_t *p = at(r, r->good_offset);
        const uint32_t len = get32(p);
        if (dc_crc32(dc_crc32(0, p, 4), p + 8, len) != get32(p + 4)) {
            r->bad = 1;
            return;
        }
        r->good++;
        r->good_offset += FRAME_CHUNK_OVERHEAD + len;
    }
}

uint64_t dc_frame_reader_available_steps(dc_frame_reader *r)
{
    if (!r || !r->have_header)
        return 0;
    verify(r, UINT64_MAX);
    const uint64_t per = r->info.steps_per_chunk, good = r->good;
    const uint64_t steps = good > UINT64_MAX / per ? UINT64_MAX : good * per;
    return steps < r->info.steps ? steps : r->info.steps;
}

dc_result dc_frame_reader_info(const dc_frame_reader *r, dc_frame_info *info)
{
    if (!r || !info)
        return DC_ERR_NULL_ARGUMENT;
    if (!r->have_header)
        return DC_ERR_FRAME_NEED_INPUT;
    *info = r->info;
    return DC_OK;
}

dc_result dc_frame_reader_model_id(const dc_frame_reader *r, const uint8_t **id, size_t *len)
{
    if (!r || !id || !len)
        return DC_ERR_NULL_ARGUMENT;
    if (!r->have_header)
        return DC_ERR_FRAME_NEED_INPUT;
    *id = r->data + r->info.header_size - 4 - r->info.model_id_len;
    *len = r->info.model_id_len;
    return DC_OK;
}

dc_coder *dc_frame_reader_coder(dc_frame_reader *r)
{
    return r->coder;
}

dc_result dc_frame_reader_error_info(const dc_frame_reader *r, dc_frame_error_info *info)
{
    if (!r || !info)
        return DC_ERR_NULL_ARGUMENT;
    *info = r->error;
    return DC_OK;
}

/* Records an error of the chunk holding r->step and returns it. */
static dc_result chunk_error(dc_frame_reader *r, dc_result result)
{
    const uint64_t per = r->info.steps_per_chunk;
    const uint64_t first = r->chunk * per;
    const uint64_t end = r->info.steps - first < per ? r->info.steps : first + per;
    set_error(&r->error, result, r->chunk, first, end, r->step, r->chunk_offset);
    return result;
}

dc_result dc_frame_reader_decode_step(dc_frame_reader *r, const void *dist, dc_dtype dtype,
                                      size_t vocab, size_t *symbol)
{
    if (!r)
        return DC_ERR_NULL_ARGUMENT;
    if (!symbol) {
        set_error(&r->error, DC_ERR_NULL_ARGUMENT, DC_FRAME_NO_CHUNK, 0, 0, r->step, 0);
        return DC_ERR_NULL_ARGUMENT;
    }
    if (!r->have_header) {
        set_error(&r->error, DC_ERR_FRAME_NEED_INPUT, DC_FRAME_NO_CHUNK, 0, 0, r->step,
                  r->size);
        return DC_ERR_FRAME_NEED_INPUT;
    }
    if (r->step >= r->info.steps) {
        set_error(&r->error, DC_ERR_FRAME_END, DC_FRAME_NO_CHUNK, 0, 0, r->step,
                  r->dropped + r->size);
        return DC_ERR_FRAME_END;
    }
    /* A streaming container's end record (between the full chunks and the last) once it
       has arrived and been checked: step over it. */
    if (!r->chunk_started && end_record_at(r, r->chunk_offset))
        r->chunk_offset += FRAME_END_RECORD;
    if (!r->chunk_started) /* the chunk's data CRC, checked at its first step */
        verify(r, r->chunk + 1);
    if (!r->chunk_started && r->chunk >= r->good) /* damaged, or not here yet */
        return chunk_error(r, r->chunk < r->scan.seen ? DC_ERR_FRAME_CORRUPT
                                                      : DC_ERR_FRAME_NEED_INPUT);
    const uint8_t *chunk = at(r, r->chunk_offset);
    const uint32_t len = get32(chunk);
    if (!r->chunk_started) {
        const dc_result sr = dc_coder_start_decoding(r->coder, chunk + 8, len);
        if (sr != DC_OK)
            return chunk_error(r, sr);
        r->chunk_started = 1;
        r->crc = 0xFFFFFFFFu;
    }
    const uint64_t per = r->info.steps_per_chunk;
    const int last = r->step + 1 == r->info.steps || (r->step + 1) % per == 0;
    /* The chunk's last step is undone when the CRC does not match (as a batch is). */
    const dc_coder_mark saved = dc_coder_save(r->coder);
    size_t sym;
    const dc_result dr = dc_coder_decode_step(r->coder, dist, dtype, vocab, &sym);
    if (dr != DC_OK)
        return chunk_error(r, dr);
    const uint32_t crc = crc_symbol(r->crc, sym);
    if (last) {
        if (~crc != get32(chunk + 8 + len)) {
            dc_coder_restore(r->coder, &saved);
            return chunk_error(r, DC_ERR_FRAME_CHECKSUM);
        }
        r->chunk++;
        r->chunk_offset += FRAME_CHUNK_OVERHEAD + len;
        r->chunk_started = 0;
    }
    r->crc = crc;
    r->step++;
    *symbol = sym;
    return DC_OK;
}
