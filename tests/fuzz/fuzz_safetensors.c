/* fuzz_safetensors.c: any bytes as model.safetensors (runtime/engine/safetensors.c).
 *
 * The reader must refuse a bad file with one line, and after a successful open every promise of
 * safetensors.h must hold: tensors sorted by name and findable, data inside the file, sizes equal
 * to shape x dtype, no two tensors sharing a byte. Every float tensor is read (ASan sees any
 * byte outside the mapping) and ad_st_expect runs on each tensor with its own shape and a wrong
 * one.
 */
#include <string.h>

#include "engine/safetensors.h"
#include "fuzz_util.h"

static fuzz_file g_file;

static void check_tensor(const ad_safetensors *st, const ad_st_tensor *t, uint64_t file_size,
                         float *buf, size_t buf_n)
{
    FUZZ_CHECK(ad_st_find(st, t->name) == t, "'%s' not found by name", t->name);
    FUZZ_CHECK(t->rank >= 0 && t->rank <= AD_ST_MAX_RANK, "rank %d", t->rank);
    uint64_t numel = 1;
    for (int i = 0; i < t->rank; i++) {
        FUZZ_CHECK(t->shape[i] >= 0, "negative dim");
        numel *= (uint64_t)t->shape[i];
    }
    FUZZ_CHECK(numel == t->numel, "numel %llu, shape says %llu", (unsigned long long)t->numel,
               (unsigned long long)numel);
    FUZZ_CHECK(t->nbytes == t->numel * ad_st_dtype_size(t->dtype), "nbytes");
    FUZZ_CHECK(t->offset <= file_size && t->nbytes <= file_size - t->offset, "data past the end");
    int is_float = t->dtype == AD_ST_F32 || t->dtype == AD_ST_F16 || t->dtype == AD_ST_BF16;
    if (t->numel <= buf_n) {
        ardiff_status s = ad_st_read_f32(t, buf);
        FUZZ_CHECK((s == ARDIFF_OK) == is_float, "read_f32 of %s", ad_st_dtype_name(t->dtype));
        if (s != ARDIFF_OK)
            fuzz_check_message(s);
    }
    if (t->rank <= 2) { /* its own shape passes, one more dim fails */
        int d0 = t->rank > 0 ? (int)t->shape[0] : 0, d1 = t->rank > 1 ? (int)t->shape[1] : 0;
        if (t->shape[0] <= INT32_MAX && t->shape[1] <= INT32_MAX) {
            const ad_st_tensor *got = NULL;
            ardiff_status s = ad_st_expect(st, t->name, t->dtype, &got, t->rank, d0, d1);
            FUZZ_CHECK(s == ARDIFF_OK && got == t, "expect with its own shape: %s",
                       ardiff_last_error());
        }
        ardiff_status s = ad_st_expect(st, t->name, t->dtype, NULL, t->rank + 1, d0, d1, 1);
        FUZZ_CHECK(s != ARDIFF_OK, "expect with a higher rank passed");
        fuzz_check_message(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_init(&g_file, "model.safetensors");
    fuzz_file_set(&g_file, data, size);
    ad_safetensors *st = NULL;
    ardiff_status s = ad_st_open(g_file.path, &st);
    if (s != ARDIFF_OK) {
        FUZZ_CHECK(st == NULL, "failed open returned a handle");
        FUZZ_CHECK(s == ARDIFF_E_FORMAT || s == ARDIFF_E_IO, "status %s", ardiff_status_name(s));
        fuzz_check_message(s);
        return 0;
    }
    static float buf[1 << 16];
    int n = ad_st_count(st);
    const ad_st_tensor *prev = NULL;
    uint64_t covered = 0;
    for (int i = 0; i < n; i++) {
        const ad_st_tensor *t = ad_st_at(st, i);
        FUZZ_CHECK(t != NULL, "tensor %d of %d missing", i, n);
        FUZZ_CHECK(!prev || strcmp(prev->name, t->name) < 0, "not sorted or duplicate names");
        check_tensor(st, t, size, buf, sizeof buf / sizeof buf[0]);
        covered += t->nbytes;
        prev = t;
    }
    FUZZ_CHECK(covered <= size, "tensors cover %llu bytes of a %zu-byte file",
               (unsigned long long)covered, size); /* no overlaps: the sum fits */
    FUZZ_CHECK(ad_st_at(st, n) == NULL && ad_st_at(st, -1) == NULL, "ad_st_at out of range");
    FUZZ_CHECK(ad_st_find(st, "") == NULL, "a tensor without a name");
    (void)ad_st_metadata(st, "format");
    ad_st_free(st);
    return 0;
}
