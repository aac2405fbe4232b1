/* kernels.c - chooses the fastest kernel set this build and CPU can run.
 * Every set returns exactly what dc_kernels_scalar returns (test/test_kernels.c). */
#include "quantize.h"

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
