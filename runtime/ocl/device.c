/* device.c: the flat device list across all platforms (choosing from it: select.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES_PER_PLATFORM 64

static void str_info(cl_device_id d, cl_device_info what, char *out, size_t cap)
{
    out[0] = '\0';
    if (clGetDeviceInfo(d, what, cap, out, NULL) != CL_SUCCESS)
        snprintf(out, cap, "?");
    out[cap - 1] = '\0';
    /* trim trailing blanks some drivers leave */
    for (size_t n = strlen(out); n && isspace((unsigned char)out[n - 1]); n--)
        out[n - 1] = '\0';
}

static void describe(cl_platform_id p, cl_device_id d, int index, ardiff_device_desc *o)
{
    memset(o, 0, sizeof *o);
    o->index = index;
    clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof o->platform, o->platform, NULL);
    clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof o->platform_version, o->platform_version, NULL);
    o->platform[sizeof o->platform - 1] = o->platform_version[sizeof o->platform_version - 1] = 0;
    str_info(d, CL_DEVICE_VENDOR, o->vendor, sizeof o->vendor);
    str_info(d, CL_DEVICE_NAME, o->name, sizeof o->name);
    str_info(d, CL_DEVICE_OPENCL_C_VERSION, o->opencl_c_version, sizeof o->opencl_c_version);
    str_info(d, CL_DRIVER_VERSION, o->driver_version, sizeof o->driver_version);

    cl_device_type t = 0;
    clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, NULL);
    snprintf(o->type, sizeof o->type, "%s",
             (t & CL_DEVICE_TYPE_GPU) ? "gpu" : (t & CL_DEVICE_TYPE_CPU) ? "cpu"
             : (t & CL_DEVICE_TYPE_ACCELERATOR) ? "accelerator" : "other");
    cl_uint cu = 0, align_bits = 0;
    cl_ulong gm = 0, lm = 0, ma = 0;
    size_t wg = 0;
    clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gm, &gm, NULL);
    clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lm, &lm, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ma, &ma, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    clGetDeviceInfo(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL);
    o->compute_units = cu;
    o->global_mem = gm;
    o->local_mem = lm;
    o->max_alloc = ma;
    o->max_work_group = wg;
    o->base_addr_align = align_bits / 8;

    size_t ext_len = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_len) == CL_SUCCESS && ext_len) {
        char *ext = malloc(ext_len + 1);
        if (ext && clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, ext_len, ext, NULL) == CL_SUCCESS) {
            ext[ext_len] = '\0';
            o->fp16 = strstr(ext, "cl_khr_fp16") != NULL;
            o->subgroups = strstr(ext, "cl_khr_subgroups") || strstr(ext, "cl_intel_subgroups");
        }
        free(ext);
    }
}

ardiff_status ocl_enumerate(ardiff_device_desc **descs, cl_platform_id **platforms,
                            cl_device_id **ids, int *count)
{
    *descs = NULL;
    *count = 0;
    if (platforms) *platforms = NULL;
    if (ids) *ids = NULL;

    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && np == 0))
        return ad_fail(ARDIFF_E_NO_PLATFORM,
                       "no OpenCL platform found: install a driver (for the CPU: apt-get install "
                       "pocl-opencl-icd) and check /etc/OpenCL/vendors/");
    if (err != CL_SUCCESS)
        return ocl_fail(err, "clGetPlatformIDs", __FILE__, __LINE__, NULL);
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;

    int cap = MAX_PLATFORMS * MAX_DEVICES_PER_PLATFORM;
    ardiff_device_desc *d = calloc((size_t)cap, sizeof *d);
    cl_platform_id *pl = calloc((size_t)cap, sizeof *pl);
    cl_device_id *di = calloc((size_t)cap, sizeof *di);
    if (!d || !pl || !di) {
        free(d); free(pl); free(di);
        return ad_fail(ARDIFF_E_OOM, "out of host memory listing devices");
    }
    int n = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_device_id devs[MAX_DEVICES_PER_PLATFORM];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES_PER_PLATFORM, devs, &nd) !=
            CL_SUCCESS)
            continue; /* a platform without devices is not an error */
        if (nd > MAX_DEVICES_PER_PLATFORM) nd = MAX_DEVICES_PER_PLATFORM;
        for (cl_uint i = 0; i < nd; i++) {
            describe(plats[p], devs[i], n, &d[n]);
            pl[n] = plats[p];
            di[n] = devs[i];
            n++;
        }
    }
    if (n == 0) {
        free(d); free(pl); free(di);
        return ad_fail(ARDIFF_E_NO_DEVICE, "OpenCL platforms found (%u) but no device in any of "
                       "them", np);
    }
    *descs = d;
    *count = n;
    if (platforms) *platforms = pl; else free(pl);
    if (ids) *ids = di; else free(di);
    return ARDIFF_OK;
}

ardiff_status ardiff_devices_list(ardiff_device_desc **out, int *count)
{
    return ocl_enumerate(out, NULL, NULL, count);
}
