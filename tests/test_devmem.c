/* test_devmem.c: the device memory check of a generation plan (engine/devmem.h) on made-up
 * devices: a plan that fits passes; one buffer over the single-allocation limit, or all of them
 * over the global memory, fail with ARDIFF_E_OOM and a message naming the buffer or the totals,
 * the numbers and the setting to lower. Needs no OpenCL device. */
#include <string.h>

#include "check.h"
#include "engine/devmem.h"

#define MiB ((size_t)1 << 20)

static ardiff_device_desc device(uint64_t global, uint64_t max_alloc)
{
    ardiff_device_desc d;
    memset(&d, 0, sizeof d);
    d.index = 3;
    strcpy(d.name, "test device");
    d.global_mem = global;
    d.max_alloc = max_alloc;
    return d;
}

static int has(const char *needle)
{
    return strstr(ardiff_last_error(), needle) != NULL;
}

static void test_fits(void)
{
    ardiff_device_desc d = device(1024 * MiB, 256 * MiB);
    ad_mem_item it[] = {{"weights", 100 * MiB, AD_MEM_WEIGHTS},
                        {"decoder feed-forward", 256 * MiB, AD_MEM_ROWS},
                        {"encoder states", 10 * MiB, AD_MEM_SOURCES}};
    CHECK(ad_devmem_check(&d, it, 3, 8, 10) == ARDIFF_OK, "a plan at the limits fits: %s",
          ardiff_last_error());
    CHECK(ad_devmem_check(&d, it, 0, 8, 10) == ARDIFF_OK, "an empty plan fits");
}

static void test_single(void)
{
    ardiff_device_desc d = device(1024 * MiB, 256 * MiB);
    ad_mem_item it[] = {{"decoder z", 257 * MiB, AD_MEM_ROWS},
                        {"decoder feed-forward", 300 * MiB, AD_MEM_ROWS}};
    CHECK(ad_devmem_check(&d, it, 2, 8, 4096) == ARDIFF_E_OOM, "one buffer over max alloc");
    CHECK(has("decoder feed-forward") && !has("decoder z"), "names the largest: %s",
          ardiff_last_error());
    CHECK(has("--candidates") && has("--batch"), "names the settings: %s", ardiff_last_error());
    CHECK(has("8 inputs x 4096 candidates") && has("300.0 MiB") && has("256.0 MiB") &&
              has("device 3 (test device)"), "gives the numbers and the device: %s",
          ardiff_last_error());
    CHECK(!strchr(ardiff_last_error(), '\n'), "one line");
    ad_mem_item src[] = {{"encoder feed-forward", 257 * MiB, AD_MEM_SOURCES}};
    CHECK(ad_devmem_check(&d, src, 1, 8, 1) == ARDIFF_E_OOM, "batch buffer over max alloc");
    CHECK(has("--batch") && !has("--candidates"), "batch buffer: lower --batch only: %s",
          ardiff_last_error());
    ad_mem_item w[] = {{"weights", 257 * MiB, AD_MEM_WEIGHTS}};
    CHECK(ad_devmem_check(&d, w, 1, 1, 1) == ARDIFF_E_OOM, "weights over max alloc");
    CHECK(has("--precision fp16") && !has("--candidates"), "weights: fp16 storage: %s",
          ardiff_last_error());
}

static void test_total(void)
{
    ardiff_device_desc d = device(1024 * MiB, 256 * MiB);
    ad_mem_item it[] = {{"weights", 200 * MiB, AD_MEM_WEIGHTS},
                        {"a", 250 * MiB, AD_MEM_ROWS}, {"b", 250 * MiB, AD_MEM_ROWS},
                        {"c", 250 * MiB, AD_MEM_ROWS}, {"d", 100 * MiB, AD_MEM_SOURCES}};
    CHECK(ad_devmem_check(&d, it, 5, 2, 512) == ARDIFF_E_OOM, "sum over global memory");
    CHECK(has("1.03 GiB") && has("1.00 GiB") && has("750.0 MiB") && has("--candidates"),
          "totals and the settings: %s", ardiff_last_error());
    ad_mem_item big[] = {{"weights", 250 * MiB, AD_MEM_WEIGHTS},
                         {"more weights", 250 * MiB, AD_MEM_WEIGHTS},
                         {"and more", 250 * MiB, AD_MEM_WEIGHTS},
                         {"and more", 250 * MiB, AD_MEM_WEIGHTS},
                         {"and more", 250 * MiB, AD_MEM_WEIGHTS},
                         {"rows", 1 * MiB, AD_MEM_ROWS}};
    CHECK(ad_devmem_check(&d, big, 6, 1, 1) == ARDIFF_E_OOM, "weights over global memory");
    CHECK(has("--precision fp16"), "weights too large: no run setting helps: %s",
          ardiff_last_error());
}

static void test_format(void)
{
    char b[32];
    ad_devmem_format(512, b, sizeof b);
    CHECK(!strcmp(b, "512 bytes"), "%s", b);
    ad_devmem_format(1536.0 * 1024 * 1024, b, sizeof b);
    CHECK(!strcmp(b, "1.50 GiB"), "%s", b);
    ad_devmem_format(36.2 * 1024 * 1024, b, sizeof b);
    CHECK(!strcmp(b, "36.2 MiB"), "%s", b);
}

int main(void)
{
    test_fits();
    test_single();
    test_total();
    test_format();
    return check_summary("devmem");
}
