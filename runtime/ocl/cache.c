/* cache.c: the on-disk program binary cache.
 *
 * A file per (source, options, device, driver, platform, format version), named by a hash of
 * that key and holding the full key, so a hash collision or a stale file is detected and ignored.
 * Files are written to a temporary name and renamed into place (atomic on POSIX). Every problem
 * (missing folder, unreadable, truncated, mismatched key, rejected binary) means: build from
 * source. ARDIFF_CACHE=0|off|no disables the cache; ARDIFF_CACHE_DIR moves it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocl.h"

#define CACHE_FORMAT_VERSION 1
static const char MAGIC[8] = {'A', 'R', 'D', 'F', 'B', 'I', 'N', '1'};

uint64_t ocl_hash64(const void *data, size_t len, uint64_t seed)
{
    /* FNV-1a, 64 bit, with a seed folded into the offset basis */
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

const char *ocl_cache_dir(void)
{
    static char dir[4096];
    const char *off = getenv("ARDIFF_CACHE");
    if (off && (!strcmp(off, "0") || !strcasecmp(off, "off") || !strcasecmp(off, "no")))
        return NULL;
    const char *d = getenv("ARDIFF_CACHE_DIR");
    if (d && *d) {
        snprintf(dir, sizeof dir, "%s", d);
        return dir;
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/ardiff", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.cache/ardiff", home);
    else return NULL;
    return dir;
}

void ocl_cache_key(const ocl_dev *dev, const char *text, size_t len, const char *options,
                   char *key, size_t key_len)
{
    snprintf(key, key_len,
             "format=%d\nsource=%016llx%016llx\noptions=%s\ndevice=%s\nvendor=%s\ndriver=%s\n"
             "platform=%s %s\nclc=%s\n",
             CACHE_FORMAT_VERSION, (unsigned long long)ocl_hash64(text, len, 1),
             (unsigned long long)ocl_hash64(text, len, 2), options, dev->desc.name,
             dev->desc.vendor, dev->desc.driver_version, dev->desc.platform,
             dev->desc.platform_version, dev->desc.opencl_c_version);
}

static int cache_path(const char *key, char *path, size_t cap)
{
    const char *dir = ocl_cache_dir();
    if (!dir) return 0;
    snprintf(path, cap, "%s/%016llx.clbin", dir,
             (unsigned long long)ocl_hash64(key, strlen(key), 7));
    return 1;
}

unsigned char *ocl_cache_load(const char *key, size_t *len)
{
    char path[4200];
    if (!cache_path(key, path, sizeof path)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *bin = NULL;
    char magic[8];
    uint64_t klen = 0, blen = 0;
    char *stored = NULL;
    size_t want = strlen(key);
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, MAGIC, 8) || fread(&klen, 8, 1, f) != 1 ||
        klen != want)
        goto done;
    stored = malloc(klen + 1);
    if (!stored || fread(stored, 1, klen, f) != klen || memcmp(stored, key, klen)) goto done;
    if (fread(&blen, 8, 1, f) != 1 || blen == 0 || blen > (1u << 30)) goto done;
    bin = malloc(blen);
    if (!bin || fread(bin, 1, blen, f) != blen) {
        free(bin);
        bin = NULL;
        goto done;
    }
    *len = blen;
done:
    if (!bin) AD_DEBUG("program cache: %s unusable, building from source", path);
    free(stored);
    fclose(f);
    return bin;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return (mkdir(tmp, 0755) == 0 || errno == EEXIST) ? 0 : -1;
}

void ocl_cache_store(const char *key, const unsigned char *bin, size_t len)
{
    char path[4200], tmp[4300];
    if (!cache_path(key, path, sizeof path)) return;
    if (mkdir_p(ocl_cache_dir()) != 0) {
        AD_WARN("program cache: cannot create %s: %s", ocl_cache_dir(), strerror(errno));
        return;
    }
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        AD_WARN("program cache: cannot write in %s: %s", ocl_cache_dir(), strerror(errno));
        return;
    }
    FILE *f = fdopen(fd, "wb");
    uint64_t klen = strlen(key), blen = len;
    int ok = f && fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&klen, 8, 1, f) == 1 &&
             fwrite(key, 1, klen, f) == klen && fwrite(&blen, 8, 1, f) == 1 &&
             fwrite(bin, 1, len, f) == len;
    if (f) ok = (fclose(f) == 0) && ok;
    else close(fd);
    if (!ok || rename(tmp, path) != 0) {
        AD_WARN("program cache: cannot write %s", path);
        unlink(tmp);
        return;
    }
    AD_DEBUG("program cache: stored %s (%zu bytes)", path, len);
}
