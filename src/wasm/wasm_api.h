/* wasm_api.h - entry points only the wasm wrapper (js/) needs, compiled into the wasm
 * module (src/wasm/wasm_api.c) and exported there; not part of the C API. */
#ifndef DC_WASM_API_H
#define DC_WASM_API_H

#include "distribution_coder.h"

/* A buffer of at least `bytes` bytes owned by the coder (16-byte aligned), for callers that
   write distributions in place (the wasm wrapper's zero-copy view). Valid until the next
   call with a larger size or dc_coder_free(). NULL if it cannot be allocated. */
DC_API void *dc_coder_staging_buffer(dc_coder *coder, size_t bytes);
/* As dc_coder_staging_buffer, for the writer's steps. */
DC_API void *dc_frame_writer_staging_buffer(dc_frame_writer *writer, size_t bytes);
/* As dc_coder_staging_buffer, for the reader's steps. */
DC_API void *dc_frame_reader_staging_buffer(dc_frame_reader *reader, size_t bytes);

#endif /* DC_WASM_API_H */
