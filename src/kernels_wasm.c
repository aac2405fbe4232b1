/* kernels_wasm.c - wasm SIMD128 kernels (placeholder, filled in below). */
#include "kernels_impl.h"

#ifndef DC_HAVE_WASM_KERNELS
typedef int dc_kernels_wasm_unused;
#endif
