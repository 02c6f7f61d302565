/* safetensors.h: a read-only, validating reader for .safetensors files.
 *
 * Layout of the format: u64 little-endian header length H, then H bytes of UTF-8 JSON (an
 * object: tensor name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an optional
 * "__metadata__" object of strings), then the data section; offsets are relative to its start.
 *
 * ad_st_open maps the file and checks everything a hostile file could get wrong (lengths,
 * UTF-8, JSON, types, dtypes, shapes, offsets, overlaps, duplicates) before returning; a bad
 * file fails with ARDIFF_E_FORMAT and one line naming the file, the tensor or key and the value.
 * After a successful open every tensor's data lies inside the file and its size matches
 * shape x dtype, so callers need not re-check.
 *
 * Tensor data pointers point into the mapping and MAY BE UNALIGNED (the format does not align
 * tensors): read them with memcpy or ad_st_read_f32, never by casting to float *.
 */
#ifndef ARDIFF_ENGINE_SAFETENSORS_H
#define ARDIFF_ENGINE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "ardiff.h"

#define AD_ST_MAX_RANK 8
#define AD_ST_MAX_NAME 256               /* bytes, longest tensor name */
#define AD_ST_MAX_HEADER (100u << 20)    /* 100 MiB: anything larger is not a real header */

typedef enum ad_st_dtype {
    AD_ST_BOOL,
    AD_ST_U8,
    AD_ST_I8,
    AD_ST_F8_E5M2,
    AD_ST_F8_E4M3,
    AD_ST_I16,
    AD_ST_U16,
    AD_ST_F16,
    AD_ST_BF16,
    AD_ST_I32,
    AD_ST_U32,
    AD_ST_F32,
    AD_ST_F64,
    AD_ST_I64,
    AD_ST_U64,
    AD_ST_DTYPE_COUNT,
    /* Only as the expected dtype of ad_st_expect: any of F32, F16, BF16. */
    AD_ST_ANY_FLOAT = 100
} ad_st_dtype;

/* "F32", "BF16", ... ("?" for an invalid value). */
const char *ad_st_dtype_name(ad_st_dtype d);
/* Bytes per element (0 for an invalid value). */
size_t ad_st_dtype_size(ad_st_dtype d);

typedef struct ad_st_tensor {
    const char *name;               /* owned by the ad_safetensors */
    ad_st_dtype dtype;
    int rank;                       /* 0..AD_ST_MAX_RANK (0: a scalar, one element) */
    int64_t shape[AD_ST_MAX_RANK];  /* unused entries are 0 */
    uint64_t numel;                 /* product of shape (1 for a scalar) */
    size_t nbytes;                  /* numel * dtype size == end - begin */
    uint64_t offset;                /* byte offset of the data from the start of the file */
    const void *data;               /* into the mapping; possibly unaligned */
} ad_st_tensor;

typedef struct ad_safetensors ad_safetensors;

/* Opens and validates path. Missing/unreadable file: ARDIFF_E_IO; malformed: ARDIFF_E_FORMAT. */
ardiff_status ad_st_open(const char *path, ad_safetensors **out);
/* Unmaps and frees; accepts NULL. Tensor and name pointers die with it. */
void ad_st_free(ad_safetensors *st);

const char *ad_st_path(const ad_safetensors *st);
int ad_st_count(const ad_safetensors *st);
/* The i-th tensor in name order (strcmp), 0 <= i < count; NULL when out of range. */
const ad_st_tensor *ad_st_at(const ad_safetensors *st, int i);
/* The tensor called name, or NULL. */
const ad_st_tensor *ad_st_find(const ad_safetensors *st, const char *name);
/* The value of a "__metadata__" key, or NULL. */
const char *ad_st_metadata(const ad_safetensors *st, const char *key);

/* Looks up name and checks its dtype (AD_ST_ANY_FLOAT accepts F32/F16/BF16), rank and the
 * `rank` dims given as int varargs (a dim of -1 matches any size). Fails with ARDIFF_E_FORMAT:
 *   "model.safetensors: tensor 'decoder.x.weight' has shape [3, 4], expected [4, 4]"
 * out may be NULL; on success *out is the tensor. */
ardiff_status ad_st_expect(const ad_safetensors *st, const char *name, ad_st_dtype dtype,
                           const ad_st_tensor **out, int rank, ...);

/* Converts a F32, F16 or BF16 tensor to numel floats at dst (exact for all three).
 * Other dtypes: ARDIFF_E_UNSUPPORTED naming the tensor. */
ardiff_status ad_st_read_f32(const ad_st_tensor *t, float *dst);

/* Scalar conversions. half/bf16 -> float are exact (subnormals, inf, NaN included);
 * float -> half/bf16 round to nearest, ties to even; overflow gives inf; NaN stays NaN. */
float ad_f16_to_f32(uint16_t h);
uint16_t ad_f32_to_f16(float f);
float ad_bf16_to_f32(uint16_t b);
uint16_t ad_f32_to_bf16(float f);

#endif
