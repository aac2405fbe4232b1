/* python01.c - PLACEHOLDER while the python-0.1 format is written (issue 4). */
#include "internal.h"

static void py_begin(dc_coder *c) { (void)c; }
static dc_result py_encode(dc_coder *c, const void *d, int t, size_t n, size_t s)
{ (void)c; (void)d; (void)t; (void)n; (void)s; return DC_ERR_BAD_FORMAT; }
static dc_result py_finish(dc_coder *c) { (void)c; return DC_ERR_BAD_FORMAT; }
static void py_start(dc_coder *c) { (void)c; }
static dc_result py_decode(dc_coder *c, const void *d, int t, size_t n, size_t *s)
{ (void)c; (void)d; (void)t; (void)n; (void)s; return DC_ERR_BAD_FORMAT; }
static dc_result py_freq(const void *d, int t, size_t n, uint64_t *f, uint64_t *tot)
{ (void)d; (void)t; (void)n; (void)f; (void)tot; return DC_ERR_BAD_FORMAT; }
const dc_format_ops dc_py01_format_ops = { py_begin, py_encode, py_finish, py_start, py_decode, py_freq };
