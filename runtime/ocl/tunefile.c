/* tunefile.c: the stored kernel tuning of a device (tune.h), beside the program cache.
 *
 * One text file per key, `<cache dir>/<FNV-1a of the key>.tune`:
 *
 *   ardiff kernel tuning, format 1
 *   tune-format=1                 <- the key: format, source hash, build options, device,
 *   source=...                       vendor, driver, platform, OpenCL C version (the program
 *   ...                              cache's key fields)
 *   measured-on: k=10 N=32 S=32 h=128 heads=8 ff=512 d=64 V=6000 (bundled defaults)
 *   table: gemm_nt=tiled attention=item layernorm=item clamp=fused clamp_splits=2
 *   time: gemm_nt: clblast 40.1 ms, tiled 2.3 ms -> tiled     (what was measured; not read)
 *   ...
 *   digest: 0123456789abcdef      <- FNV-1a-64 (seeded) of every byte above this line
 *
 * Written to a temporary name and renamed (or linked, for first-writer-wins) into place.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocl.h"
#include "tune.h"

#define TUNE_FORMAT 1
#define MAGIC_LINE "ardiff kernel tuning, format 1\n"
#define DIGEST_TAG "digest: "
#define DIGEST_SEED 13
#define MAX_FILE 65536

static void tune_key(const ocl_dev *dev, char *key, size_t cap)
{
    snprintf(key, cap,
             "tune-format=%d\nsource=%016llx%016llx\noptions=%s\ndevice=%s\nvendor=%s\n"
             "driver=%s\nplatform=%s %s\nclc=%s\n",
             TUNE_FORMAT, (unsigned long long)dev->source_hash[0],
             (unsigned long long)dev->source_hash[1], dev->options, dev->desc.name,
             dev->desc.vendor, dev->desc.driver_version, dev->desc.platform,
             dev->desc.platform_version, dev->desc.opencl_c_version);
}

int ocl_tune_path(const ocl_dev *dev, char *path, size_t cap)
{
    const char *dir = ocl_cache_dir();
    if (!dir) return 0;
    char key[4096];
    tune_key(dev, key, sizeof key);
    snprintf(path, cap, "%s/%016llx.tune", dir,
             (unsigned long long)ocl_hash64(key, strlen(key), 17));
    return 1;
}

/* the whole file (a regular file of at most MAX_FILE bytes), NUL-terminated; NULL if absent */
static char *read_text(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat sb;
    char *buf = NULL;
    int ok = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
             sb.st_size <= MAX_FILE;
    if (ok) buf = malloc((size_t)sb.st_size + 1);
    ok = ok && buf && fread(buf, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size;
    fclose(f);
    if (!ok) {
        free(buf);
        return NULL;
    }
    buf[sb.st_size] = '\0';
    *size = (size_t)sb.st_size;
    return buf;
}

/* the value of the line starting with tag, copied into out (NULL if no such line) */
static const char *line_value(const char *text, const char *tag, char *out, size_t cap)
{
    size_t tl = strlen(tag);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, tag, tl)) continue;
        const char *v = p + tl, *e = strchr(v, '\n');
        size_t n = e ? (size_t)(e - v) : strlen(v);
        if (n >= cap) return NULL;
        memcpy(out, v, n);
        out[n] = '\0';
        return out;
    }
    return NULL;
}

/* NULL if text is an intact tuning file, else what is wrong (damaged) */
static const char *file_problem(const char *text, size_t size)
{
    if (strlen(text) != size) return "not text";
    if (strncmp(text, MAGIC_LINE, strlen(MAGIC_LINE))) return "not a format-1 tuning file";
    const char *d = NULL;
    for (const char *p = strstr(text, "\n" DIGEST_TAG); p; p = strstr(p + 1, "\n" DIGEST_TAG))
        d = p + 1;
    if (!d) return "no digest line (truncated?)";
    unsigned long long want = 0;
    char tail[8];
    if (sscanf(d + strlen(DIGEST_TAG), "%16llx%7s", &want, tail) != 1 ||
        strlen(d) != strlen(DIGEST_TAG) + 17 || text[size - 1] != '\n')
        return "bad digest line (truncated?)";
    if (ocl_hash64(text, (size_t)(d - text), DIGEST_SEED) != want) return "checksum mismatch";
    return NULL;
}

int ocl_tune_load(const ocl_dev *dev, ocl_variants *t, char *shapes, size_t shapes_cap)
{
    char path[4200], key[4096], line[1024];
    if (!ocl_tune_path(dev, path, sizeof path)) return 0;
    size_t size = 0;
    char *text = read_text(path, &size);
    if (!text) {
        if (access(path, F_OK) == 0)
            AD_WARN("kernel tuning: %s is unreadable or too large; ignored, using the type "
                    "defaults", path);
        return 0;
    }
    tune_key(dev, key, sizeof key);
    const char *problem = file_problem(text, size);
    ocl_variants v = *t;
    if (!problem && strncmp(text + strlen(MAGIC_LINE), key, strlen(key))) {
        /* left in place (it may be someone's), so said once per process, not at every open */
        static _Atomic uint64_t warned;
        uint64_t h = ocl_hash64(path, strlen(path), 3) | 1;
        if (atomic_exchange(&warned, h) != h)
            AD_WARN("kernel tuning: %s holds another device's, driver's or kernel version's "
                    "table; ignored, using the type defaults", path);
        free(text);
        return 0;
    }
    if (!problem && !line_value(text, "table: ", line, sizeof line)) problem = "no table line";
    if (!problem && ocl_variants_parse(line, &v) != ARDIFF_OK) problem = "unknown table entry";
    if (problem) {
        AD_WARN("kernel tuning: %s is damaged (%s); deleted, using the type defaults", path,
                problem);
        unlink(path);
        free(text);
        return 0;
    }
    if (shapes && shapes_cap && !line_value(text, "measured-on: ", shapes, shapes_cap))
        snprintf(shapes, shapes_cap, "?");
    free(text);
    *t = v;
    AD_DEBUG("kernel tuning: loaded %s", path);
    return 1;
}

/* the file's text for dev and r; malloc'd */
static char *compose(const ocl_dev *dev, const ocl_tune_shapes *s, const ocl_tune_result *r)
{
    size_t cap = MAX_FILE;
    char *buf = malloc(cap), key[4096], table[256], shp[256];
    if (!buf) return NULL;
    char *report = malloc(8192);
    if (!report || ocl_variants_format(&r->table, table, sizeof table) != ARDIFF_OK) {
        free(report);
        free(buf);
        return NULL;
    }
    tune_key(dev, key, sizeof key);
    ocl_tune_shapes_format(s, shp, sizeof shp);
    ocl_tune_report(r, report, 8192);
    int n = snprintf(buf, cap, MAGIC_LINE "%smeasured-on: %s (%s)\ntable: %s\n", key, shp,
                     s->what, table);
    for (char *p = report; n > 0 && (size_t)n < cap && *p;) {
        char *e = strchr(p, '\n');
        int len = e ? (int)(e - p) : (int)strlen(p);
        n += snprintf(buf + n, cap - (size_t)n, "time: %.*s\n", len, p);
        p += len + (e != NULL);
    }
    free(report);
    if (n <= 0 || (size_t)n + 64 >= cap) {
        free(buf);
        return NULL;
    }
    snprintf(buf + n, cap - (size_t)n, DIGEST_TAG "%016llx\n",
             (unsigned long long)ocl_hash64(buf, (size_t)n, DIGEST_SEED));
    return buf;
}

ardiff_status ocl_tune_store(const ocl_dev *dev, const ocl_tune_shapes *s,
                             const ocl_tune_result *r, int replace, ocl_variants *adopted,
                             int *was_adopted)
{
    char path[4200], tmp[4300];
    if (was_adopted) *was_adopted = 0;
    if (!ocl_tune_path(dev, path, sizeof path))
        return ad_fail(ARDIFF_E_INVALID_ARG, "kernel tuning: the program cache is off "
                       "(ARDIFF_CACHE), nowhere to store the table");
    if (ocl_mkdir_p(ocl_cache_dir()) != 0)
        return ad_fail(ARDIFF_E_IO, "kernel tuning: cannot create %s: %s", ocl_cache_dir(),
                       strerror(errno));
    char *text = compose(dev, s, r);
    if (!text) return ad_fail(ARDIFF_E_OOM, "kernel tuning: cannot compose the file");
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(text);
        return ad_fail(ARDIFF_E_IO, "kernel tuning: cannot write in %s: %s", ocl_cache_dir(),
                       strerror(errno));
    }
    size_t len = strlen(text);
    FILE *f = fdopen(fd, "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f) ok = fclose(f) == 0 && ok;
    else close(fd);
    free(text);
    if (ok && !replace) {
        /* first valid table wins: a concurrent first run may have stored one already */
        if (link(tmp, path) == 0) {
            unlink(tmp);
            return ARDIFF_OK;
        }
        ocl_variants theirs = r->table;
        if (errno == EEXIST && adopted && ocl_tune_load(dev, &theirs, NULL, 0)) {
            unlink(tmp);
            *adopted = theirs;
            if (was_adopted) *was_adopted = 1;
            return ARDIFF_OK;
        }
    }
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return ad_fail(ARDIFF_E_IO, "kernel tuning: cannot write %s: %s", path, strerror(e));
    }
    return ARDIFF_OK;
}
