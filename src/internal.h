/* internal.h - the coder struct and what the formats share. Not installed. */
#ifndef DC_INTERNAL_H
#define DC_INTERNAL_H

#include "distribution_coder.h"
#include "logits.h"

enum dc_state { DC_STATE_ENCODING = 0, DC_STATE_FINISHED = 1, DC_STATE_DECODING = 2 };

/* Default format encoder: byte-wise range coder, carries resolved LZMA-style. */
typedef struct dc_range_encoder {
    uint64_t low;        /* bottom 64 bits of the interval start */
    uint64_t range;      /* interval width, >= 2^56 between steps */
    uint64_t pending;    /* 0xFF bytes held back because a carry may still reach them */
    uint32_t carry;      /* 1 when low overflowed since the last shift */
    uint32_t have_cache; /* 0 until the first byte has been shifted out */
    uint8_t cache;       /* last byte shifted out, not yet written (a carry may add 1) */
} dc_range_encoder;

typedef struct dc_range_decoder {
    uint64_t code;  /* stream value minus interval start */
    uint64_t range;
} dc_range_decoder;

/* python-0.1 (bit-wise, 62-bit registers); see python01.c. */
typedef struct dc_py01_encoder {
    uint64_t low, high;
    uint64_t pending;  /* pending opposite bits */
    uint32_t bitbuf;   /* bits of the byte being filled, MSB first */
    uint32_t nbits;    /* how many bits bitbuf holds (0..7) */
} dc_py01_encoder;

typedef struct dc_py01_decoder {
    uint64_t low, high, value;
    uint64_t bitpos;   /* next bit to read; bits past the end read as 0 */
} dc_py01_decoder;

/* Tolerant mode (tolerant.c): the default format's range coder plus the adaptive models
   of its escape flags, one per tree depth. */
#define DC_TOL_DEPTHS 24
typedef struct dc_tol_models {
    uint32_t n0[DC_TOL_DEPTHS], n1[DC_TOL_DEPTHS]; /* flags 0 / 1 seen (halved when large) */
} dc_tol_models;

typedef struct dc_tol_encoder {
    dc_range_encoder rc; /* first member: the default format's functions use it as renc */
    dc_tol_models m;
} dc_tol_encoder;

typedef struct dc_tol_decoder {
    dc_range_decoder rc;
    dc_tol_models m;
} dc_tol_decoder;

/* Everything a step mutates lives in this union plus out_len / in_pos, so a batch can be
   rolled back by restoring a copy of them (bytes below out_len are never rewritten). */
typedef union dc_coder_state {
    dc_range_encoder renc;
    dc_range_decoder rdec;
    dc_py01_encoder penc;
    dc_py01_decoder pdec;
    dc_tol_encoder tenc;
    dc_tol_decoder tdec;
} dc_coder_state;

struct dc_coder {
    int format;
    int state;  /* enum dc_state */
    uint32_t tolerance_q; /* tolerant mode: tau = tolerance_q / 2^32; 0 = exact mode */
    dc_allocator alloc;
    dc_coder_state st;
    uint8_t *out;            /* encoder output */
    size_t out_len, out_cap;
    size_t finished_len;     /* output length after dc_coder_finish_encoding */
    uint8_t *in;             /* decoder input (a copy) */
    size_t in_len, in_cap, in_pos;
    uint64_t *blocks;        /* decode: cumulative sums at block ends */
    size_t blocks_cap;       /* in elements */
    unsigned char *staging;  /* dc_coder_staging_buffer (src/wasm/), unaligned allocation */
    size_t staging_cap;
    int k_guess;             /* default format: the scale K of the last step (a guess for
                                the next one; it only decides speed, never the bytes) */
    int input;               /* a dc_input_kind */
    double temperature;      /* logits: as given (1 for probabilities) */
    dc_logit_temp temp;      /* logits: the temperature as the softmax uses it */
    uint32_t *lw;            /* logits: a step's fixed-point logits, then its weights */
    size_t lw_cap;           /* in elements */
};

/* One stream format. Steps are called with validated arguments (coder state, dtype,
   1 <= vocab <= DC_MAX_VOCAB, symbol < vocab, dist != NULL) and must be atomic: they
   return an error before changing anything. */
typedef struct dc_format_ops {
    void (*begin)(dc_coder *c);        /* init c->st for encoding (c->st is zeroed) */
    dc_result (*encode_step)(dc_coder *c, const void *dist, int dtype, size_t n, size_t sym);
    dc_result (*finish)(dc_coder *c);  /* appends the final bytes to c->out */
    void (*start)(dc_coder *c);        /* c->in / c->in_len are set; init the decoder */
    dc_result (*decode_step)(dc_coder *c, const void *dist, int dtype, size_t n, size_t *sym);
    dc_result (*frequencies)(const void *dist, int dtype, size_t n, uint64_t *freq,
                             uint64_t *total);
} dc_format_ops;

extern const dc_format_ops dc_default_format_ops;
extern const dc_format_ops dc_py01_format_ops;
extern const dc_format_ops dc_tolerant_format_ops;
extern const dc_format_ops dc_logits_format_ops; /* logits.c: default format, logits in */

/* The default format's range coder step: code [cum, cum + freq) of total (< 2^32). The
   caller has reserved pending + 8 output bytes. */
void dc_range_encode_interval(dc_coder *c, uint64_t cum, uint64_t freq, uint64_t total);
/* The tolerance of a coder in its exact form; 0 < q <= DC_TOL_MAX_Q or 0 (exact). */
#define DC_TOL_MAX_Q 42949673u /* ceil(1e-2 * 2^32) */
dc_result dc_coder_set_tolerance_q(dc_coder *c, uint32_t q);
/* Make c a logits coder at `temperature` (finite, > 0) and restart it encoding; the default
   format in the exact mode only (DC_ERR_BAD_INPUT). */
dc_result dc_coder_set_logits(dc_coder *c, double temperature);
/* A finite temperature > 0 (the one check). */
static inline int dc_temperature_valid(double t)
{
    return t > 0 && t <= 1.7976931348623157e308;
}

/* The formats this library knows (the one format check). */
static inline int dc_format_known(int format)
{
    return format == DC_FORMAT_DEFAULT || format == DC_FORMAT_PYTHON_0_1;
}

/* What a step changes (see dc_coder_state): saved before a step or batch and restored to
   undo it. */
typedef struct dc_coder_mark {
    dc_coder_state st;
    size_t out_len, in_pos;
} dc_coder_mark;

dc_coder_mark dc_coder_save(const dc_coder *c);
void dc_coder_restore(dc_coder *c, const dc_coder_mark *m);

/* Make room for `extra` more output bytes (before any state change). */
dc_result dc_out_reserve(dc_coder *c, size_t extra);
/* Make room for `count` block sums. */
dc_result dc_blocks_reserve(dc_coder *c, size_t count);

/* The coder behind a frame writer or reader (not NULL), for src/wasm/wasm_api.c. */
dc_coder *dc_frame_writer_coder(dc_frame_writer *w);
dc_coder *dc_frame_reader_coder(dc_frame_reader *r);

/* Next input byte; 0 past the end. */
static inline uint8_t dc_in_byte(dc_coder *c)
{
    return c->in_pos < c->in_len ? c->in[c->in_pos++] : 0;
}

#endif /* DC_INTERNAL_H */
