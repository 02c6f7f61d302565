/* devmem.h: does a generation's device memory fit the device? Checked before anything is
 * allocated, so that a plan too large for the device gets one error naming the setting to
 * lower instead of a failed (or, in some implementations, aborting) allocation halfway through.
 *
 * The caller lists every buffer it will create (forward.c: weights, activations, CLBlast's
 * temporary buffer, and the sampler's buffers from sampler.c), each tagged with what makes it
 * grow. Pure arithmetic over the device's
 * description: no OpenCL call.
 */
#ifndef ARDIFF_ENGINE_DEVMEM_H
#define ARDIFF_ENGINE_DEVMEM_H

#include <stddef.h>

#include "ardiff.h"

typedef enum ad_mem_scale {
    AD_MEM_FIXED = 0, /* depends on the model only */
    AD_MEM_WEIGHTS,   /* the stored weights: fp16 storage halves them */
    AD_MEM_SOURCES,   /* grows with the batch (sources encoded together) */
    AD_MEM_ROWS       /* grows with batch x candidates (decoder rows) */
} ad_mem_scale;

typedef struct ad_mem_item {
    const char *name;
    size_t bytes;
    ad_mem_scale scale;
} ad_mem_item;

/* Fails with ARDIFF_E_OOM when an item is larger than the device's single-allocation limit
 * (CL_DEVICE_MAX_MEM_ALLOC_SIZE) or all items together exceed its global memory
 * (CL_DEVICE_GLOBAL_MEM_SIZE). The one-line message names the device, the largest item (or the
 * totals) with sizes, the limit, and what to lower: the candidates or the batch (--candidates,
 * --batch) when items that grow with them are involved, else the weight storage. batch and
 * candidates are the plan's (sources, candidates per source). */
ardiff_status ad_devmem_check(const ardiff_device_desc *dev, const ad_mem_item *items, int n,
                              int batch, int candidates);

/* "1.50 GiB", "36.2 MiB", "512 bytes": for messages. */
void ad_devmem_format(double bytes, char *buf, size_t cap);

#endif
