/* test_kernels.c: the kernel suite (tests/ref/kernel_suite.c) on the selected devices.
 *
 * With several devices (--devices all --require 2 under POCL_DEVICES="pthread pthread") the
 * suite runs on each and every output must be identical across devices (memcmp of a record of
 * all outputs). Both kernel sets (variants.h: gpu, cpu) run on every device, each
 * against the references. No OpenCL device: the test FAILS.
 * The gpu set's layer norm and attention reduce with subgroups where the device claims them and
 * their start-up self-test passed (dev.h: ocl_dev_subgroups): a device that claims subgroups
 * but runs without them FAILS (the path would go untested), and each device's line says which
 * reductions its gpu set ran. There is no fp16-arithmetic path (test_gate checks the sources).
 * Usage: test_kernels [--devices SPEC] [--require N]
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "selftest/kernel_suite.h"
#include "ref/kutil.h"

/* which reductions the gpu set's layer norm and attention run on dev; fails a claim unused */
static const char *reductions(ocl_dev *dev)
{
    const char *note = NULL;
    ocl_sg_state s = ocl_dev_subgroups(dev, &note);
    CHECK(!dev->desc.subgroups || s == OCL_SG_ON, "device %d (%s) claims subgroups but the "
          "subgroup reductions are not on (%s): their path would go untested",
          dev->desc.index, dev->desc.name, note);
    return s == OCL_SG_ON ? "subgroup reductions" : "work-group reductions (no subgroups)";
}

int main(int argc, char **argv)
{
    ocl_dev *devs[KU_MAX_DEVICES];
    ku_digest dg[KU_MAX_DEVICES];
    int nd = 0;
    memset(dg, 0, sizeof dg);
    CHECK(ku_open_devices(argc, argv, devs, &nd) == 0, "no usable OpenCL device: the kernel suite "
          "needs one (e.g. PoCL: apt-get install pocl-opencl-icd)");
    /* both kernel sets (variants.h) on every device: each against the C references, and
     * bit-identical across devices within a set */
    for (int set = OCL_SET_GPU; set <= OCL_SET_CPU; set++) {
        const char *name = set ? "cpu" : "gpu";
        ocl_variants table;
        ocl_variants_of_set(set, &table);
        for (int i = 0; i < nd; i++) {
            int before = check_failed;
            if (ku_failed(ocl_dev_set_variants(devs[i], &table), "ocl_dev_set_variants")) {
                check_failed++;
                continue;
            }
            memset(&dg[i], 0, sizeof dg[i]);
            kernel_suite_run(devs[i], &dg[i]);
            const char *red = set ? "" : reductions(devs[i]);
            printf("device %d (%s), %s kernel set%s%s: %d failures, %zu output bytes recorded\n",
                   devs[i]->desc.index, devs[i]->desc.name, name,
                   set ? "" : ", layer norm and attention on ", red, check_failed - before,
                   dg[i].len);
        }
        for (int i = 1; i < nd; i++)
            CHECK(dg[i].len == dg[0].len && !memcmp(dg[i].data, dg[0].data, dg[0].len),
                  "%s kernel set: device %d's outputs differ from device %d's (%zu vs %zu bytes)",
                  name, devs[i]->desc.index, devs[0]->desc.index, dg[i].len, dg[0].len);
        if (nd > 1) printf("%s kernel set: outputs identical across %d devices\n", name, nd);
        for (int i = 0; i < nd; i++) ku_digest_free(&dg[i]);
    }
    ku_close_devices(devs, nd);
    return check_summary("test_kernels");
}
