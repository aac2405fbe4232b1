/* _distribution_coder.c - the CPython binding of the C library (src/).
 *
 * Everything about the format, the quantisation and the framed container is the C
 * library's; this file only turns Python objects into (pointer, dtype, length) and
 * results into Python values and exceptions. Every call into the library is in this file
 * (the dc_* names), so an API rename is a search-and-replace here.
 *
 * Inputs are read in place when they can be:
 *  - objects with the buffer protocol (NumPy float16/32/64 arrays, memoryview, array):
 *    the buffer itself when it is C-contiguous and aligned, else a copy;
 *  - PyTorch tensors (float16, bfloat16, float32, float64), found by their type (no torch
 *    import here): tensor.data_ptr() when contiguous on the CPU, else a contiguous CPU copy;
 *  - lists and tuples of numbers: copied to float64 (float32 for format 'python-0.1', as
 *    the original package converted them);
 *  - other objects with __array__ (e.g. JAX arrays): a copy through __array__().
 * The hot path (encode_step / decode_step) allocates nothing: METH_FASTCALL, interned
 * attribute names, cached tensor types and dtype objects.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "distribution_coder.h"

static PyObject *DCError; /* distribution_coder.DistributionCoderError (a ValueError) */

/* Interned names used on the hot path. */
static PyObject *s_dtype, *s_data_ptr, *s_is_contiguous, *s_is_cpu, *s_ndim,
    *s_shape, *s_cpu, *s_contiguous, *s_array;

/* torch dtype objects (strong refs, set when the first tensor is seen) and the tensor types
   seen so far (strong refs). */
static PyObject *torch_dtypes[4]; /* indexed by dc_dtype */
static PyTypeObject *tensor_types[8];
static int n_tensor_types;
/* Per tensor type, the descriptors of what a step reads (dtype, shape, is_cpu: getsets;
   is_contiguous, data_ptr: methods), called directly: no attribute lookup per step. */
enum { T_DTYPE, T_SHAPE, T_IS_CPU, T_NDIM, T_IS_CONTIGUOUS, T_DATA_PTR, T_N };
static PyObject *tensor_desc[8][T_N];
/* The C length slot of torch._C._TensorBase (size(0); torch.Tensor's __len__ is Python). */
static lenfunc tensor_len[8];

static const char *const DTYPE_NAMES[4] = {"float32", "float64", "float16", "bfloat16"};

/* ------------------------------------------------------------------ errors ---- */

/* Raises DistributionCoderError(message) with .code and .code_name; returns NULL. */
static PyObject *raise_code(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (!msg)
        return NULL;
    PyObject *exc = PyObject_CallOneArg(DCError, msg);
    Py_DECREF(msg);
    if (!exc)
        return NULL;
    PyObject *c = PyLong_FromLong(code);
    PyObject *n = PyUnicode_FromString(dc_result_name(code));
    if (c && n) {
        PyObject_SetAttrString(exc, "code", c);
        PyObject_SetAttrString(exc, "code_name", n);
    }
    Py_XDECREF(c);
    Py_XDECREF(n);
    PyErr_SetObject(DCError, exc);
    Py_DECREF(exc);
    return NULL;
}

static void set_int_attr(PyObject *exc, const char *name, unsigned long long v)
{
    PyObject *o = PyLong_FromUnsignedLongLong(v);
    if (o) {
        PyObject_SetAttrString(exc, name, o);
        Py_DECREF(o);
    }
}

static int is_content_error(int r)
{
    return r == DC_ERR_NAN || r == DC_ERR_INFINITE || r == DC_ERR_NEGATIVE;
}

static double element(const void *p, int dtype, size_t i)
{
    uint32_t u;
    float f;
    switch (dtype) {
    case DC_DTYPE_F32:
        return ((const float *)p)[i];
    case DC_DTYPE_F64:
        return ((const double *)p)[i];
    case DC_DTYPE_BF16:
        u = (uint32_t)((const uint16_t *)p)[i] << 16;
        memcpy(&f, &u, 4);
        return f;
    default: { /* f16 */
        const uint16_t h = ((const uint16_t *)p)[i];
        const int e = (h >> 10) & 31, m = h & 1023;
        double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
        return (h & 0x8000) ? -v : v;
    }
    }
}

/* A refused step: for NaN / Inf / negative values, names the first such element. */
static PyObject *raise_step(int r, const char *what, const char *name, const void *p, int dtype,
                            size_t n)
{
    if (is_content_error(r) && p) {
        for (size_t i = 0; i < n; i++) {
            const double v = element(p, dtype, i);
            const int bad = r == DC_ERR_NAN ? isnan(v) : r == DC_ERR_INFINITE ? isinf(v) : v < 0;
            if (bad) {
                char num[64];
                PyOS_snprintf(num, sizeof num, "%g", v);
                return raise_code(r, "%s: %s[%zu] is %s: %s (%s)", what, name, i, num,
                                  dc_result_string(r), dc_result_name(r));
            }
        }
    }
    return raise_code(r, "%s: %s (%s)", what, dc_result_string(r), dc_result_name(r));
}

/* ------------------------------------------------------------------ inputs ---- */

typedef struct {
    const void *ptr;
    int dtype;
    size_t len;     /* elements */
    int ndim;       /* 1 or 2 */
    size_t rows, cols;
    Py_buffer view; /* held while has_view */
    int has_view;
    PyObject *keep; /* a tensor or a copy, kept alive during the call */
    void *tmp;      /* PyMem copy */
    int copied;     /* the caller's memory is not what the library reads */
} dc_input;

static void input_release(dc_input *in)
{
    if (in->has_view)
        PyBuffer_Release(&in->view);
    in->has_view = 0;
    Py_CLEAR(in->keep);
    PyMem_Free(in->tmp);
    in->tmp = NULL;
}

static size_t dtype_size(int dtype)
{
    return dtype == DC_DTYPE_F64 ? 8 : dtype == DC_DTYPE_F32 ? 4 : 2;
}

/* Parses the optional dtype argument: -1 for None/absent, else a dc_dtype. */
static int parse_dtype_arg(PyObject *o)
{
    if (!o || o == Py_None)
        return -1;
    if (PyUnicode_Check(o)) {
        const char *s = PyUnicode_AsUTF8(o);
        if (!s)
            return -2;
        if (!strcmp(s, "f16") || !strcmp(s, "float16"))
            return DC_DTYPE_F16;
        if (!strcmp(s, "bf16") || !strcmp(s, "bfloat16"))
            return DC_DTYPE_BF16;
        if (!strcmp(s, "f32") || !strcmp(s, "float32"))
            return DC_DTYPE_F32;
        if (!strcmp(s, "f64") || !strcmp(s, "float64"))
            return DC_DTYPE_F64;
    }
    PyErr_Format(PyExc_ValueError,
                 "dtype must be 'f32', 'f64', 'f16', 'bf16' or None; got %R", o);
    return -2;
}

/* The index of t among the tensor types seen, -1 if it is not one of them. */
static int tensor_type_index(PyTypeObject *t)
{
    for (int i = 0; i < n_tensor_types; i++)
        if (tensor_types[i] == t)
            return i;
    return -1;
}

static PyObject *const *tensor_name(int k)
{
    PyObject *const *names[T_N] = {&s_dtype, &s_shape, &s_is_cpu, &s_ndim, &s_is_contiguous, &s_data_ptr};
    return names[k];
}

/* tensor.<k> (a getset) or tensor.<k>() (a method); ti < 0: the generic lookup. */
static PyObject *tensor_get(int ti, int k, PyObject *obj)
{
    PyObject *d = ti >= 0 ? tensor_desc[ti][k] : NULL;
    if (d)
        return k <= T_NDIM ? Py_TYPE(d)->tp_descr_get(d, obj, (PyObject *)Py_TYPE(obj))
                           : PyObject_Vectorcall(d, &obj, 1, NULL);
    return k <= T_NDIM ? PyObject_GetAttr(obj, *tensor_name(k))
                         : PyObject_CallMethodNoArgs(obj, *tensor_name(k));
}

/* Is t (or a base) torch's tensor type? Returns its index in the cache (the slow walk runs
   once per type), -1 if it is not a tensor type, -2 on error. */
static int learn_tensor_type(PyTypeObject *t)
{
    PyObject *mro = t->tp_mro;
    int found = 0;
    if (mro && PyTuple_Check(mro)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
            PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            const char *name = base->tp_name;
            if (!strncmp(name, "torch._C.", 9) && strstr(name, "TensorBase")) {
                found = 1;
                if (n_tensor_types < (int)(sizeof tensor_types / sizeof tensor_types[0]) &&
                    base->tp_as_mapping)
                    tensor_len[n_tensor_types] = base->tp_as_mapping->mp_length;
                break;
            }
        }
    }
    if (!found)
        return -1;
    if (!torch_dtypes[0]) {
        PyObject *name = PyUnicode_FromString("torch");
        PyObject *torch = name ? PyImport_GetModule(name) : NULL; /* imported: a tensor exists */
        Py_XDECREF(name);
        if (!torch) {
            PyErr_Clear();
            return -1;
        }
        static const char *const attrs[4] = {"float32", "float64", "float16", "bfloat16"};
        for (int i = 0; i < 4; i++) {
            torch_dtypes[i] = PyObject_GetAttrString(torch, attrs[i]);
            if (!torch_dtypes[i]) {
                Py_DECREF(torch);
                return -2;
            }
        }
        Py_DECREF(torch);
    }
    if (n_tensor_types == (int)(sizeof tensor_types / sizeof tensor_types[0]))
        return -3; /* a tensor type, uncached: the generic lookups */
    const int ti = n_tensor_types++;
    Py_INCREF(t);
    tensor_types[ti] = t;
    for (int k = 0; k < T_N; k++) {
        PyObject *d = PyObject_GetAttr((PyObject *)t, *tensor_name(k));
        if (!d) {
            PyErr_Clear();
            continue;
        }
        if (PyObject_TypeCheck(d, k <= T_NDIM ? &PyGetSetDescr_Type : &PyMethodDescr_Type))
            tensor_desc[ti][k] = d; /* kept: the type holds it anyway */
        else
            Py_DECREF(d); /* e.g. a subclass's property: the generic lookup */
    }
    return ti;
}

static PyObject *call0(PyObject *obj, PyObject *name)
{
    return PyObject_CallMethodNoArgs(obj, name);
}

/* tensor.shape: the number of dimensions and the first two sizes. */
static int read_shape(int ti, PyObject *obj, const char *what, const char *name, size_t *ndim,
                      size_t dims[2])
{
    PyObject *shape = tensor_get(ti, T_SHAPE, obj);
    if (!shape)
        return -1;
    if (!PyTuple_Check(shape)) {
        Py_DECREF(shape);
        PyErr_Format(PyExc_TypeError, "%s: %s.shape is not a tuple", what, name);
        return -1;
    }
    *ndim = (size_t)PyTuple_GET_SIZE(shape);
    for (size_t i = 0; i < *ndim && i < 2; i++) {
        dims[i] = PyLong_AsSize_t(PyTuple_GET_ITEM(shape, i));
        if (dims[i] == (size_t)-1 && PyErr_Occurred()) {
            Py_DECREF(shape);
            return -1;
        }
    }
    Py_DECREF(shape);
    return 0;
}

static int read_tensor(int ti, PyObject *obj, dc_input *in, const char *what, const char *name,
                       int want_matrix)
{
    PyObject *dt = tensor_get(ti, T_DTYPE, obj);
    if (!dt)
        return -1;
    int dtype = -1;
    for (int i = 0; i < 4; i++)
        if (dt == torch_dtypes[i])
            dtype = i;
    if (dtype < 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s: %s is a tensor of dtype %S; expected torch.float32, torch.float64, "
                     "torch.float16 or torch.bfloat16",
                     what, name, dt);
        Py_DECREF(dt);
        return -1;
    }
    Py_DECREF(dt);
    size_t ndim;
    size_t dims[2] = {0, 0};
    if (!want_matrix && ti >= 0 && tensor_len[ti] && tensor_desc[ti][T_NDIM]) {
        /* A step: ndim and the C length slot, no torch.Size object (~100 ns less). */
        PyObject *nd = tensor_get(ti, T_NDIM, obj);
        if (!nd)
            return -1;
        ndim = PyLong_AsSize_t(nd);
        Py_DECREF(nd);
        if (ndim == (size_t)-1 && PyErr_Occurred())
            return -1;
        if (ndim == 1) {
            const Py_ssize_t len = tensor_len[ti](obj);
            if (len < 0)
                return -1;
            dims[0] = (size_t)len;
        }
    } else if (read_shape(ti, obj, what, name, &ndim, dims) < 0) {
        return -1;
    }
    if (ndim != 1 && !(want_matrix && ndim == 2)) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be a %s tensor; got %zu dimensions", what,
                     name, want_matrix ? "1-D or 2-D" : "1-D", ndim);
        return -1;
    }
    /* In place when contiguous on the CPU; else a contiguous CPU copy (kept alive). */
    PyObject *cpu = tensor_get(ti, T_IS_CPU, obj);
    if (!cpu)
        return -1;
    const int on_cpu = cpu == Py_True;
    Py_DECREF(cpu);
    PyObject *contig = tensor_get(ti, T_IS_CONTIGUOUS, obj);
    if (!contig)
        return -1;
    const int is_contig = contig == Py_True;
    Py_DECREF(contig);
    PyObject *t = obj;
    if (!on_cpu || !is_contig) {
        PyObject *c = call0(obj, s_cpu);
        if (!c)
            return -1;
        t = call0(c, s_contiguous);
        Py_DECREF(c);
        if (!t)
            return -1;
        in->keep = t;
        in->copied = 1;
    }
    const size_t n = ndim == 2 ? dims[0] * dims[1] : dims[0];
    PyObject *dp = tensor_get(t == obj ? ti : -1, T_DATA_PTR, t);
    if (!dp)
        return -1;
    in->ptr = PyLong_AsVoidPtr(dp);
    Py_DECREF(dp);
    if (PyErr_Occurred())
        return -1;
    in->dtype = dtype;
    in->len = n;
    in->ndim = (int)ndim;
    in->rows = dims[0];
    in->cols = dims[1];
    return 0;
}

/* The buffer's element format: a dc_dtype, 4 for uint16 (needs a dtype argument), -1. */
static int buffer_dtype(const Py_buffer *v)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=' || *f == '<')
        f++;
    if (f[0] == 0 || f[1] != 0)
        return -1;
    switch (f[0]) {
    case 'f': return v->itemsize == 4 ? DC_DTYPE_F32 : -1;
    case 'd': return v->itemsize == 8 ? DC_DTYPE_F64 : -1;
    case 'e': return v->itemsize == 2 ? DC_DTYPE_F16 : -1;
    case 'H': return v->itemsize == 2 ? 4 : -1;
    default: return -1;
    }
}

static int read_buffer(PyObject *obj, dc_input *in, const char *what, const char *name,
                       int dtype_arg, int want_matrix)
{
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_RECORDS_RO) < 0)
        return -1;
    in->has_view = 1;
    Py_buffer *v = &in->view;
    int dtype = buffer_dtype(v);
    if (dtype == 4 && (dtype_arg == DC_DTYPE_F16 || dtype_arg == DC_DTYPE_BF16)) {
        dtype = dtype_arg; /* uint16 bit patterns of float16 / bfloat16 */
    } else if (dtype < 0 || dtype == 4) {
        PyErr_Format(PyExc_TypeError,
                     "%s: %s has element format '%s' (%zd bytes); expected float32, float64 or "
                     "float16 (or uint16 bit patterns with dtype='f16' or 'bf16')",
                     what, name, v->format ? v->format : "B", v->itemsize);
        return -1;
    } else if (dtype_arg >= 0 && dtype_arg != dtype) {
        PyErr_Format(PyExc_TypeError, "%s: dtype '%s' does not match %s, which holds %s", what,
                     DTYPE_NAMES[dtype_arg], name, DTYPE_NAMES[dtype]);
        return -1;
    }
    if (v->ndim != 1 && !(want_matrix && v->ndim == 2)) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be %s; got %d dimensions", what, name,
                     want_matrix ? "1-D or 2-D" : "1-D", v->ndim);
        return -1;
    }
    const size_t size = dtype_size(dtype);
    in->dtype = dtype;
    in->len = (size_t)v->len / size;
    in->ndim = v->ndim;
    if (v->ndim == 2) {
        in->rows = (size_t)v->shape[0];
        in->cols = (size_t)v->shape[1];
    }
    if (PyBuffer_IsContiguous(v, 'C') && ((uintptr_t)v->buf % size) == 0) {
        in->ptr = v->buf;
        return 0;
    }
    in->tmp = PyMem_Malloc(v->len ? (size_t)v->len : 1);
    if (!in->tmp) {
        PyErr_NoMemory();
        return -1;
    }
    if (PyBuffer_ToContiguous(in->tmp, v, v->len, 'C') < 0)
        return -1;
    in->ptr = in->tmp;
    in->copied = 1;
    return 0;
}

/* Copies a list / tuple of numbers (or of rows, for a matrix) to float64 or float32. */
static int read_sequence(PyObject *obj, dc_input *in, const char *what, const char *name,
                         int dtype, int want_matrix)
{
    Py_ssize_t rows = PySequence_Fast_GET_SIZE(obj), cols = -1;
    PyObject **items = PySequence_Fast_ITEMS(obj);
    const int nested = want_matrix && rows > 0 && (PyList_Check(items[0]) || PyTuple_Check(items[0]));
    if (nested) {
        for (Py_ssize_t r = 0; r < rows; r++) {
            if (!PyList_Check(items[r]) && !PyTuple_Check(items[r])) {
                PyErr_Format(PyExc_TypeError, "%s: %s[%zd] is %R, not a row (list)", what, name,
                             r, items[r]);
                return -1;
            }
            const Py_ssize_t c = PySequence_Fast_GET_SIZE(items[r]);
            if (cols >= 0 && c != cols) {
                PyErr_Format(PyExc_ValueError,
                             "%s: %s has rows of different lengths (%zd and %zd at row %zd)",
                             what, name, cols, c, r);
                return -1;
            }
            cols = c;
        }
    }
    const size_t n = nested ? (size_t)rows * (size_t)cols : (size_t)rows;
    in->tmp = PyMem_Malloc(n ? n * dtype_size(dtype) : 1);
    if (!in->tmp) {
        PyErr_NoMemory();
        return -1;
    }
    size_t k = 0;
    for (Py_ssize_t r = 0; r < (nested ? rows : 1); r++) {
        PyObject *row = nested ? items[r] : obj;
        PyObject **xs = PySequence_Fast_ITEMS(row);
        const Py_ssize_t m = PySequence_Fast_GET_SIZE(row);
        for (Py_ssize_t i = 0; i < m; i++, k++) {
            PyObject *x = xs[i];
            double d;
            if (PyFloat_CheckExact(x))
                d = PyFloat_AS_DOUBLE(x);
            else if (PyFloat_Check(x) || PyLong_Check(x) || PyNumber_Check(x)) {
                d = PyFloat_AsDouble(x);
                if (d == -1.0 && PyErr_Occurred())
                    return -1;
            } else {
                if (nested)
                    PyErr_Format(PyExc_TypeError, "%s: %s[%zd][%zd] is %R, not a number", what,
                                 name, r, i, x);
                else
                    PyErr_Format(PyExc_TypeError, "%s: %s[%zd] is %R, not a number", what, name,
                                 i, x);
                return -1;
            }
            if (dtype == DC_DTYPE_F32)
                ((float *)in->tmp)[k] = (float)d;
            else
                ((double *)in->tmp)[k] = d;
        }
    }
    in->ptr = in->tmp;
    in->dtype = dtype;
    in->len = n;
    in->ndim = nested ? 2 : 1;
    in->rows = (size_t)rows;
    in->cols = (size_t)cols;
    in->copied = 1;
    return 0;
}

/* Resolves a distribution (want_matrix 0) or matrix argument. list_dtype is the dtype lists
   are copied to. On failure an exception is set and in must still be released. */
static int read_input(PyObject *obj, dc_input *in, const char *what, const char *name,
                      int list_dtype, int dtype_arg, int want_matrix)
{
    PyTypeObject *t = Py_TYPE(obj);
    int ti = tensor_type_index(t);
    if (ti >= 0) {
        if (dtype_arg >= 0) {
            PyErr_Format(PyExc_TypeError, "%s: dtype is only for uint16 buffers; a tensor carries its own",
                         what);
            return -1;
        }
        return read_tensor(ti, obj, in, what, name, want_matrix);
    }
    if (PyObject_CheckBuffer(obj))
        return read_buffer(obj, in, what, name, dtype_arg, want_matrix);
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        if (dtype_arg >= 0 && dtype_arg != DC_DTYPE_F32 && dtype_arg != DC_DTYPE_F64) {
            PyErr_Format(PyExc_TypeError,
                         "%s: dtype '%s' needs a uint16 array of bit patterns; a list of numbers "
                         "can be copied as 'f32' or 'f64'",
                         what, DTYPE_NAMES[dtype_arg]);
            return -1;
        }
        return read_sequence(obj, in, what, name, dtype_arg >= 0 ? dtype_arg : list_dtype,
                             want_matrix);
    }
    ti = learn_tensor_type(t);
    if (ti == -2)
        return -1;
    if (ti >= 0 || ti == -3) {
        if (dtype_arg >= 0) {
            PyErr_Format(PyExc_TypeError, "%s: dtype is only for uint16 buffers; a tensor carries its own",
                         what);
            return -1;
        }
        return read_tensor(ti, obj, in, what, name, want_matrix);
    }
    if (PyObject_HasAttr(obj, s_array)) { /* e.g. JAX arrays: one copy through NumPy */
        PyObject *a = call0(obj, s_array);
        if (!a)
            return -1;
        if (!PyObject_CheckBuffer(a)) {
            Py_DECREF(a);
            goto bad;
        }
        int rc = read_buffer(a, in, what, name, dtype_arg, want_matrix);
        in->keep = a; /* released after the view */
        in->copied = 1;
        return rc;
    }
bad:
    PyErr_Format(PyExc_TypeError,
                 "%s: %s must be a NumPy array, a torch tensor, a buffer of floats or a list "
                 "of numbers; got %R (%s)",
                 what, name, obj, t->tp_name);
    return -1;
}

/* A symbol argument: a Python int (or anything with __index__) in [0, vocab). */
static int read_symbol(PyObject *o, size_t vocab, const char *what, const char *name,
                       size_t *out)
{
    if (!PyLong_Check(o)) {
        if (PyBool_Check(o) || !PyIndex_Check(o)) {
            PyErr_Format(PyExc_TypeError, "%s: %s must be an int; got %R", what, name, o);
            return -1;
        }
    }
    if (PyBool_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be an int; got %R", what, name, o);
        return -1;
    }
    PyObject *i = PyLong_CheckExact(o) ? (Py_INCREF(o), o) : PyNumber_Index(o);
    if (!i)
        return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < 0 || (unsigned long long)v >= vocab) {
        PyErr_Format(PyExc_ValueError,
                     "%s: %s %R is out of range for a distribution of %zu symbols (0 <= %s < %zu)",
                     what, name, o, vocab, name, vocab);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* A matrix argument's shape: 2-D uses its own; 1-D (flat) needs steps to divide it. */
static int matrix_shape(dc_input *in, Py_ssize_t steps, const char *what, size_t *vocab,
                        size_t *rows)
{
    if (in->ndim == 2) {
        *rows = in->rows;
        *vocab = in->cols;
    } else {
        if (steps < 0 && in->len == 0) {
            steps = 0; /* an empty list: no rows */
        } else if (steps < 0) {
            PyErr_Format(PyExc_ValueError,
                         "%s: a flat (1-D) matrix needs the step count to find the vocabulary",
                         what);
            return -1;
        }
        if (steps == 0 ? in->len != 0 : in->len % (size_t)steps != 0) {
            PyErr_Format(PyExc_ValueError,
                         "%s: matrix has %zu elements, not a multiple of the %zd steps", what,
                         in->len, steps);
            return -1;
        }
        *rows = (size_t)steps;
        *vocab = steps ? in->len / (size_t)steps : 0;
    }
    if (*rows > 0 && (*vocab == 0 || *vocab > DC_MAX_VOCAB)) {
        PyErr_Format(PyExc_ValueError, "%s: matrix rows have %zu symbols; a distribution needs 1 to %zu",
                     what, *vocab, (size_t)DC_MAX_VOCAB);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- DistributionCoder ---- */

typedef struct {
    PyObject_HEAD
    dc_coder *coder;
    int format;
    double tolerance; /* as given; 0 in the exact mode */
    int input;        /* a dc_input_kind */
    double temperature;
    int list_dtype;
    int busy;        /* a batch call runs without the GIL */
    int last_copied; /* test hook: the last input was copied, not read in place */
} Coder;

static int format_of(PyObject *o, int *format)
{
    if (!o) {
        *format = DC_FORMAT_DEFAULT;
        return 0;
    }
    if (PyUnicode_Check(o)) {
        const char *s = PyUnicode_AsUTF8(o);
        if (!s)
            return -1;
        if (!strcmp(s, "default")) {
            *format = DC_FORMAT_DEFAULT;
            return 0;
        }
        if (!strcmp(s, "python-0.1")) {
            *format = DC_FORMAT_PYTHON_0_1;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError, "format must be 'default' or 'python-0.1'; got %R", o);
    return -1;
}

static const char *format_name(int format)
{
    return format == DC_FORMAT_PYTHON_0_1 ? "python-0.1" : "default";
}

/* tolerance=None/absent -> 0 (exact); else a real number, 0 or in (0, DC_MAX_TOLERANCE], and
   not with python-0.1 (the C library refuses the same: DC_ERR_BAD_TOLERANCE). */
static int tolerance_of(PyObject *o, int format, const char *what, double *tau)
{
    *tau = 0;
    if (!o || o == Py_None)
        return 0;
    if (PyBool_Check(o) || !(PyFloat_Check(o) || PyLong_Check(o))) {
        PyErr_Format(PyExc_TypeError, "%s: tolerance must be a number; got %R", what, o);
        return -1;
    }
    const double t = PyFloat_AsDouble(o);
    if (t == -1.0 && PyErr_Occurred())
        return -1;
    if (!(t >= 0 && t <= DC_MAX_TOLERANCE)) { /* also NaN */
        PyErr_Format(PyExc_ValueError, "%s: tolerance must be 0 (exact) or in (0, 0.01]; got %R",
                     what, o);
        return -1;
    }
    if (t > 0 && format == DC_FORMAT_PYTHON_0_1) {
        PyErr_Format(PyExc_ValueError,
                     "%s: tolerance is not available with format 'python-0.1'; got %R", what, o);
        return -1;
    }
    *tau = t;
    return 0;
}

/* input=None/absent -> probabilities; else 'probabilities' or 'logits' (docs/FORMAT.md
   section 6). temperature=None/absent -> 1; else a finite real > 0, logits only, and logits
   not with python-0.1 or a tolerance (the C library refuses the same). */
static int input_of(PyObject *in, PyObject *temp, int format, double tau, const char *what,
                    int *input, double *temperature)
{
    *input = DC_INPUT_PROBABILITIES;
    *temperature = 1;
    if (in && in != Py_None) {
        const char *s = PyUnicode_Check(in) ? PyUnicode_AsUTF8(in) : NULL;
        if (PyUnicode_Check(in) && !s)
            return -1;
        if (s && !strcmp(s, "logits")) {
            *input = DC_INPUT_LOGITS;
        } else if (!s || strcmp(s, "probabilities")) {
            PyErr_Format(PyExc_ValueError, "%s: input must be 'probabilities' or 'logits'; got %R",
                         what, in);
            return -1;
        }
    }
    if (temp && temp != Py_None) {
        if (PyBool_Check(temp) || !(PyFloat_Check(temp) || PyLong_Check(temp))) {
            PyErr_Format(PyExc_TypeError, "%s: temperature must be a number; got %R", what, temp);
            return -1;
        }
        const double t = PyFloat_AsDouble(temp);
        if (t == -1.0 && PyErr_Occurred())
            return -1;
        if (!(t > 0 && t <= DBL_MAX)) {
            PyErr_Format(PyExc_ValueError, "%s: temperature must be a finite number > 0; got %R",
                         what, temp);
            return -1;
        }
        if (*input != DC_INPUT_LOGITS && t != 1) {
            PyErr_Format(PyExc_ValueError,
                         "%s: temperature applies to input='logits' only; got %R", what, temp);
            return -1;
        }
        *temperature = t;
    }
    if (*input == DC_INPUT_LOGITS && format == DC_FORMAT_PYTHON_0_1) {
        PyErr_Format(PyExc_ValueError,
                     "%s: input='logits' is not available with format 'python-0.1'", what);
        return -1;
    }
    if (*input == DC_INPUT_LOGITS && tau > 0) {
        PyErr_Format(PyExc_ValueError,
                     "%s: input='logits' is not available with a tolerance (tolerant mode)", what);
        return -1;
    }
    return 0;
}

static const char *input_name(int input)
{
    return input == DC_INPUT_LOGITS ? "logits" : "probabilities";
}

static dc_coder_options coder_options(int format, double tau, int input, double temperature)
{
    dc_coder_options o;
    memset(&o, 0, sizeof o);
    o.format = format;
    o.tolerance = tau;
    o.input = input;
    o.temperature = temperature;
    return o;
}

static int coder_init(Coder *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"format", "tolerance", "input", "temperature", NULL};
    PyObject *fmt = NULL, *tol = NULL, *in = NULL, *temp = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$OOO:DistributionCoder", kwlist, &fmt, &tol,
                                     &in, &temp))
        return -1;
    int format, input;
    double tau, temperature;
    if (format_of(fmt, &format) < 0 || tolerance_of(tol, format, "DistributionCoder", &tau) < 0 ||
        input_of(in, temp, format, tau, "DistributionCoder", &input, &temperature) < 0)
        return -1;
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "DistributionCoder is in use by another thread");
        return -1;
    }
    dc_coder *c = NULL;
    const dc_coder_options opt = coder_options(format, tau, input, temperature);
    const dc_result r = dc_coder_create_with_options(&opt, NULL, &c);
    if (r != DC_OK) {
        raise_code(r, "DistributionCoder: %s (%s)", dc_result_string(r), dc_result_name(r));
        return -1;
    }
    dc_coder_free(self->coder);
    self->coder = c;
    self->format = format;
    self->tolerance = tau;
    self->input = input;
    self->temperature = temperature;
    self->list_dtype = format == DC_FORMAT_PYTHON_0_1 ? DC_DTYPE_F32 : DC_DTYPE_F64;
    return 0;
}

static void coder_dealloc(Coder *self)
{
    dc_coder_free(self->coder);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The coder, or NULL with an exception when closed or busy. */
static dc_coder *live(Coder *self, const char *what)
{
    if (!self->coder) {
        PyErr_Format(PyExc_ValueError, "%s: the DistributionCoder is closed", what);
        return NULL;
    }
    if (self->busy) {
        PyErr_Format(PyExc_RuntimeError, "%s: the DistributionCoder is in use by another thread",
                     what);
        return NULL;
    }
    return self->coder;
}

/* Optional trailing dtype argument of the step methods (positional or keyword). */
static int step_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, Py_ssize_t npos,
                     const char *what, const char *const *names, PyObject **out)
{
    Py_ssize_t total = npos + 1; /* the last one is the optional dtype */
    for (Py_ssize_t i = 0; i < total; i++)
        out[i] = i < nargs ? args[i] : NULL;
    if (nargs > total) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", what, total,
                     nargs);
        return -1;
    }
    if (kwnames) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); k++) {
            const char *kn = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
            Py_ssize_t i = 0;
            while (i < total && strcmp(names[i], kn))
                i++;
            if (i == total || out[i]) {
                PyErr_Format(PyExc_TypeError, "%s() got an %s argument '%s'", what,
                             i == total ? "unexpected keyword" : "repeated", kn);
                return -1;
            }
            out[i] = args[nargs + k];
        }
    }
    for (Py_ssize_t i = 0; i < npos; i++) {
        if (!out[i] && strcmp(names[i], "count")) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", what, names[i]);
            return -1;
        }
    }
    return 0;
}

static PyObject *coder_encode_step(Coder *self, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames)
{
    static const char *const names[] = {"distribution", "symbol", "dtype"};
    PyObject *a[3];
    if (nargs == 2 && !kwnames) {
        a[0] = args[0];
        a[1] = args[1];
        a[2] = NULL;
    } else if (step_args(args, nargs, kwnames, 2, "encode_step", names, a) < 0) {
        return NULL;
    }
    dc_coder *c = live(self, "encode_step");
    if (!c)
        return NULL;
    const int dtype_arg = parse_dtype_arg(a[2]);
    if (dtype_arg < -1)
        return NULL;
    dc_input in = {0};
    PyObject *ret = NULL;
    size_t symbol;
    if (read_input(a[0], &in, "encode_step", "distribution", self->list_dtype, dtype_arg, 0) < 0)
        goto done;
    self->last_copied = in.copied;
    if (in.len == 0 || in.len > DC_MAX_VOCAB) {
        PyErr_Format(PyExc_ValueError, "encode_step: distribution has %zu symbols; it needs 1 to %zu",
                     in.len, (size_t)DC_MAX_VOCAB);
        goto done;
    }
    if (read_symbol(a[1], in.len, "encode_step", "symbol", &symbol) < 0)
        goto done;
    const dc_result r = dc_coder_encode_step(c, in.ptr, in.dtype, in.len, symbol);
    if (r != DC_OK) {
        raise_step(r, "encode_step", "distribution", in.ptr, in.dtype, in.len);
        goto done;
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    input_release(&in);
    return ret;
}

static PyObject *coder_decode_step(Coder *self, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames)
{
    static const char *const names[] = {"distribution", "dtype"};
    PyObject *a[2];
    if (nargs == 1 && !kwnames) {
        a[0] = args[0];
        a[1] = NULL;
    } else if (step_args(args, nargs, kwnames, 1, "decode_step", names, a) < 0) {
        return NULL;
    }
    dc_coder *c = live(self, "decode_step");
    if (!c)
        return NULL;
    const int dtype_arg = parse_dtype_arg(a[1]);
    if (dtype_arg < -1)
        return NULL;
    dc_input in = {0};
    PyObject *ret = NULL;
    if (read_input(a[0], &in, "decode_step", "distribution", self->list_dtype, dtype_arg, 0) < 0)
        goto done;
    self->last_copied = in.copied;
    if (in.len == 0 || in.len > DC_MAX_VOCAB) {
        PyErr_Format(PyExc_ValueError, "decode_step: distribution has %zu symbols; it needs 1 to %zu",
                     in.len, (size_t)DC_MAX_VOCAB);
        goto done;
    }
    size_t symbol = 0;
    const dc_result r = dc_coder_decode_step(c, in.ptr, in.dtype, in.len, &symbol);
    if (r != DC_OK) {
        if (r == DC_ERR_NOT_DECODING)
            raise_code(r, "decode_step: the coder is not decoding; call start_decoding(data) first (%s)",
                       dc_result_name(r));
        else
            raise_step(r, "decode_step", "distribution", in.ptr, in.dtype, in.len);
        goto done;
    }
    ret = PyLong_FromSize_t(symbol);
done:
    input_release(&in);
    return ret;
}

static PyObject *coder_finish_encoding(Coder *self, PyObject *unused)
{
    (void)unused;
    dc_coder *c = live(self, "finish_encoding");
    if (!c)
        return NULL;
    const uint8_t *bytes = NULL;
    size_t size = 0;
    const dc_result r = dc_coder_finish_encoding(c, &bytes, &size);
    if (r != DC_OK)
        return raise_code(r, "finish_encoding: %s (%s)", dc_result_string(r), dc_result_name(r));
    return PyBytes_FromStringAndSize((const char *)bytes, (Py_ssize_t)size);
}

static PyObject *coder_start_decoding(Coder *self, PyObject *data)
{
    dc_coder *c = live(self, "start_decoding");
    if (!c)
        return NULL;
    Py_buffer v;
    if (PyUnicode_Check(data) || PyObject_GetBuffer(data, &v, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return PyErr_Format(PyExc_TypeError,
                            "start_decoding: data must be bytes, bytearray or memoryview; got %R",
                            data);
    }
    const dc_result r = dc_coder_start_decoding(c, (const uint8_t *)v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    if (r != DC_OK)
        return raise_code(r, "start_decoding: %s (%s)", dc_result_string(r), dc_result_name(r));
    Py_RETURN_NONE;
}

/* symbols (a list/tuple of ints or an integer buffer) -> uint32 copy, each below vocab. */
static uint32_t *read_symbols(PyObject *o, size_t vocab, const char *what, Py_ssize_t *count)
{
    PyObject *seq = NULL;
    Py_buffer v;
    int has_view = 0;
    uint32_t *out = NULL;
    if (PyObject_CheckBuffer(o) && PyObject_GetBuffer(o, &v, PyBUF_RECORDS_RO) == 0) {
        has_view = 1;
        /* Through memoryview.tolist(): any integer format, no per-format code here. */
        PyObject *mv = PyMemoryView_FromObject(o);
        PyObject *list = mv ? PyObject_CallMethod(mv, "tolist", NULL) : NULL;
        Py_XDECREF(mv);
        if (!list)
            goto fail;
        if (v.ndim != 1 || !v.format || strchr("fdeFD", v.format[strlen(v.format) - 1])) {
            Py_DECREF(list);
            PyErr_Format(PyExc_TypeError, "%s: symbols must be a 1-D sequence of ints; got %R",
                         what, o);
            goto fail;
        }
        seq = list;
    } else if (PyList_Check(o) || PyTuple_Check(o)) {
        PyErr_Clear();
        seq = o;
        Py_INCREF(seq);
    } else {
        PyErr_Clear();
        /* e.g. an integer torch tensor: its tolist() */
        PyObject *list = PyObject_HasAttrString(o, "tolist") ? PyObject_CallMethod(o, "tolist", NULL) : NULL;
        if (!list || !PyList_Check(list)) {
            Py_XDECREF(list);
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: symbols must be a list of ints or an integer array; got %R",
                         what, o);
            goto fail;
        }
        seq = list;
    }
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    out = PyMem_Malloc(n ? (size_t)n * 4 : 1);
    if (!out) {
        PyErr_NoMemory();
        goto fail;
    }
    char name[48];
    for (Py_ssize_t t = 0; t < n; t++) {
        size_t s;
        PyOS_snprintf(name, sizeof name, "symbols[%zd]", t);
        if (read_symbol(PySequence_Fast_ITEMS(seq)[t], vocab ? vocab : 1, what, name, &s) < 0) {
            PyMem_Free(out);
            out = NULL;
            goto fail;
        }
        out[t] = (uint32_t)s;
    }
    *count = n;
fail:
    Py_XDECREF(seq);
    if (has_view)
        PyBuffer_Release(&v);
    return out;
}

/* A refused batch: names the step (and the element, for NaN / Inf / negative values). */
static PyObject *raise_batch(int r, const char *what, const dc_input *in, size_t vocab,
                             size_t failed)
{
    char name[64];
    PyOS_snprintf(name, sizeof name, "matrix[%zu]", failed);
    const void *row = (const char *)in->ptr + failed * vocab * dtype_size(in->dtype);
    raise_step(r, what, name, failed < in->len / (vocab ? vocab : 1) ? row : NULL, in->dtype, vocab);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value)
        set_int_attr(value, "step", failed);
    PyErr_Restore(type, value, tb);
    return NULL;
}

static PyObject *coder_encode_steps(Coder *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames)
{
    static const char *const names[] = {"matrix", "symbols", "dtype"};
    PyObject *a[3];
    if (step_args(args, nargs, kwnames, 2, "encode_steps", names, a) < 0)
        return NULL;
    dc_coder *c = live(self, "encode_steps");
    if (!c)
        return NULL;
    const int dtype_arg = parse_dtype_arg(a[2]);
    if (dtype_arg < -1)
        return NULL;
    dc_input in = {0};
    uint32_t *symbols = NULL;
    PyObject *ret = NULL;
    size_t vocab, rows;
    Py_ssize_t steps = PyObject_Length(a[1]);
    if (steps < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "encode_steps: symbols must be a list of ints or an integer array; got %R",
                     a[1]);
        return NULL;
    }
    if (read_input(a[0], &in, "encode_steps", "matrix", self->list_dtype, dtype_arg, 1) < 0)
        goto done;
    self->last_copied = in.copied;
    if (matrix_shape(&in, steps, "encode_steps", &vocab, &rows) < 0)
        goto done;
    if ((size_t)steps != rows) {
        PyErr_Format(PyExc_ValueError, "encode_steps: symbols has %zd entries but matrix has %zu rows",
                     steps, rows);
        goto done;
    }
    symbols = read_symbols(a[1], vocab, "encode_steps", &steps);
    if (!symbols)
        goto done;
    size_t failed = 0;
    dc_result r;
    static const double nothing[1] = {0}; /* no rows: the library still checks the state */
    const void *m = rows ? in.ptr : (const void *)nothing;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    r = dc_coder_encode_steps(c, m, in.dtype, vocab ? vocab : 1, rows, symbols, &failed);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (r != DC_OK) {
        raise_batch(r, "encode_steps", &in, vocab, failed);
        goto done;
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    PyMem_Free(symbols);
    input_release(&in);
    return ret;
}

static PyObject *coder_decode_steps(Coder *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames)
{
    static const char *const names[] = {"matrix", "count", "dtype"};
    PyObject *a[3];
    if (step_args(args, nargs, kwnames, 2, "decode_steps", names, a) < 0)
        return NULL;
    dc_coder *c = live(self, "decode_steps");
    if (!c)
        return NULL;
    const int dtype_arg = parse_dtype_arg(a[2]);
    if (dtype_arg < -1)
        return NULL;
    Py_ssize_t count = -1;
    if (a[1] && a[1] != Py_None) {
        if (!PyLong_Check(a[1]) || PyBool_Check(a[1]))
            return PyErr_Format(PyExc_TypeError, "decode_steps: count must be an int or None; got %R", a[1]);
        count = PyLong_AsSsize_t(a[1]);
        if (count == -1 && PyErr_Occurred())
            return NULL;
        if (count < 0)
            return PyErr_Format(PyExc_ValueError, "decode_steps: count must be >= 0; got %R", a[1]);
    }
    dc_input in = {0};
    uint32_t *symbols = NULL;
    PyObject *ret = NULL;
    size_t vocab, rows;
    if (read_input(a[0], &in, "decode_steps", "matrix", self->list_dtype, dtype_arg, 1) < 0)
        goto done;
    self->last_copied = in.copied;
    if (matrix_shape(&in, count, "decode_steps", &vocab, &rows) < 0)
        goto done;
    if (count >= 0 && (size_t)count > rows) {
        PyErr_Format(PyExc_ValueError, "decode_steps: count is %zd but matrix has %zu rows", count, rows);
        goto done;
    }
    if (count >= 0)
        rows = (size_t)count;
    symbols = PyMem_Malloc(rows ? rows * 4 : 1);
    if (!symbols) {
        PyErr_NoMemory();
        goto done;
    }
    size_t failed = 0;
    dc_result r = DC_OK;
    static const double nothing[1] = {0}; /* no rows: the library still checks the state */
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    r = dc_coder_decode_steps(c, rows ? in.ptr : (const void *)nothing, in.dtype, vocab ? vocab : 1, rows,
                        symbols, &failed);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (r != DC_OK) {
        if (r == DC_ERR_NOT_DECODING)
            raise_code(r, "decode_steps: the coder is not decoding; call start_decoding(data) first (%s)",
                       dc_result_name(r));
        else
            raise_batch(r, "decode_steps", &in, vocab, failed);
        goto done;
    }
    ret = PyList_New((Py_ssize_t)rows);
    if (!ret)
        goto done;
    for (size_t t = 0; t < rows; t++) {
        PyObject *s = PyLong_FromUnsignedLong(symbols[t]);
        if (!s) {
            Py_CLEAR(ret);
            goto done;
        }
        PyList_SET_ITEM(ret, (Py_ssize_t)t, s);
    }
done:
    PyMem_Free(symbols);
    input_release(&in);
    return ret;
}

static PyObject *coder_reset(Coder *self, PyObject *unused)
{
    (void)unused;
    dc_coder *c = live(self, "reset");
    if (!c)
        return NULL;
    const dc_result r = dc_coder_reset(c);
    if (r != DC_OK)
        return raise_code(r, "reset: %s (%s)", dc_result_string(r), dc_result_name(r));
    Py_RETURN_NONE;
}

static PyObject *coder_close(Coder *self, PyObject *unused)
{
    (void)unused;
    if (self->busy)
        return PyErr_Format(PyExc_RuntimeError, "close: the DistributionCoder is in use by another thread");
    dc_coder_free(self->coder);
    self->coder = NULL;
    Py_RETURN_NONE;
}

static PyObject *return_self(PyObject *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self);
    return self;
}

static PyObject *coder_exit(Coder *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    return coder_close(self, NULL);
}

/* Bench hook: `iterations` dc_coder_encode_step calls (or dc_coder_decode_step when decoding) on the
   distribution, timed in C; returns the seconds. The same buffer the Python call reads. */
static PyObject *coder_c_loop(Coder *self, PyObject *args)
{
    PyObject *dist;
    Py_ssize_t symbol, iterations;
    if (!PyArg_ParseTuple(args, "Onn:_c_loop", &dist, &symbol, &iterations))
        return NULL;
    dc_coder *c = live(self, "_c_loop");
    if (!c)
        return NULL;
    dc_input in = {0};
    if (read_input(dist, &in, "_c_loop", "distribution", self->list_dtype, -1, 0) < 0) {
        input_release(&in);
        return NULL;
    }
    struct timespec t0, t1;
    dc_result r = DC_OK;
    size_t s;
    const int decoding = symbol < 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (Py_ssize_t i = 0; i < iterations && r == DC_OK; i++)
        r = decoding ? dc_coder_decode_step(c, in.ptr, in.dtype, in.len, &s)
                     : dc_coder_encode_step(c, in.ptr, in.dtype, in.len, (size_t)symbol);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    input_release(&in);
    if (r != DC_OK)
        return raise_code(r, "_c_loop: %s (%s)", dc_result_string(r), dc_result_name(r));
    return PyFloat_FromDouble((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
}

static PyObject *coder_get_format(Coder *self, void *unused)
{
    (void)unused;
    return PyUnicode_FromString(format_name(self->format));
}

static PyObject *coder_get_closed(Coder *self, void *unused)
{
    (void)unused;
    return PyBool_FromLong(self->coder == NULL);
}

static PyObject *coder_get_copied(Coder *self, void *unused)
{
    (void)unused;
    return PyBool_FromLong(self->last_copied);
}

static PyMethodDef coder_methods[] = {
    {"encode_step", (PyCFunction)(void (*)(void))coder_encode_step, METH_FASTCALL | METH_KEYWORDS,
     "encode_step(distribution, symbol, dtype=None): encode symbol with distribution."},
    {"decode_step", (PyCFunction)(void (*)(void))coder_decode_step, METH_FASTCALL | METH_KEYWORDS,
     "decode_step(distribution, dtype=None) -> int: decode the next symbol."},
    {"encode_steps", (PyCFunction)(void (*)(void))coder_encode_steps, METH_FASTCALL | METH_KEYWORDS,
     "encode_steps(matrix, symbols, dtype=None): row t with symbols[t]; all or nothing."},
    {"decode_steps", (PyCFunction)(void (*)(void))coder_decode_steps, METH_FASTCALL | METH_KEYWORDS,
     "decode_steps(matrix, count=None, dtype=None) -> list[int]: one symbol per row."},
    {"finish_encoding", (PyCFunction)coder_finish_encoding, METH_NOARGS,
     "finish_encoding() -> bytes: end the stream and return it."},
    {"start_decoding", (PyCFunction)coder_start_decoding, METH_O,
     "start_decoding(data): start decoding a copy of data."},
    {"reset", (PyCFunction)coder_reset, METH_NOARGS, "reset(): back to a fresh encoder."},
    {"close", (PyCFunction)coder_close, METH_NOARGS, "close(): free the coder (idempotent)."},
    {"__enter__", (PyCFunction)return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))coder_exit, METH_FASTCALL, NULL},
    {"_c_loop", (PyCFunction)coder_c_loop, METH_VARARGS, "bench hook"},
    {NULL, NULL, 0, NULL},
};

static PyObject *coder_get_tolerance(Coder *self, void *unused)
{
    (void)unused;
    return PyFloat_FromDouble(self->tolerance);
}

static PyObject *coder_get_input(Coder *self, void *unused)
{
    (void)unused;
    return PyUnicode_FromString(input_name(self->input));
}

static PyObject *coder_get_temperature(Coder *self, void *unused)
{
    (void)unused;
    return PyFloat_FromDouble(self->temperature);
}

static PyGetSetDef coder_getset[] = {
    {"format", (getter)coder_get_format, NULL, "'default' or 'python-0.1'", NULL},
    {"tolerance", (getter)coder_get_tolerance, NULL, "the tolerance given (0.0: exact mode)",
     NULL},
    {"input", (getter)coder_get_input, NULL, "'probabilities' or 'logits'", NULL},
    {"temperature", (getter)coder_get_temperature, NULL,
     "the softmax temperature of logits (1.0 for probabilities)", NULL},
    {"closed", (getter)coder_get_closed, NULL, "True after close()", NULL},
    {"_last_input_copied", (getter)coder_get_copied, NULL, "test hook", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "distribution_coder.DistributionCoder",
    .tp_basicsize = sizeof(Coder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "DistributionCoder(format='default', *, tolerance=0.0, input='probabilities', "
              "temperature=1.0): an arithmetic coder over per-step distributions ('python-0.1' "
              "reads and writes the original package's streams; tolerance > 0 is the tolerant "
              "mode, docs/FORMAT.md section 5; input='logits' takes logits and computes "
              "softmax(logits / temperature) exactly in C, section 6).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)coder_init,
    .tp_dealloc = (destructor)coder_dealloc,
    .tp_methods = coder_methods,
    .tp_getset = coder_getset,
};

/* ---------------------------------------------------------- framed container ---- */

/* model_id: str (UTF-8) or bytes-like -> owned bytes object; NULL + exception on error. */
static PyObject *model_id_bytes(PyObject *o, const char *what)
{
    if (PyUnicode_Check(o))
        return PyUnicode_AsUTF8String(o);
    if (PyObject_CheckBuffer(o))
        return PyBytes_FromObject(o);
    return PyErr_Format(PyExc_TypeError, "%s: model_id must be str or bytes; got %R", what, o);
}

typedef struct {
    PyObject_HEAD
    dc_frame_writer *w;
    int format;
    double tolerance;
    int input;
    double temperature;
    int list_dtype;
    uint32_t steps_per_chunk;
    int streaming;
} FramedEncoder;

static int fenc_init(FramedEncoder *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"format",      "model_id", "steps_per_chunk", "tolerance",
                             "input",       "temperature", "streaming", NULL};
    PyObject *fmt = NULL, *mid = NULL, *tol = NULL, *in = NULL, *temp = NULL;
    Py_ssize_t spc = DC_FRAME_DEFAULT_STEPS_PER_CHUNK;
    int streaming = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOnOOOp:FramedEncoder", kwlist, &fmt, &mid,
                                     &spc, &tol, &in, &temp, &streaming))
        return -1;
    int format, input;
    double tau, temperature;
    if (format_of(fmt, &format) < 0 || tolerance_of(tol, format, "FramedEncoder", &tau) < 0 ||
        input_of(in, temp, format, tau, "FramedEncoder", &input, &temperature) < 0)
        return -1;
    if (spc < 1 || (size_t)spc > DC_FRAME_MAX_STEPS_PER_CHUNK) {
        PyErr_Format(PyExc_ValueError, "FramedEncoder: steps_per_chunk must be 1 to %u; got %zd",
                     (unsigned)DC_FRAME_MAX_STEPS_PER_CHUNK, spc);
        return -1;
    }
    PyObject *id = mid && mid != Py_None ? model_id_bytes(mid, "FramedEncoder") : PyBytes_FromString("");
    if (!id)
        return -1;
    if (PyBytes_GET_SIZE(id) > (Py_ssize_t)DC_FRAME_MAX_MODEL_ID) {
        PyErr_Format(PyExc_ValueError, "FramedEncoder: model_id has %zd bytes, above the maximum %u",
                     PyBytes_GET_SIZE(id), DC_FRAME_MAX_MODEL_ID);
        Py_DECREF(id);
        return -1;
    }
    dc_frame_writer *w = NULL;
    const dc_coder_options opt = coder_options(format, tau, input, temperature);
    const dc_result r = dc_frame_writer_create_with_options(
        &opt, (const uint8_t *)PyBytes_AS_STRING(id), (size_t)PyBytes_GET_SIZE(id), (uint32_t)spc,
        NULL, &w);
    Py_DECREF(id);
    if (r != DC_OK) {
        raise_code(r, "FramedEncoder: %s (%s)", dc_result_string(r), dc_result_name(r));
        return -1;
    }
    if (streaming) /* before any step: cannot fail */
        dc_frame_writer_set_streaming(w);
    dc_frame_writer_free(self->w);
    self->w = w;
    self->streaming = streaming;
    self->format = format;
    self->list_dtype = format == DC_FORMAT_PYTHON_0_1 ? DC_DTYPE_F32 : DC_DTYPE_F64;
    self->steps_per_chunk = (uint32_t)spc;
    self->tolerance = tau;
    self->input = input;
    self->temperature = temperature;
    return 0;
}

static void fenc_dealloc(FramedEncoder *self)
{
    dc_frame_writer_free(self->w);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *fenc_encode_step(FramedEncoder *self, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames)
{
    static const char *const names[] = {"distribution", "symbol", "dtype"};
    PyObject *a[3];
    if (step_args(args, nargs, kwnames, 2, "encode_step", names, a) < 0)
        return NULL;
    if (!self->w)
        return PyErr_Format(PyExc_ValueError, "encode_step: the FramedEncoder is closed");
    const int dtype_arg = parse_dtype_arg(a[2]);
    if (dtype_arg < -1)
        return NULL;
    dc_input in = {0};
    PyObject *ret = NULL;
    size_t symbol;
    if (read_input(a[0], &in, "encode_step", "distribution", self->list_dtype, dtype_arg, 0) < 0)
        goto done;
    if (in.len == 0 || in.len > DC_MAX_VOCAB) {
        PyErr_Format(PyExc_ValueError, "encode_step: distribution has %zu symbols; it needs 1 to %zu",
                     in.len, (size_t)DC_MAX_VOCAB);
        goto done;
    }
    if (read_symbol(a[1], in.len, "encode_step", "symbol", &symbol) < 0)
        goto done;
    const dc_result r = dc_frame_writer_encode_step(self->w, in.ptr, in.dtype, in.len, symbol);
    if (r != DC_OK) {
        raise_step(r, "encode_step", "distribution", in.ptr, in.dtype, in.len);
        goto done;
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    input_release(&in);
    return ret;
}

static PyObject *fenc_finish(FramedEncoder *self, PyObject *unused)
{
    (void)unused;
    if (!self->w)
        return PyErr_Format(PyExc_ValueError, "finish: the FramedEncoder is closed");
    const uint8_t *bytes = NULL;
    size_t size = 0;
    const dc_result r = dc_frame_writer_finish(self->w, &bytes, &size);
    if (r != DC_OK)
        return raise_code(r, "finish: %s (%s)", dc_result_string(r), dc_result_name(r));
    return PyBytes_FromStringAndSize((const char *)bytes, (Py_ssize_t)size);
}

static PyObject *fenc_take(FramedEncoder *self, PyObject *unused)
{
    (void)unused;
    if (!self->w)
        return PyErr_Format(PyExc_ValueError, "take: the FramedEncoder is closed");
    const uint8_t *bytes = NULL;
    size_t size = 0;
    const dc_result r = dc_frame_writer_take(self->w, &bytes, &size);
    if (r != DC_OK)
        return raise_code(r, "take: %s (%s)", dc_result_string(r), dc_result_name(r));
    return PyBytes_FromStringAndSize((const char *)bytes, (Py_ssize_t)size);
}

static PyObject *fenc_close(FramedEncoder *self, PyObject *unused)
{
    (void)unused;
    dc_frame_writer_free(self->w);
    self->w = NULL;
    Py_RETURN_NONE;
}

static PyObject *fenc_exit(FramedEncoder *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    return fenc_close(self, NULL);
}

static PyObject *fenc_get_steps(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(self->w ? dc_frame_writer_steps(self->w) : 0);
}

static PyObject *fenc_get_format(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyUnicode_FromString(format_name(self->format));
}

static PyObject *fenc_get_tolerance(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyFloat_FromDouble(self->tolerance);
}

static PyObject *fenc_get_input(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyUnicode_FromString(input_name(self->input));
}

static PyObject *fenc_get_temperature(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyFloat_FromDouble(self->temperature);
}

static PyObject *fenc_get_spc(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLong(self->steps_per_chunk);
}

static PyObject *fenc_get_streaming(FramedEncoder *self, void *unused)
{
    (void)unused;
    return PyBool_FromLong(self->streaming);
}

static PyMethodDef fenc_methods[] = {
    {"encode_step", (PyCFunction)(void (*)(void))fenc_encode_step, METH_FASTCALL | METH_KEYWORDS,
     "encode_step(distribution, symbol, dtype=None)"},
    {"finish", (PyCFunction)fenc_finish, METH_NOARGS,
     "finish() -> bytes: the container's bytes not yet taken (all of it without take())."},
    {"take", (PyCFunction)fenc_take, METH_NOARGS,
     "take() -> bytes: the bytes completed since the last take (streaming: the header, then "
     "each chunk when it is full; otherwise nothing before finish())."},
    {"close", (PyCFunction)fenc_close, METH_NOARGS, "close(): free the writer (idempotent)."},
    {"__enter__", (PyCFunction)return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))fenc_exit, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef fenc_getset[] = {
    {"steps", (getter)fenc_get_steps, NULL, "steps encoded so far", NULL},
    {"format", (getter)fenc_get_format, NULL, "'default' or 'python-0.1'", NULL},
    {"steps_per_chunk", (getter)fenc_get_spc, NULL, "steps per chunk", NULL},
    {"tolerance", (getter)fenc_get_tolerance, NULL, "the tolerance given (0.0: exact mode)",
     NULL},
    {"streaming", (getter)fenc_get_streaming, NULL, "whether this writes a streaming container",
     NULL},
    {"input", (getter)fenc_get_input, NULL, "'probabilities' or 'logits' (container version 3)",
     NULL},
    {"temperature", (getter)fenc_get_temperature, NULL,
     "the softmax temperature of logits (1.0 for probabilities)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject FramedEncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "distribution_coder.FramedEncoder",
    .tp_basicsize = sizeof(FramedEncoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "FramedEncoder(*, format='default', model_id=b'', steps_per_chunk=4096, "
              "tolerance=0.0, input='probabilities', temperature=1.0, streaming=False): writes "
              "the framed container (docs/FORMAT.md; a tolerance is stored in the header, "
              "container version 2; logits and their temperature, version 3; streaming: a "
              "streaming container whose pieces take() gives as they are made).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)fenc_init,
    .tp_dealloc = (destructor)fenc_dealloc,
    .tp_methods = fenc_methods,
    .tp_getset = fenc_getset,
};

typedef struct {
    PyObject_HEAD
    dc_frame_reader *r;
    int list_dtype;
    uint64_t position;
    dc_frame_info info;
    int have_info; /* the header has arrived (incremental decoders) */
    int ended;     /* the input is complete */
} FramedDecoder;

/* A frame error with .chunk, .first_step, .end_step, .step, .offset (None for the header). */
static void raise_frame(int r, const char *what, const dc_frame_error_info *e)
{
    if (e && e->result != DC_OK && e->chunk != DC_FRAME_NO_CHUNK)
        raise_code(r, "%s: %s (%s) in chunk %llu (steps %llu to %llu, step %llu)", what,
                   dc_result_string(r), dc_result_name(r), (unsigned long long)e->chunk,
                   (unsigned long long)e->first_step, (unsigned long long)e->end_step,
                   (unsigned long long)e->step);
    else if (e && e->result != DC_OK)
        raise_code(r, "%s: %s (%s) at byte %llu", what, dc_result_string(r), dc_result_name(r),
                   (unsigned long long)e->offset);
    else
        raise_code(r, "%s: %s (%s)", what, dc_result_string(r), dc_result_name(r));
    if (!e || e->result == DC_OK)
        return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value) {
        if (e->chunk != DC_FRAME_NO_CHUNK) {
            set_int_attr(value, "chunk", e->chunk);
            set_int_attr(value, "first_step", e->first_step);
            set_int_attr(value, "end_step", e->end_step);
            set_int_attr(value, "step", e->step);
        }
        set_int_attr(value, "offset", e->offset);
    }
    PyErr_Restore(type, value, tb);
}

/* The header fields, once the header has arrived (and the step count, once known). */
static void fdec_read_info(FramedDecoder *self)
{
    if (dc_frame_reader_info(self->r, &self->info) != DC_OK)
        return;
    self->have_info = 1;
    self->list_dtype = self->info.format == DC_FORMAT_PYTHON_0_1 ? DC_DTYPE_F32 : DC_DTYPE_F64;
}

static int fdec_init(FramedDecoder *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"data", "model_id", NULL};
    PyObject *data = NULL, *mid = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$O:FramedDecoder", kwlist, &data, &mid))
        return -1;
    Py_buffer v = {0};
    if (data && (PyUnicode_Check(data) || PyObject_GetBuffer(data, &v, PyBUF_SIMPLE) < 0)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "FramedDecoder: data must be bytes, bytearray or memoryview; got %R",
                     data);
        return -1;
    }
    PyObject *id = NULL; /* None: no model check; absent: the empty id */
    if (!mid)
        id = PyBytes_FromString("");
    else if (mid != Py_None)
        id = model_id_bytes(mid, "FramedDecoder");
    if (mid != Py_None && !id) {
        PyBuffer_Release(&v);
        return -1;
    }
    dc_frame_reader *rd = NULL;
    dc_frame_error_info e;
    memset(&e, 0, sizeof e);
    const uint8_t *idp = id ? (const uint8_t *)PyBytes_AS_STRING(id) : NULL;
    const size_t id_len = id ? (size_t)PyBytes_GET_SIZE(id) : 0;
    /* without data: an incremental decoder (push, end) */
    const dc_result r = data ? dc_frame_reader_create((const uint8_t *)v.buf, (size_t)v.len, idp,
                                                      id_len, NULL, &rd, &e)
                             : dc_frame_reader_create_streaming(idp, id_len, NULL, &rd);
    if (data)
        PyBuffer_Release(&v);
    Py_XDECREF(id);
    if (r != DC_OK) {
        raise_frame(r, "FramedDecoder", data ? &e : NULL);
        return -1;
    }
    dc_frame_reader_free(self->r);
    self->r = rd;
    self->position = 0;
    self->have_info = 0;
    self->ended = data != NULL;
    fdec_read_info(self);
    return 0;
}

static PyObject *fdec_push(FramedDecoder *self, PyObject *data)
{
    if (!self->r)
        return PyErr_Format(PyExc_ValueError, "push: the FramedDecoder is closed");
    Py_buffer v;
    if (PyUnicode_Check(data) || PyObject_GetBuffer(data, &v, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return PyErr_Format(PyExc_TypeError,
                            "push: data must be bytes, bytearray or memoryview; got %R", data);
    }
    const dc_result r = dc_frame_reader_push(self->r, (const uint8_t *)v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    if (r != DC_OK) {
        dc_frame_error_info e;
        dc_frame_reader_error_info(self->r, &e);
        raise_frame(r, "push", &e);
        return NULL;
    }
    fdec_read_info(self);
    Py_RETURN_NONE;
}

static PyObject *fdec_end(FramedDecoder *self, PyObject *unused)
{
    (void)unused;
    if (!self->r)
        return PyErr_Format(PyExc_ValueError, "end: the FramedDecoder is closed");
    const dc_result r = dc_frame_reader_end(self->r);
    if (r != DC_OK) {
        dc_frame_error_info e;
        dc_frame_reader_error_info(self->r, &e);
        raise_frame(r, "end", &e);
        return NULL;
    }
    self->ended = 1;
    Py_RETURN_NONE;
}

static void fdec_dealloc(FramedDecoder *self)
{
    dc_frame_reader_free(self->r);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *fdec_decode_step(FramedDecoder *self, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames)
{
    static const char *const names[] = {"distribution", "dtype"};
    PyObject *a[2];
    if (step_args(args, nargs, kwnames, 1, "decode_step", names, a) < 0)
        return NULL;
    if (!self->r)
        return PyErr_Format(PyExc_ValueError, "decode_step: the FramedDecoder is closed");
    const int dtype_arg = parse_dtype_arg(a[1]);
    if (dtype_arg < -1)
        return NULL;
    dc_input in = {0};
    PyObject *ret = NULL;
    if (read_input(a[0], &in, "decode_step", "distribution", self->list_dtype, dtype_arg, 0) < 0)
        goto done;
    if (in.len == 0 || in.len > DC_MAX_VOCAB) {
        PyErr_Format(PyExc_ValueError, "decode_step: distribution has %zu symbols; it needs 1 to %zu",
                     in.len, (size_t)DC_MAX_VOCAB);
        goto done;
    }
    size_t symbol = 0;
    const dc_result r = dc_frame_reader_decode_step(self->r, in.ptr, in.dtype, in.len, &symbol);
    if (r != DC_OK) {
        if (is_content_error(r)) {
            raise_step(r, "decode_step", "distribution", in.ptr, in.dtype, in.len);
        } else {
            dc_frame_error_info e;
            memset(&e, 0, sizeof e);
            dc_frame_reader_error_info(self->r, &e);
            raise_frame(r, "decode_step", &e);
        }
        goto done;
    }
    self->position++;
    ret = PyLong_FromSize_t(symbol);
done:
    input_release(&in);
    return ret;
}

static PyObject *fdec_close(FramedDecoder *self, PyObject *unused)
{
    (void)unused;
    dc_frame_reader_free(self->r);
    self->r = NULL;
    Py_RETURN_NONE;
}

static PyObject *fdec_exit(FramedDecoder *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    return fdec_close(self, NULL);
}

/* A u64 header count, None while unknown. */
static PyObject *count_or_none(uint64_t v)
{
    if (v == DC_FRAME_UNKNOWN_STEPS)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLongLong(v);
}

static PyObject *fdec_get(FramedDecoder *self, void *which)
{
    const dc_frame_info *i = &self->info;
    const int w = (int)(intptr_t)which;
    if (w == 8)
        return PyLong_FromUnsignedLongLong(self->r ? dc_frame_reader_available_steps(self->r) : 0);
    if (w == 9)
        return PyBool_FromLong(self->ended);
    if (!self->have_info && w != 4) /* before the header: unknown */
        Py_RETURN_NONE;
    switch (w) {
    case 0: return count_or_none(i->steps);
    case 1: return count_or_none(i->chunks);
    case 2: return PyLong_FromUnsignedLong(i->steps_per_chunk);
    case 3: return PyUnicode_FromString(format_name(i->format));
    case 4: return PyLong_FromUnsignedLongLong(self->position);
    case 7: return PyFloat_FromDouble(i->tolerance);
    case 10: return PyUnicode_FromString(input_name(i->input));
    case 11: return PyFloat_FromDouble(i->temperature);
    case 5: { /* a chunk's symbols are verified when its last step is decoded */
        uint64_t v = self->position - self->position % (i->steps_per_chunk ? i->steps_per_chunk : 1);
        return PyLong_FromUnsignedLongLong(self->position == i->steps ? i->steps : v);
    }
    default: {
        if (!self->r)
            return PyErr_Format(PyExc_ValueError, "model_id: the FramedDecoder is closed");
        const uint8_t *id = NULL;
        size_t len = 0;
        const dc_result r = dc_frame_reader_model_id(self->r, &id, &len);
        if (r != DC_OK)
            return raise_code(r, "model_id: %s (%s)", dc_result_string(r), dc_result_name(r));
        return PyBytes_FromStringAndSize((const char *)id, (Py_ssize_t)len);
    }
    }
}

static PyMethodDef fdec_methods[] = {
    {"decode_step", (PyCFunction)(void (*)(void))fdec_decode_step, METH_FASTCALL | METH_KEYWORDS,
     "decode_step(distribution, dtype=None) -> int"},
    {"push", (PyCFunction)fdec_push, METH_O,
     "push(data): append the container's next bytes (incremental decoders); the header's "
     "errors are raised as soon as it is complete, refused bytes are not kept."},
    {"end", (PyCFunction)fdec_end, METH_NOARGS,
     "end(): no more bytes; raises DC_ERR_FRAME_TRUNCATED unless the container is complete."},
    {"close", (PyCFunction)fdec_close, METH_NOARGS, "close(): free the reader (idempotent)."},
    {"__enter__", (PyCFunction)return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))fdec_exit, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef fdec_getset[] = {
    {"steps", (getter)fdec_get, NULL, "steps in the container", (void *)0},
    {"chunks", (getter)fdec_get, NULL, "chunks in the container", (void *)1},
    {"steps_per_chunk", (getter)fdec_get, NULL, "steps per chunk", (void *)2},
    {"format", (getter)fdec_get, NULL, "'default' or 'python-0.1'", (void *)3},
    {"position", (getter)fdec_get, NULL, "steps decoded so far", (void *)4},
    {"verified_steps", (getter)fdec_get, NULL, "steps whose chunk passed its symbols' CRC",
     (void *)5},
    {"model_id", (getter)fdec_get, NULL, "the stored model identifier (bytes)", (void *)6},
    {"tolerance", (getter)fdec_get, NULL,
     "the container's tolerance as used (ceil(tau * 2**32) / 2**32); 0.0: exact mode", (void *)7},
    {"available_steps", (getter)fdec_get, NULL,
     "steps decodable now (their chunk has arrived and passed its data CRC)", (void *)8},
    {"ended", (getter)fdec_get, NULL, "whether the input is complete (end() accepted it)",
     (void *)9},
    {"input", (getter)fdec_get, NULL,
     "'logits' for a version 3 container (decode_step takes logits), else 'probabilities'",
     (void *)10},
    {"temperature", (getter)fdec_get, NULL, "the softmax temperature of logits (1.0 otherwise)",
     (void *)11},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject FramedDecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "distribution_coder.FramedDecoder",
    .tp_basicsize = sizeof(FramedDecoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "FramedDecoder(data=None, *, model_id=b''): reads a framed container; "
              "model_id=None skips the model check. Without data: an incremental decoder fed "
              "with push() and end(); header fields are None until they have arrived.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)fdec_init,
    .tp_dealloc = (destructor)fdec_dealloc,
    .tp_methods = fdec_methods,
    .tp_getset = fdec_getset,
};

/* ------------------------------------------------------------------ module ---- */

static PyObject *mod_crc32(PyObject *m, PyObject *args)
{
    (void)m;
    Py_buffer v;
    unsigned long value = 0;
    if (!PyArg_ParseTuple(args, "y*|k:crc32", &v, &value))
        return NULL;
    const uint32_t crc = dc_crc32((uint32_t)value, v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    return PyLong_FromUnsignedLong(crc);
}

static PyObject *mod_result_name(PyObject *m, PyObject *arg)
{
    (void)m;
    const long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    return PyUnicode_FromString(dc_result_name((int)code));
}

static PyMethodDef module_methods[] = {
    {"crc32", mod_crc32, METH_VARARGS,
     "crc32(data, value=0) -> int: CRC-32 (IEEE, as zlib.crc32) of data, continuing value."},
    {"result_name", mod_result_name, METH_O, "result_name(code) -> str, e.g. 'DC_ERR_NAN'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "distribution_coder._distribution_coder",
    "The C library's coder, framed container and CRC (see distribution_coder).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

static int intern(PyObject **slot, const char *s)
{
    *slot = PyUnicode_InternFromString(s);
    return *slot ? 0 : -1;
}

PyMODINIT_FUNC PyInit__distribution_coder(void)
{
    if (intern(&s_dtype, "dtype") || intern(&s_data_ptr, "data_ptr") ||
        intern(&s_is_contiguous, "is_contiguous") || intern(&s_is_cpu, "is_cpu") || intern(&s_ndim, "ndim") || intern(&s_shape, "shape") ||
        intern(&s_cpu, "cpu") || intern(&s_contiguous, "contiguous") || intern(&s_array, "__array__"))
        return NULL;
    if (PyType_Ready(&CoderType) < 0 || PyType_Ready(&FramedEncoderType) < 0 ||
        PyType_Ready(&FramedDecoderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    PyObject *attrs = Py_BuildValue("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "code", Py_None, "code_name",
                                    Py_None, "step", Py_None, "chunk", Py_None, "first_step",
                                    Py_None, "end_step", Py_None, "offset", Py_None);
    if (!attrs)
        goto fail;
    DCError = PyErr_NewExceptionWithDoc(
        "distribution_coder.DistributionCoderError",
        "A result of the C library: .code (int) and .code_name (e.g. 'DC_ERR_NAN'); for batches "
        ".step; for the framed container .chunk, .first_step, .end_step, .step, .offset.",
        PyExc_ValueError, attrs);
    Py_DECREF(attrs);
    if (!DCError)
        goto fail;
    Py_INCREF(DCError);
    if (PyModule_AddObject(m, "DistributionCoderError", DCError) < 0)
        goto fail;
    Py_INCREF(&CoderType);
    Py_INCREF(&FramedEncoderType);
    Py_INCREF(&FramedDecoderType);
    if (PyModule_AddObject(m, "DistributionCoder", (PyObject *)&CoderType) < 0 ||
        PyModule_AddObject(m, "FramedEncoder", (PyObject *)&FramedEncoderType) < 0 ||
        PyModule_AddObject(m, "FramedDecoder", (PyObject *)&FramedDecoderType) < 0 ||
        PyModule_AddStringConstant(m, "library_version", dc_version_string()) < 0 ||
        PyModule_AddIntConstant(m, "MAX_VOCAB", (long)DC_MAX_VOCAB) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
