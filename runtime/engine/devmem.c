/* devmem.c: the device memory check of a generation plan (devmem.h). */
#include "devmem.h"

#include <stdio.h>

#include "core/error.h"

void ad_devmem_format(double bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024.0) {
        snprintf(buf, cap, "%.0f bytes", bytes);
        return;
    }
    int u = -1;
    while (bytes >= 1024.0 && u < 3) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, cap, bytes < 10.0 ? "%.2f %s" : "%.1f %s", bytes, units[u]);
}

/* what to lower for memory that grows as `scale` */
static const char *remedy(ad_mem_scale scale)
{
    switch (scale) {
    case AD_MEM_ROWS: return "lower the candidates (--candidates) or the batch (--batch)";
    case AD_MEM_SOURCES: return "lower the batch (--batch)";
    case AD_MEM_WEIGHTS: return "the model is too large for this device (fp16 weight storage, "
                                "--precision fp16, halves its weights)";
    default: return "the model is too large for this device";
    }
}

static ardiff_status over_single(const ardiff_device_desc *dev, const ad_mem_item *it,
                                 int batch, int candidates)
{
    char need[32], lim[32];
    ad_devmem_format((double)it->bytes, need, sizeof need);
    ad_devmem_format((double)dev->max_alloc, lim, sizeof lim);
    return ad_fail(ARDIFF_E_OOM, "device %d (%s): the %s buffer for %d inputs x %d candidates "
                   "needs %s (%zu bytes), over the device's single-allocation limit of %s; %s",
                   dev->index, dev->name, it->name, batch, candidates, need, it->bytes, lim,
                   remedy(it->scale));
}

static ardiff_status over_total(const ardiff_device_desc *dev, const size_t *by_scale,
                                size_t total, int batch, int candidates)
{
    char t[32], g[32], w[32], s[32], r[32];
    ad_devmem_format((double)total, t, sizeof t);
    ad_devmem_format((double)dev->global_mem, g, sizeof g);
    ad_devmem_format((double)(by_scale[AD_MEM_WEIGHTS] + by_scale[AD_MEM_FIXED]), w, sizeof w);
    ad_devmem_format((double)by_scale[AD_MEM_SOURCES], s, sizeof s);
    ad_devmem_format((double)by_scale[AD_MEM_ROWS], r, sizeof r);
    /* the weights alone too large: no setting of the run helps; else what grows the most */
    size_t model = by_scale[AD_MEM_WEIGHTS] + by_scale[AD_MEM_FIXED];
    ad_mem_scale worst = (uint64_t)model > dev->global_mem ? AD_MEM_WEIGHTS
                         : by_scale[AD_MEM_ROWS] ? AD_MEM_ROWS : AD_MEM_SOURCES;
    return ad_fail(ARDIFF_E_OOM, "device %d (%s): %d inputs x %d candidates need %s of device "
                   "memory (weights and constants %s, per-batch buffers %s, per-candidate "
                   "buffers %s), more than the device's %s; %s", dev->index, dev->name, batch,
                   candidates, t, w, s, r, g, remedy(worst));
}

ardiff_status ad_devmem_check(const ardiff_device_desc *dev, const ad_mem_item *items, int n,
                              int batch, int candidates)
{
    size_t by_scale[AD_MEM_ROWS + 1] = {0}, total = 0;
    int largest = 0;
    for (int i = 1; i < n; i++)
        if (items[i].bytes > items[largest].bytes) largest = i;
    if (n > 0 && (uint64_t)items[largest].bytes > dev->max_alloc)
        return over_single(dev, &items[largest], batch, candidates);
    for (int i = 0; i < n; i++) {
        by_scale[items[i].scale] += items[i].bytes;
        total += items[i].bytes; /* no overflow: each item <= max_alloc, n small */
    }
    if ((uint64_t)total > dev->global_mem)
        return over_total(dev, by_scale, total, batch, candidates);
    return ARDIFF_OK;
}
