/* make_seeds.c - writes the seed corpora in test/fuzz/corpus/<target>/. Each seed is a
 * valid input of its target's layout, so the fuzzer starts from inputs that reach deep
 * code. From the repository root, with a native build in build/:
 *   cc -std=c99 -I src test/fuzz/make_seeds.c build/libdistribution_coder.a -lm -o make_seeds
 *   ./make_seeds */
#include "fuzz_common.h"

static void put(const char *target, int index, const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "test/fuzz/corpus/%s/seed-%02d", target, index);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    fclose(f);
}

typedef struct buf {
    uint8_t data[1 << 16];
    size_t len;
} buf;

static void add(buf *b, const void *p, size_t n)
{
    FUZZ_CHECK(b->len + n <= sizeof b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void add_u8(buf *b, unsigned v)
{
    const uint8_t x = (uint8_t)v;
    add(b, &x, 1);
}

static void add_u16(buf *b, unsigned v)
{
    add_u8(b, v & 255);
    add_u8(b, (v >> 8) & 255);
}

/* A softmax-like f32 distribution without libm: 2^-((i * 7 + salt) % 20). */
static void shape(float *p, size_t n, unsigned salt)
{
    for (size_t i = 0; i < n; i++)
        p[i] = ldexpf(1.0f, -(int)((i * 7 + salt) % 20));
}

static void to_dtype(int dtype, const float *p, size_t n, void *out)
{
    for (size_t i = 0; i < n; i++) {
        if (dtype == DC_DTYPE_F32) {
            memcpy((uint8_t *)out + 4 * i, &p[i], 4);
        } else if (dtype == DC_DTYPE_F64) {
            const double d = p[i];
            memcpy((uint8_t *)out + 8 * i, &d, 8);
        } else { /* powers of two convert exactly: bf16 = top half, f16 from the exponent */
            uint32_t b;
            memcpy(&b, &p[i], 4);
            uint16_t h;
            if (dtype == DC_DTYPE_BF16) {
                h = (uint16_t)(b >> 16);
            } else {
                const int e = (int)((b >> 23) & 255) - 127;
                h = e >= -14 ? (uint16_t)((e + 15) << 10) : (uint16_t)(1u << (e + 24));
            }
            memcpy((uint8_t *)out + 2 * i, &h, 2);
        }
    }
}

/* The u16 v the targets turn into vocabulary n: 1 + v % 40 below 2^15, else 1 + v % mod. */
static unsigned vocab_code(size_t n, unsigned mod)
{
    if (n <= 40)
        return (unsigned)(n - 1);
    unsigned v = (unsigned)(n - 1);
    while (v < 0x8000u)
        v += mod;
    return v;
}

static void decode_seeds(void)
{
    static const struct { int format, dtype; size_t n, steps; } cfg[] = {
        {0, DC_DTYPE_F32, 5, 10}, {0, DC_DTYPE_F16, 300, 20}, {0, DC_DTYPE_F64, 1000, 8},
        {0, DC_DTYPE_BF16, 1, 4}, {1, DC_DTYPE_F32, 40, 12},
    };
    static float p[2][1100];
    static uint8_t rows[2][8800];
    for (int c = 0; c < 5; c++) {
        static buf b;
        b.len = 0;
        const size_t n = cfg[c].n, es = dc_dtype_size(cfg[c].dtype);
        add_u8(&b, (unsigned)(cfg[c].format | cfg[c].dtype << 1 | 1 << 4));
        add_u16(&b, vocab_code(n, 1100));
        add_u8(&b, (unsigned)(cfg[c].steps - 1));
        for (int k = 0; k < 2; k++) {
            shape(p[k], n, 3 + 5 * (unsigned)k);
            to_dtype(cfg[c].dtype, p[k], n, rows[k]);
            add(&b, rows[k], n * es);
        }
        dc_coder *coder;
        FUZZ_CHECK(dc_coder_create(cfg[c].format, NULL, &coder) == DC_OK);
        int ok = 1;
        for (size_t t = 0; t < cfg[c].steps && ok; t++)
            ok = dc_coder_encode_step(coder, rows[t & 1], cfg[c].dtype, n, (t * 13) % n) == DC_OK;
        const uint8_t *bytes;
        size_t len;
        if (ok && dc_coder_finish_encoding(coder, &bytes, &len) == DC_OK)
            add(&b, bytes, len);
        else
            add(&b, "\x12\x34\x56\x78", 4); /* format not available yet: arbitrary bytes */
        dc_coder_free(coder);
        put("decode", c, b.data, b.len);
    }
}

static void quantize_seeds(void)
{
    static float p[512];
    static uint8_t row[4096];
    for (int dtype = 0; dtype < 4; dtype++) {
        static buf b;
        b.len = 0;
        const size_t n = 64 + 100 * (size_t)dtype;
        shape(p, n, (unsigned)dtype);
        to_dtype(dtype, p, n, row);
        add_u8(&b, (unsigned)dtype);
        add(&b, row, n * dc_dtype_size(dtype));
        put("quantize", dtype, b.data, b.len);
        /* values above 1 (counts), a zero-mass row, a NaN */
        for (size_t i = 0; i < n; i++)
            p[i] = (float)(i % 9) * 1000.0f;
        to_dtype(DC_DTYPE_F32, p, n, row);
        b.len = 0;
        add_u8(&b, DC_DTYPE_F32);
        add(&b, row, n * 4);
        put("quantize", 4 + dtype, b.data, b.len);
    }
}

static void roundtrip_seeds(void)
{
    static float p[600];
    static uint8_t row[4800];
    for (int c = 0; c < 4; c++) {
        static buf b;
        b.len = 0;
        const int dtype = c;
        const size_t n = c == 3 ? 1 : 17 + 150 * (size_t)c, steps = 6;
        add_u8(&b, (unsigned)(c == 2 ? 1 : 0) | (unsigned)dtype << 1 | (c == 1 ? 16u : 0u));
        add_u16(&b, vocab_code(n, 600));
        add_u8(&b, steps - 1);
        for (size_t t = 0; t < steps; t++) {
            add_u16(&b, (unsigned)(t * 7));
            shape(p, n, (unsigned)t);
            to_dtype(dtype, p, n, row);
            add(&b, row, n * dc_dtype_size(dtype));
        }
        put("roundtrip", c, b.data, b.len);
    }
}

static void frame_seeds(void)
{
    static const struct { unsigned vocab_sel, per_chunk, steps, f64, id; } cfg[] = {
        {0, 4, 9, 0, 0}, {2, 3, 10, 1, 1}, {15, 1, 5, 0, 1}, {5, 64, 40, 0, 0}, {1, 2, 0, 0, 1},
    };
    static float dist[106];
    for (int c = 0; c < 5; c++) {
        static buf b;
        b.len = 0;
        const size_t n = 1 + 7 * cfg[c].vocab_sel;
        add_u8(&b, cfg[c].vocab_sel << 4 | cfg[c].id << 2 | cfg[c].f64);
        dc_frame_writer *w;
        FUZZ_CHECK(dc_frame_writer_create(DC_FORMAT_DEFAULT, (const uint8_t *)"fz",
                                          cfg[c].id ? 2 : 0, cfg[c].per_chunk, NULL,
                                          &w) == DC_OK);
        for (unsigned t = 0; t < cfg[c].steps; t++) {
            fuzz_step_dist(t, n, dist);
            FUZZ_CHECK(dc_frame_writer_encode_step(w, dist, DC_DTYPE_F32, n, (t * 5) % n) == DC_OK);
        }
        const uint8_t *bytes;
        size_t len;
        FUZZ_CHECK(dc_frame_writer_finish(w, &bytes, &len) == DC_OK);
        add(&b, bytes, len);
        dc_frame_writer_free(w);
        put("frame", c, b.data, b.len);
    }
    for (int c = 0; c < 3; c++) { /* writer part */
        static buf b;
        b.len = 0;
        add_u8(&b, 8);
        add_u16(&b, (unsigned)(c * 100));
        add_u8(&b, (unsigned)(c * 3));
        add_u16(&b, (unsigned)(c * 977));
        for (unsigned t = 0; t < 20u * (unsigned)c + 3; t++)
            add_u16(&b, t * 31);
        put("frame", 5 + c, b.data, b.len);
    }
    for (int c = 0; c < 2; c++) { /* streaming containers: reader part, writer part (bit 1) */
        static buf b;
        b.len = 0;
        const size_t n = 1 + 7 * 3;
        add_u8(&b, 3u << 4 | 1u << 2);
        dc_frame_writer *w;
        FUZZ_CHECK(dc_frame_writer_create(DC_FORMAT_DEFAULT, (const uint8_t *)"fz", 2,
                                          (unsigned)(3 + c), NULL, &w) == DC_OK);
        FUZZ_CHECK(dc_frame_writer_set_streaming(w) == DC_OK);
        for (unsigned t = 0; t < 10u + (unsigned)c; t++) {
            fuzz_step_dist(t, n, dist);
            FUZZ_CHECK(dc_frame_writer_encode_step(w, dist, DC_DTYPE_F32, n, (t * 5) % n) == DC_OK);
        }
        const uint8_t *bytes;
        size_t len;
        FUZZ_CHECK(dc_frame_writer_finish(w, &bytes, &len) == DC_OK);
        add(&b, bytes, len);
        dc_frame_writer_free(w);
        put("frame", 8 + c, b.data, b.len);
    }
    {
        static buf b;
        b.len = 0;
        add_u8(&b, 8 | 2);
        add_u16(&b, 50);
        add_u8(&b, 4);
        add_u16(&b, 1234);
        for (unsigned t = 0; t < 30; t++)
            add_u16(&b, t * 17);
        put("frame", 10, b.data, b.len);
    }
}

int main(void)
{
    decode_seeds();
    quantize_seeds();
    roundtrip_seeds();
    frame_seeds();
    return 0;
}
