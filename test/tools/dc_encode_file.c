/* dc_encode_file FILE - encodes the session described in FILE with the native library and
 * prints the stream as lowercase hex (one line). test/js/native.test.mjs writes FILE, runs
 * this tool and compares with the wasm module's bytes.
 *
 * FILE, all integers little-endian uint32:
 *   format, steps, then per step: dtype, vocab, symbol, and vocab * dc_dtype_size(dtype)
 *   bytes of distribution (native byte order of the writer: little-endian).
 * Exit status 0 and the hex on success; 1 and "error: step T: DC_ERR_..." on stderr if the
 * library refuses a step; 2 for unreadable input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distribution_coder.h"

static int read_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4)
        return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

static int fail_input(FILE *f, const char *what)
{
    fprintf(stderr, "dc_encode_file: bad input: %s\n", what);
    fclose(f);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dc_encode_file FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    uint32_t format, steps;
    if (!read_u32(f, &format) || !read_u32(f, &steps))
        return fail_input(f, "header");
    dc_coder *coder = NULL;
    dc_result r = dc_coder_create((int)format, NULL, &coder);
    if (r != DC_OK) {
        fprintf(stderr, "error: create: %s\n", dc_result_name(r));
        fclose(f);
        return 1;
    }
    void *dist = NULL;
    size_t dist_cap = 0;
    for (uint32_t t = 0; t < steps; t++) {
        uint32_t dtype, vocab, symbol;
        if (!read_u32(f, &dtype) || !read_u32(f, &vocab) || !read_u32(f, &symbol)) {
            free(dist);
            dc_coder_free(coder);
            return fail_input(f, "step header");
        }
        const size_t bytes = (size_t)vocab * dc_dtype_size((int)dtype);
        if (bytes > dist_cap) {
            void *p = realloc(dist, bytes);
            if (!p) {
                free(dist);
                dc_coder_free(coder);
                return fail_input(f, "distribution too large");
            }
            dist = p;
            dist_cap = bytes;
        }
        if (bytes > 0 && fread(dist, 1, bytes, f) != bytes) {
            free(dist);
            dc_coder_free(coder);
            return fail_input(f, "distribution data");
        }
        r = dc_coder_encode_step(coder, dist, (int)dtype, vocab, symbol);
        if (r != DC_OK) {
            fprintf(stderr, "error: step %lu: %s\n", (unsigned long)t, dc_result_name(r));
            free(dist);
            dc_coder_free(coder);
            fclose(f);
            return 1;
        }
    }
    free(dist);
    fclose(f);
    const uint8_t *out;
    size_t size;
    r = dc_coder_finish_encoding(coder, &out, &size);
    if (r != DC_OK) {
        fprintf(stderr, "error: finish: %s\n", dc_result_name(r));
        dc_coder_free(coder);
        return 1;
    }
    for (size_t i = 0; i < size; i++)
        printf("%02x", out[i]);
    printf("\n");
    dc_coder_free(coder);
    return 0;
}
