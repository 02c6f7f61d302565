/* fuzz_util.c: the harnesses' shared helpers (see fuzz_util.h). */
#define _GNU_SOURCE /* memfd_create */
#include "fuzz_util.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void fuzz_file_init(fuzz_file *f, const char *name)
{
    if (f->path[0])
        return;
    f->fd = memfd_create(name, MFD_CLOEXEC);
    if (f->fd >= 0) {
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
        if (access(f->path, R_OK) == 0)
            return;
        close(f->fd);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(f->path, sizeof f->path, "%s/ardiff-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    f->fd = mkstemp(f->path);
    if (f->fd < 0) {
        fprintf(stderr, "fuzz: cannot create a file for %s: %s\n", name, strerror(errno));
        abort();
    }
}

void fuzz_file_set(fuzz_file *f, const uint8_t *data, size_t size)
{
    if (ftruncate(f->fd, 0) != 0) {
        fprintf(stderr, "fuzz: ftruncate %s: %s\n", f->path, strerror(errno));
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(f->fd, data + done, size - done, (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "fuzz: write %s: %s\n", f->path, strerror(errno));
            abort();
        }
        done += (size_t)w;
    }
}

static void drop_log(ardiff_log_level level, const char *msg, void *user)
{
    (void)level;
    (void)msg;
    (void)user;
}

void fuzz_quiet_log(void) { ardiff_set_log(drop_log, NULL); }

const char *fuzz_fixture(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("ARDIFF_FIXTURES");
#ifdef ARDIFF_FUZZ_FIXTURES
    if (!dir || !*dir)
        dir = ARDIFF_FUZZ_FIXTURES;
#endif
    if (!dir || !*dir) {
        fprintf(stderr, "fuzz: set ARDIFF_FIXTURES to the tests/fixtures folder\n");
        abort();
    }
    snprintf(buf, sizeof buf, "%s/%s", dir, rel);
    return buf;
}

void fuzz_check_message(ardiff_status s)
{
    const char *m = ardiff_last_error();
    FUZZ_CHECK(s != ARDIFF_OK, "a failure check on success");
    FUZZ_CHECK(m && *m, "status %s without a message", ardiff_status_name(s));
    for (const char *p = m; *p; p++) /* no line break, no terminal escape from a hostile file */
        FUZZ_CHECK((unsigned char)*p >= 0x20 ? *p != 0x7f : *p == '\t',
                   "control byte 0x%02x at %d in the message: %s", (unsigned)(unsigned char)*p,
                   (int)(p - m), m);
}
