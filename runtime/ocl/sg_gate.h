/* sg_gate.h: the start-up self-test of the subgroup reductions (sg_gate.c), run by
 * ocl_dev_open on a program built with -DUSE_SUBGROUPS (dev.h: ocl_dev_subgroups). Private
 * to runtime/ocl. */
#ifndef ARDIFF_OCL_SG_GATE_H
#define ARDIFF_OCL_SG_GATE_H

#include <stddef.h>

#include "ocl.h"

/* Runs layer norm and attention (variant group, whatever dev's table) on small shapes against
 * the plain-C references. *passed = 1 when both are within the kernel suite's tolerances; why
 * gets the measured errors (or why the test could not run, which counts as failed). Returns
 * ARDIFF_OK unless the arguments are unusable: a failed test is a refusal, not an error. */
ardiff_status ocl_sg_selftest(ocl_dev *dev, int *passed, char *why, size_t why_len);

#endif
