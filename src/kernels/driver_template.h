/* driver_template.h - the default format's sum32 and blocks32 for one dtype, built on a
 * block kernel (libdeflate's *_template.h pattern). Define before including:
 *   FUNCNAME    prefix: defines static FUNCNAME_sum32 and FUNCNAME_blocks32
 *   ATTRIBUTES  attributes of the functions (e.g. the AVX2 target); may be empty
 *   BLK         int BLK(const unsigned char *p, size_t count, uint64_t *sum): sums
 *               count <= DC_BLOCK_SIZE elements exactly; 0 when one is not in [+0, 1)
 *   ESIZE       element size in bytes
 *   PADDED      1: the part of a block past its last whole DC_PAD-element group is copied
 *               to a zeroed DC_PAD-element buffer and summed as one more group (zeros are
 *               in range and add nothing), instead of BLK's scalar tail: most of the cost
 *               of small vocabularies on x86. 0: BLK on the whole block (wasm, where the
 *               extra call costs more than the scalar tail).
 *   SMALL_LIMIT (optional) BLK takes a fourth argument, 1 when the call covers at most
 *               SMALL_LIMIT elements (wasm: small vocabularies try another path first).
 * Every parameter is #undef'd at the end, so the file can be included again. */

#define DC_PAD 16
#define DRV_BLOCK DC_CAT(FUNCNAME, _block)
#if defined(SMALL_LIMIT)
#define DRV_IS_SMALL(count) ((count) <= (SMALL_LIMIT))
#else
#define DRV_IS_SMALL(count) 0
#endif

ATTRIBUTES static inline int DRV_BLOCK(const unsigned char *p, size_t count, uint64_t *sum,
                                       int small)
{
#if defined(SMALL_LIMIT)
    return BLK(p, count, sum, small);
#elif PADDED
    (void)small;
    const size_t whole = count & ~(size_t)(DC_PAD - 1);
    uint64_t s = 0, t = 0;
    if (whole > 0 && !BLK(p, whole, &s))
        return 0;
    if (count > whole) {
        uint64_t pad[DC_PAD]; /* DC_PAD elements of up to 8 bytes, aligned */
        memset(pad, 0, sizeof pad);
        memcpy(pad, p + (ESIZE)*whole, (ESIZE) * (count - whole));
        if (!BLK((const unsigned char *)pad, (size_t)DC_PAD, &t))
            return 0;
    }
    *sum = s + t;
    return 1;
#else
    (void)small;
    return BLK(p, count, sum);
#endif
}

ATTRIBUTES static int DC_CAT(FUNCNAME, _sum32)(const void *dist, size_t begin, size_t end,
                                               uint64_t *sum)
{
    const unsigned char *p = (const unsigned char *)dist + (ESIZE)*begin;
    size_t left = end - begin;
    const int small = DRV_IS_SMALL(left);
    uint64_t s = 0;
    while (left > 0) {
        const size_t c = left < DC_BLOCK_SIZE ? left : DC_BLOCK_SIZE;
        uint64_t b;
        if (!DRV_BLOCK(p, c, &b, small))
            return 0;
        s += b;
        p += (ESIZE)*c;
        left -= c;
    }
    *sum = s;
    return 1;
}

ATTRIBUTES static int DC_CAT(FUNCNAME, _blocks32)(const void *dist, size_t n, uint64_t *out)
{
    const unsigned char *p = (const unsigned char *)dist;
    const int small = DRV_IS_SMALL(n);
    uint64_t s = 0;
    for (size_t i = 0; i < n; i += DC_BLOCK_SIZE) {
        const size_t c = n - i < DC_BLOCK_SIZE ? n - i : DC_BLOCK_SIZE;
        uint64_t b;
        if (!DRV_BLOCK(p + (ESIZE)*i, c, &b, small))
            return 0;
        s += b;
        out[i / DC_BLOCK_SIZE] = s;
    }
    return 1;
}

#undef DRV_BLOCK
#undef DRV_IS_SMALL
#undef SMALL_LIMIT
#undef DC_PAD
#undef FUNCNAME
#undef ATTRIBUTES
#undef BLK
#undef ESIZE
#undef PADDED
