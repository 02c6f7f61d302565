/* st_writer.h: a tiny .safetensors writer for tests (valid files, and raw bytes for corrupt
 * ones). Names, dtypes and metadata are written into the JSON header verbatim: use plain ASCII
 * without quotes or backslashes. Tensors are laid out back to back in the order added. */
#ifndef ARDIFF_TESTS_ST_WRITER_H
#define ARDIFF_TESTS_ST_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct stw stw;

stw *stw_new(void);
void stw_free(stw *w);
/* Adds a tensor; data (nbytes) is copied. dtype is the file's string ("F32", "BF16", ...). */
void stw_add(stw *w, const char *name, const char *dtype, int rank, const int64_t *shape,
             const void *data, size_t nbytes);
void stw_meta(stw *w, const char *key, const char *value);
/* Serialises to a malloc'd buffer (header padded with spaces to a multiple of 8, as the Python
 * library does). Returns NULL on allocation failure. */
uint8_t *stw_serialize(const stw *w, size_t *size);
/* Writes the file; 0 on success. */
int stw_write(const stw *w, const char *path);

/* Writes `len_field` as the u64 LE header length, then header (hlen bytes), then data. */
int stw_write_raw(const char *path, uint64_t len_field, const char *header, size_t hlen,
                  const void *data, size_t nbytes);
/* Writes n bytes as they are. */
int stw_write_bytes(const char *path, const void *bytes, size_t n);

#endif
