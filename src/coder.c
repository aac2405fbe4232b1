/* coder.c - the public API: argument checks, coder states, buffers and batches.
 * The formats (range_coder.c, python01.c) only see validated arguments. */
#include <string.h>

#include "alloc.h"
#include "internal.h"

/* ---- results ---- */

static const char *const result_names[DC_RESULT_COUNT] = {
    "DC_OK",
    "DC_ERR_NULL_ARGUMENT",
    "DC_ERR_BAD_DTYPE",
    "DC_ERR_BAD_FORMAT",
    "DC_ERR_BAD_VOCAB",
    "DC_ERR_BAD_SYMBOL",
    "DC_ERR_NAN",
    "DC_ERR_INFINITE",
    "DC_ERR_NEGATIVE",
    "DC_ERR_NO_MASS",
    "DC_ERR_NOT_ENCODING",
    "DC_ERR_NOT_DECODING",
    "DC_ERR_OUT_OF_MEMORY",
    "DC_ERR_CORRUPT_STREAM",
    "DC_ERR_COUNT_OVERFLOW",
    "DC_ERR_TOO_LARGE",
    "DC_ERR_FRAME_TRUNCATED",
    "DC_ERR_FRAME_MAGIC",
    "DC_ERR_FRAME_VERSION",
    "DC_ERR_FRAME_MODEL_ID",
    "DC_ERR_FRAME_CHECKSUM",
    "DC_ERR_FRAME_CORRUPT",
    "DC_ERR_FRAME_END",
    "DC_ERR_BAD_TOLERANCE",
    "DC_ERR_FRAME_NEED_INPUT",
    "DC_ERR_BAD_TEMPERATURE",
    "DC_ERR_BAD_INPUT",
};

static const char *const result_strings[DC_RESULT_COUNT] = {
    "success",
    "a required pointer argument is NULL",
    "unknown dtype",
    "unknown stream format",
    "vocabulary size is 0 or above 16777216",
    "symbol is not below the vocabulary size",
    "the distribution holds a NaN",
    "the distribution holds an infinite value",
    "the distribution holds a negative value",
    "the distribution has no positive value",
    "the coder is not encoding (it finished, or it is decoding)",
    "the coder is not decoding (call start_decoding first)",
    "out of memory",
    "the input is not a stream this decoder's format and distributions can produce",
    "python-0.1: the counts outside the largest add up to 2^32 or more "
    "(that package would write a corrupt stream)",
    "a size is too large",
    "framed container: the data ends early (truncated)",
    "framed container: wrong magic bytes (not a framed container)",
    "framed container: unknown container version",
    "framed container: written for a different model identifier",
    "framed container: a chunk's decoded symbols do not match its CRC-32 "
    "(distributions differ from the encoder's, or the data is corrupted)",
    "framed container: damaged data (a header or chunk CRC-32 fails, or the chunk layout "
    "is broken)",
    "framed container: every step has been decoded",
    "the tolerance is not 0 or in (0, 1e-2], or was asked of the python-0.1 format",
    "framed container: the bytes this needs have not arrived yet (push more)",
    "the temperature is not a finite number > 0, or was given for probabilities",
    "unknown input kind, or logits were asked of the python-0.1 format or the tolerant mode",
};

const char *dc_result_name(int result)
{
    return result >= 0 && result < DC_RESULT_COUNT ? result_names[result] : "DC_ERR_UNKNOWN";
}

const char *dc_result_string(int result)
{
    return result >= 0 && result < DC_RESULT_COUNT ? result_strings[result]
                                                   : "unknown result code";
}

const char *dc_version_string(void)
{
    return DC_VERSION_STRING;
}

size_t dc_dtype_size(dc_dtype dtype)
{
    switch (dtype) {
    case DC_DTYPE_F32: return 4;
    case DC_DTYPE_F64: return 8;
    case DC_DTYPE_F16:
    case DC_DTYPE_BF16: return 2;
    default: return 0;
    }
}

/* ---- memory ---- */

static dc_result grow(dc_coder *c, void **buf, size_t *cap, size_t need, size_t elem)
{
    return dc_grow(&c->alloc, buf, cap, need, elem);
}

dc_result dc_out_reserve(dc_coder *c, size_t extra)
{
    if (extra > SIZE_MAX - c->out_len)
        return DC_ERR_TOO_LARGE;
    void *buf = c->out;
    const dc_result r = grow(c, &buf, &c->out_cap, c->out_len + extra, 1);
    c->out = (uint8_t *)buf;
    return r;
}

dc_result dc_blocks_reserve(dc_coder *c, size_t count)
{
    void *buf = c->blocks;
    const dc_result r = grow(c, &buf, &c->blocks_cap, count, sizeof(uint64_t));
    c->blocks = (uint64_t *)buf;
    return r;
}

/* ---- lifecycle ---- */

static const dc_format_ops *format_ops(int format)
{
    return format == DC_FORMAT_PYTHON_0_1 ? &dc_py01_format_ops : &dc_default_format_ops;
}

static const dc_format_ops *ops_of(const dc_coder *c)
{
    if (c->input == DC_INPUT_LOGITS)
        return &dc_logits_format_ops;
    if (c->tolerance_q)
        return &dc_tolerant_format_ops;
    return format_ops(c->format);
}

dc_coder_mark dc_coder_save(const dc_coder *c)
{
    dc_coder_mark m;
    m.st = c->st;
    m.out_len = c->out_len;
    m.in_pos = c->in_pos;
    return m;
}

void dc_coder_restore(dc_coder *c, const dc_coder_mark *m)
{
    c->st = m->st; /* bytes below out_len were final before the step */
    c->out_len = m->out_len;
    c->in_pos = m->in_pos;
}

static void begin_encoding(dc_coder *c)
{
    memset(&c->st, 0, sizeof c->st);
    c->state = DC_STATE_ENCODING;
    c->out_len = 0;
    c->finished_len = 0;
    ops_of(c)->begin(c);
}

dc_result dc_coder_create(dc_format format, const dc_allocator *allocator, dc_coder **out)
{
    if (!out)
        return DC_ERR_NULL_ARGUMENT;
    if (!dc_format_known(format))
        return DC_ERR_BAD_FORMAT;
    const dc_allocator *a;
    const dc_result r = dc_pick_allocator(allocator, &a);
    if (r != DC_OK)
        return r;
    dc_coder *c = (dc_coder *)a->malloc_fn(a->opaque, sizeof *c);
    if (!c)
        return DC_ERR_OUT_OF_MEMORY;
    memset(c, 0, sizeof *c);
    c->format = format;
    c->temperature = 1;
    c->alloc = *a;
    begin_encoding(c);
    *out = c;
    return DC_OK;
}

dc_result dc_coder_set_tolerance_q(dc_coder *c, uint32_t q)
{
    if (q > DC_TOL_MAX_Q || (q && c->format != DC_FORMAT_DEFAULT))
        return DC_ERR_BAD_TOLERANCE;
    if (q && c->input != DC_INPUT_PROBABILITIES)
        return DC_ERR_BAD_INPUT;
    c->tolerance_q = q;
    begin_encoding(c);
    return DC_OK;
}

dc_result dc_coder_set_logits(dc_coder *c, double temperature)
{
    if (!dc_temperature_valid(temperature))
        return DC_ERR_BAD_TEMPERATURE;
    if (c->format != DC_FORMAT_DEFAULT || c->tolerance_q)
        return DC_ERR_BAD_INPUT;
    c->input = DC_INPUT_LOGITS;
    c->temperature = temperature;
    c->temp = dc_logit_temp_of(temperature);
    begin_encoding(c);
    return DC_OK;
}

dc_result dc_coder_create_with_options(const dc_coder_options *options,
                                       const dc_allocator *allocator, dc_coder **out)
{
    if (!options)
        return dc_coder_create(DC_FORMAT_DEFAULT, allocator, out);
    const double tau = options->tolerance;
    if (!(tau >= 0 && tau <= DC_MAX_TOLERANCE)) /* also refuses NaN */
        return DC_ERR_BAD_TOLERANCE;
    /* Exact: tau * 2^32 is a power-of-two scaling; ceil so the guarantee covers tau. */
    double scaled = tau * 4294967296.0;
    uint32_t q = (uint32_t)scaled;
    if ((double)q < scaled)
        q++;
    if (q && options->format == DC_FORMAT_PYTHON_0_1)
        return DC_ERR_BAD_TOLERANCE;
    const int input = options->input;
    const double temperature = options->temperature == 0 ? 1 : options->temperature;
    if (input != DC_INPUT_PROBABILITIES && input != DC_INPUT_LOGITS)
        return DC_ERR_BAD_INPUT;
    if (input == DC_INPUT_PROBABILITIES ? temperature != 1 : !dc_temperature_valid(temperature))
        return DC_ERR_BAD_TEMPERATURE;
    if (input == DC_INPUT_LOGITS && (q || options->format != DC_FORMAT_DEFAULT))
        return DC_ERR_BAD_INPUT;
    dc_coder *c;
    dc_result r = dc_coder_create(options->format, allocator, &c);
    if (r != DC_OK)
        return r;
    r = dc_coder_set_tolerance_q(c, q);
    if (r == DC_OK && input == DC_INPUT_LOGITS)
        r = dc_coder_set_logits(c, temperature);
    if (r != DC_OK) {
        dc_coder_free(c);
        return r;
    }
    *out = c;
    return DC_OK;
}

double dc_coder_tolerance(const dc_coder *c)
{
    return c ? c->tolerance_q / 4294967296.0 : 0;
}

int dc_coder_input(const dc_coder *c)
{
    return c ? c->input : -1;
}

double dc_coder_temperature(const dc_coder *c)
{
    return c ? c->temperature : 1;
}

void dc_coder_free(dc_coder *c)
{
    if (!c)
        return;
    const dc_allocator a = c->alloc;
    a.free_fn(a.opaque, c->out);
    a.free_fn(a.opaque, c->in);
    a.free_fn(a.opaque, c->blocks);
    a.free_fn(a.opaque, c->staging);
    a.free_fn(a.opaque, c->lw);
    a.free_fn(a.opaque, c);
}

dc_result dc_coder_reset(dc_coder *c)
{
    if (!c)
        return DC_ERR_NULL_ARGUMENT;
    begin_encoding(c);
    return DC_OK;
}

int dc_coder_format(const dc_coder *c)
{
    return c ? c->format : -1;
}

dc_result dc_coder_reserve_output(dc_coder *c, size_t bytes)
{
    if (!c)
        return DC_ERR_NULL_ARGUMENT;
    void *buf = c->out;
    const dc_result r = grow(c, &buf, &c->out_cap, bytes, 1);
    c->out = (uint8_t *)buf;
    return r;
}

/* ---- steps ---- */

static dc_result check_distribution(const void *dist, int dtype, size_t vocab)
{
    if (!dist)
        return DC_ERR_NULL_ARGUMENT;
    if (dc_dtype_size(dtype) == 0)
        return DC_ERR_BAD_DTYPE;
    if (vocab == 0 || vocab > DC_MAX_VOCAB)
        return DC_ERR_BAD_VOCAB;
    return DC_OK;
}

static dc_result check_encoder(const dc_coder *c, const void *dist, int dtype, size_t vocab)
{
    if (!c)
        return DC_ERR_NULL_ARGUMENT;
    if (c->state != DC_STATE_ENCODING)
        return DC_ERR_NOT_ENCODING;
    return check_distribution(dist, dtype, vocab);
}

static dc_result check_decoder(const dc_coder *c, const void *dist, int dtype, size_t vocab,
                               const void *out)
{
    if (!c)
        return DC_ERR_NULL_ARGUMENT;
    if (c->state != DC_STATE_DECODING)
        return DC_ERR_NOT_DECODING;
    if (!out)
        return DC_ERR_NULL_ARGUMENT;
    return check_distribution(dist, dtype, vocab);
}

dc_result dc_coder_encode_step(dc_coder *c, const void *dist, dc_dtype dtype, size_t vocab,
                               size_t symbol)
{
    const dc_result r = check_encoder(c, dist, dtype, vocab);
    if (r != DC_OK)
        return r;
    if (symbol >= vocab)
        return DC_ERR_BAD_SYMBOL;
    return ops_of(c)->encode_step(c, dist, dtype, vocab, symbol);
}

dc_result dc_coder_decode_step(dc_coder *c, const void *dist, dc_dtype dtype, size_t vocab,
                               size_t *symbol)
{
    const dc_result r = check_decoder(c, dist, dtype, vocab, symbol);
    if (r != DC_OK)
        return r;
    return ops_of(c)->decode_step(c, dist, dtype, vocab, symbol);
}

/* Bytes of one row, or 0 when steps * vocab * element size overflows. */
static size_t row_bytes(int dtype, size_t vocab, size_t steps)
{
    const size_t row = vocab * dc_dtype_size(dtype); /* vocab <= 2^24: no overflow */
    return steps > SIZE_MAX / row ? 0 : row;
}

/* The checks of a batch after those of one step (r): the matrix size; a refusal names
   step 0. */
static dc_result check_batch(dc_result r, int dtype, size_t vocab, size_t steps,
                             size_t *failed_step)
{
    if (r == DC_OK && row_bytes(dtype, vocab, steps) == 0)
        r = DC_ERR_TOO_LARGE;
    if (r != DC_OK && failed_step)
        *failed_step = 0;
    return r;
}

dc_result dc_coder_encode_steps(dc_coder *c, const void *matrix, dc_dtype dtype, size_t vocab,
                                size_t steps, const uint32_t *symbols, size_t *failed_step)
{
    dc_result r = check_encoder(c, matrix, dtype, vocab);
    if (r == DC_OK && !symbols)
        r = DC_ERR_NULL_ARGUMENT;
    r = check_batch(r, dtype, vocab, steps, failed_step);
    if (r != DC_OK)
        return r;
    const size_t row = row_bytes(dtype, vocab, steps);
    const dc_format_ops *ops = ops_of(c);
    const dc_coder_mark saved = dc_coder_save(c);
    for (size_t t = 0; t < steps; t++) {
        r = symbols[t] < vocab ? ops->encode_step(c, (const unsigned char *)matrix + t * row,
                                                  dtype, vocab, symbols[t])
                               : DC_ERR_BAD_SYMBOL;
        if (r != DC_OK) {
            dc_coder_restore(c, &saved);
            if (failed_step)
                *failed_step = t;
            return r;
        }
    }
    return DC_OK;
}

dc_result dc_coder_decode_steps(dc_coder *c, const void *matrix, dc_dtype dtype, size_t vocab,
                                size_t steps, uint32_t *symbols, size_t *failed_step)
{
    dc_result r = check_batch(check_decoder(c, matrix, dtype, vocab, symbols), dtype, vocab,
                              steps, failed_step);
    if (r != DC_OK)
        return r;
    const size_t row = row_bytes(dtype, vocab, steps);
    const dc_format_ops *ops = ops_of(c);
    const dc_coder_mark saved = dc_coder_save(c);
    for (size_t t = 0; t < steps; t++) {
        size_t sym;
        r = ops->decode_step(c, (const unsigned char *)matrix + t * row, dtype, vocab, &sym);
        if (r != DC_OK) {
            dc_coder_restore(c, &saved);
            if (failed_step)
                *failed_step = t;
            return r;
        }
        symbols[t] = (uint32_t)sym;
    }
    return DC_OK;
}

dc_result dc_coder_finish_encoding(dc_coder *c, const uint8_t **bytes, size_t *size)
{
    if (!c || !bytes || !size)
        return DC_ERR_NULL_ARGUMENT;
    if (c->state == DC_STATE_DECODING)
        return DC_ERR_NOT_ENCODING;
    if (c->state == DC_STATE_ENCODING) {
        const dc_result r = ops_of(c)->finish(c);
        if (r != DC_OK)
            return r;
        c->state = DC_STATE_FINISHED;
        c->finished_len = c->out_len;
    }
    *bytes = c->out;
    *size = c->finished_len;
    return DC_OK;
}

dc_result dc_coder_start_decoding(dc_coder *c, const uint8_t *bytes, size_t size)
{
    if (!c || (!bytes && size > 0))
        return DC_ERR_NULL_ARGUMENT;
    void *buf = c->in;
    const dc_result r = grow(c, &buf, &c->in_cap, size, 1);
    c->in = (uint8_t *)buf;
    if (r != DC_OK)
        return r;
    if (size > 0)
        memmove(c->in, bytes, size);
    c->in_len = size;
    c->in_pos = 0;
    memset(&c->st, 0, sizeof c->st);
    c->state = DC_STATE_DECODING;
    ops_of(c)->start(c);
    return DC_OK;
}

dc_result dc_frequencies(dc_format format, const void *dist, dc_dtype dtype, size_t vocab,
                         uint64_t *freq, uint64_t *total)
{
    if (!dc_format_known(format))
        return DC_ERR_BAD_FORMAT;
    const dc_result r = check_distribution(dist, dtype, vocab);
    if (r != DC_OK)
        return r;
    if (!freq || !total)
        return DC_ERR_NULL_ARGUMENT;
    return format_ops(format)->frequencies(dist, dtype, vocab, freq, total);
}
