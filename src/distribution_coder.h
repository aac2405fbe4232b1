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
 *    u_i = floor(p_i * 2^K), with K = 32 when every p_i is in [0, 1) and
 *    sum(u_i) >= 2^31, otherwise K = 31 - floor(log2(max p_i)). Multiplying by a power of
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
 *    input staging) only when a larger size is first needed; dc_coder_reserve_output()
 *    lets a caller pre-size the output.
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

#define DC_VERSION_MAJOR 0
#define DC_VERSION_MINOR 1
#define DC_VERSION_PATCH 0
#define DC_VERSION_STRING "0.1.0"

/* Largest vocabulary a step may have: 2^24 symbols. */
#define DC_MAX_VOCAB ((size_t)1 << 24)

/* Element type of a distribution. f16 and bf16 are read as uint16_t bit patterns. */
typedef enum dc_dtype {
    DC_DTYPE_F32 = 0,  /* IEEE binary32, native byte order */
    DC_DTYPE_F64 = 1,  /* IEEE binary64 */
    DC_DTYPE_F16 = 2,  /* IEEE binary16, as uint16_t */
    DC_DTYPE_BF16 = 3  /* bfloat16 (top half of a binary32), as uint16_t */
} dc_dtype;

/* Stream format of a coder, fixed when it is created. */
typedef enum dc_format {
    DC_FORMAT_DEFAULT = 0,    /* this project's byte-wise range coder (docs/FORMAT.md) */
    DC_FORMAT_PYTHON_0_1 = 1  /* the Python package distribution-coder 0.1.x, byte for byte */
} dc_format;

/* Result codes. The values are pinned forever; new codes are only ever appended. */
typedef enum dc_result {
    DC_OK = 0,                   /* Success. */
    DC_ERR_NULL_ARGUMENT = 1,    /* A required pointer argument was NULL. */
    DC_ERR_BAD_DTYPE = 2,        /* The dtype is not one of dc_dtype. */
    DC_ERR_BAD_FORMAT = 3,       /* The format is not one of dc_format. */
    DC_ERR_BAD_VOCAB = 4,        /* The vocabulary size is 0 or above DC_MAX_VOCAB. */
    DC_ERR_BAD_SYMBOL = 5,       /* The symbol is not below the vocabulary size. */
    DC_ERR_NAN = 6,              /* The distribution holds a NaN. */
    DC_ERR_INFINITE = 7,         /* The distribution holds +Inf or -Inf. */
    DC_ERR_NEGATIVE = 8,         /* The distribution holds a negative value. */
    DC_ERR_NO_MASS = 9,          /* The distribution has no positive value. */
    DC_ERR_NOT_ENCODING = 10,    /* Encoding call on a coder that finished or is decoding. */
    DC_ERR_NOT_DECODING = 11,    /* Decoding call before dc_start_decoding(). */
    DC_ERR_OUT_OF_MEMORY = 12,   /* A buffer could not be grown. */
    DC_ERR_CORRUPT_STREAM = 13,  /* The input bytes cannot come from this format's encoder. */
    DC_ERR_COUNT_OVERFLOW = 14,  /* python-0.1: the counts outside the largest add up to
                                    2^32 or more; that package would write a corrupt stream. */
    DC_ERR_TOO_LARGE = 15,       /* A size (steps * vocab, input length) overflows. */
    /* Framed container (dc_frame_*, docs/FORMAT.md "Framed container"): */
    DC_ERR_FRAME_TRUNCATED = 16, /* The container ends before its header or last chunk. */
    DC_ERR_FRAME_MAGIC = 17,     /* The bytes do not start with the container magic. */
    DC_ERR_FRAME_VERSION = 18,   /* The container version is not one this library reads. */
    DC_ERR_FRAME_MODEL_ID = 19,  /* The container names a different model identifier. */
    DC_ERR_FRAME_CHECKSUM = 20,  /* A chunk's decoded symbols do not match its CRC-32: the
                                    distributions differ from the encoder's or bytes were
                                    corrupted (dc_frame_reader_error_info names the chunk). */
    DC_ERR_FRAME_CORRUPT = 21,   /* The header checksum or the chunk layout is damaged. */
    DC_ERR_FRAME_END = 22        /* Every step of the container has been decoded. */
} dc_result;

/* Number of dc_result values; every value below it has a name. */
#define DC_RESULT_COUNT 23

/* "DC_ERR_NAN" for DC_ERR_NAN; "DC_ERR_UNKNOWN" for values that are not results. */
const char *dc_result_name(int result);
/* One sentence describing the result, e.g. "the distribution holds a NaN". */
const char *dc_result_string(int result);
/* DC_VERSION_STRING of the compiled library. */
const char *dc_version_string(void);
/* Size in bytes of one element of dtype, 0 for an unknown dtype. */
size_t dc_dtype_size(int dtype);

/* Optional memory functions (libdeflate style). NULL members are not allowed. */
typedef struct dc_allocator {
    void *(*malloc_fn)(void *opaque, size_t size);
    void *(*realloc_fn)(void *opaque, void *ptr, size_t size);
    void (*free_fn)(void *opaque, void *ptr);
    void *opaque;
} dc_allocator;

typedef struct dc_coder dc_coder;

/* Create a coder in the encoding state. allocator may be NULL (malloc/realloc/free). */
dc_result dc_coder_create(int format, const dc_allocator *allocator, dc_coder **out);
/* Free a coder and its buffers. NULL is a no-op. */
void dc_coder_free(dc_coder *coder);
/* Return a coder to a fresh encoding state; keeps its buffers for reuse. */
dc_result dc_coder_reset(dc_coder *coder);
/* The format the coder was created with. */
int dc_coder_format(const dc_coder *coder);
/* Make room for at least `bytes` bytes of output, so later steps never allocate. */
dc_result dc_coder_reserve_output(dc_coder *coder, size_t bytes);
/* A buffer of at least `bytes` bytes owned by the coder (16-byte aligned), for callers that
   write distributions in place (the wasm wrapper's zero-copy view). Valid until the next
   call with a larger size or dc_coder_free(). NULL if it cannot be allocated. */
void *dc_coder_staging_buffer(dc_coder *coder, size_t bytes);

/* Encode `symbol` with distribution dist[0..vocab) of type dtype. */
dc_result dc_encode_step(dc_coder *coder, const void *dist, int dtype, size_t vocab,
                         size_t symbol);
/* Encode `steps` steps: row t of the row-major steps x vocab matrix with symbols[t].
   Gives exactly the bytes of the same dc_encode_step calls. On failure nothing of the
   batch is kept and *failed_step (if not NULL) is the index of the refused step. */
dc_result dc_encode_steps(dc_coder *coder, const void *matrix, int dtype, size_t vocab,
                          size_t steps, const uint32_t *symbols, size_t *failed_step);
/* End the stream. *bytes stays valid until the coder is reset, restarted or freed.
   Further encoding calls return DC_ERR_NOT_ENCODING. Calling it again returns the same
   bytes. */
dc_result dc_finish_encoding(dc_coder *coder, const uint8_t **bytes, size_t *size);

/* Start decoding a copy of bytes[0..size) (bytes may be NULL when size is 0). */
dc_result dc_start_decoding(dc_coder *coder, const uint8_t *bytes, size_t size);
/* Decode one symbol with distribution dist[0..vocab). */
dc_result dc_decode_step(dc_coder *coder, const void *dist, int dtype, size_t vocab,
                         size_t *symbol);
/* Decode `steps` symbols into symbols[0..steps), one per row of the matrix. On failure the
   decoder is as before the call and *failed_step (if not NULL) names the refused step. */
dc_result dc_decode_steps(dc_coder *coder, const void *matrix, int dtype, size_t vocab,
                          size_t steps, uint32_t *symbols, size_t *failed_step);

/* The integer frequencies the coder of `format` uses for dist: freq[0..vocab) and their
   sum *total (below 2^32 for the default format, exactly 2^32 for python-0.1). For tests,
   tools and second implementations; coding never needs it. */
dc_result dc_frequencies(int format, const void *dist, int dtype, size_t vocab,
                         uint64_t *freq, uint64_t *total);

#ifdef __cplusplus
}
#endif

#endif /* DISTRIBUTION_CODER_H */
