/* kernels.c - chooses the fastest kernel set this build and CPU can run.
 * Every set returns exactly what dc_kernels_scalar returns (test/test_kernels.c).
 * No state: the choice is recomputed on each call from what the CPU reports (a cheap
 * load and test), so it is the same on every call of a process. */
#include "kernels_impl.h"

#if defined(DC_HAVE_X86_KERNELS)

static const dc_kernels *const with_avx2[] = {
    &dc_kernels_avx2,
    &dc_kernels_sse2,
    &dc_kernels_scalar,
    NULL,
};

const dc_kernels *const *dc_kernels_available(void)
{
    /* without AVX2, skip the first entry */
    return dc_cpu_has_avx2() ? with_avx2 : with_avx2 + 1;
}

const dc_kernels *dc_kernels_active(void)
{
    return dc_kernels_available()[0];
}

#elif defined(DC_HAVE_WASM_KERNELS)

static const dc_kernels *const available[] = {
    &dc_kernels_wasm_simd128,
    &dc_kernels_scalar,
    NULL,
};

const dc_kernels *const *dc_kernels_available(void)
{
    return available;
}

const dc_kernels *dc_kernels_active(void)
{
    return &dc_kernels_wasm_simd128;
}

#else

static const dc_kernels *const available[] = {
    &dc_kernels_scalar,
    NULL,
};

const dc_kernels *const *dc_kernels_available(void)
{
    return available;
}

const dc_kernels *dc_kernels_active(void)
{
    return &dc_kernels_scalar;
}

#endif
