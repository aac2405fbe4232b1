/* scan_template.h - the default decoder's exact scan inside one block at scale 2^32, for
 * one dtype (range_coder.c includes it once per dtype). Define before including:
 *   FUNCNAME  the function to define
 *   ELEM      the element's bit type (uint32_t, uint64_t, uint16_t)
 *   TO_U32    floor(p * 2^32) from the bits (dtype.h's dc_u32_<dtype>)
 * From element k with prefix *z = Z_k < threshold, FUNCNAME advances while k + 1 < n and
 * Z_{k+1} = Z_k + u_k + unit < threshold; returns the final k, with *z = Z_k, *u = u_k.
 * Every element is known to be in [+0, 1) or -0.0. */

static inline size_t FUNCNAME(const void *dist, size_t k, size_t n, uint64_t unit,
                              uint64_t threshold, uint64_t *z, uint64_t *u)
{
    const unsigned char *p = (const unsigned char *)dist;
    uint64_t zk = *z;
    ELEM b;
    memcpy(&b, p + sizeof(ELEM) * k, sizeof(ELEM));
    uint64_t uk = TO_U32(b);
    while (k + 1 < n && zk + uk + unit < threshold) {
        zk += uk + unit;
        k++;
        memcpy(&b, p + sizeof(ELEM) * k, sizeof(ELEM));
        uk = TO_U32(b);
    }
    *z = zk;
    *u = uk;
    return k;
}

#undef FUNCNAME
#undef ELEM
#undef TO_U32
