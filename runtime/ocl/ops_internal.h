/* ops_internal.h: what the ops_*.c launchers share (argument packing, launching, range checks).
 * Private to runtime/ocl: it includes the OpenCL headers. */
#ifndef ARDIFF_OCL_OPS_INTERNAL_H
#define ARDIFF_OCL_OPS_INTERNAL_H

#include <limits.h>

#include "ocl.h"
#include "ops.h"

/* The -D options the program must be built with on this device ("-DWG=64 ..."): part of
 * ocl_dev_open's start-up sequence (dev.h). */
ardiff_status ops_build_options(const ardiff_device_desc *desc, char *buf, size_t n);

/* Launches every kernel once on tiny buffers and waits (PoCL compiles per local size on first
 * launch): the last step of ocl_dev_open. */
ardiff_status ops_warmup(ocl_dev *dev);

/* one kernel argument: size and address of its value */
typedef struct ops_arg {
    size_t size;
    const void *ptr;
} ops_arg;

/* The compound literals live until the end of the enclosing block: build the ops_arg array
 * and launch in the same block. */
#define OA_BUF(b) ((ops_arg){sizeof(cl_mem), &(b)->mem})
#define OA_INT(x) ((ops_arg){sizeof(cl_int), &(cl_int){(cl_int)(x)}})
#define OA_UINT(x) ((ops_arg){sizeof(cl_uint), &(cl_uint){(cl_uint)(x)}})
#define OA_FLOAT(x) ((ops_arg){sizeof(cl_float), &(cl_float){(cl_float)(x)}})
#define OA_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* How the x dimension of the NDRange is formed from nx. */
typedef enum ops_grid {
    OPS_ITEMS,  /* nx work items, rounded up to a multiple of the work-group size */
    OPS_GROUPS  /* nx whole work groups */
} ops_grid;

/* Sets the arguments of kernel `name` and enqueues it with global (x, ny), local (WG, 1),
 * where WG is the kernel's compiled reqd_work_group_size. No clFinish. */
ardiff_status ops_launch(ocl_dev *dev, const char *name, ops_grid grid, size_t nx, size_t ny,
                         const ops_arg *args, int nargs);

/* Checks that the [outer, mid, inner] view at off (strides s_outer, s_mid, elements of
 * elem_size bytes) lies inside b, and that every index fits a kernel int. what names the
 * tensor in the message. An empty view (a zero count) always passes. */
ardiff_status ops_check_view(const ocl_dev *dev, const char *op, const char *what,
                             const ocl_buf *b, size_t off, size_t outer, size_t s_outer,
                             size_t mid, size_t s_mid, size_t inner, size_t elem_size);

/* [rows, cols] with leading dim ld (float) */
#define OPS_CHECK_2D(dev, op, what, b, off, rows, ld, cols) \
    AD_TRY(ops_check_view((dev), (op), (what), (b), (off), (size_t)(rows), (ld), 1, 0, \
                          (size_t)(cols), sizeof(float)))

/* Fails unless lo <= v <= hi, naming the argument and its value. */
ardiff_status ops_check_range(const char *op, const char *what, long long v, long long lo,
                              long long hi);

#endif
