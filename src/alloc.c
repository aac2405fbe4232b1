/* alloc.c - see alloc.h. */
#include "alloc.h"

#include <stdlib.h>

static void *std_malloc(void *opaque, size_t size)
{
    (void)opaque;
    return malloc(size);
}

static void *std_realloc(void *opaque, void *ptr, size_t size)
{
    (void)opaque;
    return realloc(ptr, size);
}

static void std_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

static const dc_allocator std_allocator = {std_malloc, std_realloc, std_free, NULL};

dc_result dc_pick_allocator(const dc_allocator *allocator, const dc_allocator **out)
{
    if (allocator && (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn))
        return DC_ERR_NULL_ARGUMENT;
    *out = allocator ? allocator : &std_allocator;
    return DC_OK;
}

dc_result dc_grow_buffer(const dc_allocator *a, void **buf, size_t *cap, size_t need,
                         size_t elem)
{
    size_t new_cap = *cap ? *cap : 64;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return DC_ERR_TOO_LARGE;
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / elem)
        return DC_ERR_TOO_LARGE;
    void *p = a->realloc_fn(a->opaque, *buf, new_cap * elem);
    if (!p)
        return DC_ERR_OUT_OF_MEMORY;
    *buf = p;
    *cap = new_cap;
    return DC_OK;
}
