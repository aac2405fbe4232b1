/* wasm_api.c - the wasm wrapper's staging buffers (see wasm_api.h). Built into the wasm
 * module; the native library does not contain it (test_errors compiles it in). */
#include "wasm/wasm_api.h"

#include "internal.h"

void *dc_coder_staging_buffer(dc_coder *c, size_t bytes)
{
    if (!c || bytes > SIZE_MAX - 15)
        return NULL;
    if (bytes + 15 > c->staging_cap) {
        /* Old contents are not kept: a plain free + malloc avoids copying them. */
        unsigned char *p = (unsigned char *)c->alloc.malloc_fn(c->alloc.opaque, bytes + 15);
        if (!p)
            return NULL;
        c->alloc.free_fn(c->alloc.opaque, c->staging);
        c->staging = p;
        c->staging_cap = bytes + 15;
    }
    return c->staging + ((16 - ((uintptr_t)c->staging & 15)) & 15);
}

void *dc_frame_writer_staging_buffer(dc_frame_writer *w, size_t bytes)
{
    return w ? dc_coder_staging_buffer(dc_frame_writer_coder(w), bytes) : NULL;
}

void *dc_frame_reader_staging_buffer(dc_frame_reader *r, size_t bytes)
{
    return r ? dc_coder_staging_buffer(dc_frame_reader_coder(r), bytes) : NULL;
}
