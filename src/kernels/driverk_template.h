/* driverk_template.h - the default format's general-scale sumk and blocksk (kernels.h) for
 * one dtype, built on a block kernel, as driver_template.h does for K = 32. Define before
 * including:
 *   FUNCNAME    prefix: defines static FUNCNAME_sumk and FUNCNAME_blocksk
 *   ATTRIBUTES  attributes of the functions (e.g. the AVX2 target); may be empty
 *   DT          the dtype's short name (f32, f64, f16, bf16): its DC_KMIN_/DC_KMAX_ range
 *               (common.h) and its scalar reference dc_sumk_ref_DT / dc_blocksk_ref_DT,
 *               which take the K outside that range
 *   STATS       the set's per-lane statistics type, zeroed by STATS_ZERO
 *   BLK         uint64_t BLK(const unsigned char *p, size_t count, int k, STATS *st,
 *               int *wide, dc_scan_info *info): the sum of u over count <= DC_BLOCK_SIZE
 *               elements; *wide starts as k < 0 and tells it which lane width to try
 *   FIN         void FIN(const STATS *st, dc_scan_info *info): merges the lanes into *info
 *   ESIZE       element size in bytes
 * Every parameter is #undef'd at the end, so the file can be included again. */

#define DRVK_IN_RANGE(k) ((k) >= DC_CAT(DC_KMIN_, DT) && (k) <= DC_CAT(DC_KMAX_, DT))

ATTRIBUTES static void DC_CAT(FUNCNAME, _sumk)(const void *dist, size_t begin, size_t end,
                                               int k, uint64_t *sum, dc_scan_info *info)
{
    if (!DRVK_IN_RANGE(k)) {
        DC_CAT(dc_sumk_ref_, DT)(dist, begin, end, k, sum, info);
        return;
    }
    const unsigned char *p = (const unsigned char *)dist + (ESIZE)*begin;
    size_t left = end - begin;
    STATS st = STATS_ZERO;
    int wide = k < 0;
    uint64_t s = 0;
    while (left > 0) {
        const size_t c = left < DC_BLOCK_SIZE ? left : DC_BLOCK_SIZE;
        s += BLK(p, c, k, &st, &wide, info);
        p += (ESIZE)*c;
        left -= c;
    }
    FIN(&st, info);
    *sum += s;
}

ATTRIBUTES static void DC_CAT(FUNCNAME, _blocksk)(const void *dist, size_t n, int k,
                                                  uint64_t *out, dc_scan_info *info)
{
    if (!DRVK_IN_RANGE(k)) {
        DC_CAT(dc_blocksk_ref_, DT)(dist, n, k, out, info);
        return;
    }
    const unsigned char *p = (const unsigned char *)dist;
    STATS st = STATS_ZERO;
    int wide = k < 0;
    uint64_t s = 0;
    for (size_t i = 0; i < n; i += DC_BLOCK_SIZE) {
        const size_t c = n - i < DC_BLOCK_SIZE ? n - i : DC_BLOCK_SIZE;
        s += BLK(p + (ESIZE)*i, c, k, &st, &wide, info);
        out[i / DC_BLOCK_SIZE] = s;
    }
    FIN(&st, info);
}

#undef DRVK_IN_RANGE
#undef FUNCNAME
#undef ATTRIBUTES
#undef DT
#undef STATS
#undef STATS_ZERO
#undef BLK
#undef FIN
#undef ESIZE
