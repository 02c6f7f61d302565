/* file.c: checked opening and bounded reading of the files ardiff reads (see file.h). */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

const char *ad_file_kind(mode_t mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* "1 MiB", "64 GiB", "1.5 KiB", "300 bytes" */
static void fmt_bytes(uint64_t n, char *buf, size_t cap)
{
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%llu bytes", (unsigned long long)n);
        return;
    }
    double v = (double)n / 1024;
    int u = 0;
    while (v >= 1024 && u < 3) v /= 1024, u++;
    snprintf(buf, cap, v == (double)(uint64_t)v ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static ardiff_status too_large(const char *path, const char *what, uint64_t size, uint64_t max)
{
    char got[32], lim[32];
    fmt_bytes(size, got, sizeof got);
    fmt_bytes(max, lim, sizeof lim);
    return ad_fail(ARDIFF_E_FORMAT, "%s: %s of %s exceeds the %s limit", path, what, got, lim);
}

/* A FIFO passed the check while opened non-blocking (*fd): open it again, blocking, as a reader
 * expects (open waits for a writer). The first descriptor stays open until then, so what a
 * writer sends meanwhile is not dropped; both must be the same FIFO. */
static ardiff_status reopen_stream(const char *path, const char *what, const struct stat *sb,
                                   int *fd)
{
    int f = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    int err = errno;
    close(*fd);
    *fd = -1;
    if (f < 0) return ad_fail(ARDIFF_E_IO, "%s: cannot open: %s", path, strerror(err));
    struct stat now;
    if (fstat(f, &now) != 0 || now.st_dev != sb->st_dev || now.st_ino != sb->st_ino) {
        close(f);
        return ad_fail(ARDIFF_E_IO, "%s: %s changed while being opened", path, what);
    }
    *fd = f;
    return ARDIFF_OK;
}

ardiff_status ad_file_open(const char *path, const char *what, uint64_t max, int flags, int *fd,
                           uint64_t *size)
{
    *fd = -1;
    *size = 0;
    if (!path) return ad_fail(ARDIFF_E_INVALID_ARG, "ad_file_open: path is NULL");
    int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f < 0) return ad_fail(ARDIFF_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    ardiff_status s = ARDIFF_OK;
    if (fstat(f, &sb) != 0)
        s = ad_fail(ARDIFF_E_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (S_ISFIFO(sb.st_mode) && (flags & AD_FILE_STREAM_OK))
        s = reopen_stream(path, what, &sb, &f);
    else if (!S_ISREG(sb.st_mode))
        s = ad_fail(ARDIFF_E_IO, "%s: %s is %s, not a regular file", path, what,
                    ad_file_kind(sb.st_mode));
    else if ((uint64_t)sb.st_size > max)
        s = too_large(path, what, (uint64_t)sb.st_size, max);
    else if (fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) != 0)
        s = ad_fail(ARDIFF_E_IO, "%s: cannot clear O_NONBLOCK: %s", path, strerror(errno));
    if (s != ARDIFF_OK) {
        if (f >= 0) close(f);
        return s;
    }
    *fd = f;
    *size = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    return ARDIFF_OK;
}

ardiff_status ad_file_check(const char *path, const char *what, uint64_t max)
{
    int fd;
    uint64_t size;
    AD_TRY(ad_file_open(path, what, max, 0, &fd, &size));
    close(fd);
    return ARDIFF_OK;
}

/* One read(), retried on EINTR; a descriptor left non-blocking by someone else waits in poll. */
static ssize_t read_some(int fd, char *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) return -1;
    }
}

static ardiff_status over_limit(const char *name, uint64_t max)
{
    char lim[32];
    fmt_bytes(max, lim, sizeof lim);
    return ad_fail(ARDIFF_E_FORMAT, "%s: larger than the %s limit", name, lim);
}

static ardiff_status nul_byte(const char *name, const char *buf, const char *nul)
{
    long line = 1;
    for (const char *p = buf; p < nul; p++) line += *p == '\n';
    return ad_fail(ARDIFF_E_FORMAT, "%s line %ld: contains a NUL byte", name, line);
}

ardiff_status ad_file_read_fd(int fd, const char *name, uint64_t max, int text, char **data,
                              size_t *size)
{
    *data = NULL;
    *size = 0;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    ardiff_status s = ARDIFF_OK;
    while (buf && s == ARDIFF_OK) {
        if (n == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (!bigger) break;
            buf = bigger;
            cap *= 2;
        }
        size_t want = cap - n;
        if ((uint64_t)want > max + 1 - n) want = (size_t)(max + 1 - n); /* n <= max here */
        ssize_t r = read_some(fd, buf + n, want);
        if (r < 0) {
            s = ad_fail(ARDIFF_E_IO, "%s: read error after %zu bytes: %s", name, n,
                        strerror(errno));
        } else if (r == 0) {
            break;
        } else {
            const char *nul = text ? memchr(buf + n, '\0', (size_t)r) : NULL;
            n += (size_t)r;
            if (nul) s = nul_byte(name, buf, nul);
            else if ((uint64_t)n > max) s = over_limit(name, max);
        }
    }
    if (s == ARDIFF_OK && !buf) s = ad_fail(ARDIFF_E_OOM, "%s: out of memory reading it", name);
    if (s == ARDIFF_OK && buf && n == cap) /* realloc failed with the buffer full */
        s = ad_fail(ARDIFF_E_OOM, "%s: out of memory after %zu bytes", name, n);
    if (s != ARDIFF_OK) {
        free(buf);
        return s;
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return ARDIFF_OK;
}

ardiff_status ad_file_read(const char *path, const char *what, uint64_t max, char **data,
                           size_t *size)
{
    int fd;
    uint64_t sz;
    AD_TRY(ad_file_open(path, what, max, 0, &fd, &sz));
    ardiff_status s = ad_file_read_fd(fd, path, max, 0, data, size);
    close(fd);
    return s;
}
