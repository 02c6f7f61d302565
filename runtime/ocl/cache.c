/* cache.c: the on-disk program binary cache.
 *
 * A file per (source, options, device, driver, platform, format version), named by a hash of
 * that key and holding the full key, so a hash collision or a stale file is detected and ignored.
 * Files are written to a temporary name and renamed into place (atomic on POSIX). Every problem
 * (missing folder, unreadable, truncated, mismatched key, rejected binary) means: build from
 * source. ARDIFF_CACHE=0|off|no disables the cache; ARDIFF_CACHE_DIR moves it.
 *
 * File layout (format 2; integers are native-endian uint64, the cache never leaves the machine):
 *
 *   magic "ARDFBIN2" | key length | binary length | digest | key | binary
 *
 * The digest is FNV-1a-64 (seeded) over everything else in the file, in file order, digest
 * field left out. It is checked before a binary reaches the driver: a corrupt binary handed to
 * clCreateProgramWithBinary can crash an implementation (PoCL asserts on flipped bytes), and the
 * crash would repeat on every start. A file that fails the check (wrong magic, wrong size, wrong
 * digest) is deleted with one warning and the program is built from source and stored again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocl.h"

#define CACHE_FORMAT_VERSION 2
static const char MAGIC[8] = {'A', 'R', 'D', 'F', 'B', 'I', 'N', '2'};
#define HEADER_BYTES 32            /* magic, key length, binary length, digest */
#define DIGEST_AT 24               /* offset of the digest in the header */
#define DIGEST_SEED 11
#define MAX_BINARY ((uint64_t)1 << 30)

/* FNV-1a, 64 bit, continued from h */
static uint64_t fnv1a_update(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* the seed folded into FNV's offset basis */
static uint64_t fnv1a_basis(uint64_t seed)
{
    return 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
}

uint64_t ocl_hash64(const void *data, size_t len, uint64_t seed)
{
    return fnv1a_update(fnv1a_basis(seed), data, len);
}

/* digest of a file image: header without its digest field, then key and binary */
static uint64_t entry_digest(const unsigned char *header, const void *key, size_t klen,
                             const void *bin, size_t blen)
{
    uint64_t h = fnv1a_update(fnv1a_basis(DIGEST_SEED), header, DIGEST_AT);
    h = fnv1a_update(h, key, klen);
    return fnv1a_update(h, bin, blen);
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

/* Reads the whole file at path (a regular file of at most max bytes) into *data. */
static int read_entry(const char *path, unsigned char **data, size_t *size, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat sb;
    unsigned char *buf = NULL;
    int ok = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
             (uint64_t)sb.st_size <= max;
    if (ok) buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
    ok = ok && buf && fread(buf, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size;
    fclose(f);
    if (!ok) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = (size_t)sb.st_size;
    return 0;
}

/* NULL if the image is a whole, intact entry, else what is wrong with it */
static const char *entry_problem(const unsigned char *d, size_t size, uint64_t *klen,
                                 uint64_t *blen)
{
    uint64_t digest;
    if (size < HEADER_BYTES || memcmp(d, MAGIC, 8)) return "not a format-2 cache entry";
    memcpy(klen, d + 8, 8);
    memcpy(blen, d + 16, 8);
    memcpy(&digest, d + DIGEST_AT, 8);
    if (*klen > size || *blen > size || HEADER_BYTES + *klen + *blen != size || *blen == 0)
        return "lengths do not match the file size";
    const unsigned char *key = d + HEADER_BYTES;
    if (entry_digest(d, key, (size_t)*klen, key + *klen, (size_t)*blen) != digest)
        return "checksum mismatch";
    return NULL;
}

unsigned char *ocl_cache_load(const char *key, size_t *len)
{
    char path[4200];
    if (!cache_path(key, path, sizeof path)) return NULL;
    unsigned char *d = NULL;
    size_t size = 0;
    if (read_entry(path, &d, &size, HEADER_BYTES + 65536 + MAX_BINARY) != 0) {
        AD_DEBUG("program cache: no usable %s, building from source", path);
        return NULL;
    }
    uint64_t klen = 0, blen = 0;
    const char *problem = entry_problem(d, size, &klen, &blen);
    if (problem) {
        /* corrupt: never hand it to the driver, and do not meet it again on the next start */
        AD_WARN("program cache: %s is damaged (%s); deleted, building the kernels from source",
                path, problem);
        unlink(path);
        free(d);
        return NULL;
    }
    if (klen != strlen(key) || memcmp(d + HEADER_BYTES, key, klen)) {
        AD_DEBUG("program cache: %s holds another key, building from source", path);
        free(d);
        return NULL;
    }
    memmove(d, d + HEADER_BYTES + klen, (size_t)blen); /* the binary, to the start */
    *len = (size_t)blen;
    return d;
}

int ocl_mkdir_p(const char *dir)
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
    if (!cache_path(key, path, sizeof path) || (uint64_t)len > MAX_BINARY) return;
    if (ocl_mkdir_p(ocl_cache_dir()) != 0) {
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
    unsigned char header[HEADER_BYTES];
    uint64_t klen = strlen(key), blen = len;
    memcpy(header, MAGIC, 8);
    memcpy(header + 8, &klen, 8);
    memcpy(header + 16, &blen, 8);
    uint64_t digest = entry_digest(header, key, (size_t)klen, bin, len);
    memcpy(header + DIGEST_AT, &digest, 8);
    int ok = f && fwrite(header, 1, HEADER_BYTES, f) == HEADER_BYTES &&
             fwrite(key, 1, klen, f) == klen && fwrite(bin, 1, len, f) == len;
    if (f) ok = (fclose(f) == 0) && ok;
    else close(fd);
    if (!ok || rename(tmp, path) != 0) {
        AD_WARN("program cache: cannot write %s", path);
        unlink(tmp);
        return;
    }
    AD_DEBUG("program cache: stored %s (%zu bytes)", path, len);
}
