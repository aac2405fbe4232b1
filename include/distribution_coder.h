/*
 * distribution_coder.h - arithmetic coding over per-step symbol distributions.
 *
 * READ ME FIRST
 * -------------
 * At every step the caller gives a probability distribution p[0..n) over a vocabulary of
 * n symbols (float32, float64, float16 or bfloat16, read in place) and, when encoding, the
 * symbol that occurred. The decoder, given the SAME distributions in the same order,
 * returns the symbols. The stream has no header and no length: the decoder must be told
 * how many steps to decode (see dc_frame_* style containers for a self-describing wrapper).
 *
 * Invariants of the default format (docs/FORMAT.md is the normative text):
 *  - Frequencies are computed from the floats with exact integer arithmetic only:
 *    u_i = floor(p_i * 2^K), with K = 32 when the bits of every p_i are those of a value
 *    in [+0, 1) (so -0.0 does not qualify) and sum(u_i) >= 2^31, otherwise
 *    K = 31 - floor(log2(max p_i)). Multiplying by a power of
 *    two and truncating are exact, so every platform and compiler gets the same u_i.
 *  - With Q = sum(u_i), the shift s is the smallest s >= 0 with floor(Q / 2^s) + n < 2^32,
 *    and the cumulative frequency of symbol k is C(k) = floor(S_k / 2^s) + k, where
 *    S_k = u_0 + ... + u_{k-1}. So the frequencies sum to the total T = C(n) < 2^32, and
 *    every symbol, including p_i = 0, gets a frequency >= 1 and can be coded.
 *  - Inputs need not sum to 1: they are normalised proportionally. NaN, infinities,
 *    negative values (other than -0.0) and distributions with no positive mass are
 *    refused.
 *  - The range coder keeps a 64-bit range above 2^56: one 64-bit division per encoded step
 *    (two per decoded step), no 128-bit arithmetic, under 2^-24 bit lost per step.
 *
 * Guarantees:
 *  - No global mutable state; any number of coders may be used at once (one thread each).
 *  - No heap allocation per step. A coder grows its buffers (output, decode block sums,
 *    the wasm wrapper's staging buffer) only when a larger size is first needed;
 *    dc_coder_reserve_output() lets a caller pre-size the output.
 *  - Every fallible function returns a dc_result. A call that returns anything but DC_OK
 *    leaves the coder exactly as it was: the stream written so far stays valid.
 *  - Decoding arbitrary bytes never reads or writes out of bounds; past the end of the
 *    input the decoder reads zero bytes.
 *  - The python-0.1 format reads and writes the streams of the Python package
 *    distribution-coder 0.1.x byte for byte (docs/FORMAT.md, "python-0.1").
 */
#ifndef DISTRIBUTION_CODER_H
#define DISTRIBUTION_CODER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the API: the library is compiled with -fvisibility=hidden, so these are the only
   symbols a shared build exports (test/check_exports.cmake checks it). */
#ifndef DC_API
#if defined(__GNUC__) || defined(__clang__)
#define DC_API __attribute__((visibility("default")))
#else
#define DC_API
#endif
#endif

#define DC_VERSION_MAJOR  0
#define DC_VERSION_MINOR  1
#define DC_VERSION_PATCH  0
#define DC_VERSION_STRING "0.1.0"

/* Largest vocabulary a step may have: 2^24 symbols. */
#define DC_MAX_VOCAB ((size_t)1 << 24)

/* Element type of a distribution. f16 and bf16 are read as uint16_t bit patterns. */
typedef enum dc_dtype {
    DC_DTYPE_F32 = 0, /* IEEE binary32, native byte order */
    DC_DTYPE_F64 = 1, /* IEEE binary64 */
    DC_DTYPE_F16 = 2, /* IEEE binary16, as uint16_t */
    DC_DTYPE_BF16 = 3 /* bfloat16 (top half of a binary32), as uint16_t */
} dc_dtype;

/* Stream format of a coder, fixed when it is created. */
typedef enum dc_format {
    DC_FORMAT_DEFAULT = 0,   /* this project's byte-wise range coder (docs/FORMAT.md) */
    DC_FORMAT_PYTHON_0_1 = 1 /* the Python package distribution-coder 0.1.x, byte for byte */
} dc_format;

/* Result codes. The values are pinned forever; new codes are only ever appended. */
typedef enum dc_result {
    DC_OK = 0,                  /* Success. */
    DC_ERR_NULL_ARGUMENT = 1,   /* A required pointer argument was NULL. */
    DC_ERR_BAD_DTYPE = 2,       /* The dtype is not one of dc_dtype. */
    DC_ERR_BAD_FORMAT = 3,      /* The format is not one of dc_format. */
    DC_ERR_BAD_VOCAB = 4,       /* The vocabulary size is 0 or above DC_MAX_VOCAB. */
    DC_ERR_BAD_SYMBOL = 5,      /* The symbol is not below the vocabulary size. */
    DC_ERR_NAN = 6,             /* The distribution holds a NaN. */
    DC_ERR_INFINITE = 7,        /* The distribution holds +Inf or -Inf. */
    DC_ERR_NEGATIVE = 8,        /* The distribution holds a negative value. */
    DC_ERR_NO_MASS = 9,         /* The distribution has no positive value. */
    DC_ERR_NOT_ENCODING = 10,   /* Encoding call on a coder that finished or is decoding. */
    DC_ERR_NOT_DECODING = 11,   /* Decoding call before dc_coder_start_decoding(). */
    DC_ERR_OUT_OF_MEMORY = 12,  /* A buffer could not be grown. */
    DC_ERR_CORRUPT_STREAM = 13, /* The input bytes cannot come from this format's encoder. */
    DC_ERR_COUNT_OVERFLOW = 14, /* python-0.1: the counts outside the largest add up to
                                    2^32 or more; that package would write a corrupt stream. */
    DC_ERR_TOO_LARGE = 15,      /* A size (steps * vocab, input length) overflows. */
    /* Framed container (dc_frame_*, docs/FORMAT.md "Framed container"): */
    DC_ERR_FRAME_TRUNCATED = 16, /* The container ends before its header or last chunk. */
    DC_ERR_FRAME_MAGIC = 17,     /* The bytes do not start with the container magic. */
    DC_ERR_FRAME_VERSION = 18,   /* The container version is not one this library reads. */
    DC_ERR_FRAME_MODEL_ID = 19,  /* The container names a different model identifier. */
    DC_ERR_FRAME_CHECKSUM = 20,  /* A chunk's bytes are intact but its decoded symbols do
                                    not match their CRC-32: the distributions differ from
                                    the encoder's (dc_frame_reader_error_info names it). */
    DC_ERR_FRAME_CORRUPT = 21,   /* Damaged data: the header's or a chunk's CRC-32 of its
                                    bytes fails, or the chunk layout is broken. */
    DC_ERR_FRAME_END = 22,       /* Every step of the container has been decoded. */
    DC_ERR_BAD_TOLERANCE = 23,   /* The tolerance is not 0 or in (0, 1e-2], or a tolerance
                                    was asked of the python-0.1 format. */
    DC_ERR_FRAME_NEED_INPUT = 24, /* A streaming reader has not received the bytes this
                                     needs yet (dc_frame_reader_push); nothing changed. */
    DC_ERR_BAD_TEMPERATURE = 25,  /* The temperature is not a finite number > 0. */
    DC_ERR_BAD_INPUT = 26         /* The input kind is not a dc_input_kind, or logits were
                                     asked of the python-0.1 format or the tolerant mode. */
} dc_result;

/* Number of dc_result values; every value below it has a name. */
#define DC_RESULT_COUNT 27

/* "DC_ERR_NAN" for DC_ERR_NAN; "DC_ERR_UNKNOWN" for values that are not results. */
DC_API const char *dc_result_name(int result);
/* One sentence describing the result, e.g. "the distribution holds a NaN". */
DC_API const char *dc_result_string(int result);
/* DC_VERSION_STRING of the compiled library. */
DC_API const char *dc_version_string(void);
/* Size in bytes of one element of dtype, 0 for an unknown dtype. */
DC_API size_t dc_dtype_size(dc_dtype dtype);

/* Optional memory functions (libdeflate style). NULL members are not allowed. */
typedef struct dc_allocator {
    void *(*malloc_fn)(void *opaque, size_t size);
    void *(*realloc_fn)(void *opaque, void *ptr, size_t size);
    void (*free_fn)(void *opaque, void *ptr);
    void *opaque;
} dc_allocator;

typedef struct dc_coder dc_coder;

/* Create a coder in the encoding state. allocator may be NULL (malloc/realloc/free). */
DC_API dc_result dc_coder_create(dc_format format, const dc_allocator *allocator,
                                 dc_coder **out);

/* Tolerant mode (docs/FORMAT.md, "Tolerant mode"): with tolerance tau > 0 the decoder
   returns exactly the encoded symbols whenever every element of its distribution is within
   relative distance tau of the encoder's (|p'_i - p_i| <= tau * p_i), for example when the
   two sides run the model on different runtimes. Costs a little compression (about 1% at
   tau = 1e-5 on LLM-like distributions, bench/README.md). Both sides must use the same tau;
   it is used as ceil(tau * 2^32) / 2^32 (dc_coder_tolerance gives that value). */
#define DC_MAX_TOLERANCE 1e-2

/* What a step's values are (dc_coder_options.input). */
typedef enum dc_input_kind {
    DC_INPUT_PROBABILITIES = 0, /* weights >= 0, normalised proportionally (the default) */
    DC_INPUT_LOGITS = 1         /* logits: the coder takes softmax(logits / temperature) with
                                   the exact integer softmax of docs/FORMAT.md section 6 */
} dc_input_kind;

typedef struct dc_coder_options {
    int32_t format;       /* a dc_format */
    int32_t input;        /* a dc_input_kind (0 = probabilities) */
    double tolerance;     /* 0 = exact mode (the bytes of dc_coder_create); else (0, 1e-2] */
    double temperature;   /* logits only: finite and > 0; 0 means 1 (the default) */
    uint32_t reserved[2]; /* 0 */
} dc_coder_options;

/* Create a coder with options (NULL options = dc_coder_create(DC_FORMAT_DEFAULT, ...)).
   DC_ERR_BAD_TOLERANCE for a NaN, negative or too large tolerance, or any tolerance with
   DC_FORMAT_PYTHON_0_1. DC_ERR_BAD_INPUT for an unknown input kind, or logits with
   DC_FORMAT_PYTHON_0_1 or a tolerance (not supported yet). DC_ERR_BAD_TEMPERATURE for a
   temperature that is negative, NaN or infinite, or any temperature but 0 and 1 with
   probabilities. Logits: every step and batch function then reads logits (any dtype);
   NaN and infinite logits are refused with DC_ERR_NAN / DC_ERR_INFINITE. */
DC_API dc_result dc_coder_create_with_options(const dc_coder_options *options,
                                              const dc_allocator *allocator, dc_coder **out);
/* The tolerance the coder uses (ceil(tau * 2^32) / 2^32), 0 in the exact mode. */
DC_API double dc_coder_tolerance(const dc_coder *coder);
/* The coder's input kind (a dc_input_kind; -1 for NULL) and its temperature (1 for
   probabilities). */
DC_API int dc_coder_input(const dc_coder *coder);
DC_API double dc_coder_temperature(const dc_coder *coder);
/* Free a coder and its buffers. NULL is a no-op. */
DC_API void dc_coder_free(dc_coder *coder);
/* Return a coder to a fresh encoding state; keeps its buffers for reuse. */
DC_API dc_result dc_coder_reset(dc_coder *coder);
/* The format the coder was created with. */
DC_API int dc_coder_format(const dc_coder *coder); /* -1 for NULL */
/* Make room for at least `bytes` bytes of output, so later steps never allocate. */
DC_API dc_result dc_coder_reserve_output(dc_coder *coder, size_t bytes);

/* Encode `symbol` with distribution dist[0..vocab) of type dtype. */
DC_API dc_result dc_coder_encode_step(dc_coder *coder, const void *dist, dc_dtype dtype,
                                      size_t vocab, size_t symbol);
/* Encode `steps` steps: row t of the row-major steps x vocab matrix with symbols[t].
   Gives exactly the bytes of the same dc_coder_encode_step calls. On failure nothing of the
   batch is kept and *failed_step (if not NULL) is the index of the refused step. */
DC_API dc_result dc_coder_encode_steps(dc_coder *coder, const void *matrix, dc_dtype dtype,
                                       size_t vocab, size_t steps, const uint32_t *symbols,
                                       size_t *failed_step);
/* End the stream. *bytes stays valid until the coder is reset, restarted or freed.
   Further encoding calls return DC_ERR_NOT_ENCODING. Calling it again returns the same
   bytes. */
DC_API dc_result dc_coder_finish_encoding(dc_coder *coder, const uint8_t **bytes, size_t *size);

/* Start decoding a copy of bytes[0..size) (bytes may be NULL when size is 0). */
DC_API dc_result dc_coder_start_decoding(dc_coder *coder, const uint8_t *bytes, size_t size);
/* Decode one symbol with distribution dist[0..vocab). */
DC_API dc_result dc_coder_decode_step(dc_coder *coder, const void *dist, dc_dtype dtype,
                                      size_t vocab, size_t *symbol);
/* Decode `steps` symbols into symbols[0..steps), one per row of the matrix. On failure the
   decoder is as before the call and *failed_step (if not NULL) names the refused step. */
DC_API dc_result dc_coder_decode_steps(dc_coder *coder, const void *matrix, dc_dtype dtype,
                                       size_t vocab, size_t steps, uint32_t *symbols,
                                       size_t *failed_step);

/* The integer frequencies the coder of `format` uses for dist: freq[0..vocab) and their
   sum *total (below 2^32 for the default format, exactly 2^32 for python-0.1). For tests,
   tools and second implementations; coding never needs it. */
DC_API dc_result dc_frequencies(dc_format format, const void *dist, dc_dtype dtype,
                                size_t vocab, uint64_t *freq, uint64_t *total);

/* The weights of the integer softmax (docs/FORMAT.md section 6) of logits[0..vocab) at
   `temperature`: w[0..vocab) holds the bits of f32 values, the largest exactly 1.0f
   (0x3f800000). A logits coder codes a step exactly as a probability coder codes these
   weights as an f32 array. For tests, tools and second implementations; coding never needs
   it. */
DC_API dc_result dc_logit_weights(const void *logits, dc_dtype dtype, size_t vocab,
                                  double temperature, uint32_t *w);

/* ==== Framed container ====================================================================
 * An optional self-describing wrapper around the raw streams (docs/FORMAT.md, "Framed
 * container"): magic, version, format, step count, an optional model identifier the reader
 * must match, and the steps in chunks. Each chunk is an independent stream of the format,
 * guarded by a CRC-32 of its bytes (damage) and closed by a CRC-32 of its symbols (a
 * decoder whose distributions differ from the encoder's). Errors name the chunk and its
 * step range (dc_frame_error_info). A chunk's symbols are verified when its last step is
 * decoded: callers that must never act on unverified symbols hold a chunk's symbols back
 * until then. Same rules as the coder: no allocation per step, a refused call changes
 * nothing. */

#define DC_FRAME_VERSION                 1
#define DC_FRAME_MAX_MODEL_ID            65535u /* bytes */
#define DC_FRAME_MAX_STEPS_PER_CHUNK     ((uint32_t)1 << 24)
#define DC_FRAME_DEFAULT_STEPS_PER_CHUNK 4096u
#define DC_FRAME_NO_CHUNK                UINT64_MAX /* dc_frame_error_info.chunk of a header error */
/* The step count of a streaming container until its end record has been read (the header
   of such a container stores this value). */
#define DC_FRAME_UNKNOWN_STEPS           UINT64_MAX

typedef struct dc_frame_writer dc_frame_writer;
typedef struct dc_frame_reader dc_frame_reader;

/* Where an error was found. For a chunk: its index, steps [first_step, end_step), the step
   being decoded and the byte offset of the chunk in the container. For the header or the
   layout: chunk = DC_FRAME_NO_CHUNK and offset = the byte where the problem is. */
typedef struct dc_frame_error_info {
    uint64_t chunk;
    uint64_t first_step;
    uint64_t end_step;
    uint64_t step;
    uint64_t offset;
    int32_t result; /* the dc_result described; DC_OK when there was no error */
    int32_t reserved;
} dc_frame_error_info;

/* What a container's header says. */
typedef struct dc_frame_info {
    uint64_t steps;
    uint64_t chunks;
    uint32_t steps_per_chunk;
    int32_t format;
    uint32_t model_id_len;
    uint32_t header_size; /* bytes before the first chunk */
    double tolerance;     /* tolerant mode's tau (header version 2), 0 for the exact mode */
    int32_t input;        /* a dc_input_kind (header version 3 for logits) */
    int32_t reserved0;
    double temperature;   /* logits: the temperature (header version 3); 1 otherwise */
} dc_frame_info;

/* CRC-32 (IEEE, as zlib's crc32): dc_crc32(dc_crc32(0, a, n), b, m) is the CRC of a then b. */
DC_API uint32_t dc_crc32(uint32_t crc, const void *data, size_t size);

/* A writer of `format`. model_id[0..model_id_len) (at most DC_FRAME_MAX_MODEL_ID bytes; NULL
   when the length is 0) is stored for readers to match. steps_per_chunk 0 means
   DC_FRAME_DEFAULT_STEPS_PER_CHUNK; at most DC_FRAME_MAX_STEPS_PER_CHUNK. */
DC_API dc_result dc_frame_writer_create(dc_format format, const uint8_t *model_id,
                                        size_t model_id_len, uint32_t steps_per_chunk,
                                        const dc_allocator *allocator, dc_frame_writer **out);
/* As dc_frame_writer_create, with the coder options: a tolerance (tolerant mode) is stored
   in the header (container version 2), logits and their temperature likewise (version 3),
   and readers decode with them. */
DC_API dc_result dc_frame_writer_create_with_options(const dc_coder_options *options,
                                                     const uint8_t *model_id,
                                                     size_t model_id_len,
                                                     uint32_t steps_per_chunk,
                                                     const dc_allocator *allocator,
                                                     dc_frame_writer **out);
/* NULL is a no-op. */
DC_API void dc_frame_writer_free(dc_frame_writer *writer);
/* Same arguments and errors as dc_coder_encode_step. */
DC_API dc_result dc_frame_writer_encode_step(dc_frame_writer *writer, const void *dist,
                                             dc_dtype dtype, size_t vocab, size_t symbol);
/* Steps written so far. */
DC_API uint64_t dc_frame_writer_steps(const dc_frame_writer *writer);
/* Close the last chunk and complete the container. *bytes[0..*size) are the bytes not yet
   given out by dc_frame_writer_take (all of them if it was never called); they stay valid
   until the writer is freed; calling it again gives the same bytes; later steps return
   DC_ERR_NOT_ENCODING. */
DC_API dc_result dc_frame_writer_finish(dc_frame_writer *writer, const uint8_t **bytes,
                                        size_t *size);
/* Make this a streaming container (docs/FORMAT.md 3.2): the header is complete at once
   (its step count says "unknown") and each chunk is final when it closes, so
   dc_frame_writer_take gives the bytes as they are made. Before the first step only
   (else DC_ERR_NOT_ENCODING). */
DC_API dc_result dc_frame_writer_set_streaming(dc_frame_writer *writer);
/* The bytes completed since the last take (possibly none): for a streaming writer the
   header and each chunk as soon as it is full; otherwise nothing until
   dc_frame_writer_finish. *bytes stays valid until the next call on the writer. */
DC_API dc_result dc_frame_writer_take(dc_frame_writer *writer, const uint8_t **bytes,
                                      size_t *size);

/* A reader of a copy of bytes[0..size). It checks the magic, version, header CRC, format,
   model identifier and that every chunk is present and the data ends with the last one.
   expected_model_id NULL skips the model check (for tools); otherwise the stored identifier
   must equal expected_model_id[0..expected_len) (an empty one only matches an empty one).
   error (may be NULL) says where a refusal was found. */
DC_API dc_result dc_frame_reader_create(const uint8_t *bytes, size_t size,
                                        const uint8_t *expected_model_id, size_t expected_len,
                                        const dc_allocator *allocator, dc_frame_reader **out,
                                        dc_frame_error_info *error);
/* A reader that takes the container in pieces as they arrive (dc_frame_reader_push), with
   the same checks and results as dc_frame_reader_create: the header's as soon as it is
   complete, truncation at dc_frame_reader_end. Steps whose chunk has arrived and passed
   its data CRC decode at once (dc_frame_reader_available_steps); a step whose chunk has
   not arrived returns DC_ERR_FRAME_NEED_INPUT. The model identifier is copied. */
DC_API dc_result dc_frame_reader_create_streaming(const uint8_t *expected_model_id,
                                                  size_t expected_len,
                                                  const dc_allocator *allocator,
                                                  dc_frame_reader **out);
/* Append bytes[0..size) (copied). Refuses with the header's errors once it is complete
   (DC_ERR_FRAME_MAGIC, _VERSION, _CORRUPT, _MODEL_ID, DC_ERR_BAD_FORMAT), and with
   DC_ERR_FRAME_CORRUPT for a damaged end record or bytes after the container's end; a
   refused push keeps none of its bytes (dc_frame_reader_error_info says where). Memory
   stays about the chunks not yet decoded: decoded ones are dropped. */
DC_API dc_result dc_frame_reader_push(dc_frame_reader *reader, const uint8_t *bytes,
                                      size_t size);
/* No more bytes: DC_ERR_FRAME_TRUNCATED (naming the first missing chunk) unless the whole
   container has arrived. A refusal changes nothing: more bytes may still be pushed. */
DC_API dc_result dc_frame_reader_end(dc_frame_reader *reader);
/* Steps that can be decoded now: those of the chunks that have arrived and passed their
   data CRC, up to the first that has not (0 until the header has arrived). It checks the
   CRC of the chunks that arrived since it was last asked (decode_step checks a chunk's at
   its first step otherwise; each chunk's once). */
DC_API uint64_t dc_frame_reader_available_steps(dc_frame_reader *reader);
/* NULL is a no-op. */
DC_API void dc_frame_reader_free(dc_frame_reader *reader);
/* Number of steps in the container (0 for NULL; DC_FRAME_UNKNOWN_STEPS until a streaming
   reader has read the header, or a streaming container's end record). */
DC_API uint64_t dc_frame_reader_steps(const dc_frame_reader *reader);
/* DC_ERR_FRAME_NEED_INPUT until the header has arrived. steps and chunks are
   DC_FRAME_UNKNOWN_STEPS while the step count is unknown. */
DC_API dc_result dc_frame_reader_info(const dc_frame_reader *reader, dc_frame_info *info);
/* The stored model identifier (a pointer into the reader's copy; DC_ERR_FRAME_NEED_INPUT
   until the header has arrived). */
DC_API dc_result dc_frame_reader_model_id(const dc_frame_reader *reader, const uint8_t **id,
                                          size_t *len);
/* Decode the next step. Besides dc_coder_decode_step's errors: DC_ERR_FRAME_CORRUPT when the
   chunk's bytes fail their CRC (checked at the chunk's first step), DC_ERR_FRAME_CHECKSUM
   when its symbols fail theirs (checked at its last step), DC_ERR_FRAME_END after the last
   step, DC_ERR_FRAME_NEED_INPUT when its chunk has not arrived. A refused step changes
   nothing; dc_frame_reader_error_info says where. */
DC_API dc_result dc_frame_reader_decode_step(dc_frame_reader *reader, const void *dist,
                                             dc_dtype dtype, size_t vocab, size_t *symbol);
/* Where the last refused dc_frame_reader_decode_step was (result DC_OK if none was refused). */
DC_API dc_result dc_frame_reader_error_info(const dc_frame_reader *reader,
                                            dc_frame_error_info *info);

#ifdef __cplusplus
}
#endif

#endif /* DISTRIBUTION_CODER_H */
