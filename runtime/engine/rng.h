/* rng.h: the ardiff random stream on the host (docs/rng.md), bit-identical to cl/common.cl's
 * rng_normal4 and to tools/ardiff_ref/rng.py.
 *
 * A normal variate is addressed by (seed, input, candidate, step, position, channel); one
 * Philox4x32-10 call gives the four channels 4b..4b+3 of block b = channel >> 2.
 */
#ifndef ARDIFF_ENGINE_RNG_H
#define ARDIFF_ENGINE_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Philox4x32-10: ctr[4], key[2] -> out[4] (Salmon et al., SC'11; Random123's constants). */
void rng_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Two words -> two standard normals (binary32 +, -, * only; see docs/rng.md). */
void rng_box_muller(uint32_t a, uint32_t b, float *n0, float *n1);

/* The four normals of channels 4*block .. 4*block+3. position must be < 65536. */
void rng_normal4(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step,
                 uint32_t position, uint32_t block, float out[4]);

/* One normal at full coordinates. */
float rng_normal(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step,
                 uint32_t position, uint32_t channel);

/* out[n * dim + c] = rng_normal(seed, input, candidate, step, n, c) for n < n_pos, c < dim:
 * the noise of one (input, candidate, step), [n_pos, dim]. Returns 0, or -1 when
 * n_pos > 65536 or dim > 4 * 65536 (the counter layout has no room). */
int rng_fill(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step, size_t n_pos,
             size_t dim, float *out);

#endif
