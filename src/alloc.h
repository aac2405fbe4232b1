/* alloc.h - the memory helpers the coder and the framed container share. */
#ifndef DC_ALLOC_H
#define DC_ALLOC_H

#include "distribution_coder.h"

/* allocator, or malloc/realloc/free when it is NULL, in *out; DC_ERR_NULL_ARGUMENT when
   one of its members is NULL. */
dc_result dc_pick_allocator(const dc_allocator *allocator, const dc_allocator **out);

/* Grow *buf to hold at least `need` elements of `elem` bytes, doubling from *cap (from 64
   when it is 0); on failure *buf and *cap are unchanged. Inline: every step checks. */
dc_result dc_grow_buffer(const dc_allocator *a, void **buf, size_t *cap, size_t need,
                         size_t elem);
static inline dc_result dc_grow(const dc_allocator *a, void **buf, size_t *cap, size_t need,
                                size_t elem)
{
    return need <= *cap ? DC_OK : dc_grow_buffer(a, buf, cap, need, elem);
}

#endif /* DC_ALLOC_H */
