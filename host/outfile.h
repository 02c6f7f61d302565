/* outfile.h: where `ardiff generate` writes its lines: standard output, or a file that appears
 * whole or not at all (docs/failures.md states the guarantees).
 *
 * A file is written to a temporary file next to it ("<path>.tmp.<pid>.<n>", created O_EXCL):
 * mode 0666 minus the umask, as any new file gets, or, when --force replaces a file, that
 * file's mode (and, where permitted, its owner and group). Only when every line was written,
 * flushed and synced does it take the destination's name; until then the user's file is
 * untouched. On any failure, and on SIGINT, SIGTERM or SIGHUP, the temporary file is removed.
 * Without --force an existing destination is refused, and one created by someone else while
 * ardiff ran is not overwritten (the output is kept in the temporary file, named in the error);
 * with --force only a regular file is replaced, never a symbolic link, FIFO, device or
 * directory. Every write is checked: the first failure stops the run with one line naming the
 * file and the error, and a non-zero exit.
 */
#ifndef ARDIFF_HOST_OUTFILE_H
#define ARDIFF_HOST_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

typedef struct cli_out {
    FILE *f;          /* stdout or the temporary file */
    const char *path; /* the destination; NULL: standard output */
    int force;        /* --force: replace an existing regular file */
    int replacing;    /* path existed (a regular file) when the run began */
    mode_t mode;      /* replacing: the mode to keep */
    uid_t uid;        /* replacing: owner and group to keep where permitted */
    gid_t gid;
    int reported;     /* a failure line was printed already */
} cli_out;

/* path NULL or "-": standard output. Prints one line and returns -1 when path may not be
 * written (exists without --force, not a regular file, no permission, ...). */
int cli_out_open(cli_out *o, const char *path, int force);

/* Writes text and a newline. Returns -1 (after printing one line) once a write failed. */
int cli_out_line(cli_out *o, const char *text);

/* Pushes buffered lines to the file (after each batch). -1 (one line printed) on failure. */
int cli_out_flush(cli_out *o);

/* ok: flushes, syncs and renames the temporary file over the destination (or checks that
 * standard output took every byte); !ok: removes the temporary file. Returns 0, or -1 after
 * printing one line (nothing is printed when a failure was already reported). */
int cli_out_close(cli_out *o, int ok);

#endif
