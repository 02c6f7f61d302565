/* outfile.c: checked output to standard output or to a file replaced atomically (outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"

#define OUT_PREFIX "ardiff generate"

/* The temporary file, for the signal handler: a static buffer it may read without locks. */
static char g_tmp[4352];
static volatile sig_atomic_t g_have_tmp;
static const int k_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_SIGNALS ((int)(sizeof k_signals / sizeof k_signals[0]))

/* Async-signal-safe: unlink, then the default action again (SA_RESETHAND) and the signal
 * re-raised, so the exit status still says which signal ended the run. */
static void on_signal(int sig)
{
    if (g_have_tmp) unlink(g_tmp);
    raise(sig);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < N_SIGNALS; i++) sigaddset(&sa.sa_mask, k_signals[i]);
    for (int i = 0; i < N_SIGNALS; i++) {
        struct sigaction old;
        /* a signal ignored at start (nohup, a background job) stays ignored */
        if (sigaction(k_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(k_signals[i], &sa, NULL);
    }
}

static const char *out_name(const cli_out *o) { return o->path ? o->path : "standard output"; }

static int fail(cli_out *o, const char *what, int err)
{
    if (!o->reported)
        fprintf(stderr, OUT_PREFIX ": cannot %s %s: %s\n", what, out_name(o), strerror(err));
    o->reported = 1;
    return -1;
}

/* The destination as it is now: -1 after one line if it may not be written. */
static int check_destination(cli_out *o)
{
    struct stat sb;
    if (lstat(o->path, &sb) != 0) {
        if (errno == ENOENT) return 0;
        return fail(o, "write", errno);
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, OUT_PREFIX ": %s is %s, not a regular file; ardiff writes only regular "
                "files (--force does not replace it)\n", o->path, ad_file_kind(sb.st_mode));
        return o->reported = 1, -1;
    }
    if (!o->force) {
        fprintf(stderr, OUT_PREFIX ": %s exists; use --force to overwrite it\n", o->path);
        return o->reported = 1, -1;
    }
    o->replacing = 1;
    o->mode = sb.st_mode & 0777;
    o->uid = sb.st_uid;
    o->gid = sb.st_gid;
    return 0;
}

/* A temporary file just created is closed and removed after a failure (errno: the cause). */
static int drop_new(cli_out *o, int fd, const char *what)
{
    int err = errno;
    close(fd);
    unlink(g_tmp);
    g_have_tmp = 0;
    return fail(o, what, err);
}

/* Creates the temporary file with the signals held off, so none finds it unrecorded. */
static int create_tmp(cli_out *o)
{
    sigset_t block, old;
    sigemptyset(&block);
    for (int i = 0; i < N_SIGNALS; i++) sigaddset(&block, k_signals[i]);
    install_handlers();
    int fd = -1;
    for (unsigned n = 0; fd < 0 && n < 100; n++) {
        int len = snprintf(g_tmp, sizeof g_tmp, "%s.tmp.%ld.%u", o->path, (long)getpid(), n);
        if (len < 0 || (size_t)len >= sizeof g_tmp) return fail(o, "write", ENAMETOOLONG);
        sigprocmask(SIG_BLOCK, &block, &old);
        fd = open(g_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        g_have_tmp = fd >= 0;
        int err = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (fd < 0 && err != EEXIST) return fail(o, "write next to", err);
    }
    if (fd < 0) return fail(o, "write next to", EEXIST);
    if (o->replacing) {
        if ((o->uid != geteuid() || o->gid != getegid()) && fchown(fd, o->uid, o->gid) != 0) {
            /* best effort: only root may give a file away; it stays ours, with the old mode */
        }
        if (fchmod(fd, o->mode) != 0) return drop_new(o, fd, "set the mode of a file next to");
    }
    if (!(o->f = fdopen(fd, "w"))) return drop_new(o, fd, "write");
    return 0;
}

int cli_out_open(cli_out *o, const char *path, int force)
{
    memset(o, 0, sizeof *o);
    o->force = force;
    o->f = stdout;
    if (!path || !strcmp(path, "-")) return 0;
    o->path = path;
    if (!*path) {
        fprintf(stderr, OUT_PREFIX ": --output is an empty path\n");
        return o->reported = 1, -1;
    }
    if (check_destination(o) != 0) return -1;
    return create_tmp(o);
}

int cli_out_line(cli_out *o, const char *text)
{
    if (o->reported) return -1;
    if (fputs(text, o->f) == EOF || putc('\n', o->f) == EOF) return fail(o, "write", errno);
    return 0;
}

int cli_out_flush(cli_out *o)
{
    if (o->reported) return -1;
    if (fflush(o->f) != 0 || ferror(o->f)) return fail(o, "write", errno ? errno : EIO);
    return 0;
}

static void discard_tmp(cli_out *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    unlink(g_tmp);
    g_have_tmp = 0;
}

/* Without --force: link() never replaces a file that appeared while ardiff ran; where links
 * are not supported, a last look and rename(). */
static int commit_new(cli_out *o)
{
    struct stat sb;
    if (link(g_tmp, o->path) == 0) {
        unlink(g_tmp);
        g_have_tmp = 0;
        return 0;
    }
    if (errno == EEXIST || lstat(o->path, &sb) == 0) {
        g_have_tmp = 0; /* the output stays where the message says */
        fprintf(stderr, OUT_PREFIX ": %s was created by someone else while generating; the "
                "output is in %s\n", o->path, g_tmp);
        return o->reported = 1, -1;
    }
    if (rename(g_tmp, o->path) != 0) return fail(o, "write", errno);
    g_have_tmp = 0;
    return 0;
}

/* --force: the destination must still be a regular file (or gone). */
static int commit_replace(cli_out *o)
{
    struct stat sb;
    if (lstat(o->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        g_have_tmp = 0;
        fprintf(stderr, OUT_PREFIX ": %s became %s while generating; not replaced, the output "
                "is in %s\n", o->path, ad_file_kind(sb.st_mode), g_tmp);
        return o->reported = 1, -1;
    }
    if (rename(g_tmp, o->path) != 0) return fail(o, "write", errno);
    g_have_tmp = 0;
    return 0;
}

int cli_out_close(cli_out *o, int ok)
{
    if (!o->path) return ok ? cli_out_flush(o) : -1;
    if (!o->f) return -1;
    if (!ok || cli_out_flush(o) != 0) {
        discard_tmp(o);
        return -1;
    }
    int err = fsync(fileno(o->f)) != 0 ? errno : 0;
    if (err == EINVAL || err == EROFS) err = 0; /* a file system without fsync */
    if (fclose(o->f) != 0 && !err) err = errno;
    o->f = NULL;
    if (err) {
        discard_tmp(o);
        return fail(o, "write", err);
    }
    int rc = o->replacing ? commit_replace(o) : commit_new(o);
    if (rc != 0 && g_have_tmp) discard_tmp(o);
    return rc;
}
